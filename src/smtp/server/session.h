#pragma once

// One inbound SMTP connection (RFC 5321), as a single coroutine that reads top to bottom.
//
// SECURITY: this code talks to anyone on the internet before any authentication. It holds no
// secrets, parses only through smtp/proto (fuzzed, bounded), and reaches the store only through
// recipient lookups and durable delivery. Every read has a deadline; memory per session is bounded
// by the line limit and the message buffer the blob writer spills to disk.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "async/task.h"
#include "net/connection.h"
#include "net/stream.h"
#include "smtp/proto/command.h"
#include "smtp/proto/command_parser.h"
#include "smtp/proto/data_reader.h"
#include "smtp/server/services.h"
#include "store/ids.h"

namespace redoubt::smtp::server {

class Session final : public net::Connection {
 public:
  Session(net::Tcp::socket socket, Services& services, std::string id);

  // Runs the conversation until QUIT, a fatal error, a timeout or shutdown.
  Task<void> run() override;

  // Graceful shutdown: an idle session says 421 and closes now; a session inside a mail
  // transaction finishes it first. Must run on the session's executor.
  void request_stop() override;

  net::Stream& stream() override { return stream_; }
  const std::string& id() const override { return id_; }

 private:
  enum class Phase { kConnected, kGreeted, kMail, kRecipients };
  enum class Flow { kContinue, kClose };

  struct Transaction {
    proto::Mail mail;
    std::vector<std::string> recipients;       // As accepted, for the log and Received.
    std::vector<store::AccountId> accounts;    // Deduplicated delivery targets.
    std::optional<store::BlobWriter> bdat_blob;  // Between BDAT chunks.
    std::optional<proto::ChunkChecker> checker;  // Made with the first BDAT.
  };

  // Command handlers, one per verb. Each appends its reply to out_.
  Task<Flow> execute(std::string_view line);
  Flow on_ehlo(const proto::Ehlo& cmd);
  Flow on_helo(const proto::Helo& cmd);
  Flow on_mail(const proto::Mail& cmd);
  Task<Flow> on_rcpt(const proto::Rcpt& cmd);
  Task<Flow> on_data();
  Task<Flow> on_bdat(const proto::Bdat& cmd);
  Task<Flow> on_starttls();

  proto::DataLimits data_limits() const;
  // Refuses the message of the current transaction for a DATA/BDAT content error.
  Flow reject_message(proto::DataError error);
  // Makes the blob for the current transaction, with our trace headers on top.
  store::BlobWriter start_message();
  // fsyncs the blob, commits it for every recipient, and replies 250 only once both are durable.
  Task<void> store_message(store::BlobWriter& blob);

  std::optional<std::string_view> take_line();
  Task<bool> read_more(std::chrono::steady_clock::duration timeout);
  Task<bool> read_more_before(std::chrono::steady_clock::time_point deadline);
  Task<bool> flush();
  void reply(int code, std::string_view enhanced, std::string_view text);
  // A reply for a failed command; too many of them end the session (anti-abuse).
  Flow error_reply(int code, std::string_view enhanced, std::string_view text);
  void reset_transaction();
  std::chrono::seconds idle_timeout() const;
  std::string protocol_name() const;

  net::Stream stream_;
  Services& services_;
  const config::SmtpConfig& limits_;
  std::string id_;
  std::string remote_ip_;

  const proto::CommandLimits command_limits_{};
  std::string in_;
  std::size_t in_pos_ = 0;
  bool discarding_long_line_ = false;
  std::string out_;

  Phase phase_ = Phase::kConnected;
  bool esmtp_ = false;
  std::string helo_;
  std::optional<Transaction> transaction_;
  unsigned errors_ = 0;
  std::string_view close_reason_ = "closed";  // For the log.
  unsigned messages_ = 0;
  bool waiting_for_command_ = false;
  bool stop_requested_ = false;
  bool closing_ = false;  // The session ends once its pending replies are written.
};

}  // namespace redoubt::smtp::server
