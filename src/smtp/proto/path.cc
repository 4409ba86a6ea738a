#include "smtp/proto/path.h"

#include "smtp/proto/grammar.h"

namespace redoubt::smtp::proto {

std::string Path::address() const {
  if (is_null) return {};
  if (is_postmaster) return local_part;
  std::string out;
  out.reserve(local_part.size() + domain.size() + 3);
  // RFC 5321 §4.1.2: "a Quoted-string ... SHOULD NOT be used" where a Dot-string suffices. The
  // local part can only hold non-ASCII octets if it was parsed with UTF-8 allowed.
  if (grammar::is_dot_string(local_part, /*allow_utf8=*/true)) {
    out += local_part;
  } else {
    out += '"';
    for (char c : local_part) {
      if (c == '"' || c == '\\') out += '\\';  // RFC 5321 §4.1.2 quoted-pairSMTP
      out += c;
    }
    out += '"';
  }
  out += '@';
  out += domain;
  return out;
}

bool Path::needs_smtputf8() const {
  return grammar::has_non_ascii(local_part) || grammar::has_non_ascii(domain);
}

}  // namespace redoubt::smtp::proto
