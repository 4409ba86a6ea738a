#include "store/keywords.h"

#include <algorithm>

#include "base/ascii.h"

namespace redoubt::store {
namespace {

// RFC 9051 §9: ATOM-CHAR = <any CHAR except atom-specials>; atom-specials = "(" / ")" / "{" /
// SP / CTL / list-wildcards / quoted-specials / resp-specials.
bool is_atom_char(char c) {
  const auto octet = static_cast<unsigned char>(c);
  if (octet <= 0x20 || octet >= 0x7F) return false;  // CTL, SP, DEL and non-ASCII.
  return std::string_view("(){%*\"\\]").find(c) == std::string_view::npos;
}

bool contains(const std::vector<std::string>& keywords, std::string_view keyword) {
  return std::any_of(keywords.begin(), keywords.end(),
                     [&](const std::string& k) { return ascii::iequals(k, keyword); });
}

}  // namespace

bool is_valid_keyword(std::string_view keyword) {
  return !keyword.empty() && std::all_of(keyword.begin(), keyword.end(), is_atom_char);
}

bool keyword_less(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return ascii::to_lower(x) < ascii::to_lower(y);
  });
}

std::vector<std::string> normalize_keywords(std::vector<std::string> keywords) {
  // Stable, so that of several spellings the first one given comes first and is kept.
  std::stable_sort(keywords.begin(), keywords.end(),
                   [](const std::string& a, const std::string& b) { return keyword_less(a, b); });
  keywords.erase(std::unique(keywords.begin(), keywords.end(),
                             [](const std::string& a, const std::string& b) {
                               return ascii::iequals(a, b);
                             }),
                 keywords.end());
  return keywords;
}

Result<std::vector<std::string>, StoreError> checked_keywords(
    std::span<const std::string> keywords) {
  for (const std::string& keyword : keywords) {
    if (!is_valid_keyword(keyword)) return unexpected(StoreError::kInvalid);
  }
  std::vector<std::string> normalized =
      normalize_keywords(std::vector<std::string>(keywords.begin(), keywords.end()));
  if (normalized.size() > kMaxKeywords) return unexpected(StoreError::kInvalid);
  return normalized;
}

std::vector<std::string> parse_keywords(std::string_view column) {
  std::vector<std::string> keywords;
  while (!column.empty()) {
    const std::size_t space = column.find(' ');
    const std::string_view keyword = column.substr(0, space);
    if (!keyword.empty()) keywords.emplace_back(keyword);
    if (space == std::string_view::npos) break;
    column.remove_prefix(space + 1);
  }
  // What the store wrote is normalized already; this only guards against hand-edited rows.
  return normalize_keywords(std::move(keywords));
}

std::string join_keywords(const std::vector<std::string>& keywords) {
  std::string column;
  for (const std::string& keyword : keywords) {
    if (!column.empty()) column += ' ';
    column += keyword;
  }
  return column;
}

std::vector<std::string> add_keywords(const std::vector<std::string>& current,
                                      const std::vector<std::string>& added) {
  std::vector<std::string> all = current;  // First, so that their spelling wins.
  all.insert(all.end(), added.begin(), added.end());
  return normalize_keywords(std::move(all));
}

std::vector<std::string> remove_keywords(const std::vector<std::string>& current,
                                         const std::vector<std::string>& removed) {
  std::vector<std::string> kept;
  for (const std::string& keyword : current) {
    if (!contains(removed, keyword)) kept.push_back(keyword);
  }
  return kept;
}

std::vector<std::string> replace_keywords(const std::vector<std::string>& current,
                                          const std::vector<std::string>& wanted) {
  std::vector<std::string> result;
  for (const std::string& keyword : wanted) {
    auto same = std::find_if(current.begin(), current.end(),
                             [&](const std::string& k) { return ascii::iequals(k, keyword); });
    result.push_back(same != current.end() ? *same : keyword);
  }
  return normalize_keywords(std::move(result));
}

}  // namespace redoubt::store
