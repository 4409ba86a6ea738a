// fuzz-deps: redoubt_smtp_proto
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/proto/data_reader.h"

namespace proto = redoubt::smtp::proto;

namespace {

// Small limits, so that inputs of a few kilobytes reach them.
constexpr proto::DataLimits kLimits{.max_message_bytes = 2048, .max_line_octets = 78};

struct Outcome {
  std::string content;
  std::size_t consumed = 0;
  proto::DataReader::Status status = proto::DataReader::Status::kNeedMore;
  std::optional<proto::DataError> error;
  bool operator==(const Outcome&) const = default;
};

Outcome read(std::string_view first, std::string_view second) {
  proto::DataReader reader(kLimits);
  Outcome outcome;
  for (std::string_view piece : {first, second}) {
    const auto progress = reader.feed(piece, outcome.content);
    if (progress.consumed > piece.size()) std::abort();
    outcome.consumed += progress.consumed;
    outcome.status = progress.status;
    if (progress.status == proto::DataReader::Status::kDone) break;
    if (progress.consumed != piece.size()) std::abort();
  }
  outcome.error = reader.error();
  return outcome;
}

std::optional<proto::DataError> check_chunks(std::string_view first, std::string_view second) {
  proto::ChunkChecker checker(kLimits);
  checker.feed(first);
  checker.feed(second);
  checker.finish();
  return checker.error();
}

// Content accepted without error has only CRLF line endings and respects the limits.
void check_content(const Outcome& outcome) {
  if (outcome.error) return;
  const std::string& s = outcome.content;
  if (s.size() > kLimits.max_message_bytes) std::abort();
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) std::abort();
    if (s[i] == '\n') {
      if (i == 0 || s[i - 1] != '\r') std::abort();
      if (i - 1 - line_start > kLimits.max_line_octets) std::abort();
      line_start = i + 1;
    }
  }
  if (outcome.status == proto::DataReader::Status::kDone && !s.empty() && line_start != s.size()) {
    std::abort();  // A finished message ends with CRLF.
  }
}

}  // namespace

// The first octet picks a split point (0: at the start, 255: at the end); the rest is the data. One
// piece or two, the outcome of DataReader (and ChunkChecker) must be the same.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t split = input.size() * data[0] / 255;  // 0 .. input.size()
  const std::string_view first = input.substr(0, split);
  const std::string_view second = input.substr(split);

  const Outcome whole = read(input, {});
  if (read(first, second) != whole) std::abort();
  check_content(whole);
  if (check_chunks(input, {}) != check_chunks(first, second)) std::abort();
  return 0;
}
