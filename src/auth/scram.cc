#include "auth/scram.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <unicode/usprep.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <vector>

#include "base/check.h"
#include "base/random.h"
#include "base/utf8.h"

namespace redoubt::auth {
namespace {

constexpr std::string_view kPrefix = "SCRAM-SHA-256$";
constexpr std::size_t kKeyBytes = SHA256_DIGEST_LENGTH;
constexpr std::size_t kMaxPasswordBytes = 1024;  // As for Argon2id (auth/password.cc).
constexpr std::size_t kMaxSaltBytes = 64;
constexpr std::size_t kServerNonceBytes = 24;  // RFC 5802 §5.1 asks for a fresh random nonce.

// Clears a secret when it goes out of scope (STYLE: wipe secrets once used).
struct Wipe {
  std::string& secret;
  ~Wipe() { OPENSSL_cleanse(secret.data(), secret.size()); }
};

std::string hmac(std::string_view key, std::string_view data) {
  std::string out(kKeyBytes, '\0');
  unsigned int length = 0;
  REDOUBT_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     reinterpret_cast<unsigned char*>(out.data()), &length) != nullptr);
  REDOUBT_CHECK(length == kKeyBytes);
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(kKeyBytes, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// --- base64 ------------------------------------------------------------------------------------

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<signed char, 256> make_decode_table() {
  std::array<signed char, 256> table{};
  for (auto& entry : table) entry = -1;
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<signed char>(i);
  }
  return table;
}
constexpr std::array<signed char, 256> kDecode = make_decode_table();

// --- RFC 5802 §7 grammar -----------------------------------------------------------------------

// printable = %x21-2B / %x2D-7E  (a nonce: printable ASCII but ",")
bool is_printable(char c) { return c >= 0x21 && c <= 0x7E && c != ','; }

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// value-safe-char = %x01-2B / %x2D-3C / %x3E-7F / UTF8-2 / UTF8-3 / UTF8-4, and with `equals`
// also "=" (value-char). Returns the length of the character at the start of `s`, 0 if none.
std::size_t value_char_length(std::string_view s, bool equals) {
  const char c = s.front();
  if (c == '\0' || c == ',') return 0;
  if (c == '=') return equals ? 1 : 0;
  if (static_cast<unsigned char>(c) < 0x80) return 1;
  return utf8_non_ascii_length(s);
}

// Reads one attribute "<name>=<value>" of a comma-separated message. `message` is consumed up to
// (not including) the next ",". The value is returned raw.
class Attributes {
 public:
  explicit Attributes(std::string_view message) : rest_(message) {}

  bool at_end() const { return rest_.empty(); }
  std::size_t offset(std::string_view whole) const { return whole.size() - rest_.size(); }
  bool next_is(char name) const { return rest_.size() >= 2 && rest_[0] == name && rest_[1] == '='; }

  // Consumes "," (between attributes).
  bool separator() {
    if (rest_.empty() || rest_.front() != ',') return false;
    rest_.remove_prefix(1);
    return true;
  }

  // Consumes "<name>=" and the value up to the next "," or the end.
  std::optional<std::string_view> take(char name) {
    if (!next_is(name)) return std::nullopt;
    return take_value();
  }

  // Consumes an extension "ALPHA=1*value-char" (RFC 5802 §7 attr-val).
  bool take_extension() {
    if (rest_.size() < 2 || !is_alpha(rest_[0]) || rest_[1] != '=') return false;
    std::string_view value = take_value();
    if (value.empty()) return false;
    for (std::size_t i = 0; i < value.size();) {
      const std::size_t length = value_char_length(value.substr(i), true);
      if (length == 0) return false;
      i += length;
    }
    return true;
  }

 private:
  std::string_view take_value() {
    rest_.remove_prefix(2);
    const std::size_t end = std::min(rest_.find(','), rest_.size());
    std::string_view value = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return value;
  }

  std::string_view rest_;
};

bool valid_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > ScramLimits::kMaxNonceBytes) return false;
  for (char c : nonce) {
    if (!is_printable(c)) return false;
  }
  return true;
}

// saslname = 1*(value-safe-char / "=2C" / "=3D"), unescaped and SASLprep'd as a query.
Result<std::string, ScramError> decode_saslname(std::string_view saslname) {
  if (saslname.size() > ScramLimits::kMaxUsernameBytes) return unexpected(ScramError::kMalformed);
  std::string name;
  for (std::size_t i = 0; i < saslname.size();) {
    if (saslname[i] == '=') {
      const std::string_view escape = saslname.substr(i, 3);
      if (escape == "=2C") {
        name += ',';
      } else if (escape == "=3D") {
        name += '=';
      } else {
        return unexpected(ScramError::kInvalidUsername);
      }
      i += 3;
      continue;
    }
    const std::size_t length = value_char_length(saslname.substr(i), false);
    if (length == 0) return unexpected(ScramError::kInvalidUsername);
    name += saslname.substr(i, length);
    i += length;
  }
  auto prepared = saslprep(name, false);
  if (!prepared) return unexpected(ScramError::kInvalidUsername);
  return prepared;
}

// Stand-in credentials for an unknown user: stable per (secret, username), unrelated to any
// password. Iterations as for real accounts: a different count would tell them apart.
ScramCredentials stand_in_credentials(std::string_view secret, std::string_view username) {
  auto derive = [&](std::string_view label) {
    std::string input(label);
    input += '\0';
    input += username;
    return hmac(secret, input);
  };
  ScramCredentials credentials;
  credentials.iterations = kScramIterations;
  credentials.salt = derive("salt").substr(0, kScramSaltBytes);
  credentials.stored_key = derive("stored-key");
  credentials.server_key = derive("server-key");
  return credentials;
}

bool parse_iterations(std::string_view text, unsigned& iterations) {
  if (text.empty() || text.size() > 9 || text.front() == '0') return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), iterations);
  return error == std::errc() && end == text.data() + text.size() && iterations >= kScramIterations &&
         iterations <= kScramMaxIterations;
}

}  // namespace

std::string_view server_error_value(ScramError error) {
  // RFC 5802 §7 server-error-value.
  switch (error) {
    case ScramError::kMalformed: return "invalid-encoding";
    case ScramError::kInvalidUsername: return "invalid-username-encoding";
    case ScramError::kExtensionsNotSupported: return "extensions-not-supported";
    case ScramError::kChannelBindingNotSupported: return "channel-binding-not-supported";
    case ScramError::kChannelBindingsDontMatch: return "channel-bindings-dont-match";
    case ScramError::kAuthzidNotAllowed: return "other-error";
    case ScramError::kNonceMismatch: return "other-error";
    case ScramError::kAuthenticationFailed: return "invalid-proof";
    case ScramError::kEmptyPassword:
    case ScramError::kTooLong:
    case ScramError::kProhibited:
    case ScramError::kBadCredentials: break;
  }
  return "other-error";
}

Result<std::string, ScramError> saslprep(std::string_view text, bool stored) {
  if (text.size() > kMaxPasswordBytes) return unexpected(ScramError::kTooLong);
  if (text.empty()) return unexpected(ScramError::kProhibited);
  // ICU works on UTF-16. Validate first: ICU would substitute nothing, but say so ourselves.
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_non_ascii_length(text.substr(i));
    if (length == 0) return unexpected(ScramError::kProhibited);
    i += length;
  }
  UErrorCode status = U_ZERO_ERROR;
  std::vector<UChar> utf16(text.size() + 1);
  int32_t utf16_length = 0;
  u_strFromUTF8(utf16.data(), static_cast<int32_t>(utf16.size()), &utf16_length, text.data(),
                static_cast<int32_t>(text.size()), &status);
  if (U_FAILURE(status)) return unexpected(ScramError::kProhibited);

  std::unique_ptr<UStringPrepProfile, decltype(&usprep_close)> profile(
      usprep_openByType(USPREP_RFC4013_SASLPREP, &status), &usprep_close);
  REDOUBT_CHECK(U_SUCCESS(status) && profile != nullptr);  // ICU's data is part of the library.
  const int32_t options = stored ? USPREP_DEFAULT : USPREP_ALLOW_UNASSIGNED;
  // NFKC can expand a character up to 18 times (U+FDFA); one retry with the exact size covers it.
  std::vector<UChar> prepared(static_cast<std::size_t>(utf16_length) * 4 + 16);
  int32_t prepared_length = usprep_prepare(profile.get(), utf16.data(), utf16_length, prepared.data(),
                                           static_cast<int32_t>(prepared.size()), options, nullptr, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    prepared.resize(static_cast<std::size_t>(prepared_length));
    prepared_length = usprep_prepare(profile.get(), utf16.data(), utf16_length, prepared.data(),
                                     static_cast<int32_t>(prepared.size()), options, nullptr, &status);
  }
  if (U_FAILURE(status) || prepared_length == 0) return unexpected(ScramError::kProhibited);

  std::string out(static_cast<std::size_t>(prepared_length) * 3, '\0');
  int32_t out_length = 0;
  u_strToUTF8(out.data(), static_cast<int32_t>(out.size()), &out_length, prepared.data(), prepared_length,
              &status);
  if (U_FAILURE(status)) return unexpected(ScramError::kProhibited);
  out.resize(static_cast<std::size_t>(out_length));
  OPENSSL_cleanse(utf16.data(), utf16.size() * sizeof(UChar));
  OPENSSL_cleanse(prepared.data(), prepared.size() * sizeof(UChar));
  return out;
}

std::optional<std::string> decode_base64_strict(std::string_view encoded) {
  if (encoded.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(encoded.size() / 4 * 3);
  for (std::size_t i = 0; i < encoded.size(); i += 4) {
    const bool last = i + 4 == encoded.size();
    int values[4];
    std::size_t padding = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = encoded[i + j];
      // "=" only at the end: "xx==" or "xxx=".
      if (c == '=' && last && j >= 2 && (j == 3 || encoded[i + 3] == '=')) {
        values[j] = 0;
        ++padding;
        continue;
      }
      values[j] = kDecode[static_cast<unsigned char>(c)];
      if (values[j] < 0 || padding > 0) return std::nullopt;
    }
    const unsigned bits = (static_cast<unsigned>(values[0]) << 18) | (static_cast<unsigned>(values[1]) << 12) |
                          (static_cast<unsigned>(values[2]) << 6) | static_cast<unsigned>(values[3]);
    out += static_cast<char>((bits >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((bits >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(bits & 0xFF);
    // Canonical: the bits under the padding are zero.
    if ((padding == 1 && (bits & 0xFF) != 0) || (padding == 2 && (bits & 0xFFFF) != 0)) return std::nullopt;
  }
  return out;
}

std::string encode_base64(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    unsigned bits = static_cast<unsigned char>(bytes[i]) << 16;
    if (n > 1) bits |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (n > 2) bits |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(bits >> 18) & 63];
    out += kAlphabet[(bits >> 12) & 63];
    out += n > 1 ? kAlphabet[(bits >> 6) & 63] : '=';
    out += n > 2 ? kAlphabet[bits & 63] : '=';
  }
  return out;
}

Result<ScramCredentials, ScramError> make_scram_credentials(std::string_view password, unsigned iterations) {
  return make_scram_credentials(password, iterations, random_bytes(kScramSaltBytes));
}

Result<ScramCredentials, ScramError> make_scram_credentials(std::string_view password, unsigned iterations,
                                                            std::string_view salt) {
  REDOUBT_CHECK(iterations >= kScramIterations && iterations <= kScramMaxIterations);
  REDOUBT_CHECK(!salt.empty() && salt.size() <= kMaxSaltBytes);
  if (password.empty()) return unexpected(ScramError::kEmptyPassword);
  if (password.size() > kMaxPasswordBytes) return unexpected(ScramError::kTooLong);
  auto prepared = saslprep(password, true);
  if (!prepared) return unexpected(prepared.error());
  Wipe wipe_prepared{*prepared};

  // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i), Hi being PBKDF2 (RFC 2898)
  // with HMAC-SHA-256 (RFC 7677).
  std::string salted(kKeyBytes, '\0');
  Wipe wipe_salted{salted};
  REDOUBT_CHECK(PKCS5_PBKDF2_HMAC(prepared->data(), static_cast<int>(prepared->size()),
                                  reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                                  static_cast<int>(iterations), EVP_sha256(), static_cast<int>(salted.size()),
                                  reinterpret_cast<unsigned char*>(salted.data())) == 1);
  std::string client_key = hmac(salted, "Client Key");
  Wipe wipe_client_key{client_key};
  ScramCredentials credentials;
  credentials.iterations = iterations;
  credentials.salt = std::string(salt);
  credentials.stored_key = sha256(client_key);
  credentials.server_key = hmac(salted, "Server Key");
  return credentials;
}

std::string format_scram_credentials(const ScramCredentials& credentials) {
  return std::string(kPrefix) + std::to_string(credentials.iterations) + ":" + encode_base64(credentials.salt) +
         "$" + encode_base64(credentials.stored_key) + ":" + encode_base64(credentials.server_key);
}

Result<ScramCredentials, ScramError> parse_scram_credentials(std::string_view text) {
  const auto bad = unexpected(ScramError::kBadCredentials);
  if (!text.starts_with(kPrefix)) return bad;
  text.remove_prefix(kPrefix.size());
  const std::size_t colon1 = text.find(':');
  const std::size_t dollar = text.find('$');
  if (colon1 == std::string_view::npos || dollar == std::string_view::npos || dollar < colon1) return bad;
  const std::size_t colon2 = text.find(':', dollar);
  if (colon2 == std::string_view::npos) return bad;
  ScramCredentials credentials;
  if (!parse_iterations(text.substr(0, colon1), credentials.iterations)) return bad;
  auto salt = decode_base64_strict(text.substr(colon1 + 1, dollar - colon1 - 1));
  auto stored_key = decode_base64_strict(text.substr(dollar + 1, colon2 - dollar - 1));
  auto server_key = decode_base64_strict(text.substr(colon2 + 1));
  if (!salt || salt->empty() || salt->size() > kMaxSaltBytes) return bad;
  if (!stored_key || stored_key->size() != kKeyBytes || !server_key || server_key->size() != kKeyBytes) return bad;
  credentials.salt = std::move(*salt);
  credentials.stored_key = std::move(*stored_key);
  credentials.server_key = std::move(*server_key);
  return credentials;
}

const std::string& scram_process_secret() {
  static const std::string kSecret = random_bytes(32);
  return kSecret;
}

// --- ScramServer -------------------------------------------------------------------------------

ScramServer::ScramServer(std::string secret) : ScramServer(std::move(secret), encode_base64(random_bytes(kServerNonceBytes))) {}

ScramServer::ScramServer(std::string secret, std::string server_nonce)
    : secret_(std::move(secret)), server_nonce_(std::move(server_nonce)) {
  REDOUBT_CHECK(!secret_.empty() && valid_nonce(server_nonce_));
}

// RFC 5802 §7:
//   client-first-message      = gs2-header client-first-message-bare
//   gs2-header                = gs2-cbind-flag "," [ authzid ] ","
//   gs2-cbind-flag            = ("p=" cb-name) / "n" / "y"
//   authzid                   = "a=" saslname
//   client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
Result<std::string, ScramError> ScramServer::receive_client_first(std::string_view message) {
  REDOUBT_CHECK(step_ == Step::kClientFirst);
  fail();  // Until we succeed.
  if (message.size() > ScramLimits::kMaxMessageBytes) return unexpected(ScramError::kMalformed);
  Attributes in(message);
  if (in.next_is('p')) return unexpected(ScramError::kChannelBindingNotSupported);
  if (message.size() < 2 || (message[0] != 'n' && message[0] != 'y') || message[1] != ',') {
    return unexpected(ScramError::kMalformed);
  }
  in = Attributes(message.substr(2));
  std::optional<std::string_view> authzid;
  if (!in.at_end() && message[2] != ',') {
    authzid = in.take('a');
    if (!authzid || authzid->empty()) return unexpected(ScramError::kMalformed);
  }
  if (!in.separator()) return unexpected(ScramError::kMalformed);
  const std::size_t header_length = 2 + in.offset(message.substr(2));
  const std::string_view bare = message.substr(header_length);

  in = Attributes(bare);
  if (in.next_is('m')) return unexpected(ScramError::kExtensionsNotSupported);
  const std::optional<std::string_view> username = in.take('n');
  if (!username || username->empty()) return unexpected(ScramError::kMalformed);
  if (!in.separator()) return unexpected(ScramError::kMalformed);
  const std::optional<std::string_view> client_nonce = in.take('r');
  if (!client_nonce || !valid_nonce(*client_nonce)) return unexpected(ScramError::kMalformed);
  for (std::size_t extensions = 0; !in.at_end(); ++extensions) {
    if (extensions == ScramLimits::kMaxExtensions || !in.separator() || !in.take_extension()) {
      return unexpected(ScramError::kMalformed);
    }
  }

  auto user = decode_saslname(*username);
  if (!user) return unexpected(user.error());
  if (authzid) {
    auto identity = decode_saslname(*authzid);
    if (!identity) return unexpected(identity.error());
    if (*identity != *user) return unexpected(ScramError::kAuthzidNotAllowed);
  }
  username_ = *user;
  gs2_header_ = std::string(message.substr(0, header_length));
  client_first_bare_ = std::string(bare);
  nonce_ = std::string(*client_nonce) + server_nonce_;
  step_ = Step::kServerFirst;
  return std::move(*user);
}

std::string ScramServer::server_first(const std::optional<ScramCredentials>& credentials) {
  REDOUBT_CHECK(step_ == Step::kServerFirst);
  known_user_ = credentials.has_value();
  credentials_ = credentials ? *credentials : stand_in_credentials(secret_, username_);
  // RFC 5802 §7: server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  server_first_ = "r=" + nonce_ + ",s=" + encode_base64(credentials_.salt) + ",i=" +
                  std::to_string(credentials_.iterations);
  step_ = Step::kClientFinal;
  return server_first_;
}

// RFC 5802 §7:
//   client-final-message-without-proof = channel-binding "," nonce ["," extensions]
//   client-final-message               = client-final-message-without-proof "," proof
//   channel-binding = "c=" base64;  proof = "p=" base64
Result<std::string, ScramError> ScramServer::receive_client_final(std::string_view message) {
  REDOUBT_CHECK(step_ == Step::kClientFinal);
  fail();
  if (message.size() > ScramLimits::kMaxMessageBytes) return unexpected(ScramError::kMalformed);
  Attributes in(message);
  const std::optional<std::string_view> binding = in.take('c');
  if (!binding || !in.separator()) return unexpected(ScramError::kMalformed);
  const std::optional<std::string_view> nonce = in.take('r');
  if (!nonce || nonce->empty()) return unexpected(ScramError::kMalformed);
  std::optional<std::string_view> proof;
  std::size_t without_proof = 0;
  for (std::size_t extensions = 0;; ++extensions) {
    if (!in.separator()) return unexpected(ScramError::kMalformed);
    if (in.next_is('p')) {
      without_proof = in.offset(message) - 1;
      proof = in.take('p');
      break;
    }
    if (extensions == ScramLimits::kMaxExtensions || !in.take_extension()) {
      return unexpected(ScramError::kMalformed);
    }
  }
  if (!in.at_end()) return unexpected(ScramError::kMalformed);
  const std::optional<std::string> binding_bytes = decode_base64_strict(*binding);
  std::optional<std::string> proof_bytes = decode_base64_strict(*proof);
  if (!binding_bytes || !proof_bytes || proof_bytes->empty()) return unexpected(ScramError::kMalformed);
  Wipe wipe_proof{*proof_bytes};

  // No channel binding data follows the gs2 header: "c=" is its base64 ("biws" for "n,,").
  if (*binding_bytes != gs2_header_) return unexpected(ScramError::kChannelBindingsDontMatch);
  if (*nonce != nonce_) return unexpected(ScramError::kNonceMismatch);

  // RFC 5802 §3:
  //   AuthMessage     := client-first-message-bare + "," + server-first-message + "," +
  //                      client-final-message-without-proof
  //   ClientSignature := HMAC(StoredKey, AuthMessage)
  //   ClientKey       := ClientProof XOR ClientSignature;  check H(ClientKey) == StoredKey
  //   ServerSignature := HMAC(ServerKey, AuthMessage)
  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(message.substr(0, without_proof));
  std::string client_key = hmac(credentials_.stored_key, auth_message);
  Wipe wipe_client_key{client_key};
  const bool proof_fits = proof_bytes->size() == client_key.size();
  for (std::size_t i = 0; proof_fits && i < client_key.size(); ++i) client_key[i] ^= (*proof_bytes)[i];
  const bool matches = constant_time_equals(sha256(client_key), credentials_.stored_key);
  const std::string server_signature = hmac(credentials_.server_key, auth_message);
  if (!proof_fits || !matches || !known_user_) return unexpected(ScramError::kAuthenticationFailed);
  step_ = Step::kDone;
  return "v=" + encode_base64(server_signature);
}

}  // namespace redoubt::auth
