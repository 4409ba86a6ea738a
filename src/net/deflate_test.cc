#include "net/deflate.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::net {
namespace {

using namespace std::string_view_literals;

constexpr std::size_t kChunk = 16 * 1024;  // What the IMAP session reads at a time.

// Inflates everything `inflater` can give from what it was fed, `chunk` bytes per call at most.
std::string drain(Inflater& inflater, std::size_t chunk = kChunk) {
  std::string all;
  while (inflater.has_pending()) {
    const std::size_t before = all.size();
    EXPECT_TRUE(inflater.inflate(all, chunk));
    EXPECT_LE(all.size() - before, chunk);
    if (::testing::Test::HasFailure()) break;
  }
  return all;
}

std::string compress_all(Deflater& deflater, std::string_view input, bool flush = true) {
  std::string out;
  deflater.compress(input, out, flush);
  return out;
}

// Mail-like text that compresses, but not to nothing.
std::string sample_text(std::size_t size) {
  std::string text;
  std::uint32_t state = 12345;
  const char* words[] = {"Received: ", "from ", "mail.example.test ", "Subject: ", "Re: ", "meeting ",
                         "the ", "quarterly ", "report\r\n", "Hello ", "world ", "=20\r\n", "* 3 FETCH "};
  while (text.size() < size) {
    state = state * 1103515245 + 12345;
    text += words[(state >> 16) % std::size(words)];
    if ((state >> 8) % 7 == 0) text += std::to_string(state % 100000);
  }
  text.resize(size);
  return text;
}

TEST(Deflate, RawFormatWithSyncFlush) {
  // RFC 4978 §4: raw DEFLATE, no zlib header. A sync flush of nothing is an empty stored block.
  Deflater deflater;
  ASSERT_TRUE(deflater.ok());
  EXPECT_EQ(compress_all(deflater, ""), "\x00\x00\x00\xff\xff"sv);
  // Every flushed write ends on the sync marker, so the peer can read all of it at once.
  EXPECT_TRUE(compress_all(deflater, "* OK hello\r\n").ends_with("\x00\x00\xff\xff"sv));
}

TEST(Inflate, ReadsAnotherCompressor) {
  // Python's zlib.compressobj(9, DEFLATED, -15, 9): two responses, each with Z_SYNC_FLUSH.
  Inflater inflater;
  ASSERT_TRUE(inflater.ok());
  inflater.feed("\xd2\x52\xf0\xf7\x56\xc8\x48\xcd\xc9\xc9\xe7\xe5\x02\x00\x00\x00\xff\xff"sv);
  EXPECT_EQ(drain(inflater), "* OK hello\r\n");
  inflater.feed("\xd2\x42\x62\x03\x00\x00\x00\xff\xff"sv);  // Refers back to the first one.
  EXPECT_EQ(drain(inflater), "* OK hello\r\n");
}

TEST(Deflate, ManySmallWritesEachInflateCompletely) {
  Deflater deflater;
  Inflater inflater;
  std::size_t plain = 0;
  std::size_t compressed = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::string line = "* " + std::to_string(i + 1) + " FETCH (FLAGS (\\Seen) UID " + std::to_string(i + 100) + ")\r\n";
    const std::string wire = compress_all(deflater, line);
    plain += line.size();
    compressed += wire.size();
    inflater.feed(wire);
    ASSERT_EQ(drain(inflater), line) << i;  // Nothing held back: the client sees each response whole.
  }
  EXPECT_LT(compressed, plain / 2);
}

TEST(Deflate, OneLargeWrite) {
  const std::string text = sample_text(5 * 1024 * 1024 + 17);
  Deflater deflater;
  const std::string wire = compress_all(deflater, text);
  EXPECT_LT(wire.size(), text.size() / 3);
  Inflater inflater;
  inflater.feed(wire);
  EXPECT_EQ(drain(inflater), text);
  // Unflushed pieces, then a flush: the same bytes.
  Deflater pieces;
  std::string wire2;
  for (std::size_t at = 0; at < text.size(); at += 100'000) {
    const std::string_view piece = std::string_view(text).substr(at, 100'000);
    pieces.compress(piece, wire2, at + 100'000 >= text.size());
  }
  Inflater inflater2;
  inflater2.feed(wire2);
  EXPECT_EQ(drain(inflater2, 1000), text);
}

TEST(Inflate, SameOutputAtEverySplitPoint) {
  Deflater deflater;
  std::string wire;
  std::string want;
  for (std::string_view response : {"* OK [CAPABILITY IMAP4rev1] ready\r\n"sv, "A1 OK LOGIN completed\r\n"sv,
                                    "* 3 EXISTS\r\n* 0 RECENT\r\n"sv, "A2 OK [READ-WRITE] SELECT completed\r\n"sv}) {
    want += response;
    deflater.compress(response, wire, true);
  }
  const std::string text = sample_text(3000);
  want += text;
  deflater.compress(text, wire, true);
  ASSERT_GT(wire.size(), 100u);

  for (std::size_t split = 0; split <= wire.size(); ++split) {
    SCOPED_TRACE(split);
    Inflater inflater;
    inflater.feed(std::string_view(wire).substr(0, split));
    std::string got = drain(inflater, 7);
    inflater.feed(std::string_view(wire).substr(split));
    got += drain(inflater, 7);
    ASSERT_EQ(got, want);
  }
  Inflater byte_by_byte;
  std::string got;
  for (char c : wire) {
    byte_by_byte.feed(std::string_view(&c, 1));
    got += drain(byte_by_byte, 1);
  }
  EXPECT_EQ(got, want);
}

// DEFLATE expands at most ~1032:1, so 1 GiB takes ~1 MiB of input: 1 MiB of zeros compresses to
// ~1 KiB, and since that piece ends on a sync flush, its copies continue the same stream.
std::string bomb(std::size_t mebibytes) {
  Deflater deflater({.level = 9, .window_bits = 15, .mem_level = 9});
  const std::string piece = compress_all(deflater, std::string(1024 * 1024, '\0'));
  std::string out;
  out.reserve(piece.size() * mebibytes);
  for (std::size_t i = 0; i < mebibytes; ++i) out += piece;
  return out;
}

TEST(Inflate, BombComesOutBoundedPerCall) {
  const std::string wire = bomb(1024);  // 1 GiB inflated.
  ASSERT_LT(wire.size(), 1100u * 1024);
  Inflater inflater;
  inflater.feed(wire);
  std::string out;
  for (int i = 0; i < 256; ++i) {  // 4 MiB of the 1 GiB.
    out.clear();
    ASSERT_TRUE(inflater.inflate(out, kChunk));
    ASSERT_EQ(out.size(), kChunk);
    ASSERT_EQ(out.find_first_not_of('\0'), std::string::npos);
    ASSERT_TRUE(inflater.has_pending());
    // The input fed, zlib's state, and nothing proportional to what it expands to.
    ASSERT_LT(inflater.memory_bytes(), wire.size() + 64 * 1024);
  }
}

TEST(Inflate, OneKibibyteOfBombInflatesToAtMostAboutOneMebibyte) {
  const std::string wire = bomb(64);
  Inflater inflater;
  inflater.feed(std::string_view(wire).substr(0, 1024));
  const std::string out = drain(inflater);
  EXPECT_GT(out.size(), 512u * 1024);
  EXPECT_LE(out.size(), 1032u * 1024 + 258);
  // And the whole of a smaller bomb, drained: exactly what was compressed, 16 KiB at a time.
  Inflater whole;
  whole.feed(wire);
  std::size_t total = 0;
  std::string chunk;
  while (whole.has_pending()) {
    chunk.clear();
    ASSERT_TRUE(whole.inflate(chunk, kChunk));
    total += chunk.size();
  }
  EXPECT_EQ(total, 64u * 1024 * 1024);
}

TEST(Inflate, CorruptInputFailsForGood) {
  Inflater inflater;
  inflater.feed("\xff\xff\xff\xff garbage"sv);  // BTYPE 11 is reserved.
  std::string out;
  EXPECT_FALSE(inflater.inflate(out, kChunk));
  Deflater deflater;
  inflater.feed(compress_all(deflater, "A1 NOOP\r\n"));
  EXPECT_FALSE(inflater.inflate(out, kChunk));
  EXPECT_TRUE(out.empty());
}

TEST(Inflate, NothingMayFollowTheFinalBlock) {
  // A final (BFINAL) empty fixed block, as a compressor's Z_FINISH writes it, then more bytes.
  Inflater inflater;
  inflater.feed("\x03\x00"sv);
  std::string out;
  EXPECT_TRUE(inflater.inflate(out, kChunk));
  EXPECT_FALSE(inflater.has_pending());
  inflater.feed("\x00\x00\x00\xff\xff"sv);
  EXPECT_FALSE(inflater.inflate(out, kChunk));
}

TEST(Deflate, MemoryPerStream) {
  Deflater ours;
  Deflater zlib_defaults({.level = 6, .window_bits = 15, .mem_level = 8});
  Inflater inflater;
  const std::size_t inflater_idle = inflater.memory_bytes();
  inflater.feed(compress_all(ours, "* OK hello\r\n"));
  EXPECT_EQ(drain(inflater), "* OK hello\r\n");
  const std::size_t inflater_used = inflater.memory_bytes();
  std::printf("deflate memory: ours %zu, zlib defaults %zu; inflate memory: %zu before output, %zu after\n",
              ours.memory_bytes(), zlib_defaults.memory_bytes(), inflater_idle, inflater_used);
  EXPECT_LT(ours.memory_bytes(), 96u * 1024);
  EXPECT_GT(zlib_defaults.memory_bytes(), 256u * 1024);
  EXPECT_LT(inflater_idle, 12u * 1024);
  EXPECT_LT(inflater_used, 48u * 1024);
  // Out-of-range options are refused, not a crash.
  Deflater bad({.level = 6, .window_bits = 16, .mem_level = 8});
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace redoubt::net
