#include "store/mailbox_name.h"

#include "base/ascii.h"
#include "base/utf8.h"

namespace redoubt::store {
namespace {

// RFC 6154 §2.
constexpr std::string_view kSpecialUses[] = {"\\All",  "\\Archive", "\\Drafts", "\\Flagged",
                                             "\\Junk", "\\Sent",    "\\Trash"};

bool has_control_character(std::string_view name) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto octet = static_cast<unsigned char>(name[i]);
    if (octet < 0x20 || octet == 0x7F) return true;
    // C1 controls U+0080..U+009F are encoded C2 80..C2 9F (the name is valid UTF-8 here).
    if (octet == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_valid_mailbox_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxMailboxNameLength) return false;
  if (!is_utf8(name) || has_control_character(name)) return false;
  return name.front() != '/' && name.back() != '/' && name.find("//") == std::string_view::npos;
}

bool is_inbox(std::string_view name) { return ascii::iequals(name, kInbox); }

std::string canonical_mailbox_name(std::string_view name) {
  return std::string(is_inbox(name) ? kInbox : name);
}

bool is_below(std::string_view name, std::string_view parent) {
  return name.size() > parent.size() + 1 && name.starts_with(parent) &&
         name[parent.size()] == '/';
}

std::optional<std::string_view> canonical_special_use(std::string_view attribute) {
  if (attribute.empty()) return std::string_view();
  for (std::string_view known : kSpecialUses) {
    if (ascii::iequals(attribute, known)) return known;
  }
  return std::nullopt;
}

}  // namespace redoubt::store
