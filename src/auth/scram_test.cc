#include "auth/scram.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <string>

namespace redoubt::auth {
namespace {

// RFC 7677 §3.
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
const std::string kSecret = "test secret";

ScramCredentials pencil() {
  return make_scram_credentials("pencil", 4096, *decode_base64_strict("W22ZaJ0SNY7soEsUEjb6gQ==")).value();
}

// --- A client, written from RFC 5802 §3 independently of the server code -------------------------

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

struct ClientFinal {
  std::string message;
  std::string expected_server_final;
};

// The client-final-message for `server_first` (whose salt and iterations it reads), and the
// server-final-message the client expects.
ClientFinal client_final(std::string_view password, std::string_view gs2_header, std::string_view client_first_bare,
                         std::string_view server_first) {
  const std::size_t s = server_first.find(",s=");
  const std::size_t i = server_first.find(",i=");
  const std::string nonce(server_first.substr(2, s - 2));
  const std::string salt = *decode_base64_strict(server_first.substr(s + 3, i - s - 3));
  const int iterations = std::stoi(std::string(server_first.substr(i + 3)));
  unsigned char salted[SHA256_DIGEST_LENGTH];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()), iterations,
                    EVP_sha256(), sizeof salted, salted);
  const std::string salted_password(reinterpret_cast<char*>(salted), sizeof salted);
  const std::string client_key = hmac(salted_password, "Client Key");
  unsigned char stored[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), client_key.size(), stored);
  const std::string stored_key(reinterpret_cast<char*>(stored), sizeof stored);
  const std::string without_proof = "c=" + encode_base64(gs2_header) + ",r=" + nonce;
  const std::string auth_message =
      std::string(client_first_bare) + "," + std::string(server_first) + "," + without_proof;
  std::string proof = hmac(stored_key, auth_message);
  for (std::size_t k = 0; k < proof.size(); ++k) proof[k] ^= client_key[k];
  const std::string server_signature = hmac(hmac(salted_password, "Server Key"), auth_message);
  return {without_proof + ",p=" + encode_base64(proof), "v=" + encode_base64(server_signature)};
}

// A server past its first message for `client_first`, with `credentials`.
struct Started {
  ScramServer server;
  std::string server_first;
};

Started start(std::string_view client_first, const std::optional<ScramCredentials>& credentials,
              std::string secret = kSecret) {
  ScramServer server(std::move(secret), std::string(kServerNonce));
  auto user = server.receive_client_first(client_first);
  EXPECT_TRUE(user.has_value()) << client_first;
  std::string first = server.server_first(credentials);
  return {std::move(server), std::move(first)};
}

// --- The RFC 7677 test vector --------------------------------------------------------------------

TEST(Scram, Rfc7677TestVector) {
  ScramServer server(kSecret, std::string(kServerNonce));
  auto user = server.receive_client_first(kClientFirst);
  ASSERT_TRUE(user.has_value());
  EXPECT_EQ(*user, "user");
  EXPECT_EQ(server.server_first(pencil()), kServerFirst);
  auto final_message = server.receive_client_final(kClientFinal);
  ASSERT_TRUE(final_message.has_value()) << static_cast<int>(final_message.error());
  EXPECT_EQ(*final_message, kServerFinal);
}

TEST(Scram, OurClientAgreesWithTheRfc) {
  const ClientFinal got = client_final("pencil", "n,,", kClientFirst.substr(3), kServerFirst);
  EXPECT_EQ(got.message, kClientFinal);
  EXPECT_EQ(got.expected_server_final, kServerFinal);
}

// --- Whole exchanges ------------------------------------------------------------------------------

TEST(Scram, RandomCredentialsRoundTrip) {
  auto credentials = make_scram_credentials("correct horse battery staple");
  ASSERT_TRUE(credentials.has_value());
  EXPECT_EQ(credentials->iterations, kScramIterations);
  EXPECT_EQ(credentials->salt.size(), kScramSaltBytes);
  auto parsed = parse_scram_credentials(format_scram_credentials(*credentials));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, *credentials);

  for (std::string_view gs2 : {"n,,", "y,,", "n,a=alice@example.test,", "y,a=alice@example.test,"}) {
    SCOPED_TRACE(gs2);
    const std::string bare = "n=alice@example.test,r=fyko+d2lbbFgONRv9qkxdawL";
    const std::string first = std::string(gs2) + bare;
    ScramServer server(kSecret);  // Random server nonce.
    auto user = server.receive_client_first(first);
    ASSERT_TRUE(user.has_value());
    EXPECT_EQ(*user, "alice@example.test");
    const std::string server_first = server.server_first(*credentials);
    EXPECT_TRUE(server_first.starts_with("r=fyko+d2lbbFgONRv9qkxdawL"));
    // 24 random bytes in base64 after the client's nonce.
    EXPECT_EQ(server_first.find(",s="), std::string_view("r=fyko+d2lbbFgONRv9qkxdawL").size() + 32);
    const ClientFinal client = client_final("correct horse battery staple", gs2, bare, server_first);
    auto verifier = server.receive_client_final(client.message);
    ASSERT_TRUE(verifier.has_value()) << static_cast<int>(verifier.error());
    EXPECT_EQ(*verifier, client.expected_server_final);
  }
}

TEST(Scram, ServerNoncesDiffer) {
  ScramServer a(kSecret), b(kSecret);
  ASSERT_TRUE(a.receive_client_first(kClientFirst).has_value());
  ASSERT_TRUE(b.receive_client_first(kClientFirst).has_value());
  EXPECT_NE(a.server_first(pencil()), b.server_first(pencil()));
}

TEST(Scram, ExtensionsInTheFinalMessageAreSigned) {
  auto [server, first] = start(kClientFirst, pencil());
  ClientFinal client = client_final("pencil", "n,,", kClientFirst.substr(3), first);
  // An extension before the proof is part of AuthMessage: inserting one breaks the proof.
  const std::size_t proof_at = client.message.find(",p=");
  std::string tampered = client.message;
  tampered.insert(proof_at, ",x=1");
  EXPECT_EQ(server.receive_client_final(tampered).error(), ScramError::kAuthenticationFailed);
}

TEST(Scram, UsernameEscapesAndSaslprep) {
  struct Case {
    std::string_view message;
    std::string_view user;
  };
  const Case cases[] = {
      {"n,,n=a=2Cb=3Dc,r=x", "a,b=c"},
      {"n,,n=I\xC2\xADX,r=x", "IX"},           // RFC 4013 §3: soft hyphen mapped to nothing.
      {"n,,n=\xE2\x85\xA8,r=x", "IX"},         // NFKC.
      {"n,,n=\xF0\x9F\x99\x82,r=x", "\xF0\x9F\x99\x82"},  // Unassigned in Unicode 3.2: fine in a query.
      {"n,a=\xE2\x85\xA8,n=IX,r=x", "IX"},      // The authzid is compared prepared.
      {"n,,n=user,r=x,e=1,f=a=b", "user"},      // Extensions are ignored.
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    ScramServer server(kSecret);
    auto user = server.receive_client_first(c.message);
    ASSERT_TRUE(user.has_value()) << static_cast<int>(user.error());
    EXPECT_EQ(*user, c.user);
  }
}

// --- Failures ----------------------------------------------------------------------------------

TEST(Scram, ClientFirstFailures) {
  struct Case {
    std::string message;
    ScramError want;
  };
  const std::string long_name(ScramLimits::kMaxUsernameBytes + 1, 'a');
  const std::string long_nonce(ScramLimits::kMaxNonceBytes + 1, 'a');
  const Case cases[] = {
      {"", ScramError::kMalformed},
      {"n", ScramError::kMalformed},
      {"n,", ScramError::kMalformed},
      {"n,,", ScramError::kMalformed},
      {"x,,n=user,r=abc", ScramError::kMalformed},
      {"N,,n=user,r=abc", ScramError::kMalformed},
      {"nn,,n=user,r=abc", ScramError::kMalformed},
      {"p=tls-unique,,n=user,r=abc", ScramError::kChannelBindingNotSupported},
      {"p=tls-server-end-point,a=user,n=user,r=abc", ScramError::kChannelBindingNotSupported},
      {"n,,m=ext,n=user,r=abc", ScramError::kExtensionsNotSupported},
      {"n,,n=,r=abc", ScramError::kMalformed},
      {"n,,n=user", ScramError::kMalformed},
      {"n,,n=user,", ScramError::kMalformed},
      {"n,,r=abc,n=user", ScramError::kMalformed},
      {"n,,n=user,r=", ScramError::kMalformed},
      {"n,,n=user,r=a b", ScramError::kMalformed},
      {"n,,n=user,r=a\x7f", ScramError::kMalformed},
      {"n,,n=user,r=abc,", ScramError::kMalformed},
      {"n,,n=user,r=abc,1=x", ScramError::kMalformed},
      {"n,,n=user,r=abc,x=", ScramError::kMalformed},
      {"n,,n=user,r=abc,x=1,y=2,z=3,a=4,b=5,c=6,d=7,e=8,f=9", ScramError::kMalformed},
      {"n,,n=user,r=" + long_nonce, ScramError::kMalformed},
      {"n,,n=" + long_name + ",r=abc", ScramError::kMalformed},
      {"n,,n=user,r=abc" + std::string(ScramLimits::kMaxMessageBytes, 'a'), ScramError::kMalformed},
      {"n,,n=us=2cer,r=abc", ScramError::kInvalidUsername},
      {"n,,n=user=,r=abc", ScramError::kInvalidUsername},
      {"n,,n=us=41er,r=abc", ScramError::kInvalidUsername},
      {std::string("n,,n=us\0er,r=abc", 16), ScramError::kInvalidUsername},
      {"n,,n=us\xFF" "er,r=abc", ScramError::kInvalidUsername},
      {"n,,n=us\xC0\xAF" "er,r=abc", ScramError::kInvalidUsername},      // Overlong.
      {"n,,n=us\xED\xA0\x80" "er,r=abc", ScramError::kInvalidUsername},  // Surrogate.
      {"n,,n=us\aer,r=abc", ScramError::kInvalidUsername},               // SASLprep: control.
      {"n,,n=\xD8\xA7" "1,r=abc", ScramError::kInvalidUsername},         // SASLprep: bidi.
      {"n,,n=\xC2\xAD,r=abc", ScramError::kInvalidUsername},             // Prepares to "".
      {"n,a=,n=user,r=abc", ScramError::kMalformed},
      {"n,b=user,n=user,r=abc", ScramError::kMalformed},
      {"n,a=user,n=user", ScramError::kMalformed},
      {"n,a=other,n=user,r=abc", ScramError::kAuthzidNotAllowed},
      {"n,a=User,n=user,r=abc", ScramError::kAuthzidNotAllowed},
      {"n,a=us=zzer,n=user,r=abc", ScramError::kInvalidUsername},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    ScramServer server(kSecret);
    auto user = server.receive_client_first(c.message);
    ASSERT_FALSE(user.has_value()) << *user;
    EXPECT_EQ(user.error(), c.want);
  }
}

TEST(Scram, ClientFinalFailures) {
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO" + std::string(kServerNonce);
  const std::string proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  struct Case {
    std::string message;
    ScramError want;
  };
  const Case cases[] = {
      {"", ScramError::kMalformed},
      {"c=biws", ScramError::kMalformed},
      {"c=biws,r=" + nonce, ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",", ScramError::kMalformed},
      {"r=" + nonce + ",c=biws," + proof, ScramError::kMalformed},
      {"c=biws,r=" + nonce + "," + proof + ",x=1", ScramError::kMalformed},
      {"c=biws,r=" + nonce + "," + proof + ",", ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",p=", ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ", ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVR=", ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",p=dHzbZapW Ik4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", ScramError::kMalformed},
      {"c=biw,r=" + nonce + "," + proof, ScramError::kMalformed},
      {"c=biws,r=," + proof, ScramError::kMalformed},
      {"c=biws,r=" + nonce + ",1=x," + proof, ScramError::kMalformed},
      {"c=biws,r=" + nonce + std::string(ScramLimits::kMaxMessageBytes, 'a') + "," + proof,
       ScramError::kMalformed},
      {"c=eSws,r=" + nonce + "," + proof, ScramError::kChannelBindingsDontMatch},  // "y,,"
      {"c=biwsAAAA,r=" + nonce + "," + proof, ScramError::kChannelBindingsDontMatch},
      {"c=,r=" + nonce + "," + proof, ScramError::kChannelBindingsDontMatch},
      {"c=biws,r=rOprNGfwEbeRWgbNEkqO," + proof, ScramError::kNonceMismatch},
      {"c=biws,r=" + nonce + "x," + proof, ScramError::kNonceMismatch},
      {"c=biws,r=" + nonce + ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", ScramError::kAuthenticationFailed},
      {"c=biws,r=" + nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndQ==", ScramError::kAuthenticationFailed},
      {"c=biws,r=" + nonce + ",p=AAAA", ScramError::kAuthenticationFailed},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.message);
    auto [server, first] = start(kClientFirst, pencil());
    ASSERT_EQ(first, kServerFirst);
    auto verifier = server.receive_client_final(c.message);
    ASSERT_FALSE(verifier.has_value()) << *verifier;
    EXPECT_EQ(verifier.error(), c.want);
  }
}

TEST(Scram, WrongPasswordFails) {
  auto [server, first] = start(kClientFirst, pencil());
  const ClientFinal client = client_final("pencil2", "n,,", kClientFirst.substr(3), first);
  EXPECT_EQ(server.receive_client_final(client.message).error(), ScramError::kAuthenticationFailed);
}

TEST(Scram, ClientFinalMustRepeatTheAuthzidHeader) {
  // "c=biws" is "n,,"; after "n,a=user," the client must send base64 of that header.
  auto [server, first] = start("n,a=user,n=user,r=abc", pencil());
  const ClientFinal client = client_final("pencil", "n,,", "n=user,r=abc", first);
  EXPECT_EQ(server.receive_client_final(client.message).error(), ScramError::kChannelBindingsDontMatch);
}

TEST(Scram, UnknownUserLooksLikeAKnownOne) {
  auto [unknown, first] = start("n,,n=nobody,r=abc", std::nullopt);
  auto [known, real_first] = start("n,,n=user,r=abc", make_scram_credentials("pencil").value());
  // Same shape: nonce, 16-byte salt, the same iteration count.
  const std::size_t s = first.find(",s="), i = first.find(",i=");
  ASSERT_NE(s, std::string::npos);
  ASSERT_NE(i, std::string::npos);
  EXPECT_EQ(decode_base64_strict(first.substr(s + 3, i - s - 3))->size(), kScramSaltBytes);
  EXPECT_EQ(first.substr(i), ",i=4096");
  EXPECT_EQ(first.size(), real_first.size());
  // Even the right proof for the stand-in salt fails: there is no password.
  const ClientFinal client = client_final("pencil", "n,,", "n=nobody,r=abc", first);
  EXPECT_EQ(unknown.receive_client_final(client.message).error(), ScramError::kAuthenticationFailed);
}

TEST(Scram, StandInSaltIsStablePerUserAndSecret) {
  auto salt_of = [](std::string_view user, std::string secret) {
    std::string message = "n,,n=" + std::string(user) + ",r=abc";
    ScramServer server(std::move(secret));
    EXPECT_TRUE(server.receive_client_first(message).has_value());
    std::string first = server.server_first(std::nullopt);
    return first.substr(first.find(",s="));
  };
  EXPECT_EQ(salt_of("nobody", "s1"), salt_of("nobody", "s1"));
  EXPECT_NE(salt_of("nobody", "s1"), salt_of("nobody2", "s1"));
  EXPECT_NE(salt_of("nobody", "s1"), salt_of("nobody", "s2"));
  EXPECT_EQ(scram_process_secret().size(), 32u);
  EXPECT_EQ(&scram_process_secret(), &scram_process_secret());
}

TEST(Scram, ErrorValues) {
  EXPECT_EQ(server_error_value(ScramError::kAuthenticationFailed), "invalid-proof");
  EXPECT_EQ(server_error_value(ScramError::kChannelBindingNotSupported), "channel-binding-not-supported");
  EXPECT_EQ(server_error_value(ScramError::kChannelBindingsDontMatch), "channel-bindings-dont-match");
  EXPECT_EQ(server_error_value(ScramError::kExtensionsNotSupported), "extensions-not-supported");
  EXPECT_EQ(server_error_value(ScramError::kInvalidUsername), "invalid-username-encoding");
  EXPECT_EQ(server_error_value(ScramError::kMalformed), "invalid-encoding");
  EXPECT_EQ(server_error_value(ScramError::kNonceMismatch), "other-error");
}

// --- Credentials -------------------------------------------------------------------------------

TEST(ScramCredentials, Rfc7677KeysAndFormat) {
  const ScramCredentials credentials = pencil();
  const std::string text = format_scram_credentials(credentials);
  EXPECT_TRUE(text.starts_with("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")) << text;
  EXPECT_EQ(*parse_scram_credentials(text), credentials);
  // The same password and salt give the same keys.
  EXPECT_EQ(format_scram_credentials(pencil()), text);
}

TEST(ScramCredentials, PasswordIsSaslpreppedAsAStoredString) {
  const std::string salt = "0123456789abcdef";
  // RFC 4013 §3: "I<U+00AD>X" and "<U+2168>" both prepare to "IX".
  EXPECT_EQ(*make_scram_credentials("I\xC2\xADX", 4096, salt), *make_scram_credentials("IX", 4096, salt));
  EXPECT_EQ(*make_scram_credentials("\xE2\x85\xA8", 4096, salt), *make_scram_credentials("IX", 4096, salt));
  EXPECT_EQ(make_scram_credentials("", 4096, salt).error(), ScramError::kEmptyPassword);
  EXPECT_EQ(make_scram_credentials(std::string(1025, 'x'), 4096, salt).error(), ScramError::kTooLong);
  EXPECT_EQ(make_scram_credentials("a\ab", 4096, salt).error(), ScramError::kProhibited);
  EXPECT_EQ(make_scram_credentials("\xF0\x9F\x99\x82", 4096, salt).error(), ScramError::kProhibited);
  EXPECT_EQ(make_scram_credentials("\xFF", 4096, salt).error(), ScramError::kProhibited);
  EXPECT_EQ(make_scram_credentials("\xC2\xAD", 4096, salt).error(), ScramError::kProhibited);
  EXPECT_TRUE(make_scram_credentials("p\xC3\xA4ssw\xC3\xB6rd with spaces", 4096, salt).has_value());
}

TEST(ScramCredentials, Saslprep) {
  // RFC 4013 §3 examples.
  EXPECT_EQ(*saslprep("I\xC2\xADX", true), "IX");
  EXPECT_EQ(*saslprep("user", true), "user");
  EXPECT_EQ(*saslprep("USER", true), "USER");
  EXPECT_EQ(*saslprep("\xC2\xAA", true), "a");
  EXPECT_EQ(*saslprep("\xE2\x85\xA8", true), "IX");
  EXPECT_EQ(saslprep("\a", true).error(), ScramError::kProhibited);
  EXPECT_EQ(saslprep("\xD8\xA7" "1", true).error(), ScramError::kProhibited);
  // Non-ASCII space maps to space.
  EXPECT_EQ(*saslprep("a\xC2\xA0" "b", false), "a b");
  EXPECT_EQ(saslprep("", false).error(), ScramError::kProhibited);
  EXPECT_EQ(saslprep(std::string(1025, 'a'), false).error(), ScramError::kTooLong);
  // U+FDFA expands to 18 characters under NFKC (15 Arabic letters and 3 spaces: 33 bytes).
  std::string ligatures;
  for (int i = 0; i < 50; ++i) ligatures += "\xEF\xB7\xBA";
  EXPECT_EQ(saslprep(ligatures, false)->size(), 50u * 33u);
  // Latin next to it breaks the RFC 3454 §6 bidi rule.
  EXPECT_EQ(saslprep("a\xEF\xB7\xBA", false).error(), ScramError::kProhibited);
}

TEST(ScramCredentials, ParseRefusesMalformedText) {
  const std::string good = format_scram_credentials(pencil());
  ASSERT_TRUE(parse_scram_credentials(good).has_value());
  const std::string keys = good.substr(good.find('$', 14));
  for (const std::string& bad : {
           std::string(""),
           std::string("SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("scram-sha-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$4095:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$04096:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$+4096:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$99999999999:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$:W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$4096:") + keys,
           std::string("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gR==") + keys,
           std::string("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ") + keys,
           std::string("SCRAM-SHA-256$4096W22ZaJ0SNY7soEsUEjb6gQ==") + keys,
           std::string("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"),
           std::string("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$AAAA:AAAA"),
           good + "A",
           good + "=",
           good.substr(0, good.size() - 4),
       }) {
    EXPECT_EQ(parse_scram_credentials(bad).error(), ScramError::kBadCredentials) << bad;
  }
}

TEST(ScramBase64, StrictDecoding) {
  EXPECT_EQ(*decode_base64_strict(""), "");
  EXPECT_EQ(*decode_base64_strict("biws"), "n,,");
  EXPECT_EQ(*decode_base64_strict("YQ=="), "a");
  EXPECT_EQ(*decode_base64_strict("YWI="), "ab");
  EXPECT_EQ(*decode_base64_strict("+/+/"), "\xFB\xFF\xBF");
  for (std::string_view bad : {"YQ", "YQ=", "Y===", "====", "YQ==YQ==", "YR==", "YWJ=", "Y Q==", "YQ=\n", "YQ=a",
                               "Y=Q=", "-_-_", "biws\r\n"}) {
    EXPECT_FALSE(decode_base64_strict(bad).has_value()) << bad;
  }
  for (std::string bytes : {std::string(""), std::string("a"), std::string("ab"), std::string("abc"),
                            std::string("\0\xff\x10\x80", 4)}) {
    EXPECT_EQ(*decode_base64_strict(encode_base64(bytes)), bytes);
  }
}

}  // namespace
}  // namespace redoubt::auth
