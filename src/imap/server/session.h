#pragma once

// One IMAP connection (RFC 9051, and RFC 3501 clients), as a single coroutine that reads a
// command, runs it, and writes its responses, top to bottom.
//
// SECURITY: before login this code talks to anyone. It parses only through imap/proto (fuzzed,
// bounded: CommandFramer caps lines, literals and whole commands before buffering them), holds no
// secret but the one being checked, and answers every failed login alike, after a delay, with
// per-address and per-account throttling. After login every store call names the session's own
// account: mailbox ids come only from lookups under that account.
//
// Other sessions' changes reach a session through Store::watch: the callback only marks the
// session as stale (and wakes it in IDLE); the session itself reads the change log and tells its
// client at the points RFC 9051 §7.5.1 allows (mailbox_view.h).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "async/task.h"
#include "imap/proto/command.h"
#include "imap/proto/command_framer.h"
#include "imap/proto/response_writer.h"
#include "imap/server/fetch_response.h"
#include "imap/server/mailbox_view.h"
#include "imap/server/services.h"
#include "net/connection.h"
#include "store/store.h"

namespace redoubt::imap::server {

class Session final : public net::Connection, public std::enable_shared_from_this<Session> {
 public:
  // `implicit_tls`: the connection came in on an IMAPS endpoint; TLS starts before the greeting.
  Session(net::Tcp::socket socket, Services& services, std::string id, bool implicit_tls);
  ~Session() override;

  Task<void> run() override;
  void request_stop() override;
  net::Stream& stream() override { return stream_; }
  const std::string& id() const override { return id_; }

 private:
  enum class State { kNotAuthenticated, kAuthenticated, kSelected, kLogout };
  enum class Flow { kContinue, kClose };

  struct Selected {
    MailboxView view;
    bool read_only = false;
    std::vector<std::uint32_t> saved_uids;  // RFC 5182 SEARCHRES "$".
    std::vector<std::string> keywords;      // Keywords announced in FLAGS so far, sorted.

    // Adds to `keywords` those of `seen` it lacks, comparing ignoring ASCII case (RFC 9051
    // §2.3.2); true if there were any.
    bool learn(const std::vector<std::string>& seen);
  };

  // --- session.cc: the loop, I/O, and commands valid in any state ---------------------------
  Task<Flow> handle(const proto::Command& command);
  bool allowed(const proto::CommandArgs& args) const;
  Task<Flow> dispatch(const proto::Command& command);
  Task<bool> read_more(std::chrono::seconds timeout);
  Task<bool> flush();
  // Queues `output` behind out_; its borrowed pieces are written directly (after a flush).
  Task<bool> write_fetch_output(const FetchOutput& output);

  // A message literal of APPEND that the framer streamed (proto::LiteralChunk, FramerLimits::
  // max_buffered_append) instead of buffering: its octets go to a BlobWriter as they arrive, so
  // a session holds at most BlobWriter::kMemoryLimit of it whatever its size.
  struct StreamedMessage {
    std::optional<store::BlobWriter> writer;  // Until finished.
    std::uint64_t size = 0;                   // Octets received so far.
    std::uint64_t unwritten = 0;              // Of those, octets the writer holds in memory.
    // Once finished: the stored body with its IMAP summary, or why it could not be stored.
    std::optional<Result<store::BlobRef, store::StoreError>> blob;
  };
  // Adds the chunk to its message, starting a new one (and finishing the one before) on the
  // first chunk of a literal.
  Task<void> take_literal_chunk(const proto::LiteralChunk& chunk);
  // Finishes `message`'s writer on the blocking pool, unless that was done already.
  Task<void> finish_streamed(StreamedMessage& message);
  // BlobWriter::finish, then the IMAP summary of the stored body (summary.h). Blocking.
  static Result<store::BlobRef, store::StoreError> finish_blob(store::Store& store, store::BlobWriter& writer);
  void untagged(std::string_view text);
  void tagged(std::string_view tag, proto::Condition condition, std::string_view text,
              const std::optional<proto::ResponseCode>& code = std::nullopt);
  void bad(std::string_view tag, std::string_view text);
  std::vector<std::string_view> capabilities() const;
  proto::StringOptions string_options() const;
  bool utf8_names() const;
  std::chrono::seconds read_timeout() const;
  void on_capability(const proto::Command& command);
  void on_id(const proto::Command& command, const proto::Id& id);
  void on_enable(const proto::Command& command, const proto::Enable& enable);
  Task<Flow> on_starttls(const proto::Command& command);

  // --- session_auth.cc ----------------------------------------------------------------------
  Task<void> on_login(const proto::Command& command, const proto::Login& login);
  Task<void> on_authenticate(const proto::Command& command, const proto::Authenticate& authenticate);
  Task<void> on_authenticate_scram(const proto::Command& command, const proto::Authenticate& authenticate);
  Task<std::optional<std::string>> first_response(const proto::Command& command,
                                                  const proto::Authenticate& authenticate);
  Task<std::optional<std::string>> sasl_response(const proto::Command& command, std::string_view challenge);
  Task<void> finish_login(const proto::Command& command, std::string_view user, std::string_view password);
  bool login_throttled(std::string_view user) const;
  Task<void> reject_login(const proto::Command& command, std::chrono::steady_clock::time_point started,
                          std::string_view user, bool throttled);
  void accept_login(const proto::Command& command, std::string_view user, store::AccountInfo account);
  bool plaintext_auth_allowed() const;

  // --- session_mailboxes.cc: authenticated state --------------------------------------------
  std::optional<std::string> mailbox_name(std::string_view wire) const;
  std::string wire_name(std::string_view name) const;
  std::string pattern_name(std::string_view wire) const;
  Task<void> on_select(const proto::Command& command, std::string_view mailbox,
                       const proto::SelectParams& params, bool read_only);
  Task<void> on_create(const proto::Command& command, const proto::Create& create);
  Task<void> on_delete(const proto::Command& command, const proto::Delete& del);
  Task<void> on_rename(const proto::Command& command, const proto::Rename& rename);
  Task<void> on_subscribe(const proto::Command& command, std::string_view mailbox, bool subscribe);
  Task<void> on_list(const proto::Command& command, const proto::List& list);
  Task<void> on_lsub(const proto::Command& command, const proto::Lsub& lsub);
  void on_namespace(const proto::Command& command);
  Task<void> on_status(const proto::Command& command, const proto::Status& status);
  Task<std::optional<std::string>> status_items(const store::MailboxInfo& mailbox,
                                                std::span<const proto::StatusItem> items);
  Task<void> on_append(const proto::Command& command, const proto::Append& append);
  Task<void> on_getquota(const proto::Command& command, std::string_view root, bool by_mailbox);
  void close_mailbox();

  // --- session_messages.cc: selected state --------------------------------------------------
  Task<void> on_fetch(const proto::Command& command, const proto::Fetch& fetch);
  Task<void> on_store(const proto::Command& command, const proto::Store& store);
  std::optional<std::vector<proto::SearchKey>> utf8_keys(const proto::Command& command,
                                                         std::optional<std::string_view> charset,
                                                         std::span<const proto::SearchKey> keys);
  Task<std::vector<std::uint32_t>> matching(std::span<const proto::SearchKey> keys);
  Task<void> on_search(const proto::Command& command, const proto::Search& search);
  Task<void> on_sort(const proto::Command& command, const proto::Sort& sort);
  Task<void> on_thread(const proto::Command& command, const proto::Thread& thread);
  Task<void> on_copy(const proto::Command& command, bool uid, const proto::SequenceSet& set,
                     std::string_view mailbox, bool move);
  Task<void> on_expunge(const proto::Command& command, const proto::SequenceSet* uids);
  Task<void> on_close(const proto::Command& command, bool expunge);
  Task<Flow> on_idle(const proto::Command& command);
  std::optional<std::vector<std::uint32_t>> resolve(const proto::Command& command,
                                                    const proto::SequenceSet& set, bool uid);

  // --- Mailbox updates (session_updates.cc) --------------------------------------------------
  void on_mailbox_changed(store::MailboxId mailbox);
  // Reads the store's changes for the selected mailbox and queues the untagged responses.
  // `allow_expunge` per RFC 9051 §7.5.1 (false after FETCH, STORE, SEARCH by sequence number).
  Task<void> sync(bool allow_expunge);
  void send_update(const ViewUpdate& update);
  // FLAGS (and PERMANENTFLAGS) for the selected mailbox's announced keywords.
  void announce_flags(bool with_permanent);
  void announce_permanent_flags();
  // Announces FLAGS again if `message` carries a keyword the client has not been told of
  // (RFC 9051 §7.3.5: the FLAGS response SHOULD be resent when the set changes).
  void learn_keywords(const store::MessageInfo& message);
  void append_flags_fetch(std::uint32_t seq, bool with_uid);

  net::Stream stream_;
  Services& services_;
  const config::ImapConfig& limits_;
  std::string id_;
  std::string remote_ip_;
  bool implicit_tls_;
  const std::string append_limit_;  // "APPENDLIMIT=<n>" (RFC 7889), listed once authenticated.

  proto::CommandFramer framer_;
  // The streamed messages of the command being read, by index (proto::AppendMessage::
  // streamed_literal). Emptied once the command is done or dropped: unfinished writers then
  // remove their temporary files.
  std::vector<StreamedMessage> streamed_;
  std::string in_;
  std::string out_;

  State state_ = State::kNotAuthenticated;
  std::optional<store::AccountInfo> account_;
  std::unique_ptr<store::Store::Watch> watch_;
  std::optional<Selected> selected_;
  bool imap4rev2_ = false;      // ENABLE IMAP4rev2
  bool utf8_accept_ = false;    // ENABLE UTF8=ACCEPT
  bool condstore_ = false;      // ENABLE CONDSTORE, or implied (RFC 7162 §3.1)
  bool qresync_ = false;        // ENABLE QRESYNC
  bool changes_pending_ = false;  // The selected mailbox changed since the last sync.
  // When NOOP next reads the store although no change was announced (see on NOOP in session.cc).
  std::chrono::steady_clock::time_point next_poll_{};
  bool idling_ = false;
  bool stop_requested_ = false;
  unsigned bad_commands_ = 0;
  std::string_view close_reason_ = "logout";
};

}  // namespace redoubt::imap::server
