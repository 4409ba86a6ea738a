#include "mime/text.h"

#include <cstdint>

#include "base/ascii.h"
#include "mime/body_parts.h"
#include "mime/body_text.h"

namespace redoubt::mime {
namespace {

void append_code_point(std::uint32_t cp, std::string& out) {
  if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xc0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xe0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(char(0xf0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(char(0x80 | (cp & 0x3f)));
  }
}

struct NamedReference {
  std::string_view name;
  std::uint32_t code_point;
};
constexpr NamedReference kReferences[] = {
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},
    {"apos", '\''},    {"nbsp", 0xa0},    {"copy", 0xa9},    {"reg", 0xae},
    {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201c}, {"rdquo", 0x201d},
    {"bull", 0x2022},  {"euro", 0x20ac},  {"pound", 0xa3},   {"yen", 0xa5},
    {"cent", 0xa2},    {"deg", 0xb0},     {"middot", 0xb7},  {"laquo", 0xab},
    {"raquo", 0xbb},   {"eacute", 0xe9},  {"egrave", 0xe8},  {"agrave", 0xe0},
    {"ccedil", 0xe7},  {"uuml", 0xfc},    {"ouml", 0xf6},    {"auml", 0xe4},
    {"szlig", 0xdf},   {"times", 0xd7},   {"shy", 0xad},
};

// Decodes the character reference at html[i] == '&'; returns bytes consumed (0 if none).
std::size_t decode_reference(std::string_view html, std::size_t i, std::string& out) {
  std::size_t semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10 || semi == i + 1) return 0;
  std::string_view body = html.substr(i + 1, semi - i - 1);
  if (body[0] == '#') {
    std::uint32_t cp = 0;
    bool hex = body.size() > 1 && (body[1] == 'x' || body[1] == 'X');
    std::string_view digits = body.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    for (char c : digits) {
      int v = ascii::is_digit(c) ? c - '0'
              : (hex && ascii::to_lower(c) >= 'a' && ascii::to_lower(c) <= 'f')
                  ? ascii::to_lower(c) - 'a' + 10
                  : -1;
      if (v < 0) return 0;
      cp = cp * (hex ? 16 : 10) + std::uint32_t(v);
      if (cp > 0x10ffff) cp = 0x110000;
    }
    append_code_point(cp, out);
    return semi - i + 1;
  }
  for (const NamedReference& r : kReferences) {
    if (body == r.name) {
      append_code_point(r.code_point, out);
      return semi - i + 1;
    }
  }
  return 0;
}

bool is_block_tag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {"p",  "div", "br", "li", "tr", "h1", "h2",
                                                 "h3", "h4",  "h5", "h6", "table", "blockquote"};
  for (std::string_view b : kBlocks) {
    if (ascii::iequals(name, b)) return true;
  }
  return false;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  std::size_t i = 0;
  while (i < html.size()) {
    char c = html[i];
    if (c == '&') {
      std::size_t used = decode_reference(html, i, out);
      if (used == 0) {
        out.push_back('&');
        ++i;
      } else {
        i += used;
      }
      continue;
    }
    if (c != '<') {
      out.push_back(c);
      ++i;
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    std::size_t close = html.find('>', i + 1);
    if (close == std::string_view::npos) break;
    std::string_view tag = html.substr(i + 1, close - i - 1);
    bool end_tag = !tag.empty() && tag[0] == '/';
    if (end_tag) tag.remove_prefix(1);
    std::size_t name_end = 0;
    while (name_end < tag.size() && ascii::is_alnum(tag[name_end])) ++name_end;
    std::string_view name = tag.substr(0, name_end);
    i = close + 1;
    if (!end_tag && (ascii::iequals(name, "script") || ascii::iequals(name, "style"))) {
      // Skip to the matching end tag (case-insensitive search, linear).
      std::size_t j = i;
      while (j < html.size()) {
        std::size_t lt = html.find("</", j);
        if (lt == std::string_view::npos) {
          j = html.size();
          break;
        }
        if (ascii::istarts_with(html.substr(lt + 2), name)) {
          std::size_t gt = html.find('>', lt);
          j = gt == std::string_view::npos ? html.size() : gt + 1;
          break;
        }
        j = lt + 2;
      }
      i = j;
      continue;
    }
    if (is_block_tag(name)) out.push_back('\n');
  }
  return out;
}

std::string message_text(const Message& message, std::size_t max_bytes, const Limits& limits) {
  BodyParts parts = select_body_parts(message, limits);
  std::string out;
  for (std::uint32_t index : parts.text_body) {
    if (out.size() >= max_bytes) break;
    const Part& part = message.part(index);
    std::string text = part_text(message, part, nullptr, limits);
    if (is_type(part, "text", "html")) text = html_to_text(text);
    if (!out.empty()) out += "\n\n";
    out += text;
  }
  if (out.size() > max_bytes) {
    std::size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xc0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

std::string preview(const Message& message, std::size_t max_chars, const Limits& limits) {
  std::string text = message_text(message, max_chars * 8 + 1024, limits);
  std::string out;
  std::size_t chars = 0;
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size() && chars < max_chars; ++i) {
    unsigned char u = static_cast<unsigned char>(text[i]);
    bool space = u == ' ' || u == '\t' || u == '\r' || u == '\n' || u == '\f' || u == '\v';
    // U+00A0 NO-BREAK SPACE (from &nbsp;) counts as whitespace too.
    if (u == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xa0) {
      space = true;
      ++i;
    }
    if (space) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      ++chars;
      pending_space = false;
      if (chars >= max_chars) break;
    }
    if ((u & 0xc0) != 0x80) {
      // Start of a character: only count it here, copy its continuation bytes as they come.
      ++chars;
    }
    out.push_back(char(u));
    // Copy the rest of this character even if it would exceed max_chars.
    while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xc0) == 0x80) {
      out.push_back(text[++i]);
    }
  }
  return out;
}

}  // namespace redoubt::mime
