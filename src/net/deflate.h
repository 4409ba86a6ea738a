#pragma once

// Raw DEFLATE (RFC 1951) streams over zlib, for IMAP COMPRESS=DEFLATE (RFC 4978). No I/O: bytes
// in, bytes out. Stream (stream.h) puts them between the session and the transport.
//
// SECURITY: Inflater reads peer input. It never produces more than the caller asks for per call
// (a 1 MiB "bomb" inflates to 1 GiB; here it comes out 16 KiB at a time, as the session reads,
// and the session's command limits refuse it), and it keeps unread compressed input only until
// it is inflated. Corrupt input is an error for good: the caller closes the connection.
//
// Memory (counted by a zalloc hook, see memory_bytes(); Deflate.MemoryPerStream, zlib 1.2.13):
//   Deflater, default options (window 2^14, memLevel 5):   88,000 bytes (~86 KiB)
//   Deflater, zlib's defaults (window 2^15, memLevel 8):  268,224 bytes (~262 KiB)
//   Inflater (window 2^15, which RFC 4978 §4 requires):   7,343 bytes, then 40,126 (~39 KiB)
//                                                          from the first inflated byte on
// The server's resident size grew by 128 KiB per session when 40 logged-in IMAP sessions turned
// COMPRESS on. On 1 MB of mail the defaults send 30.0% of the bytes, zlib's defaults 28.5%.
// Nothing is allocated for a connection that never sends COMPRESS.

#include <cstddef>
#include <string>
#include <string_view>

#include <zlib.h>

namespace redoubt::net {

struct DeflateOptions {
  // 0 (none) to 9 (best). 6 is zlib's default trade between CPU and size.
  int level = 6;
  // log2 of the history window, 9..15. RFC 4978 §4 leaves the compressor free to use less than
  // 2^15; memory is 4 << window_bits bytes. 14 costs ~5% in size on mail text against 15.
  int window_bits = 14;
  // zlib's memLevel, 1..9: hash table and symbol buffer, 6 << (mem_level + 7) bytes. Below 8 it
  // costs well under 1% in size on mail text.
  int mem_level = 5;
};

// Compresses one direction of a connection. Not thread-safe; not movable (zlib keeps a pointer
// back to its z_stream).
class Deflater {
 public:
  explicit Deflater(const DeflateOptions& options = {});
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // False when zlib could not get its memory (or the options are out of range): the object is
  // then unusable.
  bool ok() const { return ok_; }

  // Compresses all of `input` and appends what zlib emits to `out`. With `flush` (Z_SYNC_FLUSH,
  // RFC 4978 §4), `out` then holds everything the peer needs to inflate all input given so far,
  // ending on a byte boundary; without it zlib may hold some back for better compression.
  // REQUIRES: ok().
  void compress(std::string_view input, std::string& out, bool flush);

  // Bytes zlib holds for this stream, plus the object itself.
  std::size_t memory_bytes() const { return allocated_ + sizeof(*this); }

 private:
  static void* allocate(void* self, unsigned items, unsigned size);
  static void release(void* self, void* address);

  z_stream z_{};
  std::size_t allocated_ = 0;
  bool ok_ = false;
};

// Decompresses the peer's direction of a connection, a bounded amount at a time. Not
// thread-safe; not movable.
class Inflater {
 public:
  Inflater();
  ~Inflater();
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  // False when zlib could not get its memory: the object is then unusable.
  bool ok() const { return ok_; }

  // Adds compressed bytes received from the peer. They are kept (copied) until inflated.
  void feed(std::string_view compressed);

  // Appends at most `max_bytes` inflated bytes to `out` (possibly none: the input so far may end
  // inside a block). False if the input is not a valid raw DEFLATE stream, or continues after the
  // stream's last block; from then on every call fails. `out` grows by `max_bytes` during the
  // call, so callers pass small chunks.
  bool inflate(std::string& out, std::size_t max_bytes);

  // True while an inflate() call may produce output without new input: fed bytes not yet
  // inflated, or output held back by the last call's `max_bytes`.
  bool has_pending() const { return input_pos_ < input_.size() || output_limited_; }

  // Bytes zlib holds for this stream (its window appears with the first output), plus the
  // compressed input not yet inflated, plus the object itself.
  std::size_t memory_bytes() const { return allocated_ + input_.capacity() + sizeof(*this); }

 private:
  static void* allocate(void* self, unsigned items, unsigned size);
  static void release(void* self, void* address);

  z_stream z_{};
  std::size_t allocated_ = 0;
  std::string input_;  // Compressed bytes; those before input_pos_ are inflated.
  std::size_t input_pos_ = 0;
  bool output_limited_ = false;  // The last inflate() filled `max_bytes`: zlib may hold more.
  bool ended_ = false;           // The peer's stream ended (a final block): nothing may follow.
  bool failed_ = false;
  bool ok_ = false;
};

}  // namespace redoubt::net
