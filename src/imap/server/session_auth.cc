// Login: LOGIN, AUTHENTICATE PLAIN (RFC 4616) and AUTHENTICATE SCRAM-SHA-256 (RFC 5802, RFC 7677),
// with RFC 4959 SASL-IR.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/authenticate.h"
#include "auth/scram.h"
#include "imap/server/session.h"
#include "mime/base64.h"

namespace redoubt::imap::server {
namespace {

using namespace std::chrono_literals;
using proto::Condition;

// Every failed login is answered this long after it was received, whatever failed (RFC 9051
// §11.3: slow down guessing; Dovecot waits 2 s too).
constexpr auto kFailureDelay = 2s;

bool is_loopback(const net::Tcp::endpoint& remote) {
  const auto address = remote.address();
  if (address.is_v4()) return address.to_v4().is_loopback();
  return address.to_v6().is_loopback() ||
         (address.to_v6().is_v4_mapped() &&
          boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()).is_loopback());
}

// RFC 4616 §2: message = [authzid] NUL authcid NUL passwd.
struct PlainCredentials {
  std::string authzid;
  std::string user;
  std::string password;
};

std::optional<PlainCredentials> parse_plain(std::string_view message) {
  const std::size_t first = message.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  const std::size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos || message.find('\0', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  PlainCredentials credentials{std::string(message.substr(0, first)),
                               std::string(message.substr(first + 1, second - first - 1)),
                               std::string(message.substr(second + 1))};
  if (credentials.user.empty()) return std::nullopt;
  return credentials;
}

}  // namespace

bool Session::plaintext_auth_allowed() const {
  return stream_.is_tls() || (limits_.loopback_plaintext_auth && is_loopback(stream_.remote()));
}

Task<void> Session::on_login(const proto::Command& command, const proto::Login& login) {
  if (!plaintext_auth_allowed()) {
    tagged(command.tag, Condition::kNo, "Use STARTTLS first", proto::response_code::keyword("PRIVACYREQUIRED"));
    co_return;
  }
  co_await finish_login(command, login.user, login.password);
}

Task<void> Session::on_authenticate(const proto::Command& command, const proto::Authenticate& authenticate) {
  const bool scram = authenticate.mechanism == "SCRAM-SHA-256";
  if (authenticate.mechanism != "PLAIN" && !scram) {
    tagged(command.tag, Condition::kNo, "Unsupported authentication mechanism",
           proto::response_code::keyword("CANNOT"));
    co_return;
  }
  // SCRAM too: without TLS a listener gets the salt and proof for offline guessing, and the session
  // that follows is open to anyone on the path anyway.
  if (!plaintext_auth_allowed()) {
    tagged(command.tag, Condition::kNo, "Use STARTTLS first", proto::response_code::keyword("PRIVACYREQUIRED"));
    co_return;
  }
  if (scram) {
    co_await on_authenticate_scram(command, authenticate);
    co_return;
  }
  std::optional<std::string> first = co_await first_response(command, authenticate);
  if (!first) co_return;
  const std::string encoded = std::move(*first);
  std::string message;
  auto credentials = std::optional<PlainCredentials>();
  if (mime::decode_base64(encoded, message)) credentials = parse_plain(message);
  if (!credentials) {
    bad(command.tag, "Invalid base64 or PLAIN message");
    co_return;
  }
  // No proxy authorization: authzid must be empty or the user itself.
  if (!credentials->authzid.empty() && credentials->authzid != credentials->user) {
    tagged(command.tag, Condition::kNo, "Authorization identity not allowed",
           proto::response_code::keyword("AUTHORIZATIONFAILED"));
    co_return;
  }
  co_await finish_login(command, credentials->user, credentials->password);
}

// RFC 9051 §6.2.2: sends the challenge "+ <base64>" and returns the client's one-line answer.
// nullopt when the command is over: the client cancelled with "*" or sent no line (answered BAD),
// or the connection failed.
// The client's first SASL message, base64: the SASL-IR initial response (RFC 4959; "=" is an
// empty one), else asked for with an empty challenge (PLAIN and SCRAM both start with the client).
Task<std::optional<std::string>> Session::first_response(const proto::Command& command,
                                                         const proto::Authenticate& authenticate) {
  if (authenticate.initial_response) {
    co_return *authenticate.initial_response == "=" ? std::string() : *authenticate.initial_response;
  }
  std::optional<std::string> response = co_await sasl_response(command, "");
  co_return response;
}

Task<std::optional<std::string>> Session::sasl_response(const proto::Command& command, std::string_view challenge) {
  out_ += "+ ";
  out_ += challenge;
  out_ += "\r\n";
  const bool sent = co_await flush();
  if (!sent) co_return std::nullopt;
  for (;;) {
    proto::FrameResult event = framer_.next();
    if (auto* frame = std::get_if<proto::Frame>(&event)) {
      if (frame->bytes == "*") {
        bad(command.tag, "Authentication cancelled");
        co_return std::nullopt;
      }
      co_return std::move(frame->bytes);
    }
    bool more = std::holds_alternative<proto::NeedMore>(event);
    if (more) more = co_await read_more(limits_.login_timeout);
    if (!more) {
      bad(command.tag, "Invalid authentication response");
      co_return std::nullopt;
    }
  }
}

// RFC 5802 §5 over RFC 9051 §6.2.2:
//   C: A1 AUTHENTICATE SCRAM-SHA-256 [base64(client-first-message)]
//   S: + [nothing, when there was no initial response; then C: base64(client-first-message)]
//   S: + base64(server-first-message)          C: base64(client-final-message)
//   S: + base64(server-final-message "v=...")  C: (empty line)
//   S: A1 OK [CAPABILITY ...] Logged in
// The proof is checked here on the I/O thread: it is three HMACs and a SHA-256 (PBKDF2 ran when
// the password was set), cheaper than the hop to the blocking pool. Only the account lookup
// (SQLite) goes there.
Task<void> Session::on_authenticate_scram(const proto::Command& command, const proto::Authenticate& authenticate) {
  std::optional<std::string> first = co_await first_response(command, authenticate);
  if (!first) co_return;
  const std::string encoded = std::move(*first);
  auth::ScramServer scram(auth::scram_process_secret());
  std::optional<std::string> client_first = auth::decode_base64_strict(encoded);
  Result<std::string, auth::ScramError> user = unexpected(auth::ScramError::kMalformed);
  if (client_first) user = scram.receive_client_first(*client_first);
  if (!user) {
    switch (user.error()) {
      case auth::ScramError::kChannelBindingNotSupported:
        tagged(command.tag, Condition::kNo, "Channel binding is not supported", proto::response_code::keyword("CANNOT"));
        break;
      case auth::ScramError::kExtensionsNotSupported:
        tagged(command.tag, Condition::kNo, "SCRAM extensions are not supported", proto::response_code::keyword("CANNOT"));
        break;
      case auth::ScramError::kAuthzidNotAllowed:
        // As for PLAIN: no proxy authorization.
        tagged(command.tag, Condition::kNo, "Authorization identity not allowed",
               proto::response_code::keyword("AUTHORIZATIONFAILED"));
        break;
      default: bad(command.tag, "Invalid base64 or SCRAM-SHA-256 message"); break;
    }
    co_return;
  }

  // Unknown, or without SCRAM credentials: the exchange goes on with stand-in credentials
  // (ScramServer) and fails at the proof like a wrong password, after the same delay.
  const bool throttled = login_throttled(*user);
  const std::string name = *user;
  auto find = [&store = services_.store, &name]() -> std::optional<store::AccountInfo> {
    auto found = store.find_account(name);
    if (!found) return std::nullopt;
    found->password_hash.clear();  // Not needed here.
    return std::move(*found);
  };
  std::optional<store::AccountInfo> account = co_await run_blocking(services_.blocking, find);
  std::optional<auth::ScramCredentials> credentials;
  if (account) {
    auto parsed = auth::parse_scram_credentials(account->scram_sha256);
    if (parsed) {
      credentials = std::move(*parsed);
    } else {
      // Told to the operator only: the client sees an ordinary failure.
      services_.log.info("imap session={} event=scram-unavailable user={} reason={}", id_, account->address,
                         account->scram_sha256.empty() ? "password set before SCRAM support; set it again"
                                                       : "malformed SCRAM credentials");
    }
    account->scram_sha256.clear();
  }

  const std::string server_first = auth::encode_base64(scram.server_first(credentials));
  std::optional<std::string> response = co_await sasl_response(command, server_first);
  if (!response) co_return;
  const auto started = std::chrono::steady_clock::now();
  std::optional<std::string> client_final = auth::decode_base64_strict(*response);
  Result<std::string, auth::ScramError> verifier = unexpected(auth::ScramError::kMalformed);
  if (client_final) verifier = scram.receive_client_final(*client_final);
  if (!verifier && verifier.error() == auth::ScramError::kMalformed) {
    bad(command.tag, "Invalid base64 or SCRAM-SHA-256 message");
    co_return;
  }
  // A wrong proof, and also a wrong nonce or channel binding: a failed login like any other. When
  // throttled, even the right proof fails (and the real salt was sent: throttling changes nothing
  // the client can see), before the server's signature could confirm the password.
  if (!verifier || throttled) {
    co_await reject_login(command, started, *user, throttled);
    co_return;
  }

  // RFC 5802 §5.1: the client checks the server's signature. IMAP carries it as a last challenge,
  // answered by an empty line (RFC 9051 §6.2.2; IMAP4rev1 has no data on the tagged OK).
  const std::string server_final = auth::encode_base64(*verifier);
  std::optional<std::string> done = co_await sasl_response(command, server_final);
  if (!done) co_return;
  if (!done->empty()) {
    bad(command.tag, "Invalid authentication response");
    co_return;
  }
  accept_login(command, *user, std::move(*account));
}

Task<void> Session::finish_login(const proto::Command& command, std::string_view user, std::string_view password) {
  const auto started = std::chrono::steady_clock::now();
  std::optional<store::AccountInfo> account;
  const bool throttled = login_throttled(user);
  if (!throttled) {
    const std::string user_copy(user), password_copy(password);
    auto check = [&store = services_.store, &cache = services_.login_cache, &user_copy, &password_copy] {
      return auth::check_password(store, user_copy, password_copy, &cache);
    };
    account = co_await run_blocking(services_.blocking, check);
  }
  if (!account) {
    co_await reject_login(command, started, user, throttled);
    co_return;
  }
  accept_login(command, user, std::move(*account));
}

bool Session::login_throttled(std::string_view user) const {
  return services_.login_failures.blocked("ip:" + remote_ip_) ||
         services_.login_failures.blocked("user:" + std::string(user));
}

// Every failed login, whatever the mechanism and whatever failed: counted for the address and
// the user, and answered alike `kFailureDelay` after `started`.
Task<void> Session::reject_login(const proto::Command& command, std::chrono::steady_clock::time_point started,
                                 std::string_view user, bool throttled) {
  services_.login_failures.record_failure("ip:" + remote_ip_);
  services_.login_failures.record_failure("user:" + std::string(user));
  services_.log.info("imap session={} event=login-failed remote={} throttled={}", id_, remote_ip_, throttled);
  boost::asio::steady_timer delay(stream_.executor(), started + kFailureDelay);
  co_await delay.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  // The same answer whether the user exists, the password is wrong or we throttled.
  tagged(command.tag, Condition::kNo, "Invalid credentials", proto::response_code::keyword("AUTHENTICATIONFAILED"));
}

void Session::accept_login(const proto::Command& command, std::string_view user, store::AccountInfo account) {
  services_.login_failures.clear("user:" + std::string(user));
  account_ = std::move(account);
  state_ = State::kAuthenticated;
  // The session may now carry messages: literals up to the APPENDLIMIT.
  proto::FramerLimits framer_limits;
  framer_limits.max_literal = limits_.max_append;
  framer_limits.max_command = limits_.max_append + 1024 * 1024;
  framer_.set_limits(framer_limits);
  std::weak_ptr<Session> weak = weak_from_this();
  auto executor = stream_.executor();
  watch_ = services_.store.watch(account_->id, [weak, executor](store::MailboxId mailbox) {
    boost::asio::post(executor, [weak, mailbox] {
      if (auto session = weak.lock()) {
        session->on_mailbox_changed(mailbox);
      }
    });
  });
  services_.log.info("imap session={} event=login user={}", id_, account_->address);
  std::string code_text = "CAPABILITY";
  for (std::string_view capability : capabilities()) code_text += " " + std::string(capability);
  tagged(command.tag, Condition::kOk, "Logged in", proto::ResponseCode{code_text});
}

}  // namespace redoubt::imap::server
