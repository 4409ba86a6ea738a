#include "mime/fold_for_search.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>

#include <algorithm>
#include <cstdint>

#include "base/ascii.h"
#include "base/utf8.h"

namespace redoubt::mime {
namespace {

// An ASCII run at least this long ends the piece ICU folds; shorter ones (spaces and punctuation
// between words of non-Latin text) stay inside it, which saves ICU calls. Any ASCII character may
// end a piece: none of them interacts with what precedes it in NFKC_Casefold.
constexpr std::size_t kMinAsciiRun = 16;
// UAX #15 §13: stream-safe text has at most 30 non-starters in a row.
constexpr int kMaxNonStarters = 30;
// A piece handed to ICU grows no longer than this (then ends at the next character that has a
// normalisation boundary before it): bounds how far the result can pass `max_bytes`, and keeps
// ICU's int32_t lengths far away.
constexpr std::size_t kMaxPieceBytes = 64 * 1024;

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

const icu::Normalizer2* nfkc_casefold() {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = icu::Normalizer2::getNFKCCasefoldInstance(status);
  return U_SUCCESS(status) ? normalizer : nullptr;
}

bool is_ascii(char c) { return static_cast<unsigned char>(c) < 0x80; }

// Length of the sequence a well-formed text has at a non-ASCII lead byte.
std::size_t sequence_length(char lead) {
  const auto c = static_cast<unsigned char>(lead);
  return c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

// The scalar value of the well-formed sequence of `length` bytes at the start of `s`.
UChar32 decode(std::string_view s, std::size_t length) {
  auto octet = [&](std::size_t i) { return static_cast<UChar32>(static_cast<unsigned char>(s[i])); };
  switch (length) {
    case 2: return (octet(0) & 0x1F) << 6 | (octet(1) & 0x3F);
    case 3: return (octet(0) & 0x0F) << 12 | (octet(1) & 0x3F) << 6 | (octet(2) & 0x3F);
    default:
      return (octet(0) & 0x07) << 18 | (octet(1) & 0x3F) << 12 | (octet(2) & 0x3F) << 6 |
             (octet(3) & 0x3F);
  }
}

bool has_boundary_before(const icu::Normalizer2& normalizer, std::string_view text,
                         std::size_t at) {
  return normalizer.hasBoundaryBefore(decode(text.substr(at), sequence_length(text[at])));
}

void append_ascii_folded(std::string_view ascii, std::string& out) {
  const std::size_t old_size = out.size();
  out.append(ascii);
  for (std::size_t i = old_size; i < out.size(); ++i) out[i] = ascii::to_lower(out[i]);
}

// `text` with each byte of an ill-formed sequence replaced by U+FFFD.
std::string repaired(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t i = 0;
  while (i < text.size()) {
    if (is_ascii(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t length = utf8_non_ascii_length(text.substr(i));
    if (length == 0) {
      out.append(kReplacement);
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

// How many of the (at most `limit`, all well-formed) non-ASCII characters just before `end` lack
// a boundary before them, counting back from `end` to the first that has one, or to `start`.
int non_starters_before(const icu::Normalizer2& normalizer, std::string_view text,
                        std::size_t start, std::size_t end, int limit) {
  int count = 0;
  while (count < limit && end > start) {
    std::size_t at = end - 1;
    while (at > start && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
    if (has_boundary_before(normalizer, text, at)) break;
    ++count;
    end = at;
  }
  return count;
}

struct Piece {
  std::size_t end = 0;
  bool is_ill_formed = false;
};

// Where the piece of `text` that starts at `start` ends: before an ASCII run of kMinAsciiRun,
// before the 31st character in a row that lacks a boundary before it, or, past kMaxPieceBytes, at
// the next boundary. Checks the UTF-8 on the way.
//
// Asking ICU about every character would cost about as much as the folding, so only every 31st
// character of a non-ASCII run is checked; if it lacks a boundary, the ones before it are
// counted back, and from then on each one is checked until a boundary shows up.
Piece piece_end(const icu::Normalizer2* normalizer, std::string_view text, std::size_t start) {
  std::size_t end = start;
  bool is_ill_formed = false;
  std::size_t ascii_run = 0;
  int run = 0;           // Non-ASCII characters before `end` that may lack a boundary...
  bool counted = false;  // ...or, once checked, exactly those that do.
  while (end < text.size()) {
    if (is_ascii(text[end])) {
      if (++ascii_run >= kMinAsciiRun || end - start >= kMaxPieceBytes) {
        return {end - (ascii_run - 1), is_ill_formed};  // Before the run's first character.
      }
      run = 0;
      counted = false;
      ++end;
      continue;
    }
    ascii_run = 0;
    const std::size_t length = utf8_non_ascii_length(text.substr(end));
    if (length == 0) {  // Ill-formed: U+FFFD, which combines with nothing.
      is_ill_formed = true;
      if (end - start >= kMaxPieceBytes) return {end, is_ill_formed};
      run = 0;
      counted = false;
      ++end;
      continue;
    }
    if (!counted && run < kMaxNonStarters && end - start < kMaxPieceBytes) {
      ++run;
      end += length;
      continue;
    }
    if (normalizer == nullptr || has_boundary_before(*normalizer, text, end)) {
      if (end - start >= kMaxPieceBytes) return {end, is_ill_formed};
      run = 0;
      counted = false;
      end += length;
      continue;
    }
    if (!counted) {
      run = non_starters_before(*normalizer, text, start, end, run);
      counted = true;
    }
    if (run >= kMaxNonStarters) return {end, is_ill_formed};  // run > 0, so end > start.
    ++run;
    end += length;
  }
  return {end, is_ill_formed};
}

// Appends the NFKC_Casefold form of `piece` (well-formed UTF-8), or, if ICU fails, `piece` with
// only its ASCII letters folded.
void append_icu_folded(const icu::Normalizer2* normalizer, std::string_view piece,
                       std::string& out) {
  if (normalizer != nullptr) {
    const std::size_t old_size = out.size();
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode status = U_ZERO_ERROR;
    normalizer->normalizeUTF8(0, icu::StringPiece(piece.data(), static_cast<int32_t>(piece.size())),
                              sink, nullptr, status);
    if (U_SUCCESS(status)) return;
    out.resize(old_size);
  }
  append_ascii_folded(piece, out);
}

// Cuts `out` to at most `max_bytes`, at a character boundary (`out` is well-formed UTF-8).
void cut(std::string& out, std::size_t max_bytes) {
  if (out.size() <= max_bytes) return;
  std::size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
  out.resize(end);
}

}  // namespace

std::string fold_for_search(std::string_view text, std::size_t max_bytes) {
  std::size_t first_non_ascii = 0;
  while (first_non_ascii < text.size() && is_ascii(text[first_non_ascii])) ++first_non_ascii;

  std::string out;
  out.reserve(std::min(text.size(), max_bytes));
  if (first_non_ascii == text.size()) {  // Most mail text: no ICU at all.
    append_ascii_folded(text.substr(0, max_bytes), out);
    return out;
  }
  const icu::Normalizer2* normalizer = nfkc_casefold();
  std::size_t i = 0;
  while (i < text.size() && out.size() < max_bytes) {
    // An ASCII run, folded here. Its last character starts the next piece: a combining mark
    // after it (e + U+0301) composes with it.
    std::size_t next = i;
    while (next < text.size() && is_ascii(text[next])) ++next;
    const std::size_t room = max_bytes - out.size();
    if (next == text.size()) {
      append_ascii_folded(text.substr(i, room), out);
      break;
    }
    const std::size_t start = next > i ? next - 1 : i;
    append_ascii_folded(text.substr(i, std::min(start - i, room)), out);
    if (out.size() >= max_bytes) break;

    const Piece piece = piece_end(normalizer, text, start);
    const std::string_view bytes = text.substr(start, piece.end - start);
    // ICU copies ill-formed bytes through; U+FFFD instead keeps the result UTF-8, so a folded key
    // found in folded text always starts and ends on character boundaries.
    append_icu_folded(normalizer, piece.is_ill_formed ? repaired(bytes) : bytes, out);
    i = piece.end;
  }
  cut(out, max_bytes);
  return out;
}

}  // namespace redoubt::mime
