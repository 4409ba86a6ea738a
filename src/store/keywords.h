#pragma once

// IMAP keywords (RFC 9051 §2.3.2) as the store keeps them. Internal to src/store.
//
// A keyword is an atom; two keywords that differ only in ASCII case are the same keyword, spelled
// as it was first set. A message's keywords are kept sorted ignoring ASCII case, without
// duplicates, and stored in messages.keywords separated by single spaces (atoms contain none).

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "store/store_error.h"

namespace redoubt::store {

// At most this many keywords per message: bounds the row and what FLAGS responses carry.
inline constexpr std::size_t kMaxKeywords = 64;

// True if `keyword` is an IMAP atom (RFC 9051 §9: 1*ATOM-CHAR, so no space, control, non-ASCII
// octet or any of "(){%*\"\\]"). System flags ("\Seen") therefore never pass.
bool is_valid_keyword(std::string_view keyword);

// Orders keywords ignoring ASCII case.
bool keyword_less(std::string_view a, std::string_view b);

// `keywords` sorted ignoring case, keeping the first spelling of each.
std::vector<std::string> normalize_keywords(std::vector<std::string> keywords);

// Keywords given by a client: kInvalid if one is not an atom or if there are more than
// kMaxKeywords distinct ones; otherwise normalized.
Result<std::vector<std::string>, StoreError> checked_keywords(std::span<const std::string> keywords);

// The messages.keywords column, and back.
std::vector<std::string> parse_keywords(std::string_view column);
std::string join_keywords(const std::vector<std::string>& keywords);

// Set operations on normalized lists. Keywords already in `current` keep their spelling.
std::vector<std::string> add_keywords(const std::vector<std::string>& current,
                                      const std::vector<std::string>& added);
std::vector<std::string> remove_keywords(const std::vector<std::string>& current,
                                         const std::vector<std::string>& removed);
std::vector<std::string> replace_keywords(const std::vector<std::string>& current,
                                          const std::vector<std::string>& wanted);

}  // namespace redoubt::store
