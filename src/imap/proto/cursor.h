#pragma once

// Cursor reads the tokens of the RFC 9051 §9 grammar from one framed command. Internal to
// imap/proto: command_parser.cc builds commands from these reads.
//
// The first failure sticks: after it every read returns an empty value, consumes nothing and
// keeps the first reason, so a rule can read all its parts and check failed() once.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "imap/proto/command_framer.h"
#include "imap/proto/parse_limits.h"
#include "imap/proto/sequence_set.h"
#include "imap/proto/syntax_error.h"

namespace redoubt::imap::proto {

class Cursor {
 public:
  // `input`, `limits` and `streamed` must outlive the Cursor; `input` is bytes, not NUL-terminated.
  // `streamed` lists the literals of `input` whose octets CommandFramer streamed (by ascending
  // offset): take_literal() reads them as empty, where its caller allows it.
  Cursor(std::string_view input, const ParseLimits& limits,
         std::span<const StreamedLiteral> streamed = {})
      : input_(input), limits_(limits), streamed_(streamed) {}

  // ---- State ----------------------------------------------------------------------------
  bool failed() const { return failed_; }
  bool at_end() const { return failed_ || pos_ == input_.size(); }
  // Records the first failure; `reason` must have static storage.
  void fail(std::string_view reason, SyntaxError::Kind kind = SyntaxError::Kind::kSyntax);
  // The SyntaxError for the first failure, carrying `tag`. REQUIRES: failed().
  SyntaxError error(std::string tag) const;

  // ---- Single octets ------------------------------------------------------------------------
  // The next octet, or '\0' at the end or after a failure (NUL is never valid where peeked).
  char peek() const { return at_end() ? '\0' : input_[pos_]; }
  // The octet after the next one, or '\0'.
  char peek_second() const;
  // Consumes `c` if it is next; false otherwise (and on failure).
  bool consume(char c);
  // Consumes `c` or fails.
  void expect(char c);
  // Fails unless the whole input was read.
  void expect_end();

  // ---- Words ---------------------------------------------------------------------------------
  // Consumes `keyword` (ASCII, compared ignoring case) if it comes next and is not followed by
  // an ATOM-CHAR; false otherwise.
  bool consume_keyword(std::string_view keyword);
  // RFC 9051 §9 tag. Empty (and failed) if there is none.
  std::string_view take_tag();
  // RFC 9051 §9 atom = 1*ATOM-CHAR.
  std::string_view take_atom();
  // A run of octets [A-Za-z0-9.]: FETCH item names and section specs, which an ATOM-CHAR run
  // would swallow into their "[" and "<". May be empty (not a failure).
  std::string_view take_name();

  // ---- Strings -------------------------------------------------------------------------------
  // Octets a literal carries (RFC 9051 §4.3, RFC 3516 §4.4).
  enum class LiteralKind { kLiteral, kLiteral8 };
  // RFC 9051 §9 astring = 1*ASTRING-CHAR / string.
  std::string take_astring();
  // RFC 9051 §9 string = quoted / literal.
  std::string take_string();
  // RFC 9051 §9 nstring = string / nil. nullopt for NIL.
  std::optional<std::string> take_nstring();
  // RFC 9051 §9 list-mailbox = 1*list-char / string.
  std::string take_list_mailbox();
  // RFC 9051 §9 atom / quoted (charset, and the date forms that allow DQUOTEs).
  std::string take_atom_or_quoted();
  // RFC 9051 §9 quoted: the unescaped value. Fails unless the next octet is DQUOTE.
  std::string take_quoted();
  // A literal "{n}" / "{n+}" CRLF n-octets (RFC 9051 §4.3, RFC 7888), or with allow_literal8 a
  // literal8 "~{n}" / "~{n+}" too; `kind` (if given) says which. Plain literals may not hold NUL.
  // A streamed literal is taken only if `streamed_index` is given: it is set to the literal's
  // index in `streamed`, and the value returned is empty. Elsewhere a streamed literal fails.
  std::string take_literal(bool allow_literal8 = false, LiteralKind* kind = nullptr,
                           std::optional<std::size_t>* streamed_index = nullptr);

  // ---- Numbers and sets ----------------------------------------------------------------------
  // RFC 9051 §9 number = 1*DIGIT, 0..2^32-1.
  std::uint32_t take_number();
  // RFC 9051 §9 nz-number = digit-nz *DIGIT, 1..2^32-1.
  std::uint32_t take_nz_number();
  // RFC 9051 §9 number64 = 1*DIGIT, 0..2^63-1 (also RFC 7162 mod-sequence-valzer).
  std::uint64_t take_number64();
  // RFC 9051 §9 nz-number64, 1..2^63-1 (also RFC 7162 mod-sequence-value).
  std::uint64_t take_nz_number64();
  // RFC 9051 §9 sequence-set, or "$" when allow_saved_result (RFC 5182).
  SequenceSet take_sequence_set(bool allow_saved_result = true);

  // ---- Bounds --------------------------------------------------------------------------------
  // Enters one level of nesting; fails (kLimit) past ParseLimits::max_depth. Pair with leave().
  bool enter();
  void leave() { --depth_; }
  // Fails (kLimit) unless a list that already holds `count` elements may take one more.
  bool allow_item(std::size_t count);
  const ParseLimits& limits() const { return limits_; }

 private:
  std::string_view input_;
  const ParseLimits& limits_;
  std::span<const StreamedLiteral> streamed_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  bool failed_ = false;
  SyntaxError::Kind kind_ = SyntaxError::Kind::kSyntax;
  std::string_view reason_;
};

}  // namespace redoubt::imap::proto
