#include "net/stream.h"

#include <algorithm>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/write.hpp>

#include "net/deflate.h"

namespace redoubt::net {
namespace asio = boost::asio;
using boost::system::error_code;

namespace {
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// Plain bytes compressed per transport write: bounds the compressed buffer a long write needs.
constexpr std::size_t kCompressSlice = 64 * 1024;
}  // namespace

// RFC 4978 §4: the server's direction with our DeflateOptions (a smaller window than the client
// may use, which the RFC allows); the client's with the full 32 KiB window.
struct Compression {
  Deflater deflater;
  Inflater inflater;
};

Stream::Stream(Tcp::socket socket) : socket_(std::move(socket)), timer_(socket_.get_executor()) {
  error_code ignored;
  remote_ = socket_.remote_endpoint(ignored);
  socket_.set_option(Tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // read_some after a readiness wait must never block.
}

Stream::~Stream() = default;

// Arms the deadline for one operation: when it passes first, the socket's pending operations are
// cancelled and the operation completes with operation_aborted, which `finish` reports as a
// timeout. A plain timer callback costs less per idle connection than racing two coroutines.
void Stream::arm(Duration timeout) {
  timed_out_ = false;
  timer_.expires_after(timeout);
  timer_.async_wait([this](const error_code& ec) {
    // Once cancelled (operation done, or Stream destroyed) the callback must not touch `this`.
    if (ec) return;
    timed_out_ = true;
    error_code ignored;
    socket_.cancel(ignored);
  });
}

error_code Stream::disarm(error_code ec) {
  timer_.cancel();
  if (timed_out_) return asio::error::timed_out;
  return ec;
}

Task<ReadStatus> Stream::read_some(std::string& buffer, std::size_t max_bytes, Duration timeout) {
  if (!compression_) {
    const ReadStatus status = co_await read_transport(buffer, max_bytes, timeout);
    co_return status;
  }
  if (cancelled_) co_return ReadStatus::kCancelled;
  Inflater& inflater = compression_->inflater;
  // Input already received comes first, without touching the socket. Only when it is all
  // inflated is more read, so at most `max_bytes` of compressed input waits here (a bomb's
  // expansion is paid `max_bytes` at a time, as the session reads).
  if (!inflater.has_pending()) {
    std::string compressed;
    const ReadStatus status = co_await read_transport(compressed, max_bytes, timeout);
    if (status != ReadStatus::kOk) co_return status;
    inflater.feed(compressed);
  }
  if (!inflater.inflate(buffer, max_bytes)) {
    compression_failed_ = true;
    co_return ReadStatus::kClosed;
  }
  co_return ReadStatus::kOk;
}

Task<ReadStatus> Stream::read_transport(std::string& buffer, std::size_t max_bytes, Duration timeout) {
  if (cancelled_) co_return ReadStatus::kCancelled;
  arm(timeout);
  std::tuple<error_code, std::size_t> outcome;
  std::size_t old_size = buffer.size();
  if (tls_) {
    buffer.resize(old_size + max_bytes);
    outcome = co_await tls_->async_read_some(asio::buffer(buffer.data() + old_size, max_bytes), kTuple);
  } else {
    // Wait for readability before giving the read any memory: an idle connection then holds no
    // buffer at all, which is most of what keeps thousands of idle sessions cheap.
    auto [waited] = co_await socket_.async_wait(Tcp::socket::wait_read, kTuple);
    std::get<0>(outcome) = waited;
    if (!waited) {
      error_code ec;
      const std::size_t ready = std::clamp<std::size_t>(socket_.available(ec), 1, max_bytes);
      old_size = buffer.size();
      buffer.resize(old_size + ready);
      std::size_t n = socket_.read_some(asio::buffer(buffer.data() + old_size, ready), ec);
      if (ec == asio::error::would_block) ec = {};  // Spurious readiness: nothing read, try again.
      outcome = {ec, n};
    }
  }
  auto [ec, n] = outcome;
  ec = disarm(ec);
  buffer.resize(old_size + n);
  if (!ec || n > 0) co_return ReadStatus::kOk;
  if (ec == asio::error::timed_out) co_return ReadStatus::kTimeout;
  if (ec == asio::error::operation_aborted) co_return ReadStatus::kCancelled;
  co_return ReadStatus::kClosed;
}

Task<ReadStatus> Stream::wait_readable(Duration timeout) {
  if (cancelled_) co_return ReadStatus::kCancelled;
  // Compressed input already received, or inflated output held back by read_some's limit, is
  // input the socket will not signal again.
  if (compression_ && compression_->inflater.has_pending()) co_return ReadStatus::kOk;
  if (tls_) {
    // Decrypted bytes, or received records not yet decrypted, are input the socket will not
    // signal again.
    SSL* ssl = tls_->native_handle();
    if (SSL_pending(ssl) > 0 || BIO_ctrl_pending(SSL_get_rbio(ssl)) > 0) co_return ReadStatus::kOk;
  }
  arm(timeout);
  waiting_ = true;
  interrupted_ = false;
  auto [ec] = co_await socket_.async_wait(Tcp::socket::wait_read, kTuple);
  waiting_ = false;
  const bool interrupted = std::exchange(interrupted_, false);
  ec = disarm(ec);
  if (!ec) co_return ReadStatus::kOk;
  if (ec == asio::error::timed_out) co_return ReadStatus::kTimeout;
  if (ec == asio::error::operation_aborted) {
    co_return cancelled_ ? ReadStatus::kCancelled : interrupted ? ReadStatus::kInterrupted : ReadStatus::kClosed;
  }
  co_return ReadStatus::kClosed;
}

void Stream::interrupt() {
  if (!waiting_) return;
  interrupted_ = true;
  error_code ignored;
  socket_.cancel(ignored);
}

Task<bool> Stream::write(std::string_view bytes, Duration timeout) {
  if (compression_) {
    const bool written = co_await write_compressed(bytes, timeout);
    co_return written;
  }
  const bool written = co_await write_transport(bytes, timeout);
  co_return written;
}

// RFC 4978 §4: each write ends with a sync flush, so the client can inflate every response it was
// sent without waiting for more. A long write goes out slice by slice; the deadline covers all.
Task<bool> Stream::write_compressed(std::string_view bytes, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Deflater& deflater = compression_->deflater;
  std::string compressed;
  bool ok = true;
  do {
    const std::string_view slice = bytes.substr(0, kCompressSlice);
    bytes.remove_prefix(slice.size());
    compressed.clear();
    deflater.compress(slice, compressed, bytes.empty());
    if (compressed.empty()) continue;  // zlib kept it all for now; the final flush sends it.
    const Duration left = deadline - std::chrono::steady_clock::now();
    ok = co_await write_transport(compressed, left);
  } while (ok && !bytes.empty());
  co_return ok;
}

Task<bool> Stream::write_transport(std::string_view bytes, Duration timeout) {
  if (bytes.empty()) co_return true;
  auto source = asio::buffer(bytes.data(), bytes.size());
  arm(timeout);
  std::tuple<error_code, std::size_t> outcome;
  if (tls_) {
    outcome = co_await asio::async_write(*tls_, source, kTuple);
  } else {
    outcome = co_await asio::async_write(socket_, source, kTuple);
  }
  auto [ec, n] = outcome;
  ec = disarm(ec);
  co_return !ec && n == bytes.size();
}

Task<bool> Stream::start_tls(asio::ssl::context& context, Duration timeout) {
  tls_ = std::make_unique<asio::ssl::stream<Tcp::socket&>>(socket_, context);
  arm(timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, kTuple);
  co_return !disarm(ec);
}

bool Stream::start_compression() {
  if (compression_) return true;
  auto compression = std::make_unique<Compression>();
  if (!compression->deflater.ok() || !compression->inflater.ok()) return false;
  compression_ = std::move(compression);
  return true;
}

std::string Stream::tls_description() const {
  if (!tls_) return "";
  SSL* ssl = const_cast<asio::ssl::stream<Tcp::socket&>&>(*tls_).native_handle();
  return std::string(SSL_get_version(ssl)) + " with cipher " + SSL_get_cipher_name(ssl);
}

void Stream::cancel() {
  cancelled_ = true;
  error_code ignored;
  socket_.cancel(ignored);
  timer_.cancel();
}

void Stream::close() {
  error_code ignored;
  socket_.shutdown(Tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace redoubt::net
