#include "store/address.h"

#include <gtest/gtest.h>

#include <string>

namespace redoubt::store {
namespace {

struct Case {
  std::string input;
  std::string want;  // Empty: must fail with kInvalid.
};

void check(const Case& c, Result<std::string, StoreError> (*normalize)(std::string_view)) {
  SCOPED_TRACE(c.input);
  auto got = normalize(c.input);
  if (c.want.empty()) {
    ASSERT_FALSE(got.has_value()) << *got;
    EXPECT_EQ(got.error(), StoreError::kInvalid);
  } else {
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, c.want);
  }
}

TEST(NormalizeDomain, Table) {
  const std::string label63(63, 'a');
  // 4 labels of 63 plus 3 dots = 255; trimmed to exactly 253 and 254.
  const std::string long_name = label63 + "." + label63 + "." + label63 + "." + label63;
  const std::string name253 = long_name.substr(0, 253);
  const std::string name254 = long_name.substr(0, 254);
  const Case cases[] = {
      {"example.com", "example.com"},
      {"EXAMPLE.Com", "example.com"},
      {"localhost", "localhost"},
      {"mail-1.example", "mail-1.example"},
      {"ab--cd.example", "ab--cd.example"},  // Valid host name, though UTS #46 would reject it.
      // IDNA: UTF-8 names become A-labels (RFC 5890), case-folded by UTS #46 mapping.
      {"bücher.example", "xn--bcher-kva.example"},
      {"BÜCHER.example", "xn--bcher-kva.example"},
      {"bu\xcc\x88"
       "cher.example",
       "xn--bcher-kva.example"},    // Decomposed ü: NFC first.
      {"faß.de", "xn--fa-hia.de"},  // Non-transitional: ß stays.
      {"例え.テスト", "xn--r8jz45g.xn--zckzah"},
      {"XN--BCHER-KVA.example", "xn--bcher-kva.example"},
      {label63 + ".example", label63 + ".example"},
      {name253, name253},
      // Errors.
      {"", ""},
      {".", ""},
      {"example..com", ""},
      {".example.com", ""},
      {"example.com.", ""},  // No root dot in mail addresses (RFC 5321 §2.3.5).
      {"-example.com", ""},
      {"example-.com", ""},
      {"exa_mple.com", ""},
      {"exa mple.com", ""},
      {"example.com\r\n", ""},
      {std::string("exa\0mple.com", 12), ""},
      {"[192.0.2.1]", ""},   // Address literals are never local domains here.
      {"xn--zz.com", ""},    // Invalid Punycode.
      {"\xff.example", ""},  // Not UTF-8.
      {label63 + "a.example", ""},
      {name254, ""},
  };
  for (const Case& c : cases) check(c, normalize_domain);
}

TEST(NormalizeAddress, Table) {
  const std::string local64(64, 'x');
  const Case cases[] = {
      {"alice@example.com", "alice@example.com"},
      // RFC 5321 §2.3.11: case of the local part is ours to decide; we fold ASCII only.
      {"Alice.Smith@Example.COM", "alice.smith@example.com"},
      {"JÖRG@example.com", "jÖrg@example.com"},  // Non-ASCII bytes are kept as they are.
      {"alice+Tag@example.com", "alice+tag@example.com"},
      {"bob@Bücher.Example", "bob@xn--bcher-kva.example"},
      {"用户@例え.テスト", "用户@xn--r8jz45g.xn--zckzah"},
      {"\"a@b\"@example.com", "\"a@b\"@example.com"},  // The last '@' separates the domain.
      {local64 + "@example.com", local64 + "@example.com"},
      // Errors.
      {"", ""},
      {"alice", ""},
      {"alice@", ""},
      {"@example.com", ""},  // Catch-all form: only normalize_alias_address takes it.
      {"@", ""},
      {"a@b@example.com", ""},  // '@' only inside quotes (RFC 5321 §4.1.2).
      {"al ice@example.com", ""},
      {"alice\t@example.com", ""},
      {"alice\x7f@example.com", ""},
      {std::string("ali\0ce@example.com", 18), ""},
      {"alice@exa mple.com", ""},
      {"alice@example..com", ""},
      {"\xc3@example.com", ""},          // Truncated UTF-8.
      {"\xc0\xaf@example.com", ""},      // Overlong UTF-8.
      {"\xed\xa0\x80@example.com", ""},  // UTF-16 surrogate.
      {local64 + "x@example.com", ""},
  };
  for (const Case& c : cases) check(c, normalize_address);
}

TEST(NormalizeAliasAddress, AcceptsCatchAll) {
  const Case cases[] = {
      {"@Example.COM", "@example.com"},
      {"@bücher.example", "@xn--bcher-kva.example"},
      {"Info@Example.com", "info@example.com"},
      {"@", ""},
      {"example.com", ""},
      {" @example.com", ""},
  };
  for (const Case& c : cases) check(c, normalize_alias_address);
}

TEST(AddressParts, SplitAtLastAt) {
  EXPECT_EQ(local_part_of("alice@example.com"), "alice");
  EXPECT_EQ(domain_of("alice@example.com"), "example.com");
  EXPECT_EQ(local_part_of("\"a@b\"@example.com"), "\"a@b\"");
  EXPECT_EQ(domain_of("\"a@b\"@example.com"), "example.com");
  EXPECT_EQ(local_part_of("@example.com"), "");
}

}  // namespace
}  // namespace redoubt::store
