// Login: LOGIN and AUTHENTICATE PLAIN (RFC 4616, with RFC 4959 SASL-IR).

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include "auth/authenticate.h"
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
  if (authenticate.mechanism != "PLAIN") {
    tagged(command.tag, Condition::kNo, "Unsupported authentication mechanism",
           proto::response_code::keyword("CANNOT"));
    co_return;
  }
  if (!plaintext_auth_allowed()) {
    tagged(command.tag, Condition::kNo, "Use STARTTLS first", proto::response_code::keyword("PRIVACYREQUIRED"));
    co_return;
  }
  std::string encoded;
  if (authenticate.initial_response) {
    encoded = *authenticate.initial_response == "=" ? "" : *authenticate.initial_response;
  } else {
    // RFC 9051 §6.2.2: an empty challenge, then one line of base64 from the client.
    out_ += "+ \r\n";
    if (!co_await flush()) co_return;
    for (;;) {
      proto::FrameResult event = framer_.next();
      if (auto* frame = std::get_if<proto::Frame>(&event)) {
        encoded = std::move(frame->bytes);
        break;
      }
      bool more = std::holds_alternative<proto::NeedMore>(event);
      if (more) more = co_await read_more(limits_.login_timeout);
      if (!more) {
        bad(command.tag, "Invalid authentication response");
        co_return;
      }
    }
    if (encoded == "*") {
      bad(command.tag, "Authentication cancelled");
      co_return;
    }
  }
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

Task<void> Session::finish_login(const proto::Command& command, std::string_view user, std::string_view password) {
  const auto started = std::chrono::steady_clock::now();
  const std::string ip_key = "ip:" + remote_ip_;
  const std::string user_key = "user:" + std::string(user);
  std::optional<store::AccountInfo> account;
  const bool throttled = services_.login_failures.blocked(ip_key) || services_.login_failures.blocked(user_key);
  if (!throttled) {
    const std::string user_copy(user), password_copy(password);
    auto check = [&store = services_.store, &user_copy, &password_copy] {
      return auth::check_password(store, user_copy, password_copy);
    };
    account = co_await run_blocking(services_.blocking, check);
  }
  if (!account) {
    services_.login_failures.record_failure(ip_key);
    services_.login_failures.record_failure(user_key);
    services_.log.info("imap session={} event=login-failed remote={} throttled={}", id_, remote_ip_, throttled);
    boost::asio::steady_timer delay(stream_.executor(), started + kFailureDelay);
    co_await delay.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    // The same answer whether the user exists, the password is wrong or we throttled.
    tagged(command.tag, Condition::kNo, "Invalid credentials", proto::response_code::keyword("AUTHENTICATIONFAILED"));
    co_return;
  }
  services_.login_failures.clear(user_key);
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
        if (session->selected_ && session->selected_->view.mailbox().id == mailbox) session->on_mailbox_changed();
      }
    });
  });
  services_.log.info("imap session={} event=login user={}", id_, account_->address);
  std::string code_text = "CAPABILITY";
  for (std::string_view capability : capabilities()) code_text += " " + std::string(capability);
  tagged(command.tag, Condition::kOk, "Logged in", proto::ResponseCode{code_text});
}

}  // namespace redoubt::imap::server
