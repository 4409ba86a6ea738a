// fuzz-deps: redoubt_net_deflate
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/deflate.h"

// COMPRESS=DEFLATE (RFC 4978): once a client turns it on, every byte it sends goes through
// net::Inflater before the IMAP parser sees it. Each input is used twice:
//   1. as the peer's compressed stream, fed in pieces and drained in bounded chunks as the IMAP
//      stream does, which must give the same bytes and the same verdict as feeding it all at once;
//   2. as text that net::Deflater compresses, in pieces with some flushed, and that must inflate
//      back to itself.
// The first bytes also choose the piece and chunk sizes and the Deflater options, so a seed that
// is a valid stream stays one. A disagreement, a chunk over its bound, a failure that does not
// last, memory kept after all input is used, or a drain loop that makes no progress aborts.

namespace net = redoubt::net;

namespace {

// Peer data inflates to at most this many bytes, or 1,024 inflate() calls' worth: DEFLATE expands
// up to ~1032:1, and a bomb must not eat the fuzzer's time. Past it only the prefix is compared.
constexpr std::size_t kMaxOutput = 1 << 20;
constexpr std::size_t kMaxCalls = 1024;
// Inflater's zlib state (deflate.h: ~39 KiB with its window), the compressed input it may keep
// for reuse (64 KiB), and slack.
constexpr std::size_t kMaxInflaterMemory = 128 * 1024;

// Reads small numbers off the front of the input; zeros once it runs out.
class Params {
 public:
  explicit Params(std::string_view bytes) : bytes_(bytes) {}
  unsigned next() {
    if (pos_ >= bytes_.size()) return 0;
    return static_cast<unsigned char>(bytes_[pos_++]);
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

struct Drained {
  std::string out;
  bool failed = false;
  bool capped = false;  // Stopped at the output limit with more to come.
};

// Inflates everything `inflater` can give from its input so far, at most `chunk` bytes per call,
// as the IMAP stream does after each read, until `result.out` reaches `limit`.
void drain(net::Inflater& inflater, std::size_t chunk, std::size_t limit, Drained& result) {
  while (!result.failed && inflater.has_pending()) {
    if (result.out.size() >= limit) {
      result.capped = true;
      return;
    }
    const std::size_t before = result.out.size();
    if (!inflater.inflate(result.out, chunk)) {
      result.failed = true;
      if (result.out.size() - before > chunk) std::abort();
      if (inflater.inflate(result.out, chunk)) std::abort();  // Failure is for good.
      return;
    }
    const std::size_t produced = result.out.size() - before;
    if (produced > chunk) std::abort();
    // A call that produced nothing used up all input: otherwise a reader looping on
    // has_pending() would spin forever.
    if (produced == 0 && inflater.has_pending()) std::abort();
  }
}

// Feeds `compressed` in pieces whose sizes come from `params` (0 means all that is left), draining
// after each piece.
Drained inflate_in_pieces(std::string_view compressed, Params& params, std::size_t chunk,
                          std::size_t limit) {
  net::Inflater inflater;
  if (!inflater.ok()) std::abort();
  Drained result;
  while (!compressed.empty() && !result.failed && !result.capped) {
    std::size_t piece = params.next() * 8 + params.next() % 8;
    if (piece == 0 || piece > compressed.size()) piece = compressed.size();
    inflater.feed(compressed.substr(0, piece));
    compressed.remove_prefix(piece);
    drain(inflater, chunk, limit, result);
  }
  if (!result.capped && !result.failed && inflater.memory_bytes() > kMaxInflaterMemory) {
    std::abort();
  }
  return result;
}

void check_peer_stream(std::string_view compressed, Params& params) {
  constexpr std::size_t kWholeChunk = 16 * 1024;  // What the IMAP session reads at a time.
  const std::size_t chunk = 1 + params.next() * 64;  // 1 .. 16,321 bytes per inflate() call
  Params all_at_once("");
  const Drained whole = inflate_in_pieces(compressed, all_at_once, kWholeChunk,
                                          std::min(kMaxOutput, kWholeChunk * kMaxCalls));
  const Drained pieces =
      inflate_in_pieces(compressed, params, chunk, std::min(kMaxOutput, chunk * kMaxCalls));
  // Up to where either stopped, the bytes agree.
  const std::size_t common = std::min(whole.out.size(), pieces.out.size());
  if (whole.out.compare(0, common, pieces.out, 0, common) != 0) std::abort();
  if (!whole.capped && !pieces.capped) {
    if (whole.failed != pieces.failed) std::abort();
    // How much output comes before zlib reports corrupt data is not part of its contract, so a
    // failed stream is only compared up to the shorter output; a good one in full.
    if (!whole.failed && whole.out != pieces.out) std::abort();
  }
}

void check_round_trip(std::string_view text, Params& params) {
  net::DeflateOptions options;
  options.level = static_cast<int>(params.next() % 10);
  options.window_bits = 9 + static_cast<int>(params.next() % 7);
  options.mem_level = 1 + static_cast<int>(params.next() % 9);
  net::Deflater deflater(options);
  if (!deflater.ok()) std::abort();
  // Written as a session writes responses: pieces, some flushed; the last one always, so the
  // peer can read everything.
  std::string compressed;
  std::string_view rest = text;
  do {
    std::size_t piece = params.next() * 4;
    if (piece == 0 || piece > rest.size()) piece = rest.size();
    const bool flush = piece == rest.size() || params.next() % 2 == 0;
    deflater.compress(rest.substr(0, piece), compressed, flush);
    rest.remove_prefix(piece);
  } while (!rest.empty());

  const std::size_t chunk = 1 + params.next() * 64;
  const Drained back = inflate_in_pieces(compressed, params, chunk, text.size() + 1);
  if (back.failed || back.out != text) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Params params(input.substr(0, 32));
  check_peer_stream(input, params);
  check_round_trip(input, params);
  return 0;
}
