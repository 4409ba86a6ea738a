#include "net/deflate.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "base/check.h"

namespace redoubt::net {
namespace {

// zlib's counters are `unsigned`: longer inputs go in slices.
constexpr std::size_t kMaxSlice = std::size_t{1} << 30;
// Output room per deflate() call; the loop asks for more while zlib fills it.
constexpr std::size_t kMaxOutputStep = 64 * 1024;
// Compressed input kept past this, once all inflated, is given back rather than kept for reuse.
constexpr std::size_t kKeepInputCapacity = 64 * 1024;

// zlib's allocations carry their size in front, so each stream can count what it holds.
constexpr std::size_t kHeader = alignof(std::max_align_t);
static_assert(kHeader >= sizeof(std::size_t));

void* counted_allocate(std::size_t& total, unsigned items, unsigned size) {
  const std::size_t bytes = std::size_t{items} * size;  // Both < 2^32: no overflow in 64 bits.
  auto* block = static_cast<unsigned char*>(std::malloc(bytes + kHeader));
  if (block == nullptr) return Z_NULL;
  std::memcpy(block, &bytes, sizeof(bytes));
  total += bytes;
  return block + kHeader;
}

void counted_release(std::size_t& total, void* address) {
  if (address == nullptr) return;
  auto* block = static_cast<unsigned char*>(address) - kHeader;
  std::size_t bytes = 0;
  std::memcpy(&bytes, block, sizeof(bytes));
  total -= bytes;
  std::free(block);
}

Bytef* bytes_of(const char* data) { return reinterpret_cast<Bytef*>(const_cast<char*>(data)); }

}  // namespace

// --- Deflater ------------------------------------------------------------------------------------

void* Deflater::allocate(void* self, unsigned items, unsigned size) {
  return counted_allocate(static_cast<Deflater*>(self)->allocated_, items, size);
}

void Deflater::release(void* self, void* address) {
  counted_release(static_cast<Deflater*>(self)->allocated_, address);
}

Deflater::Deflater(const DeflateOptions& options) {
  z_.zalloc = &Deflater::allocate;
  z_.zfree = &Deflater::release;
  z_.opaque = this;
  // Negative window bits: raw DEFLATE, no zlib header or trailer (RFC 4978 §4).
  ok_ = deflateInit2(&z_, options.level, Z_DEFLATED, -options.window_bits, options.mem_level,
                     Z_DEFAULT_STRATEGY) == Z_OK;
}

Deflater::~Deflater() {
  if (ok_) deflateEnd(&z_);
}

void Deflater::compress(std::string_view input, std::string& out, bool flush) {
  REDOUBT_CHECK(ok_);
  do {
    const std::string_view slice = input.substr(0, kMaxSlice);
    input.remove_prefix(slice.size());
    const int mode = flush && input.empty() ? Z_SYNC_FLUSH : Z_NO_FLUSH;
    z_.next_in = bytes_of(slice.data());
    z_.avail_in = static_cast<uInt>(slice.size());
    // zlib's contract: call again, with the same flush mode, while it fills all the room given.
    do {
      const std::size_t bound = deflateBound(&z_, z_.avail_in) + 16;  // + sync marker, pending bits
      const std::size_t room = std::clamp<std::size_t>(bound, 64, kMaxOutputStep);
      const std::size_t old_size = out.size();
      out.resize(old_size + room);
      z_.next_out = bytes_of(out.data() + old_size);
      z_.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&z_, mode);
      // Z_BUF_ERROR only says no progress was possible (nothing left to do): not an error.
      REDOUBT_CHECK(rc == Z_OK || rc == Z_BUF_ERROR);
      out.resize(old_size + room - z_.avail_out);
      if (z_.avail_out != 0) break;
    } while (true);
    REDOUBT_CHECK(z_.avail_in == 0);
  } while (!input.empty());
  z_.next_in = Z_NULL;
  z_.next_out = Z_NULL;
}

// --- Inflater ------------------------------------------------------------------------------------

void* Inflater::allocate(void* self, unsigned items, unsigned size) {
  return counted_allocate(static_cast<Inflater*>(self)->allocated_, items, size);
}

void Inflater::release(void* self, void* address) {
  counted_release(static_cast<Inflater*>(self)->allocated_, address);
}

Inflater::Inflater() {
  z_.zalloc = &Inflater::allocate;
  z_.zfree = &Inflater::release;
  z_.opaque = this;
  // RFC 4978 §4: raw DEFLATE, and the full 32 KiB window, since the peer may use it.
  ok_ = inflateInit2(&z_, -15) == Z_OK;
}

Inflater::~Inflater() {
  if (ok_) inflateEnd(&z_);
}

void Inflater::feed(std::string_view compressed) {
  if (compressed.empty()) return;
  if (input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
  }
  input_.append(compressed);
}

bool Inflater::inflate(std::string& out, std::size_t max_bytes) {
  REDOUBT_CHECK(ok_);
  if (failed_) return false;
  if (ended_) {
    // RFC 4978 keeps the stream open for the whole connection: data after a final block is
    // nothing we can read.
    failed_ = input_pos_ < input_.size();
    return !failed_;
  }
  max_bytes = std::min(max_bytes, kMaxSlice);
  if (max_bytes == 0 || !has_pending()) return true;

  const std::size_t old_size = out.size();
  out.resize(old_size + max_bytes);
  const std::size_t available = std::min(input_.size() - input_pos_, kMaxSlice);
  z_.next_in = bytes_of(input_.data() + input_pos_);
  z_.avail_in = static_cast<uInt>(available);
  z_.next_out = bytes_of(out.data() + old_size);
  z_.avail_out = static_cast<uInt>(max_bytes);
  const int rc = ::inflate(&z_, Z_SYNC_FLUSH);
  const std::size_t produced = max_bytes - z_.avail_out;
  input_pos_ += available - z_.avail_in;
  out.resize(old_size + produced);
  output_limited_ = z_.avail_out == 0;
  z_.next_in = Z_NULL;
  z_.next_out = Z_NULL;

  if (input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
    if (input_.capacity() > kKeepInputCapacity) std::string().swap(input_);
  }
  if (rc == Z_STREAM_END) {
    ended_ = true;
    output_limited_ = false;
    failed_ = input_pos_ < input_.size();
    return !failed_;
  }
  // Z_BUF_ERROR: no progress possible (input ends inside a block). Z_DATA_ERROR, Z_MEM_ERROR
  // and Z_NEED_DICT (a raw stream has no dictionary) are the peer's fault or fatal.
  failed_ = rc != Z_OK && rc != Z_BUF_ERROR;
  if (failed_) output_limited_ = false;
  return !failed_;
}

}  // namespace redoubt::net
