#include "mime/rfc2047.h"

#include "base/ascii.h"
#include "mime/base64.h"
#include "mime/charset.h"
#include "mime/header.h"
#include "mime/quoted_printable.h"

namespace redoubt::mime {
namespace {

struct EncodedWord {
  std::string_view charset;  // language suffix removed
  char encoding = 0;         // 'B' or 'Q'
  std::string_view text;
  std::size_t end = 0;  // offset just past "?="
};

// RFC 2047 §2: encoded-word = "=?" charset "?" encoding "?" encoded-text "?="
// REQUIRES: s.substr(at, 2) == "=?".
bool parse_word(std::string_view s, std::size_t at, EncodedWord& word) {
  std::size_t i = at + 2;
  std::size_t charset_begin = i;
  // charset = token (RFC 2047 §2: no SPACE, CTLs or especials); '*' starts an RFC 2231 §5
  // language suffix.
  while (i < s.size() && s[i] != '?') {
    unsigned char u = static_cast<unsigned char>(s[i]);
    if (u <= 32 || u >= 127 || s[i] == '=' || s[i] == '"' || s[i] == '(' || s[i] == ')') {
      return false;
    }
    ++i;
  }
  if (i == charset_begin || i + 3 >= s.size()) return false;
  std::string_view charset = s.substr(charset_begin, i - charset_begin);
  if (std::size_t star = charset.find('*'); star != std::string_view::npos) {
    charset = charset.substr(0, star);
  }
  if (charset.empty()) return false;
  char encoding = ascii::to_upper(s[i + 1]);
  if ((encoding != 'B' && encoding != 'Q') || s[i + 2] != '?') return false;
  // encoded-text = 1*<printable ASCII except "?" and SPACE> (RFC 2047 §2). Empty text is
  // accepted, as every decoder does.
  std::size_t text_begin = i + 3;
  std::size_t j = text_begin;
  while (j < s.size() && s[j] != '?') {
    unsigned char u = static_cast<unsigned char>(s[j]);
    if (u <= 32 || u >= 127) return false;
    ++j;
  }
  if (j + 1 >= s.size() || s[j + 1] != '=') return false;
  word.charset = charset;
  word.encoding = encoding;
  word.text = s.substr(text_begin, j - text_begin);
  word.end = j + 2;
  return true;
}

void append_literal(std::string_view text, std::string& out) {
  if (is_valid_utf8(text)) {
    out.append(text);  // RFC 6532 §3.2: UTF-8 in header fields.
  } else {
    convert_to_utf8("ISO-8859-1", text, out);  // Legacy 8-bit: keep every byte.
  }
}

bool is_all_space(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

}  // namespace

void decode_encoded_words(std::string_view s, std::string& out) {
  std::string pending;            // decoded bytes of the current run of same-charset words
  std::string_view pending_charset;
  bool after_word = false;
  std::size_t literal_start = 0;
  std::size_t i = 0;

  auto flush = [&] {
    if (!pending_charset.empty()) convert_to_utf8(pending_charset, pending, out);
    pending.clear();
    pending_charset = {};
  };

  while (i < s.size()) {
    std::size_t at = s.find("=?", i);
    if (at == std::string_view::npos) break;
    EncodedWord word;
    if (!parse_word(s, at, word)) {
      i = at + 2;
      continue;
    }
    std::string_view gap = s.substr(literal_start, at - literal_start);
    if (!(after_word && is_all_space(gap))) {  // RFC 2047 §6.2
      flush();
      append_literal(gap, out);
    }
    if (!pending_charset.empty() && !ascii::iequals(pending_charset, word.charset)) flush();
    pending_charset = word.charset;
    if (word.encoding == 'B') {
      decode_base64(word.text, pending);  // RFC 2047 §4.1
    } else {
      decode_q(word.text, pending);  // RFC 2047 §4.2
    }
    after_word = true;
    literal_start = i = word.end;
  }
  flush();
  append_literal(s.substr(literal_start), out);
}

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  decode_encoded_words(text, out);
  return out;
}

std::string decode_unstructured(std::string_view raw_value) {
  std::string scratch;
  std::string_view unfolded = unfold(raw_value, scratch);
  std::string out;
  out.reserve(unfolded.size());
  decode_encoded_words(unfolded, out);
  return out;
}

}  // namespace redoubt::mime
