#include "smtp/proto/address_parser.h"

#include <optional>
#include <utility>

#include "base/ascii.h"
#include "smtp/proto/grammar.h"

namespace redoubt::smtp::proto {
namespace {

constexpr std::size_t kMaxLabelOctets = 63;  // RFC 1035 §2.3.4

constexpr bool is_hex_digit(char c) {
  return ascii::is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Octets at the start of `s` that form one sub-domain, 0 if none or if an ASCII label is longer
// than 63 octets.
// RFC 5321 §4.1.2  sub-domain = Let-dig [Ldh-str]   Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig
// RFC 6531 §3.3    sub-domain =/ U-label   (UTF-8 counts as a letter here)
std::size_t match_sub_domain(std::string_view s, bool allow_utf8) {
  std::size_t i = 0;
  std::size_t end = 0;  // Just past the last Let-dig: a label does not end in "-".
  bool is_ascii = true;
  while (i < s.size()) {
    if (ascii::is_alnum(s[i])) {
      end = ++i;
    } else if (s[i] == '-' && i > 0) {
      ++i;
    } else if (std::size_t n = allow_utf8 ? grammar::utf8_non_ascii_length(s.substr(i)) : 0;
               n != 0) {
      i += n;
      end = i;
      is_ascii = false;
    } else {
      break;
    }
  }
  if (is_ascii && end > kMaxLabelOctets) return 0;
  return end;
}

// Octets at the start of `s` that form a Domain, 0 if none. A trailing "." is not part of it.
// RFC 5321 §4.1.2  Domain = sub-domain *("." sub-domain)
std::size_t match_domain(std::string_view s, bool allow_utf8) {
  std::size_t end = match_sub_domain(s, allow_utf8);
  if (end == 0) return 0;
  while (end < s.size() && s[end] == '.') {
    const std::size_t n = match_sub_domain(s.substr(end + 1), allow_utf8);
    if (n == 0) break;
    end += 1 + n;
  }
  return end;
}

// RFC 5321 §4.1.3  IPv4-address-literal = Snum 3("." Snum); Snum = 1*3DIGIT, value 0-255
bool is_ipv4(std::string_view s) {
  std::size_t i = 0;
  for (int part = 1;; ++part) {
    std::size_t digits = 0;
    unsigned value = 0;
    while (i < s.size() && digits < 3 && ascii::is_digit(s[i])) {
      value = value * 10 + unsigned(s[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || value > 255) return false;
    if (part == 4) return i == s.size();
    if (i == s.size() || s[i] != '.') return false;
    ++i;
  }
}

struct Ipv6Groups {
  int hex = 0;        // Number of IPv6-hex groups.
  bool ipv4 = false;  // Whether an IPv4-address-literal ends the sequence.
};

// Reads IPv6-hex *(":" IPv6-hex) filling all of `s`, where with `allow_ipv4` the last element may
// be an IPv4-address-literal instead. "" is zero groups. nullopt if malformed.
// RFC 5321 §4.1.3  IPv6-hex = 1*4HEXDIG
std::optional<Ipv6Groups> read_ipv6_groups(std::string_view s, bool allow_ipv4) {
  Ipv6Groups groups;
  if (s.empty()) return groups;
  for (;;) {
    const std::size_t colon = s.find(':');
    const std::string_view group = s.substr(0, colon);
    if (colon == std::string_view::npos && allow_ipv4 &&
        group.find('.') != std::string_view::npos) {
      if (!is_ipv4(group)) return std::nullopt;
      groups.ipv4 = true;
      return groups;
    }
    if (group.empty() || group.size() > 4) return std::nullopt;
    for (char c : group) {
      if (!is_hex_digit(c)) return std::nullopt;
    }
    if (++groups.hex > 8) return std::nullopt;
    if (colon == std::string_view::npos) return groups;
    s.remove_prefix(colon + 1);
  }
}

// RFC 5321 §4.1.3  IPv6-addr = IPv6-full / IPv6-comp / IPv6v4-full / IPv6v4-comp
bool is_ipv6(std::string_view s) {
  const std::size_t gap = s.find("::");
  if (gap == std::string_view::npos) {
    // IPv6-full: 8 groups. IPv6v4-full: 6 groups and an IPv4 literal.
    const auto groups = read_ipv6_groups(s, /*allow_ipv4=*/true);
    return groups && groups->hex == (groups->ipv4 ? 6 : 8);
  }
  // IPv6-comp, IPv6v4-comp: "::" stands for at least two zero groups, so at most 6 groups (4 with
  // an IPv4 literal) may be written around it. A second "::" fails as an empty group.
  const auto left = read_ipv6_groups(s.substr(0, gap), /*allow_ipv4=*/false);
  const auto right = read_ipv6_groups(s.substr(gap + 2), /*allow_ipv4=*/true);
  if (!left || !right) return false;
  return left->hex + right->hex <= (right->ipv4 ? 4 : 6);
}

// Octets of the address literal at the start of `s`, brackets included, or 0 if there is none.
// RFC 5321 §4.1.2  address-literal = "[" ( IPv4-address-literal / IPv6-address-literal /
//                                          General-address-literal ) "]"
std::size_t match_address_literal(std::string_view s) {
  if (s.empty() || s[0] != '[') return 0;
  const std::size_t close = s.find(']');
  if (close == std::string_view::npos) return 0;
  const std::string_view inner = s.substr(1, close - 1);
  // RFC 5321 §4.1.3  IPv6-address-literal = "IPv6:" IPv6-addr  (ABNF strings ignore case)
  constexpr std::string_view kIpv6Tag = "IPv6:";
  if (ascii::istarts_with(inner, kIpv6Tag)) {
    return is_ipv6(inner.substr(kIpv6Tag.size())) ? close + 1 : 0;
  }
  // A General-address-literal needs a tag registered with IANA (RFC 5321 §4.1.3); IPv6 is the
  // only one, so anything else must be IPv4.
  return is_ipv4(inner) ? close + 1 : 0;
}

struct QuotedString {
  std::string value;  // Without the quotes, quoted-pairs resolved.
  std::size_t consumed = 0;
};

// Reads the Quoted-string at the start of `s` (which starts with DQUOTE). nullopt if malformed.
// RFC 5321 §4.1.2  Quoted-string = DQUOTE *QcontentSMTP DQUOTE
//                  QcontentSMTP = qtextSMTP / quoted-pairSMTP
// RFC 6531 §3.3    qtextSMTP =/ UTF8-non-ascii
std::optional<QuotedString> read_quoted_string(std::string_view s, bool allow_utf8) {
  QuotedString out;
  std::size_t i = 1;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '"') {
      out.consumed = i + 1;
      return out;
    }
    if (c == '\\') {
      if (i + 1 == s.size() || !grammar::is_quotable(s[i + 1])) return std::nullopt;
      out.value += s[i + 1];
      i += 2;
    } else if (grammar::is_qtext_smtp(c)) {
      out.value += c;
      ++i;
    } else if (std::size_t n = allow_utf8 ? grammar::utf8_non_ascii_length(s.substr(i)) : 0;
               n != 0) {
      out.value.append(s.substr(i, n));
      i += n;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;  // No closing quote.
}

SyntaxError bad_address(PathRole role, std::string_view reason) {
  return {role == PathRole::kReversePath ? SyntaxError::Kind::kBadSenderAddress
                                         : SyntaxError::Kind::kBadRecipientAddress,
          reason};
}

}  // namespace

Result<ParsedPath, SyntaxError> parse_path_prefix(std::string_view in, PathRole role,
                                                  bool allow_utf8) {
  const auto fail = [role](std::string_view reason) {
    return unexpected(bad_address(role, reason));
  };
  if (in.empty() || in[0] != '<') return fail("address must be enclosed in <>");

  // RFC 5321 §4.1.1.2  Reverse-path = Path / "<>"
  if (in.size() >= 2 && in[1] == '>') {
    if (role != PathRole::kReversePath) return fail("empty recipient address");
    Path null_path;
    null_path.is_null = true;
    return ParsedPath{std::move(null_path), 2};
  }

  // RFC 5321 §4.1.1.3  "RCPT TO:" ( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )
  constexpr std::string_view kPostmaster = "Postmaster";
  if (role == PathRole::kForwardPath && in.size() >= kPostmaster.size() + 2 &&
      ascii::iequals(in.substr(1, kPostmaster.size()), kPostmaster) &&
      in[kPostmaster.size() + 1] == '>') {
    Path postmaster;
    postmaster.local_part = std::string(in.substr(1, kPostmaster.size()));
    postmaster.is_postmaster = true;
    return ParsedPath{std::move(postmaster), kPostmaster.size() + 2};
  }

  std::size_t pos = 1;
  // RFC 5321 §4.1.2  Path = "<" [ A-d-l ":" ] Mailbox ">"; A-d-l = At-domain *( "," At-domain )
  // Source routes are accepted and ignored (RFC 5321 §4.1.1.3, Appendix C).
  if (pos < in.size() && in[pos] == '@') {
    for (;;) {
      ++pos;  // The "@".
      const std::size_t n = match_domain(in.substr(pos), allow_utf8);
      if (n == 0) return fail("bad source route");
      pos += n;
      if (pos + 1 < in.size() && in[pos] == ',' && in[pos + 1] == '@') {
        ++pos;
        continue;
      }
      break;
    }
    if (pos == in.size() || in[pos] != ':') return fail("bad source route");
    ++pos;
  }

  // RFC 5321 §4.1.2  Mailbox = Local-part "@" ( Domain / address-literal )
  //                  Local-part = Dot-string / Quoted-string
  Path path;
  const std::size_t local_start = pos;
  if (pos < in.size() && in[pos] == '"') {
    auto quoted = read_quoted_string(in.substr(pos), allow_utf8);
    if (!quoted) return fail("bad quoted local part");
    path.local_part = std::move(quoted->value);
    pos += quoted->consumed;
  } else {
    const std::size_t n = grammar::match_dot_string(in.substr(pos), allow_utf8);
    if (n == 0) return fail("bad local part");
    path.local_part = std::string(in.substr(pos, n));
    pos += n;
  }
  // RFC 5321 §4.5.3.1.1
  if (pos - local_start > kMaxLocalPartOctets) return fail("local part too long");
  if (pos == in.size() || in[pos] != '@') return fail("bad local part");
  ++pos;

  const std::string_view rest = in.substr(pos);
  const std::size_t n = !rest.empty() && rest[0] == '[' ? match_address_literal(rest)
                                                        : match_domain(rest, allow_utf8);
  if (n == 0) return fail("bad domain");
  // RFC 5321 §4.5.3.1.2
  if (n > kMaxDomainOctets) return fail("domain too long");
  path.domain = std::string(rest.substr(0, n));
  pos += n;

  if (pos == in.size() || in[pos] != '>') return fail("bad domain");
  ++pos;
  // RFC 5321 §4.5.3.1.3
  if (pos > kMaxPathOctets) return fail("address too long");
  return ParsedPath{std::move(path), pos};
}

Result<Path, SyntaxError> parse_path(std::string_view in, PathRole role, bool allow_utf8) {
  auto parsed = parse_path_prefix(in, role, allow_utf8);
  if (!parsed) return unexpected(parsed.error());
  if (parsed->consumed != in.size()) {
    return unexpected(bad_address(role, "unexpected text after address"));
  }
  return std::move(parsed->path);
}

std::string to_wire(const Path& path) {
  if (path.is_null) return "<>";
  return "<" + path.address() + ">";
}

bool is_domain(std::string_view s, bool allow_utf8) {
  return !s.empty() && s.size() <= kMaxDomainOctets && match_domain(s, allow_utf8) == s.size();
}

bool is_address_literal(std::string_view s) {
  return !s.empty() && match_address_literal(s) == s.size();
}

}  // namespace redoubt::smtp::proto
