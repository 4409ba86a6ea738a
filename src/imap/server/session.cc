#include "imap/server/session.h"

#include <algorithm>
#include <limits>

#include <boost/asio/post.hpp>

#include "base/ascii.h"
#include "base/check.h"
#include "imap/proto/command_parser.h"
#include "imap/server/summary.h"

namespace redoubt::imap::server {
namespace {

using namespace std::chrono_literals;
using proto::Condition;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr auto kWriteTimeout = 60s;
// How often NOOP reads the store for changes nobody announced (other processes' writes).
constexpr auto kPollInterval = 1s;
// Syntax errors before the session is closed: a real client makes none, a fuzzer or an attacker
// probing the parser makes many.
constexpr unsigned kMaxBadCommands = 20;

}  // namespace

Session::Session(net::Tcp::socket socket, Services& services, std::string id, bool implicit_tls)
    : stream_(std::move(socket)),
      services_(services),
      limits_(services.config.imap),
      id_(std::move(id)),
      remote_ip_(stream_.remote().address().to_string()),
      implicit_tls_(implicit_tls),
      append_limit_("APPENDLIMIT=" + std::to_string(limits_.max_append)) {
  proto::FramerLimits framer_limits;
  // Before login nothing needs a big literal: a password or a SASL response.
  framer_limits.max_literal = 64 * 1024;
  framer_limits.max_command = 128 * 1024;
  framer_limits.max_nonsync_literal = 4096;
  // Nor is anything written to disk for a peer that has not logged in: APPEND literals are
  // streamed to the blob store only once it has (accept_login sets the default limits).
  framer_limits.max_buffered_append = std::numeric_limits<std::uint64_t>::max();
  framer_ = proto::CommandFramer(framer_limits);
}

Session::~Session() = default;

Task<void> Session::run() {
  services_.log.info("imap session={} event=connect remote={} tls={}", id_, remote_ip_, implicit_tls_);
  if (implicit_tls_) {
    const bool secured = co_await stream_.start_tls(services_.tls, 30s);
    if (!secured) {
      services_.log.info("imap session={} event=disconnect reason=tls-failed", id_);
      stream_.close();
      co_return;
    }
  }
  std::string greeting = "OK [CAPABILITY";
  for (std::string_view capability : capabilities()) greeting += " " + std::string(capability);
  greeting += "] Redoubt ready";
  untagged(greeting);

  bool open = true;
  while (open && state_ != State::kLogout) {
    proto::FrameResult event = framer_.next();
    if (std::holds_alternative<proto::NeedMore>(event)) {
      if (!co_await flush()) break;
      if (stop_requested_) {
        untagged("BYE Server shutting down");
        co_await flush();
        close_reason_ = "shutdown";
        break;
      }
      open = co_await read_more(read_timeout());
    } else if (auto* chunk = std::get_if<proto::LiteralChunk>(&event)) {
      co_await take_literal_chunk(*chunk);
    } else if (auto* frame = std::get_if<proto::Frame>(&event)) {
      auto command = proto::parse_command(frame->bytes, proto::ParseLimits{}, frame->streamed_literals);
      if (!command) {
        const std::string tag = command.error().tag.empty() ? "*" : command.error().tag;
        bad(tag, command.error().reason);
      } else if (co_await handle(*command) == Flow::kClose) {
        open = false;
      }
      // APPEND has taken what it stores; whatever else was streamed for the command is dropped.
      streamed_.clear();
      if (bad_commands_ >= kMaxBadCommands) {
        untagged("BYE Too many invalid commands");
        close_reason_ = "errors";
        open = false;
      }
      // A long FETCH must not pile up its whole answer before the client reads any of it.
      if (out_.size() > 256 * 1024) {
        const bool written = co_await flush();
        if (!written) break;
      }
    } else if (auto* more = std::get_if<proto::SendContinuation>(&event)) {
      (void)more;
      out_ += proto::continuation_request("Ready for literal data");
      if (!co_await flush()) break;
    } else if (auto* refused = std::get_if<proto::LiteralRejected>(&event)) {
      streamed_.clear();  // The framer dropped the command, messages already streamed with it.
      const std::string tag = refused->tag.empty() ? "*" : refused->tag;
      tagged(tag, Condition::kNo, "Literal too large", proto::response_code::keyword("TOOBIG"));
    } else {
      const auto& too_large = std::get<proto::TooLarge>(event);
      const std::string text = too_large.reason == proto::TooLarge::Reason::kLine ? "Command line too long"
                                                                                  : "Command too large";
      out_ += proto::status_response("*", Condition::kBye, proto::response_code::keyword("TOOBIG"), text);
      close_reason_ = "too-large";
      open = false;
    }
  }
  // A message cut off by the disconnect leaves nothing behind: its temporary file goes now,
  // not when the last reference to the session does.
  streamed_.clear();
  co_await flush();
  services_.log.info("imap session={} event=disconnect reason={} user={}", id_, close_reason_,
                     account_ ? account_->address : "");
  stream_.close();
}

void Session::request_stop() {
  stop_requested_ = true;
  stream_.interrupt();
  stream_.cancel();
}

std::chrono::seconds Session::read_timeout() const {
  return state_ == State::kNotAuthenticated ? limits_.login_timeout : limits_.idle_timeout;
}

Task<bool> Session::read_more(std::chrono::seconds timeout) {
  // An idle session waits without holding a read buffer: the wait itself needs none.
  if (in_.capacity() > 0) std::string().swap(in_);
  net::ReadStatus status = co_await stream_.read_some(in_, kReadChunk, timeout);
  if (status == net::ReadStatus::kOk) {
    framer_.append(in_);
    in_.clear();
    co_return true;
  }
  if (status == net::ReadStatus::kTimeout) {
    untagged("BYE Autologout; idle for too long");
    co_await flush();
    close_reason_ = "timeout";
  } else if (status == net::ReadStatus::kCancelled && stop_requested_) {
    untagged("BYE Server shutting down");
    co_await flush();
    close_reason_ = "shutdown";
  } else {
    close_reason_ = stream_.compression_failed() ? "compress-error" : "client-closed";
  }
  co_return false;
}

Task<bool> Session::flush() {
  if (out_.empty()) co_return true;
  const bool ok = co_await stream_.write(out_, kWriteTimeout);
  out_.clear();
  if (out_.capacity() > 64 * 1024) std::string().swap(out_);
  co_return ok;
}

Task<bool> Session::write_fetch_output(const FetchOutput& output) {
  // Borrowed bytes go out in slices, so that TLS and COMPRESS never hold more than one slice of
  // a large body, and the write timeout applies to each slice, not to the whole body.
  constexpr std::size_t kSlice = 256 * 1024;
  std::size_t at = 0;
  for (const FetchOutput::Borrowed& piece : output.borrowed) {
    out_.append(output.text, at, piece.offset - at);
    at = piece.offset;
    bool written = co_await flush();
    for (std::size_t sent = 0; written && sent < piece.bytes.size(); sent += kSlice) {
      written = co_await stream_.write(piece.bytes.substr(sent, kSlice), kWriteTimeout);
    }
    if (!written) co_return false;
  }
  out_.append(output.text, at);
  co_return true;
}

Task<void> Session::take_literal_chunk(const proto::LiteralChunk& chunk) {
  // Before login the framer streams nothing (see the constructor); should it ever, an anonymous
  // peer's octets are dropped rather than written to disk. APPEND then fails for lack of login.
  if (!account_) co_return;
  if (chunk.literal == streamed_.size()) {
    // The message before this one is complete. It is finished now, not when the command ends,
    // so that only one writer at a time holds a buffer, however many messages a MULTIAPPEND
    // carries. (Should the command then fail, its body stays unreferenced on disk, as after a
    // failed delivery.)
    if (!streamed_.empty()) co_await finish_streamed(streamed_.back());
    streamed_.push_back(StreamedMessage{.writer = services_.store.new_blob()});
  }
  REDOUBT_CHECK(chunk.literal + 1 == streamed_.size());  // The framer's numbering.
  StreamedMessage& message = streamed_.back();
  message.size += chunk.bytes.size();
  store::BlobWriter& writer = *message.writer;
  // The writer copies octets into memory until it holds BlobWriter::kMemoryLimit of them, then
  // writes them to its temporary file. Copies happen here; the one append that makes it write
  // goes to the blocking pool, since a write may wait for the disk. A failure sticks in the
  // writer and finish() reports it; the octets must be read all the same.
  if (message.unwritten + chunk.bytes.size() < store::BlobWriter::kMemoryLimit) {
    message.unwritten += chunk.bytes.size();
    [[maybe_unused]] const auto kept = writer.append(chunk.bytes);
    co_return;
  }
  const std::string_view bytes = chunk.bytes;  // In the framer's buffer, untouched until next().
  const auto spill = [&writer, bytes] { return writer.append(bytes); };
  [[maybe_unused]] const auto written = co_await run_blocking(services_.blocking, spill);
  message.unwritten = 0;
}

Task<void> Session::finish_streamed(StreamedMessage& message) {
  if (!message.writer) co_return;
  store::Store& store = services_.store;
  store::BlobWriter& writer = *message.writer;
  const auto finish = [&store, &writer] { return finish_blob(store, writer); };
  auto blob = co_await run_blocking(services_.blocking, finish);
  message.blob = std::move(blob);
  message.writer.reset();  // Frees its buffer.
}

Result<store::BlobRef, store::StoreError> Session::finish_blob(store::Store& store, store::BlobWriter& writer) {
  auto blob = writer.finish();
  // The summary is computed once, at store time (summary.h), from the body just written: it is
  // mapped from the page cache, not copied.
  if (blob) {
    if (auto mapped = store.map_blob(blob->hash)) blob->summary = summarize(mapped->bytes());
  }
  return blob;
}

void Session::untagged(std::string_view text) {
  out_ += "* ";
  out_ += text;
  out_ += "\r\n";
}

void Session::tagged(std::string_view tag, Condition condition, std::string_view text,
                     const std::optional<proto::ResponseCode>& code) {
  out_ += proto::status_response(tag, condition, code, text);
}

void Session::bad(std::string_view tag, std::string_view text) {
  ++bad_commands_;
  tagged(tag, Condition::kBad, text);
}

proto::StringOptions Session::string_options() const {
  return proto::StringOptions{.utf8_quoted = imap4rev2_ || utf8_accept_};
}

bool Session::utf8_names() const { return imap4rev2_ || utf8_accept_; }

std::vector<std::string_view> Session::capabilities() const {
  std::vector<std::string_view> caps = {"IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE"};
  if (state_ == State::kNotAuthenticated) {
    if (!stream_.is_tls()) caps.push_back("STARTTLS");
    if (plaintext_auth_allowed()) {
      caps.push_back("AUTH=SCRAM-SHA-256");
      caps.push_back("AUTH=PLAIN");
    } else {
      caps.push_back("LOGINDISABLED");
    }
    return caps;
  }
  for (std::string_view cap : {"IDLE", "NAMESPACE", "UIDPLUS", "MOVE", "UNSELECT", "CHILDREN", "LIST-EXTENDED",
                               "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE", "CONDSTORE", "QRESYNC",
                               "ESEARCH", "SEARCHRES", "SORT", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES",
                               "BINARY", "QUOTA", "QUOTA=RES-STORAGE", "STATUS=SIZE",
                               "MULTIAPPEND", "UTF8=ACCEPT", "COMPRESS=DEFLATE"}) {
    caps.push_back(cap);
  }
  // In every list, not only CAPABILITY's: clients keep the one in the login response code.
  caps.push_back(append_limit_);
  return caps;
}

void Session::on_capability(const proto::Command& command) {
  std::string line = "CAPABILITY";
  for (std::string_view capability : capabilities()) line += " " + std::string(capability);
  untagged(line);
  tagged(command.tag, Condition::kOk, "CAPABILITY completed");
}

void Session::on_id(const proto::Command& command, const proto::Id& id) {
  // RFC 2971: the client's identification is logged (bounded by the parser: 30 short pairs).
  std::string client;
  if (id.fields) {
    for (const auto& [field, value] : *id.fields) {
      if (ascii::iequals(field, "name") || ascii::iequals(field, "version")) {
        client += (client.empty() ? "" : "/") + value.value_or("");
      }
    }
  }
  if (!client.empty()) services_.log.info("imap session={} event=client-id client=\"{}\"", id_, client);
  untagged("ID (\"name\" \"Redoubt\")");
  tagged(command.tag, Condition::kOk, "ID completed");
}

void Session::on_enable(const proto::Command& command, const proto::Enable& enable) {
  std::string enabled;
  for (const std::string& capability : enable.capabilities) {
    std::string_view name = capability;
    bool* flag = nullptr;
    if (ascii::iequals(name, "IMAP4rev2")) flag = &imap4rev2_;
    if (ascii::iequals(name, "UTF8=ACCEPT")) flag = &utf8_accept_;
    if (ascii::iequals(name, "CONDSTORE")) flag = &condstore_;
    if (ascii::iequals(name, "QRESYNC")) flag = &qresync_;
    if (!flag || *flag) continue;  // RFC 5161 §3.1: only what this command newly enabled.
    *flag = true;
    enabled += " " + ascii::upper(name);
    if (flag == &qresync_) condstore_ = true;  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE.
  }
  untagged("ENABLED" + enabled);
  tagged(command.tag, Condition::kOk, "ENABLE completed");
}

Task<Session::Flow> Session::on_starttls(const proto::Command& command) {
  if (stream_.is_tls()) {
    bad(command.tag, "TLS is already active");
    co_return Flow::kContinue;
  }
  tagged(command.tag, Condition::kOk, "Begin TLS negotiation now");
  // g++ 12 (docs/architecture.md, coroutine rules): the awaited results are named, and no
  // co_return sits in a branch of a co_await condition; the other shape crashed (SIGSEGV).
  const bool sent = co_await flush();
  // RFC 9051 §6.2.1 / RFC 7817: anything the client pipelined after STARTTLS was sent in the
  // clear and must not be taken as coming over TLS (the STARTTLS command injection class).
  framer_ = proto::CommandFramer(framer_.limits());
  bool secured = false;
  if (sent) secured = co_await stream_.start_tls(services_.tls, 30s);
  if (!secured) {
    close_reason_ = "tls-failed";
    co_return Flow::kClose;
  }
  co_return Flow::kContinue;
}

bool Session::allowed(const proto::CommandArgs& args) const {
  using namespace proto;
  if (std::holds_alternative<Capability>(args) || std::holds_alternative<Noop>(args) ||
      std::holds_alternative<Logout>(args) || std::holds_alternative<Id>(args)) {
    return true;
  }
  const bool pre_auth = std::holds_alternative<Starttls>(args) || std::holds_alternative<Authenticate>(args) ||
                        std::holds_alternative<Login>(args);
  if (state_ == State::kNotAuthenticated) return pre_auth;
  if (pre_auth) return false;
  const bool selected_only =
      std::holds_alternative<Check>(args) || std::holds_alternative<Close>(args) ||
      std::holds_alternative<Unselect>(args) || std::holds_alternative<Expunge>(args) ||
      std::holds_alternative<UidExpunge>(args) || std::holds_alternative<Search>(args) ||
      std::holds_alternative<Sort>(args) || std::holds_alternative<Thread>(args) ||
      std::holds_alternative<Fetch>(args) || std::holds_alternative<proto::Store>(args) ||
      std::holds_alternative<Copy>(args) || std::holds_alternative<Move>(args);
  return !selected_only || state_ == State::kSelected;
}

Task<Session::Flow> Session::handle(const proto::Command& command) {
  if (!allowed(command.args)) {
    const char* why = state_ == State::kNotAuthenticated ? "Log in first"
                      : state_ == State::kSelected || std::holds_alternative<proto::Login>(command.args) ||
                              std::holds_alternative<proto::Authenticate>(command.args) ||
                              std::holds_alternative<proto::Starttls>(command.args)
                          ? "Not allowed after login"
                          : "Select a mailbox first";
    bad(command.tag, why);
    co_return Flow::kContinue;
  }
  // Other sessions' changes are told before this command's own responses. RFC 9051 §7.5.1:
  // never an EXPUNGE during FETCH, STORE or SEARCH by sequence number (nor COPY, MOVE, SORT or
  // THREAD by sequence number: their numbers must stay the client's).
  if (changes_pending_ && state_ == State::kSelected) {
    const bool by_sequence = std::holds_alternative<proto::Fetch>(command.args) ||
                             std::holds_alternative<proto::Store>(command.args) ||
                             std::holds_alternative<proto::Search>(command.args) ||
                             std::holds_alternative<proto::Sort>(command.args) ||
                             std::holds_alternative<proto::Thread>(command.args) ||
                             std::holds_alternative<proto::Copy>(command.args) ||
                             std::holds_alternative<proto::Move>(command.args);
    co_await sync(!by_sequence || proto::is_uid_command(command.args));
  }
  Flow flow = co_await dispatch(command);
  co_return flow;
}

Task<Session::Flow> Session::dispatch(const proto::Command& command) {
  using namespace proto;
  const CommandArgs& args = command.args;
  if (std::holds_alternative<Capability>(args)) {
    on_capability(command);
  } else if (std::holds_alternative<Noop>(args) || std::holds_alternative<Check>(args)) {
    // This process's changes to the mailbox are announced through the watch (changes_pending_,
    // and handle() has synced already). Those of other processes sharing the data folder (the
    // admin CLI) are not, so NOOP also reads the store, but at most once per kPollInterval: a
    // client polling with NOOP in a loop costs a query a second, not one per command.
    const auto now = std::chrono::steady_clock::now();
    if (state_ == State::kSelected && now >= next_poll_) {
      next_poll_ = now + kPollInterval;
      co_await sync(true);
    }
    tagged(command.tag, Condition::kOk, std::string(command_name(args)) + " completed");
  } else if (std::holds_alternative<Logout>(args)) {
    untagged("BYE Logging out");
    tagged(command.tag, Condition::kOk, "LOGOUT completed");
    state_ = State::kLogout;
    co_return Flow::kClose;
  } else if (auto* id = std::get_if<Id>(&args)) {
    on_id(command, *id);
  } else if (std::holds_alternative<Starttls>(args)) {
    Flow flow = co_await on_starttls(command);
    co_return flow;
  } else if (auto* login = std::get_if<Login>(&args)) {
    co_await on_login(command, *login);
  } else if (auto* authenticate = std::get_if<Authenticate>(&args)) {
    co_await on_authenticate(command, *authenticate);
  } else if (auto* enable = std::get_if<Enable>(&args)) {
    on_enable(command, *enable);
  } else if (auto* select = std::get_if<Select>(&args)) {
    co_await on_select(command, select->mailbox, select->params, false);
  } else if (auto* examine = std::get_if<Examine>(&args)) {
    co_await on_select(command, examine->mailbox, examine->params, true);
  } else if (auto* create = std::get_if<Create>(&args)) {
    co_await on_create(command, *create);
  } else if (auto* del = std::get_if<Delete>(&args)) {
    co_await on_delete(command, *del);
  } else if (auto* rename = std::get_if<Rename>(&args)) {
    co_await on_rename(command, *rename);
  } else if (auto* subscribe = std::get_if<Subscribe>(&args)) {
    co_await on_subscribe(command, subscribe->mailbox, true);
  } else if (auto* unsubscribe = std::get_if<Unsubscribe>(&args)) {
    co_await on_subscribe(command, unsubscribe->mailbox, false);
  } else if (auto* list = std::get_if<List>(&args)) {
    co_await on_list(command, *list);
  } else if (auto* lsub = std::get_if<Lsub>(&args)) {
    co_await on_lsub(command, *lsub);
  } else if (std::holds_alternative<Namespace>(args)) {
    on_namespace(command);
  } else if (auto* status = std::get_if<Status>(&args)) {
    co_await on_status(command, *status);
  } else if (auto* append = std::get_if<Append>(&args)) {
    co_await on_append(command, *append);
  } else if (std::holds_alternative<Idle>(args)) {
    Flow flow = co_await on_idle(command);
    co_return flow;
  } else if (auto* getquota = std::get_if<GetQuota>(&args)) {
    co_await on_getquota(command, getquota->root, false);
  } else if (auto* getquotaroot = std::get_if<GetQuotaRoot>(&args)) {
    co_await on_getquota(command, getquotaroot->mailbox, true);
  } else if (std::holds_alternative<SetQuota>(args)) {
    // RFC 9208 §4.1: limits are the administrator's (redoubt account quota), not the user's.
    tagged(command.tag, Condition::kNo, "Quota limits are set by the administrator",
           response_code::keyword("NOPERM"));
  } else if (auto* compress = std::get_if<Compress>(&args)) {
    // RFC 4978 §3. Allowed once authenticated (allowed()), so after any SASL layer, and above TLS.
    if (compress->algorithm != "DEFLATE") {
      bad(command.tag, "Unknown compression algorithm");
    } else if (stream_.is_compressed()) {
      tagged(command.tag, Condition::kNo, "DEFLATE is active already", response_code::keyword("COMPRESSIONACTIVE"));
    } else if (framer_.buffered_bytes() > 0) {
      // The client must wait for the result before it sends more (RFC 4978 §3): bytes already
      // here may be compressed or not, and guessing would mean running commands nobody sent.
      bad(command.tag, "Nothing may follow COMPRESS before its result");
    } else {
      tagged(command.tag, Condition::kOk, "DEFLATE active");
      // Compression starts right after the CRLF of this tagged OK, in both directions.
      const bool sent = co_await flush();
      bool started = false;
      if (sent) started = stream_.start_compression();
      if (!started) {
        close_reason_ = sent ? "compress-failed" : "client-closed";
        co_return Flow::kClose;
      }
      services_.log.info("imap session={} event=compress algorithm=deflate", id_);
    }
  } else if (std::holds_alternative<Close>(args)) {
    co_await on_close(command, true);
  } else if (std::holds_alternative<Unselect>(args)) {
    co_await on_close(command, false);
  } else if (std::holds_alternative<Expunge>(args)) {
    co_await on_expunge(command, nullptr);
  } else if (auto* uid_expunge = std::get_if<UidExpunge>(&args)) {
    co_await on_expunge(command, &uid_expunge->uids);
  } else if (auto* search = std::get_if<Search>(&args)) {
    co_await on_search(command, *search);
  } else if (auto* sort = std::get_if<Sort>(&args)) {
    co_await on_sort(command, *sort);
  } else if (auto* thread = std::get_if<Thread>(&args)) {
    co_await on_thread(command, *thread);
  } else if (auto* fetch = std::get_if<Fetch>(&args)) {
    co_await on_fetch(command, *fetch);
  } else if (auto* store = std::get_if<proto::Store>(&args)) {
    co_await on_store(command, *store);
  } else if (auto* copy = std::get_if<Copy>(&args)) {
    co_await on_copy(command, copy->uid, copy->set, copy->mailbox, false);
  } else if (auto* move = std::get_if<Move>(&args)) {
    co_await on_copy(command, move->uid, move->set, move->mailbox, true);
  }
  co_return Flow::kContinue;
}

}  // namespace redoubt::imap::server
