// fuzz-deps: redoubt_auth_scram
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "auth/scram.h"

namespace auth = redoubt::auth;

namespace {

// RFC 7677 §3 credentials, made once: PBKDF2 per input would leave no time for fuzzing.
const auth::ScramCredentials& pencil() {
  static const auth::ScramCredentials kCredentials =
      auth::make_scram_credentials("pencil", auth::kScramIterations, "fuzz salt 16 byt").value();
  return kCredentials;
}

// One exchange: `first` as the client-first-message, then `final` as the client-final-message,
// for a known user and for an unknown one. Every error is a value; a message that gets past the
// proof without the password is a bug.
void exchange(std::string_view first, std::string_view final, bool known) {
  auth::ScramServer server("fuzz secret", "SERVERNONCE");
  auto user = server.receive_client_first(first);
  if (!user.has_value()) return;
  if (user->empty()) std::abort();
  const std::string server_first = server.server_first(known ? std::optional(pencil()) : std::nullopt);
  auto verifier = server.receive_client_final(final);
  // Passing the proof needs the password's keys: random bytes do not get there.
  if (verifier.has_value() && (!known || !verifier->starts_with("v="))) std::abort();
}

}  // namespace

// The SCRAM message parsers, the credentials parser and strict base64: any input gives a value or
// an error, and everything that parses is canonical (formats back to the same bytes).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // "<client-first>\n<client-final>", or the whole input as either message.
  const std::size_t newline = input.find('\n');
  if (newline != std::string_view::npos) {
    exchange(input.substr(0, newline), input.substr(newline + 1), true);
    exchange(input.substr(0, newline), input.substr(newline + 1), false);
  }
  exchange(input, "", true);
  exchange("n,,n=user,r=abc", input, true);
  exchange("n,a=user,n=user,r=abc", input, false);

  if (auto credentials = auth::parse_scram_credentials(input); credentials.has_value()) {
    if (auth::format_scram_credentials(*credentials) != input) std::abort();
  }
  if (auto bytes = auth::decode_base64_strict(input); bytes.has_value()) {
    if (auth::encode_base64(*bytes) != input) std::abort();
  }
  // SASLprep never yields an empty string or grows past what the buffers allow.
  if (auto prepared = auth::saslprep(input, false); prepared.has_value() && prepared->empty()) std::abort();
  return 0;
}
