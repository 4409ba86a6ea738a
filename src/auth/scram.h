#pragma once

// SCRAM-SHA-256 (RFC 5802, RFC 7677), server side, as pure functions over bytes: no I/O, no store,
// no logging. The protocol (IMAP AUTHENTICATE, later SMTP AUTH) carries the messages, looks the
// user up and maps errors to its replies.
//
// The server keeps, per account, only StoredKey and ServerKey (RFC 5802 §3) with their salt and
// iteration count, made from the password when it is set (make_scram_credentials: the only
// PBKDF2). Checking a client is a few HMACs, so it is cheap enough for an I/O thread.
//
// Not supported: channel binding (SCRAM-SHA-256-PLUS; a client that asks for it with "p=" is
// refused) and proxy authorization (the authzid must be empty or the user itself).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace redoubt::auth {

// RFC 7677 §4: "the iteration count ... SHOULD be at least 4096". We use exactly that (as Dovecot
// does): the stored keys already cost an attacker who steals them 4096 HMACs per guess, while
// every client pays the same count on every login (clients that cache the salted password pay it
// once); the Argon2id hash beside them is what protects a stolen database more strongly.
inline constexpr unsigned kScramIterations = 4096;
// Credentials outside [kScramIterations, kScramMaxIterations] are refused: fewer is below the RFC's
// floor, more would make every client spend seconds.
inline constexpr unsigned kScramMaxIterations = 10'000'000;
inline constexpr std::size_t kScramSaltBytes = 16;

// What the server stores for one account (RFC 5802 §3). `salt` is raw bytes; the keys are SHA-256
// outputs (32 bytes).
struct ScramCredentials {
  unsigned iterations = kScramIterations;
  std::string salt;
  std::string stored_key;
  std::string server_key;

  bool operator==(const ScramCredentials&) const = default;
};

enum class ScramError {
  // Credentials and SASLprep.
  kEmptyPassword,
  kTooLong,           // A password over 1024 bytes (the Argon2id limit too).
  kProhibited,        // SASLprep (RFC 4013) refuses the string: control or unassigned
                      // characters, bad bidi, or invalid UTF-8.
  kBadCredentials,    // A stored credentials string that does not parse.
  // The exchange. server_error_value() gives the RFC 5802 §7 "e=" value of each.
  kMalformed,                   // Not the RFC 5802 §7 grammar, or over the limits.
  kInvalidUsername,             // Bad =2C/=3D escaping, SASLprep failure, or empty.
  kExtensionsNotSupported,      // A mandatory extension ("m=") we do not know.
  kChannelBindingNotSupported,  // "p=": the client requires channel binding.
  kChannelBindingsDontMatch,    // "c=" is not the base64 of the client's own gs2 header.
  kAuthzidNotAllowed,           // An authzid other than the user: no proxy authorization.
  kNonceMismatch,               // The client-final nonce is not the one the server sent.
  kAuthenticationFailed,        // Wrong proof, unknown user or no SCRAM credentials: the same.
};

// The RFC 5802 §7 server-error-value for `error` ("invalid-proof", "other-error", ...).
std::string_view server_error_value(ScramError error);

// RFC 4013 SASLprep of UTF-8 `text`, with ICU's profile. `stored` (passwords given to
// make_scram_credentials) refuses unassigned code points (RFC 5802 §2.2 treats the password as a
// "stored string"); a query (a username received from a client, RFC 5802 §5.1) allows them.
// kProhibited on failure or an empty result. Inputs over 1024 bytes give kTooLong.
Result<std::string, ScramError> saslprep(std::string_view text, bool stored);

// RFC 4648 §4 base64 with padding, strictly: only the alphabet, a length that is a multiple of 4,
// "=" only as final padding, and zero unused bits (one encoding per byte string). nullopt
// otherwise.
std::optional<std::string> decode_base64_strict(std::string_view encoded);
std::string encode_base64(std::string_view bytes);

// Credentials for `password` (SASLprep'd first, as a stored string) with a fresh random
// 16-byte salt. Runs PBKDF2-HMAC-SHA-256 `iterations` times: a few milliseconds, blocking.
// REQUIRES: kScramIterations <= iterations <= kScramMaxIterations.
Result<ScramCredentials, ScramError> make_scram_credentials(std::string_view password,
                                                            unsigned iterations = kScramIterations);
// The same with a given salt (tests and test vectors).
Result<ScramCredentials, ScramError> make_scram_credentials(std::string_view password,
                                                            unsigned iterations,
                                                            std::string_view salt);

// "SCRAM-SHA-256$<iterations>:<salt base64>$<StoredKey base64>:<ServerKey base64>", the form
// Dovecot uses (and RFC 5803 describes for LDAP), stored in accounts.scram_sha256.
std::string format_scram_credentials(const ScramCredentials& credentials);
// The inverse, strictly (canonical base64, 32-byte keys, 1 to 64 salt bytes, iteration count in
// range without leading zeros). kBadCredentials otherwise.
Result<ScramCredentials, ScramError> parse_scram_credentials(std::string_view text);

// Limits of the exchange: every message over kMaxMessageBytes, every nonce over kMaxNonceBytes and
// every username or authzid over kMaxUsernameBytes (after unescaping) is kMalformed. At most
// kMaxExtensions optional extension attributes per message.
struct ScramLimits {
  static constexpr std::size_t kMaxMessageBytes = 2048;
  static constexpr std::size_t kMaxNonceBytes = 256;
  static constexpr std::size_t kMaxUsernameBytes = 512;
  static constexpr std::size_t kMaxExtensions = 8;
};

// A secret made once per process (32 random bytes) for ScramServer's stand-in credentials.
const std::string& scram_process_secret();

// One server side of one SCRAM-SHA-256 exchange (RFC 5802 §3, §5, §7):
//
//   ScramServer scram(scram_process_secret());
//   auto user = scram.receive_client_first(message1);        // -> the user to look up
//   std::string challenge = scram.server_first(credentials);  // nullopt: no such credentials
//   auto verifier = scram.receive_client_final(message2);     // -> "v=..." on success
//
// Each step must come once, in this order, and only after the previous one succeeded (checked:
// the process stops otherwise). An error ends the exchange.
//
// An unknown user (or one without SCRAM credentials, or one the caller throttles: the caller
// passes nullopt) gets stand-in credentials derived from the username and `secret` by HMAC: the
// same salt on every attempt, the same iteration count as real accounts, so the exchange looks
// the same until the proof fails with kAuthenticationFailed (RFC 5802 §5.1). The stand-in salt
// changes when `secret` does (with the process, for scram_process_secret()).
class ScramServer {
 public:
  // `server_nonce`: printable ASCII but ",", appended to the client's nonce. The default is
  // base64 of 24 random bytes; tests pass the RFC's.
  explicit ScramServer(std::string secret);
  ScramServer(std::string secret, std::string server_nonce);

  // RFC 5802 §7 client-first-message, e.g. "n,,n=user,r=rOprNGfwEbeRWgbNEkqO". Returns the
  // username, unescaped and SASLprep'd (as a query), for the caller to look up. Accepts the gs2
  // flags "n" and "y" (we offer no channel binding, so "y" is no downgrade); "p=" gives
  // kChannelBindingNotSupported. An authzid must equal the username (kAuthzidNotAllowed).
  Result<std::string, ScramError> receive_client_first(std::string_view message);

  // RFC 5802 §7 server-first-message: "r=<client nonce><server nonce>,s=<salt>,i=<count>".
  std::string server_first(const std::optional<ScramCredentials>& credentials);

  // Checks the RFC 5802 §7 client-final-message ("c=biws,r=...,p=...") and returns the
  // server-final-message "v=<ServerSignature>". The proof is compared in constant time.
  Result<std::string, ScramError> receive_client_final(std::string_view message);

 private:
  enum class Step { kClientFirst, kServerFirst, kClientFinal, kDone };

  void fail() { step_ = Step::kDone; }

  std::string secret_;
  std::string server_nonce_;
  Step step_ = Step::kClientFirst;
  std::string username_;
  std::string gs2_header_;         // "n,," etc., as received: what "c=" must encode.
  std::string client_first_bare_;  // For AuthMessage.
  std::string nonce_;              // Client nonce + server nonce.
  std::string server_first_;
  ScramCredentials credentials_;
  bool known_user_ = false;
};

}  // namespace redoubt::auth
