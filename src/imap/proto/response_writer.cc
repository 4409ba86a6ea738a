#include "imap/proto/response_writer.h"

#include "base/ascii.h"
#include "base/check.h"
#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

bool can_quote(std::string_view value, const StringOptions& options) {
  if (value.size() > options.max_quoted) return false;
  for (char c : value) {
    if (grammar::octet(c) >= 0x80 && !options.utf8_quoted) return false;
  }
  return grammar::is_quotable(value);
}

void append_quoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (grammar::is_quoted_special(c)) out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

// Text a client shows or logs: TEXT-CHARs and UTF-8 only (RFC 9051 §9 text).
void append_text(std::string& out, std::string_view text) {
  if (text.empty()) text = "completed";
  for (char c : text) out.push_back(grammar::is_ctl(c) ? ' ' : c);
}

}  // namespace

void append_literal(std::string& out, std::string_view value) {
  REDOUBT_ASSERT(value.find('\0') == std::string_view::npos);
  out.push_back('{');
  out += std::to_string(value.size());
  out += "}\r\n";
  out.append(value);
}

void append_binary(std::string& out, std::string_view value) {
  if (value.find('\0') != std::string_view::npos) out.push_back('~');  // RFC 3516 §4.2
  out.push_back('{');
  out += std::to_string(value.size());
  out += "}\r\n";
  out.append(value);
}

void append_string(std::string& out, std::string_view value, const StringOptions& options) {
  if (can_quote(value, options)) {
    append_quoted(out, value);
  } else {
    append_literal(out, value);
  }
}

void append_astring(std::string& out, std::string_view value, const StringOptions& options) {
  if (grammar::is_astring_atom(value) && !ascii::iequals(value, "NIL")) {
    out.append(value);
  } else {
    append_string(out, value, options);
  }
}

void append_nstring(std::string& out, std::optional<std::string_view> value,
                    const StringOptions& options) {
  if (value) {
    append_string(out, *value, options);
  } else {
    out += "NIL";
  }
}

void append_flag_list(std::string& out, std::span<const std::string> flags) {
  out.push_back('(');
  for (std::size_t i = 0; i < flags.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += flags[i];
  }
  out.push_back(')');
}

void append_atom_list(std::string& out, std::span<const std::string_view> atoms) {
  out.push_back('(');
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += atoms[i];
  }
  out.push_back(')');
}

namespace response_code {

ResponseCode keyword(std::string_view name) {
  REDOUBT_ASSERT(grammar::is_atom(name));
  return {std::string(name)};
}

ResponseCode uid_next(std::uint32_t uid) { return {"UIDNEXT " + std::to_string(uid)}; }

ResponseCode uid_validity(std::uint32_t uid_validity) {
  return {"UIDVALIDITY " + std::to_string(uid_validity)};
}

ResponseCode highest_modseq(std::uint64_t modseq) {
  return {"HIGHESTMODSEQ " + std::to_string(modseq)};
}

ResponseCode no_modseq() { return {"NOMODSEQ"}; }

ResponseCode modified(std::string_view set) { return {"MODIFIED " + std::string(set)}; }

ResponseCode append_uid(std::uint32_t uid_validity, std::string_view uids) {
  return {"APPENDUID " + std::to_string(uid_validity) + " " + std::string(uids)};
}

ResponseCode copy_uid(std::uint32_t uid_validity, std::string_view source_uids,
                      std::string_view destination_uids) {
  return {"COPYUID " + std::to_string(uid_validity) + " " + std::string(source_uids) + " " +
          std::string(destination_uids)};
}

ResponseCode permanent_flags(std::span<const std::string> flags) {
  ResponseCode code{"PERMANENTFLAGS "};
  append_flag_list(code.text, flags);
  return code;
}

ResponseCode capability(std::span<const std::string_view> capabilities) {
  ResponseCode code{"CAPABILITY"};
  for (std::string_view c : capabilities) {
    code.text.push_back(' ');
    code.text += c;
  }
  return code;
}

ResponseCode bad_charset(std::span<const std::string_view> charsets) {
  ResponseCode code{"BADCHARSET ("};
  for (std::size_t i = 0; i < charsets.size(); ++i) {
    if (i > 0) code.text.push_back(' ');
    // An atom may hold "]", which would end the code: quote those.
    if (charsets[i].find(']') == std::string_view::npos) {
      append_astring(code.text, charsets[i]);
    } else {
      append_string(code.text, charsets[i]);
    }
  }
  code.text.push_back(')');
  return code;
}

}  // namespace response_code

std::string status_response(std::string_view tag, Condition condition,
                            const std::optional<ResponseCode>& code, std::string_view text) {
  static constexpr std::string_view kWords[] = {"OK", "NO", "BAD", "PREAUTH", "BYE"};
  std::string out(tag);
  out.push_back(' ');
  out += kWords[static_cast<int>(condition)];
  out.push_back(' ');
  if (code) {
    REDOUBT_ASSERT(code->text.find_first_of("]\r\n") == std::string::npos);
    out.push_back('[');
    out += code->text;
    out += "] ";
  }
  append_text(out, text);
  out += "\r\n";
  return out;
}

std::string continuation_request(std::string_view text) {
  std::string out = "+ ";
  append_text(out, text.empty() ? std::string_view("Ready") : text);
  out += "\r\n";
  return out;
}

}  // namespace redoubt::imap::proto
