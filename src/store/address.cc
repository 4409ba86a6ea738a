#include "store/address.h"

#include <idn2.h>

#include <memory>

#include "base/ascii.h"
#include "base/check.h"

namespace redoubt::store {
namespace {

constexpr std::size_t kMaxLabelLength = 63;  // RFC 1035 §2.3.4

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// RFC 3629 §4: rejects overlong forms, surrogates and code points above U+10FFFF.
bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t length;
    char32_t code_point;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      code_point = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      code_point = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      code_point = c & 0x07;
    } else {
      return false;
    }
    if (s.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(s[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
        (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF) {
      return false;
    }
    i += length;
  }
  return true;
}

bool is_control_or_space(unsigned char c) { return c <= 0x20 || c == 0x7F; }

struct IdnFree {
  void operator()(char* p) const { idn2_free(p); }
};
using IdnString = std::unique_ptr<char, IdnFree>;

// Checks an A-label ("xn--...") by decoding it: libidn2 rejects invalid Punycode and labels whose
// Unicode form IDNA2008 does not allow. Without this, "xn--zz" would be accepted as a name that
// no client can display and no DNS registry can hold.
bool is_valid_a_label(const std::string& label) {
  char* decoded = nullptr;
  const int rc = idn2_to_unicode_8z8z(label.c_str(), &decoded, 0);
  IdnString owned(decoded);
  return rc == IDN2_OK;
}

// RFC 1123 §2.1 host name syntax ("LDH" labels), which every A-label also satisfies.
bool is_valid_ascii_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDomainLength) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!ascii::is_alnum(c) && c != '-') return false;
    }
    if (label.size() > 4 && ascii::istarts_with(label, "xn--") &&
        !is_valid_a_label(std::string(label))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<std::string, StoreError> normalize_address_impl(std::string_view address,
                                                       bool allow_catch_all) {
  const std::size_t at = address.rfind('@');
  if (at == std::string_view::npos) return unexpected(StoreError::kInvalid);
  const std::string_view local = address.substr(0, at);
  if (local.empty() && !allow_catch_all) return unexpected(StoreError::kInvalid);
  if (local.size() > kMaxLocalPartLength) return unexpected(StoreError::kInvalid);
  for (unsigned char c : local) {
    if (is_control_or_space(c)) return unexpected(StoreError::kInvalid);
  }
  if (!is_valid_utf8(local)) return unexpected(StoreError::kInvalid);
  // RFC 5321 §4.1.2: '@' may appear in a local part only inside a quoted string. Refusing it
  // elsewhere keeps "a@b@example.com" from meaning anything at all.
  if (local.find('@') != std::string_view::npos &&
      !(local.size() >= 2 && local.front() == '"' && local.back() == '"')) {
    return unexpected(StoreError::kInvalid);
  }

  auto domain = normalize_domain(address.substr(at + 1));
  if (!domain) return unexpected(domain.error());

  std::string out = ascii::lower(local);
  out.push_back('@');
  out.append(*domain);
  return out;
}

}  // namespace

Result<std::string, StoreError> normalize_domain(std::string_view domain) {
  for (unsigned char c : domain) {
    // Also rejects NUL, which would silently truncate the name handed to libidn2.
    if (is_control_or_space(c)) return unexpected(StoreError::kInvalid);
  }
  if (is_ascii(domain)) {
    // ASCII names skip IDNA processing on purpose: UTS #46 rejects some valid host names
    // ("ab--cd.example", hyphens in positions 3 and 4), and lowercasing is all they need.
    std::string lowered = ascii::lower(domain);
    if (!is_valid_ascii_domain(lowered)) return unexpected(StoreError::kInvalid);
    return lowered;
  }
  if (!is_valid_utf8(domain)) return unexpected(StoreError::kInvalid);
  // RFC 5890 §2.3.2.1: the A-label is the form used on the wire and in DNS, so it is the one key
  // under which SMTP "RCPT TO" (with or without SMTPUTF8) and the admin CLI find the same domain.
  const std::string input(domain);
  char* converted = nullptr;
  const int rc = idn2_to_ascii_8z(input.c_str(), &converted, IDN2_NONTRANSITIONAL);
  IdnString owned(converted);
  if (rc != IDN2_OK || owned == nullptr) return unexpected(StoreError::kInvalid);
  std::string a_label = ascii::lower(owned.get());
  if (!is_valid_ascii_domain(a_label)) return unexpected(StoreError::kInvalid);
  return a_label;
}

Result<std::string, StoreError> normalize_address(std::string_view address) {
  return normalize_address_impl(address, /*allow_catch_all=*/false);
}

Result<std::string, StoreError> normalize_alias_address(std::string_view address) {
  return normalize_address_impl(address, /*allow_catch_all=*/true);
}

std::string_view domain_of(std::string_view normalized) {
  const std::size_t at = normalized.rfind('@');
  REDOUBT_CHECK(at != std::string_view::npos);
  return normalized.substr(at + 1);
}

std::string_view local_part_of(std::string_view normalized) {
  const std::size_t at = normalized.rfind('@');
  REDOUBT_CHECK(at != std::string_view::npos);
  return normalized.substr(0, at);
}

}  // namespace redoubt::store
