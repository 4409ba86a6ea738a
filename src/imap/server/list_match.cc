#include "imap/server/list_match.h"

#include <algorithm>
#include <map>

#include "base/ascii.h"

namespace redoubt::imap::server {
namespace {

constexpr bool is_wildcard(char c) { return c == '*' || c == '%'; }

// A run of wildcards means the same as one: "*" if the run holds a "*", else "%".
std::string collapse_wildcards(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size());
  for (char c : pattern) {
    if (is_wildcard(c) && !out.empty() && is_wildcard(out.back())) {
      if (c == '*') out.back() = '*';
      continue;
    }
    out += c;
  }
  return out;
}

bool is_inbox_rooted(std::string_view name) {
  return name == "INBOX" || name.starts_with("INBOX/");
}

}  // namespace

std::string combine_reference(std::string_view reference, std::string_view pattern) {
  std::string out(reference);
  if (!out.empty() && out.back() == kHierarchyDelimiter && !pattern.empty() &&
      pattern.front() == kHierarchyDelimiter) {
    pattern.remove_prefix(1);
  }
  out += pattern;
  return out;
}

bool list_pattern_matches(std::string_view pattern_in, std::string_view name) {
  const std::string pattern = collapse_wildcards(pattern_in);
  const std::size_t literals = static_cast<std::size_t>(
      std::count_if(pattern.begin(), pattern.end(), [](char c) { return !is_wildcard(c); }));
  // Each literal consumes one character. After collapsing, wildcards are at most literals + 1,
  // so the simulation below is O(name length²) at worst.
  if (literals > name.size()) return false;
  const bool inbox = is_inbox_rooted(name);
  const std::size_t m = pattern.size();

  // NFA simulation: active[p] means pattern[0, p) matches the name read so far.
  std::vector<char> active(m + 1, 0);
  std::vector<char> next(m + 1, 0);
  auto close = [&](std::vector<char>& set) {  // A wildcard may match nothing.
    for (std::size_t p = 0; p < m; ++p) {
      if (set[p] && is_wildcard(pattern[p])) set[p + 1] = 1;
    }
  };
  active[0] = 1;
  close(active);
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (std::size_t p = 0; p < m; ++p) {
      if (!active[p]) continue;
      const char want = pattern[p];
      if (want == '*' || (want == '%' && c != kHierarchyDelimiter)) {
        next[p] = 1;
        any = true;
      } else if (want == c || (inbox && i < 5 && ascii::to_upper(want) == c)) {
        next[p + 1] = 1;
        any = true;
      }
    }
    if (!any) return false;
    close(next);
    active.swap(next);
  }
  return active[m] != 0;
}

std::vector<ListEntry> list_mailboxes(std::span<const std::string> names,
                                      std::string_view reference,
                                      std::span<const std::string> patterns) {
  std::vector<std::string_view> sorted(names.begin(), names.end());
  std::sort(sorted.begin(), sorted.end());
  auto exists = [&](std::string_view name) {
    return std::binary_search(sorted.begin(), sorted.end(), name);
  };
  // Some mailbox is below `name`: the first name >= "name/" starts with "name/".
  auto has_children = [&](std::string_view name) {
    std::string prefix(name);
    prefix += kHierarchyDelimiter;
    auto it = std::lower_bound(sorted.begin(), sorted.end(), std::string_view(prefix));
    return it != sorted.end() && it->starts_with(prefix);
  };

  std::vector<std::string> combined;
  for (const std::string& pattern : patterns) {
    if (!pattern.empty()) combined.push_back(combine_reference(reference, pattern));
  }

  std::map<std::string, ListEntry, std::less<>> found;
  for (std::string_view name : sorted) {
    for (const std::string& pattern : combined) {
      if (list_pattern_matches(pattern, name)) {
        found.emplace(std::string(name), ListEntry{std::string(name), false, has_children(name)});
        break;
      }
    }
  }
  // RFC 9051 §6.3.9: with "%" last, matching levels of hierarchy are returned too; those that
  // are not mailboxes come back with \Noselect.
  for (const std::string& pattern : combined) {
    if (pattern.back() != '%') continue;
    for (std::string_view name : sorted) {
      for (std::size_t slash = name.find(kHierarchyDelimiter); slash != std::string_view::npos;
           slash = name.find(kHierarchyDelimiter, slash + 1)) {
        const std::string_view level = name.substr(0, slash);
        if (level.empty() || exists(level) || found.contains(level)) continue;
        if (list_pattern_matches(pattern, level)) {
          found.emplace(std::string(level), ListEntry{std::string(level), true, true});
        }
      }
    }
  }

  std::vector<ListEntry> out;
  out.reserve(found.size());
  for (auto& [name, entry] : found) out.push_back(std::move(entry));
  return out;
}

}  // namespace redoubt::imap::server
