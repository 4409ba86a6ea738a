#include "imap/server/flags.h"

#include <string_view>
#include <unordered_set>

#include "base/ascii.h"

namespace redoubt::imap::server {
namespace {

using store::MessageFlags;

struct SystemFlag {
  std::string_view name;
  MessageFlags flag;
};

// RFC 9051 §2.3.2, in the order flag lists show them.
constexpr SystemFlag kSystemFlags[] = {
    {"\\Seen", MessageFlags::kSeen},       {"\\Answered", MessageFlags::kAnswered},
    {"\\Flagged", MessageFlags::kFlagged}, {"\\Deleted", MessageFlags::kDeleted},
    {"\\Draft", MessageFlags::kDraft},
};

// RFC 9051 §9 ATOM-CHAR = <any CHAR except atom-specials>
constexpr bool is_atom_char(char c) {
  const auto octet = static_cast<unsigned char>(c);
  if (octet < 0x21 || octet > 0x7e) return false;  // CTL, SP, 8-bit (CHAR is %x01-7F)
  switch (c) {
    case '(': case ')': case '{': case '%': case '*': case '"': case '\\': case ']':
      return false;
    default:
      return true;
  }
}

// Appends the valid keywords of `keywords` to `out`, skipping case-insensitive duplicates of
// what `seen` already holds.
void append_keywords(std::vector<std::string>& out, std::span<const std::string> keywords,
                     std::unordered_set<std::string>& seen) {
  for (const std::string& keyword : keywords) {
    if (!is_keyword(keyword)) continue;
    if (seen.insert(ascii::lower(keyword)).second) out.push_back(keyword);
  }
}

}  // namespace

bool is_keyword(std::string_view keyword) {
  if (keyword.empty()) return false;
  for (char c : keyword) {
    if (!is_atom_char(c)) return false;
  }
  return true;
}

std::vector<std::string> flag_names(MessageFlags flags, std::span<const std::string> keywords) {
  std::vector<std::string> names;
  names.reserve(5 + keywords.size());
  for (const SystemFlag& f : kSystemFlags) {
    if (store::has_flags(flags, f.flag)) names.emplace_back(f.name);
  }
  for (const std::string& keyword : keywords) {
    if (is_keyword(keyword)) names.push_back(keyword);
  }
  return names;
}

Result<ParsedFlags, std::string> parse_flags(std::span<const std::string> names) {
  ParsedFlags parsed;
  std::unordered_set<std::string> seen;
  for (const std::string& name : names) {
    if (!name.empty() && name[0] == '\\') {
      if (ascii::iequals(name, "\\Recent")) {
        return unexpected(std::string("\\Recent cannot be set"));
      }
      const SystemFlag* match = nullptr;
      for (const SystemFlag& f : kSystemFlags) {
        if (ascii::iequals(name, f.name)) match = &f;
      }
      if (match == nullptr) return unexpected(std::string("Unknown system flag"));
      parsed.system = parsed.system | match->flag;
      continue;
    }
    if (!is_keyword(name)) return unexpected(std::string("Invalid flag keyword"));
    if (seen.insert(ascii::lower(name)).second) parsed.keywords.push_back(name);
  }
  return parsed;
}

std::vector<std::string> mailbox_flags(std::span<const std::string> keywords_in_use) {
  std::vector<std::string> names;
  names.reserve(6 + keywords_in_use.size());
  for (const SystemFlag& f : kSystemFlags) names.emplace_back(f.name);
  std::unordered_set<std::string> seen;
  append_keywords(names, keywords_in_use, seen);
  return names;
}

std::vector<std::string> permanent_flags(std::span<const std::string> keywords_in_use) {
  std::vector<std::string> names = mailbox_flags(keywords_in_use);
  names.emplace_back("\\*");  // RFC 9051 §7.1 PERMANENTFLAGS: new keywords may be created.
  return names;
}

}  // namespace redoubt::imap::server
