// redoubt_mime_dump: prints one JSON line per message file describing how redoubt::mime parsed
// it: the part tree in document order with media types, charsets, file names and decoded text.
// tests/mime/test_corpus.py compares this with Python's email package.
//
// Usage: redoubt_mime_dump [--strip-mbox-from] [--no-text] < list-of-paths
//   Reads file paths, one per line, on standard input. --strip-mbox-from drops a first line
//   starting with "From " (an mbox separator, which is not part of the message).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "base/ascii.h"
#include "mime/body_text.h"
#include "mime/message.h"

namespace {

using namespace redoubt::mime;

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out.push_back(c);  // the text is UTF-8 (part_text guarantees it)
        }
    }
  }
  out.push_back('"');
}

void walk(const Message& m, std::uint32_t index, const std::string& path, bool with_text,
          std::string& out, bool& first) {
  const Part& p = m.part(index);
  if (!first) out.push_back(',');
  first = false;
  out += "{\"path\":";
  append_json_string(out, path);
  out += ",\"type\":";
  append_json_string(out, redoubt::ascii::lower(p.type) + "/" + redoubt::ascii::lower(p.subtype));
  out += ",\"charset\":";
  append_json_string(out, part_charset(m, p));
  out += ",\"filename\":";
  append_json_string(out, part_filename(m, p));
  std::string_view cte;
  if (const HeaderField* f = m.field(p, p.transfer_encoding_field)) parse_transfer_encoding(f->value, cte);
  out += ",\"cte\":";
  append_json_string(out, redoubt::ascii::lower(cte));
  out += ",\"children\":" + std::to_string(p.kind == PartKind::kLeaf ? 0 : p.child_count);
  out += ",\"defects\":" + std::to_string(static_cast<std::uint32_t>(p.defects));
  if (with_text && p.kind == PartKind::kLeaf && is_type(p, "text")) {
    Conversion conversion;
    std::string text = part_text(m, p, &conversion);
    out += ",\"conversion\":" + std::to_string(static_cast<int>(conversion));
    out += ",\"text\":";
    append_json_string(out, text);
  }
  out.push_back('}');
  int n = 1;
  for (std::uint32_t c = p.first_child; c != kNoPart; c = m.part(c).next_sibling, ++n) {
    walk(m, c, path.empty() ? std::to_string(n) : path + "." + std::to_string(n), with_text,
         out, first);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool strip_from = false;
  bool with_text = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--strip-mbox-from") {
      strip_from = true;
    } else if (arg == "--no-text") {
      with_text = false;
    } else {
      std::cerr << "usage: redoubt_mime_dump [--strip-mbox-from] [--no-text] < paths\n";
      return 2;
    }
  }
  std::ios::sync_with_stdio(false);
  std::string path;
  while (std::getline(std::cin, path)) {
    if (path.empty()) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string data = buffer.str();
    std::string_view bytes = data;
    if (strip_from && bytes.substr(0, 5) == "From ") {
      std::size_t lf = bytes.find('\n');
      bytes = lf == std::string_view::npos ? std::string_view() : bytes.substr(lf + 1);
    }
    Message m = parse_message(bytes);
    std::string out = "{\"file\":";
    append_json_string(out, path);
    out += ",\"parts\":[";
    bool first = true;
    walk(m, 0, "", with_text, out, first);
    out += "]}\n";
    std::cout << out;
  }
  return 0;
}
