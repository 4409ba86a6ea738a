#include "smtp/server/session.h"

#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "imap/server/summary.h"
#include "smtp/proto/command_parser.h"
#include "smtp/proto/data_reader.h"
#include "smtp/proto/reply.h"
#include "smtp/server/trace_headers.h"

namespace redoubt::smtp::server {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kMessageBuffer = 64 * 1024;  // Handed to the blob writer in pieces this big.
constexpr auto kWriteTimeout = 60s;
constexpr std::size_t kMaxLineOctets = 998;  // RFC 5322 §2.1.1, excluding CRLF.

}  // namespace

Session::Session(net::Tcp::socket socket, Services& services, std::string id)
    : stream_(std::move(socket)),
      services_(services),
      limits_(services.config.smtp),
      id_(std::move(id)),
      remote_ip_(stream_.remote().address().to_string()) {}

Task<void> Session::run() {
  services_.log.info("smtp session={} event=connect remote={}", id_, remote_ip_);
  // RFC 5321 §4.2: the greeting names us and the protocol.
  reply(220, "", services_.config.server.hostname + " ESMTP Redoubt");
  while (!closing_) {
    while (!closing_) {
      auto line = take_line();
      if (!line) break;
      if (co_await execute(*line) == Flow::kClose) closing_ = true;
    }
    if (!co_await flush()) break;
    if (closing_) break;
    if (stop_requested_ && !transaction_) {
      reply(421, "4.3.2", services_.config.server.hostname + " Service shutting down");
      co_await flush();
      close_reason_ = "shutdown";
      break;
    }
    waiting_for_command_ = true;
    const bool more = co_await read_more(idle_timeout());
    waiting_for_command_ = false;
    if (!more) break;
  }
  services_.log.info("smtp session={} event=disconnect reason={} messages={}", id_, close_reason_, messages_);
  stream_.close();
}

void Session::request_stop() {
  stop_requested_ = true;
  if (waiting_for_command_ && !transaction_) stream_.cancel();
}

std::chrono::seconds Session::idle_timeout() const {
  return phase_ == Phase::kConnected ? limits_.greeting_timeout : limits_.command_timeout;
}

// Reads more input. On a timeout the client hears why (RFC 5321 §4.5.3.2 timeouts end with 421).
Task<bool> Session::read_more(Clock::duration timeout) {
  if (in_pos_ > 0) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
  // A session that has consumed all its input waits without holding a large buffer.
  if (in_.empty() && in_.capacity() > 4096) in_.shrink_to_fit();
  net::ReadStatus status = co_await stream_.read_some(in_, kReadChunk, timeout);
  if (status == net::ReadStatus::kTimeout) {
    reply(421, "4.4.2", services_.config.server.hostname + " Error: timeout exceeded");
    co_await flush();
    close_reason_ = "timeout";
  } else if (status == net::ReadStatus::kCancelled && stop_requested_) {
    reply(421, "4.3.2", services_.config.server.hostname + " Service shutting down");
    co_await flush();
    close_reason_ = "shutdown";
  } else if (status != net::ReadStatus::kOk) {
    close_reason_ = "client-closed";
  }
  co_return status == net::ReadStatus::kOk;
}

// Message data: each read waits at most 3 minutes, and the whole transfer ends by `deadline`.
Task<bool> Session::read_more_before(Clock::time_point deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) {
    reply(421, "4.4.2", services_.config.server.hostname + " Error: timeout exceeded");
    co_await flush();
    co_return false;
  }
  const bool more = co_await read_more(std::min<Clock::duration>(left, 180s));
  co_return more;
}

// The next complete command line from the input buffer, without its CRLF. Commands must end in
// CRLF: a bare LF is refused, as a lone LF is one half of the SMTP smuggling class.
std::optional<std::string_view> Session::take_line() {
  for (;;) {
    std::string_view pending(in_.data() + in_pos_, in_.size() - in_pos_);
    std::size_t lf = pending.find('\n');
    if (lf == std::string_view::npos) {
      if (pending.size() > command_limits_.max_line) {
        // RFC 5321 §4.5.3.1.4: a command line over the limit. Drop it through its end.
        if (!discarding_long_line_) {
          const proto::Reply& r = proto::reply_for(proto::SyntaxError::Kind::kLineTooLong);
          error_reply(r.code, r.enhanced, r.text);
        }
        discarding_long_line_ = true;
        in_pos_ = in_.size();
      }
      return std::nullopt;
    }
    in_pos_ += lf + 1;
    if (discarding_long_line_) {
      discarding_long_line_ = false;
      continue;
    }
    if (lf == 0 || pending[lf - 1] != '\r') {
      error_reply(500, "5.5.2", "Syntax error: lines must end with <CR><LF>");
      continue;
    }
    return pending.substr(0, lf - 1);
  }
}

Task<bool> Session::flush() {
  if (out_.empty()) co_return true;
  bool ok = co_await stream_.write(out_, kWriteTimeout);
  out_.clear();
  co_return ok;
}

void Session::reply(int code, std::string_view enhanced, std::string_view text) {
  out_ += proto::format_reply(code, enhanced, text);
}

Session::Flow Session::error_reply(int code, std::string_view enhanced, std::string_view text) {
  reply(code, enhanced, text);
  if (++errors_ >= limits_.max_errors) {
    services_.log.info("smtp session={} event=too-many-errors errors={}", id_, errors_);
    reply(421, "4.7.0", services_.config.server.hostname + " Error: too many errors");
    close_reason_ = "too-many-errors";
    closing_ = true;  // Also when the caller (take_line) has no Flow to return.
    return Flow::kClose;
  }
  return Flow::kContinue;
}

void Session::reset_transaction() {
  transaction_.reset();
  if (phase_ == Phase::kMail || phase_ == Phase::kRecipients) phase_ = Phase::kGreeted;
}

std::string Session::protocol_name() const {
  // RFC 3848 (ESMTPS) and RFC 6531 §3.7.3 (UTF8SMTPS) "with" keywords.
  if (!esmtp_) return "SMTP";
  bool utf8 = transaction_ && transaction_->mail.smtputf8;
  std::string name = utf8 ? "UTF8SMTP" : "ESMTP";
  if (stream_.is_tls()) name += 'S';
  return name;
}

Task<Session::Flow> Session::execute(std::string_view line) {
  auto parsed = proto::parse_command(line, command_limits_);
  if (!parsed) {
    const proto::Reply& r = proto::reply_for(parsed.error().kind);
    co_return error_reply(r.code, r.enhanced, parsed.error().reason);
  }
  const proto::Command& command = *parsed;
  // Which phases allow which command is checked in each handler, against RFC 5321 §4.1.4.
  // (A chain of get_if rather than std::visit over coroutine lambdas: g++ 12 mishandles the
  // lifetime of such temporaries across co_await.)
  using namespace proto;
  if (auto* c = std::get_if<Ehlo>(&command)) co_return on_ehlo(*c);
  if (auto* c = std::get_if<Helo>(&command)) co_return on_helo(*c);
  if (auto* c = std::get_if<Mail>(&command)) co_return on_mail(*c);
  if (auto* c = std::get_if<Rcpt>(&command)) co_return co_await on_rcpt(*c);
  if (std::holds_alternative<Data>(command)) co_return co_await on_data();
  if (auto* c = std::get_if<Bdat>(&command)) co_return co_await on_bdat(*c);
  if (std::holds_alternative<Starttls>(command)) co_return co_await on_starttls();
  if (std::holds_alternative<Rset>(command)) {
    reset_transaction();
    reply(250, "2.0.0", "Ok");
  } else if (std::holds_alternative<Noop>(command)) {
    reply(250, "2.0.0", "Ok");
  } else if (std::holds_alternative<Quit>(command)) {
    reply(221, "2.0.0", "Bye");
    close_reason_ = "quit";
    co_return Flow::kClose;
  } else if (std::holds_alternative<Help>(command)) {
    reply(214, "2.0.0", "See RFC 5321; commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT STARTTLS");
  } else if (std::holds_alternative<Vrfy>(command)) {
    // RFC 5321 §3.5.3: 252 when we will not verify but would accept.
    reply(252, "2.5.2", "Cannot VRFY user, but will accept message and attempt delivery");
  } else if (std::holds_alternative<Expn>(command)) {
    co_return error_reply(502, "5.5.1", "EXPN not available");
  } else if (std::holds_alternative<Auth>(command)) {
    co_return error_reply(503, "5.5.1", "AUTH is not available on this port");
  }
  co_return Flow::kContinue;
}

Session::Flow Session::on_ehlo(const proto::Ehlo& cmd) {
  // RFC 5321 §4.1.4: EHLO resets any transaction and may be repeated.
  reset_transaction();
  phase_ = Phase::kGreeted;
  esmtp_ = true;
  helo_ = cmd.domain;
  std::vector<std::string> lines = {services_.config.server.hostname + " Hello " + remote_ip_,
                                    "PIPELINING",                                           // RFC 2920
                                    "SIZE " + std::to_string(limits_.max_message_size),     // RFC 1870
                                    "8BITMIME",                                             // RFC 6152
                                    "SMTPUTF8",                                             // RFC 6531
                                    "ENHANCEDSTATUSCODES",                                  // RFC 2034
                                    "CHUNKING",                                             // RFC 3030
                                    "DSN"};                                                 // RFC 3461
  if (!stream_.is_tls()) lines.push_back("STARTTLS");                                       // RFC 3207
  lines.push_back("HELP");
  out_ += proto::format_multiline_reply(250, "", lines);
  return Flow::kContinue;
}

Session::Flow Session::on_helo(const proto::Helo& cmd) {
  reset_transaction();
  phase_ = Phase::kGreeted;
  esmtp_ = false;
  helo_ = cmd.domain;
  reply(250, "", services_.config.server.hostname);
  return Flow::kContinue;
}

Session::Flow Session::on_mail(const proto::Mail& cmd) {
  if (phase_ == Phase::kConnected) return error_reply(503, "5.5.1", "Error: send HELO/EHLO first");
  if (transaction_) return error_reply(503, "5.5.1", "Error: nested MAIL command");
  if (stop_requested_) {
    reply(421, "4.3.2", services_.config.server.hostname + " Service shutting down");
    return Flow::kClose;
  }
  // RFC 1870 §6.1: a declared size over our limit is refused before any data is sent.
  if (cmd.size && *cmd.size > limits_.max_message_size) {
    return error_reply(552, "5.3.4", "Message size exceeds fixed limit");
  }
  if (!esmtp_ && (cmd.size || cmd.body || cmd.smtputf8 || cmd.ret || cmd.envid || cmd.auth)) {
    return error_reply(555, "5.5.4", "MAIL parameters need EHLO");
  }
  // RFC 6531 §3.5: UTF-8 addresses only in a transaction that declared SMTPUTF8.
  if (cmd.reverse_path.needs_smtputf8() && !cmd.smtputf8) {
    return error_reply(553, "5.6.7", "Non-ASCII sender address needs the SMTPUTF8 parameter");
  }
  if (cmd.body == proto::Body::kBinaryMime) {
    return error_reply(555, "5.5.4", "BINARYMIME is not supported");
  }
  transaction_.emplace();
  transaction_->mail = cmd;
  phase_ = Phase::kMail;
  reply(250, "2.1.0", "Ok");
  return Flow::kContinue;
}

Task<Session::Flow> Session::on_rcpt(const proto::Rcpt& cmd) {
  if (!transaction_) co_return error_reply(503, "5.5.1", "Error: need MAIL command");
  if (transaction_->recipients.size() >= limits_.max_recipients) {
    // RFC 5321 §4.5.3.1.10: 452 for too many recipients; the client retries the rest later.
    reply(452, "4.5.3", "Error: too many recipients");
    co_return Flow::kContinue;
  }
  if (cmd.forward_path.needs_smtputf8() && !transaction_->mail.smtputf8) {
    co_return error_reply(553, "5.6.7", "Non-ASCII recipient address needs SMTPUTF8 in MAIL");
  }
  // RFC 5321 §4.1.1.3: "Postmaster" without a domain must be accepted.
  std::string address = cmd.forward_path.is_postmaster ? "postmaster@" + services_.config.server.hostname
                                                       : cmd.forward_path.address();
  const auto lookup = [&store = services_.store, &address] { return store.resolve_recipient(address); };
  auto resolved = co_await run_blocking(services_.blocking, lookup);
  if (!resolved) {
    if (resolved.error() == store::StoreError::kNotFound) {
      services_.log.info("smtp session={} event=rcpt-rejected rcpt=<{}> reason=relay-denied", id_, address);
      co_return error_reply(554, "5.7.1", "<" + address + ">: Relay access denied");
    }
    services_.log.warn("smtp session={} event=rcpt-tempfail rcpt=<{}> error={}", id_, address,
                       store::describe(resolved.error()));
    reply(451, "4.3.0", "<" + address + ">: Temporary lookup failure, try again later");
    co_return Flow::kContinue;
  }
  if (resolved->empty()) {
    services_.log.info("smtp session={} event=rcpt-rejected rcpt=<{}> reason=unknown-user", id_, address);
    co_return error_reply(550, "5.1.1", "<" + address + ">: Recipient address rejected: User unknown");
  }
  // RFC 1870 §6.1 / RFC 3463 X.2.2: a full mailbox is refused now, not after the data is sent.
  // Temporary (452): the user may make room.
  const std::uint64_t expected_size = transaction_->mail.size.value_or(0);
  const std::vector<store::AccountId> accounts = *resolved;
  const auto room = [&store = services_.store, &accounts, expected_size]() -> Result<bool, store::StoreError> {
    for (store::AccountId account : accounts) {
      auto fits = store.has_room(account, expected_size);
      if (!fits || !*fits) return fits;
    }
    return true;
  };
  auto fits = co_await run_blocking(services_.blocking, room);
  if (fits && !*fits) {
    services_.log.info("smtp session={} event=rcpt-rejected rcpt=<{}> reason=over-quota", id_, address);
    reply(452, "4.2.2", "<" + address + ">: Mailbox full, try again later");
    co_return Flow::kContinue;
  }
  for (store::AccountId account : accounts) {
    if (std::find(transaction_->accounts.begin(), transaction_->accounts.end(), account) ==
        transaction_->accounts.end()) {
      transaction_->accounts.push_back(account);
    }
  }
  transaction_->recipients.push_back(address);
  phase_ = Phase::kRecipients;
  reply(250, "2.1.5", "Ok");
  co_return Flow::kContinue;
}

store::BlobWriter Session::start_message() {
  store::BlobWriter blob = services_.store.new_blob();
  const Transaction& t = *transaction_;
  std::string message_id = id_ + "." + std::to_string(messages_ + 1);
  // An append failure sticks in the writer and finish() reports it; no need to check each one.
  static_cast<void>(blob.append(trace_headers({.reverse_path = t.mail.reverse_path.is_null ? "" : t.mail.reverse_path.address(),
                             .helo = helo_,
                             .remote_ip = remote_ip_,
                             .hostname = services_.config.server.hostname,
                             .protocol = protocol_name(),
                             .tls = stream_.tls_description(),
                             .id = message_id,
                             .for_recipient = t.recipients.size() == 1 ? t.recipients[0] : "",
                             .when = std::time(nullptr)})));
  return blob;
}

Task<Session::Flow> Session::on_data() {
  if (!transaction_) co_return error_reply(503, "5.5.1", "Error: need MAIL command");
  if (transaction_->recipients.empty()) co_return error_reply(554, "5.5.1", "Error: no valid recipients");
  if (transaction_->bdat_blob) co_return error_reply(503, "5.5.1", "Error: DATA after BDAT");
  reply(354, "", "End data with <CR><LF>.<CR><LF>");
  const bool sent = co_await flush();
  if (!sent) co_return Flow::kClose;

  proto::DataReader reader(data_limits());
  store::BlobWriter blob = start_message();
  std::string chunk;
  const auto deadline = Clock::now() + limits_.data_timeout;
  for (;;) {
    std::string_view pending(in_.data() + in_pos_, in_.size() - in_pos_);
    proto::DataReader::Progress progress = reader.feed(pending, chunk);
    in_pos_ += progress.consumed;
    const bool done = progress.status == proto::DataReader::Status::kDone;
    if (chunk.size() >= kMessageBuffer || done) {
      static_cast<void>(blob.append(chunk));  // A failure sticks; finish() reports it.
      chunk.clear();
    }
    if (done) break;
    // RFC 5321 §4.5.3.2.5/6: 3 minutes per data block, 10 for the whole.
    if (!co_await read_more_before(deadline)) {
      // The partial message goes with `blob`, whose destructor deletes its temporary file.
      services_.log.info("smtp session={} event=data-aborted", id_);
      co_return Flow::kClose;
    }
  }
  if (auto error = reader.error()) {
    // Bare CR or LF is the SMTP smuggling class: such a lone CR or LF around a dot never ends the
    // data (the reader knows only CRLF.CRLF), and a message containing one is not stored at all.
    co_return reject_message(*error);
  }
  co_await store_message(blob);
  co_return Flow::kContinue;
}

Task<Session::Flow> Session::on_bdat(const proto::Bdat& cmd) {
  // RFC 3030 §2: the chunk's octets follow the command whatever our answer will be, so they are
  // always read (and dropped when the command fails) to stay in step with the client.
  const bool usable = transaction_ && !transaction_->recipients.empty();
  store::BlobWriter* blob = nullptr;
  if (usable) {
    if (!transaction_->bdat_blob) {
      transaction_->bdat_blob.emplace(start_message());
      transaction_->checker.emplace(data_limits());
    }
    blob = &*transaction_->bdat_blob;
  }
  std::uint64_t remaining = cmd.size;
  const auto deadline = Clock::now() + limits_.data_timeout;
  while (remaining > 0) {
    std::size_t available = std::min<std::uint64_t>(remaining, in_.size() - in_pos_);
    if (available > 0) {
      std::string_view piece(in_.data() + in_pos_, available);
      if (usable) {
        transaction_->checker->feed(piece);
        if (!transaction_->checker->error()) static_cast<void>(blob->append(piece));  // Sticks.
      }
      in_pos_ += available;
      remaining -= available;
      continue;
    }
    if (!co_await read_more_before(deadline)) {
      services_.log.info("smtp session={} event=bdat-aborted", id_);
      co_return Flow::kClose;
    }
  }

  if (!transaction_) co_return error_reply(503, "5.5.1", "Error: need MAIL command");
  if (!usable) co_return error_reply(554, "5.5.1", "Error: no valid recipients");
  if (!cmd.last) {
    reply(250, "2.0.0", std::to_string(cmd.size) + " octets received");
    co_return Flow::kContinue;
  }
  transaction_->checker->finish();
  if (auto error = transaction_->checker->error()) co_return reject_message(*error);
  store::BlobWriter finished = std::move(*transaction_->bdat_blob);
  co_await store_message(finished);
  co_return Flow::kContinue;
}

proto::DataLimits Session::data_limits() const {
  return {.max_message_bytes = limits_.max_message_size, .max_line_octets = kMaxLineOctets};
}

Session::Flow Session::reject_message(proto::DataError error) {
  static constexpr const char* kWhy[] = {"bare-lf", "bare-cr", "line-too-long", "too-big"};
  services_.log.info("smtp session={} event=message-rejected reason={}", id_, kWhy[static_cast<int>(error)]);
  reset_transaction();
  const proto::Reply& r = proto::reply_for(error);
  return error_reply(r.code, r.enhanced, r.text);
}

Task<void> Session::store_message(store::BlobWriter& blob) {
  Transaction& t = *transaction_;
  const auto started = Clock::now();
  // The IMAP summary is computed here, once per message, while the body is hot in the page
  // cache; every IMAP client that lists the mailbox later reads it instead of parsing.
  const auto finish = [&blob, &store = services_.store] {
    auto ref = blob.finish();
    if (ref) {
      if (auto mapped = store.map_blob(ref->hash)) ref->summary = imap::server::summarize(mapped->bytes());
    }
    return ref;
  };
  auto ref = co_await run_blocking(services_.blocking, finish);
  if (!ref) {
    services_.log.error("smtp session={} event=store-failed stage=blob error={}", id_, store::describe(ref.error()));
    reset_transaction();
    reply(451, "4.3.0", "Error: local storage problem, try again later");
    co_return;
  }
  store::Delivery delivery{.blob = *ref, .recipients = t.accounts, .internal_date = std::time(nullptr)};
  using Delivered = Result<std::vector<store::DeliveredMessage>, store::StoreError>;
  const auto deliver = [&store = services_.store, &delivery](std::function<void(Delivered)> done) {
    store.deliver(std::move(delivery), std::move(done));
  };
  Delivered delivered = co_await await_callback<Delivered>(deliver);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  if (!delivered) {
    reset_transaction();
    if (delivered.error() == store::StoreError::kOverQuota) {
      // A recipient filled up between RCPT and the commit (has_room is advisory).
      services_.log.info("smtp session={} event=message-rejected reason=over-quota", id_);
      reply(452, "4.2.2", "Error: a recipient's mailbox is full, try again later");
      co_return;
    }
    services_.log.error("smtp session={} event=store-failed stage=commit error={}", id_,
                        store::describe(delivered.error()));
    reply(451, "4.3.0", "Error: local storage problem, try again later");
    co_return;
  }
  ++messages_;
  std::string message_id = id_ + "." + std::to_string(messages_);
  services_.log.info("smtp session={} event=stored id={} from=<{}> rcpts={} size={} blob={} store_us={}", id_,
                     message_id, t.mail.reverse_path.is_null ? "" : t.mail.reverse_path.address(),
                     t.recipients.size(), ref->size, ref->hash.substr(0, 16), micros);
  reset_transaction();
  // Only now is the message and its metadata on disk (DESIGN.md: 250 after commit).
  reply(250, "2.0.0", "Ok: stored as " + message_id);
}

Task<Session::Flow> Session::on_starttls() {
  Flow flow = Flow::kContinue;
  if (stream_.is_tls()) {
    flow = error_reply(503, "5.5.1", "Error: TLS already active");
  } else if (phase_ == Phase::kConnected || transaction_) {
    flow = error_reply(503, "5.5.1", "Error: STARTTLS only between EHLO and MAIL");
  } else {
    reply(220, "2.0.0", "Ready to start TLS");
    const bool sent = co_await flush();
    // RFC 3207 §4.2 and the STARTTLS injection class (CVE-2011-0411): anything the client
    // pipelined after STARTTLS arrived in plaintext and must not be executed inside TLS.
    in_.clear();
    in_pos_ = 0;
    bool secured = false;
    if (sent) secured = co_await stream_.start_tls(services_.tls, limits_.command_timeout);
    if (!secured) {
      services_.log.info("smtp session={} event=tls-failed", id_);
      flow = Flow::kClose;
    } else {
      services_.log.info("smtp session={} event=tls-started tls=\"{}\"", id_, stream_.tls_description());
      // RFC 3207 §4.2: forget everything learned before TLS; the client must EHLO again.
      phase_ = Phase::kConnected;
      esmtp_ = false;
      helo_.clear();
    }
  }
  co_return flow;
}

}  // namespace redoubt::smtp::server
