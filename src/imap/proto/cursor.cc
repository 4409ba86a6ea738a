#include "imap/proto/cursor.h"

#include <algorithm>
#include <utility>

#include "base/ascii.h"
#include "imap/proto/grammar.h"

namespace redoubt::imap::proto {
namespace {

constexpr std::uint64_t kMax63 = (std::uint64_t{1} << 63) - 1;

// Reads 1*DIGIT from the front of `s` into `value` (saturating at > `max`). Returns the number
// of digits, 0 if none; `overflow` is set when the value exceeds `max`.
std::size_t read_digits(std::string_view s, std::uint64_t max, std::uint64_t& value,
                        bool& overflow) {
  std::size_t n = 0;
  value = 0;
  overflow = false;
  while (n < s.size() && ascii::is_digit(s[n])) {
    const auto digit = static_cast<std::uint64_t>(s[n] - '0');
    if (value > (max - digit) / 10) {
      overflow = true;
    } else {
      value = value * 10 + digit;
    }
    ++n;
  }
  return n;
}

constexpr bool is_sequence_set_char(char c) {
  return ascii::is_digit(c) || c == ':' || c == ',' || c == '*' || c == '$';
}

constexpr bool is_name_char(char c) { return ascii::is_alnum(c) || c == '.'; }

}  // namespace

void Cursor::fail(std::string_view reason, SyntaxError::Kind kind) {
  if (failed_) return;
  failed_ = true;
  reason_ = reason;
  kind_ = kind;
}

SyntaxError Cursor::error(std::string tag) const {
  return SyntaxError{std::move(tag), kind_, reason_};
}

char Cursor::peek_second() const {
  return failed_ || pos_ + 1 >= input_.size() ? '\0' : input_[pos_ + 1];
}

bool Cursor::consume(char c) {
  if (at_end() || input_[pos_] != c) return false;
  ++pos_;
  return true;
}

void Cursor::expect(char c) {
  if (consume(c)) return;
  switch (c) {
    case ' ': fail("expected a space"); break;
    case '(': fail("expected \"(\""); break;
    case ')': fail("expected \")\""); break;
    case ']': fail("expected \"]\""); break;
    default: fail("unexpected character"); break;
  }
}

void Cursor::expect_end() {
  if (!at_end()) fail("unexpected characters at the end of the command");
}

bool Cursor::consume_keyword(std::string_view keyword) {
  if (failed_ || input_.size() - pos_ < keyword.size()) return false;
  if (!ascii::iequals(input_.substr(pos_, keyword.size()), keyword)) return false;
  const std::size_t end = pos_ + keyword.size();
  if (end < input_.size() && grammar::is_atom_char(input_[end])) return false;
  pos_ = end;
  return true;
}

std::string_view Cursor::take_tag() {
  const std::size_t start = pos_;
  while (!at_end() && grammar::is_tag_char(input_[pos_])) ++pos_;
  if (pos_ == start) fail("missing or invalid tag");
  return failed_ ? std::string_view() : input_.substr(start, pos_ - start);
}

std::string_view Cursor::take_atom() {
  const std::size_t start = pos_;
  while (!at_end() && grammar::is_atom_char(input_[pos_])) ++pos_;
  if (pos_ == start) fail("expected an atom");
  return failed_ ? std::string_view() : input_.substr(start, pos_ - start);
}

std::string_view Cursor::take_name() {
  const std::size_t start = pos_;
  while (!at_end() && is_name_char(input_[pos_])) ++pos_;
  return input_.substr(start, pos_ - start);
}

std::string Cursor::take_astring() {
  const char c = peek();
  if (c == '"' || c == '{') return take_string();
  const std::size_t start = pos_;
  while (!at_end() && grammar::is_astring_char(input_[pos_])) ++pos_;
  if (pos_ == start) fail("expected a string");
  return failed_ ? std::string() : std::string(input_.substr(start, pos_ - start));
}

std::string Cursor::take_string() {
  const char c = peek();
  if (c == '"') return take_quoted();
  if (c == '{') return take_literal();
  fail("expected a quoted string or a literal");
  return {};
}

std::optional<std::string> Cursor::take_nstring() {
  if (consume_keyword("NIL")) return std::nullopt;
  return take_string();
}

std::string Cursor::take_list_mailbox() {
  const char c = peek();
  if (c == '"' || c == '{') return take_string();
  const std::size_t start = pos_;
  while (!at_end() && grammar::is_list_char(input_[pos_])) ++pos_;
  if (pos_ == start) fail("expected a mailbox pattern");
  return failed_ ? std::string() : std::string(input_.substr(start, pos_ - start));
}

std::string Cursor::take_atom_or_quoted() {
  if (peek() == '"') return take_quoted();
  return std::string(take_atom());
}

// RFC 9051 §9  quoted = DQUOTE *QUOTED-CHAR DQUOTE
std::string Cursor::take_quoted() {
  if (!consume('"')) {
    fail("expected a quoted string");
    return {};
  }
  std::string out;
  while (!failed_) {
    if (pos_ == input_.size()) {
      fail("unterminated quoted string");
      break;
    }
    const char c = input_[pos_];
    if (c == '"') {
      ++pos_;
      return out;
    }
    if (c == '\\') {
      const char next = pos_ + 1 < input_.size() ? input_[pos_ + 1] : '\0';
      if (!grammar::is_quoted_special(next)) {
        fail("invalid escape in quoted string");
        break;
      }
      out.push_back(next);
      pos_ += 2;
    } else if (grammar::octet(c) >= 0x80) {
      // RFC 9051 §9 QUOTED-CHAR =/ UTF8-2 / UTF8-3 / UTF8-4
      const std::size_t n = grammar::utf8_non_ascii_length(input_.substr(pos_));
      if (n == 0) {
        fail("invalid UTF-8 in quoted string");
        break;
      }
      out.append(input_.substr(pos_, n));
      pos_ += n;
    } else if (grammar::is_text_char(c)) {
      out.push_back(c);
      ++pos_;
    } else {
      fail("invalid character in quoted string");
    }
  }
  return {};
}

// RFC 9051 §9  literal = "{" number64 ["+"] "}" CRLF *CHAR8   (RFC 7888 §3 adds "+")
// RFC 3516 §4.4  literal8 = "~{" number64 ["+"] "}" CRLF *OCTET
std::string Cursor::take_literal(bool allow_literal8, LiteralKind* kind,
                                 std::optional<std::size_t>* streamed_index) {
  const bool binary = allow_literal8 && consume('~');
  if (kind != nullptr) *kind = binary ? LiteralKind::kLiteral8 : LiteralKind::kLiteral;
  if (!consume('{')) {
    fail("expected a literal");
    return {};
  }
  std::uint64_t size = 0;
  bool overflow = false;
  const std::size_t digits = read_digits(input_.substr(pos_), kMax63, size, overflow);
  if (digits == 0 || overflow) {
    fail("invalid literal size");
    return {};
  }
  pos_ += digits;
  consume('+');
  if (!consume('}') || !consume('\r') || !consume('\n')) {
    fail("invalid literal");
    return {};
  }
  // The octets of a streamed literal are not in the input: the session has them.
  const auto streamed = std::lower_bound(
      streamed_.begin(), streamed_.end(), pos_,
      [](const StreamedLiteral& literal, std::size_t at) { return literal.offset < at; });
  if (streamed != streamed_.end() && streamed->offset == pos_) {
    if (streamed_index == nullptr) {
      fail("literal too long for this argument");
    } else if (streamed->size != size) {
      fail("invalid literal");
    } else if (!binary && streamed->has_nul) {
      fail("NUL in literal");  // RFC 9051 §9 CHAR8 = %x01-ff
    } else {
      *streamed_index = static_cast<std::size_t>(streamed - streamed_.begin());
    }
    return {};
  }
  if (size > input_.size() - pos_) {
    fail("literal is shorter than its size");
    return {};
  }
  const std::string_view bytes = input_.substr(pos_, static_cast<std::size_t>(size));
  if (!binary && bytes.find('\0') != std::string_view::npos) {
    fail("NUL in literal");  // RFC 9051 §9 CHAR8 = %x01-ff
    return {};
  }
  pos_ += bytes.size();
  return std::string(bytes);
}

std::uint32_t Cursor::take_number() {
  if (failed_) return 0;
  std::uint64_t value = 0;
  bool overflow = false;
  const std::size_t digits = read_digits(input_.substr(pos_), UINT32_MAX, value, overflow);
  if (digits == 0 || overflow) {
    fail("expected a number");
    return 0;
  }
  pos_ += digits;
  return static_cast<std::uint32_t>(value);
}

std::uint32_t Cursor::take_nz_number() {
  if (peek() == '0') fail("expected a non-zero number");
  return take_number();
}

std::uint64_t Cursor::take_number64() {
  if (failed_) return 0;
  std::uint64_t value = 0;
  bool overflow = false;
  const std::size_t digits = read_digits(input_.substr(pos_), kMax63, value, overflow);
  if (digits == 0 || overflow) {
    fail("expected a number");
    return 0;
  }
  pos_ += digits;
  return value;
}

std::uint64_t Cursor::take_nz_number64() {
  if (peek() == '0') fail("expected a non-zero number");
  return take_number64();
}

SequenceSet Cursor::take_sequence_set(bool allow_saved_result) {
  const std::size_t start = pos_;
  while (!at_end() && is_sequence_set_char(input_[pos_])) ++pos_;
  if (failed_) return {};
  const std::string_view text = input_.substr(start, pos_ - start);
  if (static_cast<std::size_t>(std::count(text.begin(), text.end(), ',')) >=
      limits_.max_sequence_ranges) {
    fail("too many ranges in sequence set", SyntaxError::Kind::kLimit);
    return {};
  }
  SequenceSetLimits set_limits;
  set_limits.max_ranges = limits_.max_sequence_ranges;
  set_limits.allow_saved_result = allow_saved_result;
  auto set = parse_sequence_set(text, set_limits);
  if (!set) {
    fail("invalid sequence set");
    return {};
  }
  return std::move(*set);
}

bool Cursor::enter() {
  if (failed_) return false;
  if (++depth_ > limits_.max_depth) {
    fail("too deeply nested", SyntaxError::Kind::kLimit);
    return false;
  }
  return true;
}

bool Cursor::allow_item(std::size_t count) {
  if (failed_) return false;
  if (count >= limits_.max_list_items) {
    fail("too many list elements", SyntaxError::Kind::kLimit);
    return false;
  }
  return true;
}

}  // namespace redoubt::imap::proto
