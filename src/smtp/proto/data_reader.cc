#include "smtp/proto/data_reader.h"

#include <algorithm>
#include <cstring>

namespace redoubt::smtp::proto {
namespace {

// Index of the first `c` in `in` at or after `from`, or in.size() if there is none.
std::size_t find_from(std::string_view in, std::size_t from, char c) {
  if (from >= in.size()) return in.size();  // Also keeps a null data() away from memchr.
  const void* hit = std::memchr(in.data() + from, c, in.size() - from);
  return hit == nullptr ? in.size()
                        : static_cast<std::size_t>(static_cast<const char*>(hit) - in.data());
}

}  // namespace

DataReader::DataReader(DataLimits limits) : DataReader(limits, /*is_dot_stuffed=*/true) {}

DataReader::DataReader(DataLimits limits, bool is_dot_stuffed)
    : limits_(limits), is_dot_stuffed_(is_dot_stuffed) {}

DataReader::Progress DataReader::feed(std::string_view in, std::string& out) {
  const std::size_t consumed = scan(in, &out);
  return {consumed, state_ == State::kDone ? Status::kDone : Status::kNeedMore};
}

void DataReader::fail(DataError error) {
  if (!error_) error_ = error;
}

void DataReader::append(std::string_view text, std::string* out) {
  if (error_ || text.empty()) return;
  // On overflow, keep the octets that still fit before recording the error: `out` then depends
  // only on the input, never on how it was split.
  const std::size_t line_room = limits_.max_line_octets - line_octets_;
  const std::uint64_t size_room = limits_.max_message_bytes - message_bytes_;
  std::size_t keep = text.size();
  std::optional<DataError> overflow;
  if (keep > line_room) {
    keep = line_room;
    overflow = DataError::kLineTooLong;
  }
  if (keep > size_room) {
    keep = static_cast<std::size_t>(size_room);
    overflow = DataError::kTooBig;
  }
  line_octets_ += keep;
  message_bytes_ += keep;
  if (out != nullptr) out->append(text.substr(0, keep));
  if (overflow) fail(*overflow);
}

void DataReader::end_line(std::string* out) {
  line_octets_ = 0;
  if (error_) return;
  if (limits_.max_message_bytes - message_bytes_ < 2) return fail(DataError::kTooBig);
  message_bytes_ += 2;
  if (out != nullptr) out->append("\r\n");
}

// Every octet is looked at once: runs of text between CRs and LFs are found with memchr and
// appended whole, and the positions of the next CR and next LF are searched for again only once
// the scan has passed them, so no octet is searched twice.
std::size_t DataReader::scan(std::string_view in, std::string* out) {
  std::size_t i = 0;
  std::size_t next_cr = find_from(in, 0, '\r');
  std::size_t next_lf = find_from(in, 0, '\n');
  while (i < in.size() && state_ != State::kDone) {
    const char c = in[i];
    switch (state_) {
      case State::kLineStart:
        // RFC 5321 §4.5.2: a line starting with "." is either the end marker or dot-stuffed.
        if (is_dot_stuffed_ && c == '.') {
          state_ = State::kDot;
          ++i;
        } else {
          state_ = State::kText;
        }
        break;
      case State::kDot:
        if (c == '\r') {
          state_ = State::kDotCr;
          ++i;
        } else {
          // RFC 5321 §4.5.2: "If the first character is a period and there are other characters
          // on the line, the first character is deleted." A bare LF here is caught as text.
          state_ = State::kText;
        }
        break;
      case State::kDotCr:
        if (c == '\n') {
          // RFC 5321 §4.1.1.4: the mail data ends with CRLF "." CRLF, and only with that.
          state_ = State::kDone;
          ++i;
        } else {
          fail(DataError::kBareCr);  // RFC 5321 §2.3.8; "\r\n.\rX" is not an end marker.
          state_ = State::kText;     // Read `c` again as text.
        }
        break;
      case State::kCr:
        if (c == '\n') {
          end_line(out);
          state_ = State::kLineStart;
          ++i;
        } else {
          fail(DataError::kBareCr);  // RFC 5321 §2.3.8
          state_ = State::kText;     // Read `c` again as text: it may be a CR itself.
        }
        break;
      case State::kText: {
        if (next_cr < i) next_cr = find_from(in, i, '\r');
        if (next_lf < i) next_lf = find_from(in, i, '\n');
        const std::size_t stop = std::min(next_cr, next_lf);
        append(in.substr(i, stop - i), out);
        i = stop;
        if (i == in.size()) break;
        if (in[i] == '\r') {
          state_ = State::kCr;
        } else {
          // RFC 5321 §2.3.8: a bare LF does not end a line. The line goes on, so what follows it
          // can never be taken for an end marker.
          fail(DataError::kBareLf);
        }
        ++i;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return i;
}

ChunkChecker::ChunkChecker(DataLimits limits) : scanner_(limits, /*is_dot_stuffed=*/false) {}

void ChunkChecker::feed(std::string_view chunk) {
  if (!scanner_.error_) scanner_.scan(chunk, nullptr);
}

void ChunkChecker::finish() {
  if (scanner_.state_ == DataReader::State::kCr) scanner_.fail(DataError::kBareCr);
}

}  // namespace redoubt::smtp::proto
