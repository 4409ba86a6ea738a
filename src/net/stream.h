#pragma once

// A client connection: TCP, optionally upgraded to TLS (STARTTLS) or TLS from the start, and
// optionally compressed above that (IMAP COMPRESS=DEFLATE, RFC 4978). Every read and write has a
// deadline. Only the session coroutine that owns a Stream uses it; cancel() may be posted to the
// stream's executor to wake a pending read (graceful shutdown).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "async/task.h"

namespace redoubt::net {

using Tcp = boost::asio::ip::tcp;
using Duration = std::chrono::steady_clock::duration;

enum class ReadStatus { kOk, kClosed, kTimeout, kCancelled, kInterrupted };

struct Compression;  // stream.cc: a Deflater and an Inflater (deflate.h).

class Stream {
 public:
  explicit Stream(Tcp::socket socket);
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

  // Appends what arrives (at most `max_bytes`) to `buffer`. kOk may append nothing: a spurious
  // wake-up, or compressed input that does not complete any output yet; the caller reads again.
  // kClosed covers EOF, resets, TLS failures and corrupt compressed input alike: the session can
  // do nothing but stop (compression_failed() tells the last apart, for the log).
  Task<ReadStatus> read_some(std::string& buffer, std::size_t max_bytes, Duration timeout);

  // Waits until input is ready to read (kOk), without reading it, so that the wait can be
  // interrupted safely, even on TLS (an SSL read must not be abandoned half way). kOk at once
  // when input already received awaits decompression. kInterrupted when interrupt() was called
  // meanwhile (an IMAP IDLE session with news to tell).
  Task<ReadStatus> wait_readable(Duration timeout);
  // Wakes a pending wait_readable() with kInterrupted; nothing if none is pending.
  void interrupt();

  // Writes all of `bytes`; false if the peer is gone or the deadline passed.
  Task<bool> write(std::string_view bytes, Duration timeout);

  // Server side TLS handshake on the existing connection (STARTTLS, or implicit TLS at accept).
  Task<bool> start_tls(boost::asio::ssl::context& context, Duration timeout);

  // RFC 4978: from now on every write is compressed (raw DEFLATE, flushed at the end of each
  // write) and every read decompressed, above TLS if any. Call it once the response announcing
  // compression has been written, before reading what the client sent after it. False when zlib
  // could not get memory; the stream is then unchanged and the session must close.
  bool start_compression();
  bool is_compressed() const { return compression_ != nullptr; }
  // The client's compressed stream was corrupt (a read returned kClosed for it).
  bool compression_failed() const { return compression_failed_; }

  bool is_tls() const { return tls_ != nullptr; }
  // TLS version and cipher, for the Received header ("" without TLS).
  std::string tls_description() const;

  // Cancels a pending read or write; it completes with kCancelled / false.
  void cancel();
  void close();

  const Tcp::endpoint& remote() const { return remote_; }
  boost::asio::any_io_executor executor() { return socket_.get_executor(); }

 private:
  void arm(Duration timeout);
  boost::system::error_code disarm(boost::system::error_code ec);
  // read_some and write below compression: TLS or the plain socket.
  Task<ReadStatus> read_transport(std::string& buffer, std::size_t max_bytes, Duration timeout);
  Task<bool> write_transport(std::string_view bytes, Duration timeout);
  Task<bool> write_compressed(std::string_view bytes, Duration timeout);

  Tcp::socket socket_;
  Tcp::endpoint remote_;
  // Made only when TLS starts: an SSL object costs kilobytes that idle plaintext sessions keep.
  std::unique_ptr<boost::asio::ssl::stream<Tcp::socket&>> tls_;
  // Made only when compression starts: zlib's state costs ~130 KiB (deflate.h).
  std::unique_ptr<Compression> compression_;
  boost::asio::steady_timer timer_;
  bool cancelled_ = false;
  bool waiting_ = false;      // In wait_readable().
  bool interrupted_ = false;
  bool timed_out_ = false;
  bool compression_failed_ = false;
};

}  // namespace redoubt::net
