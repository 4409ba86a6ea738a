#include "mime/date.h"

#include <cstddef>

#include "base/ascii.h"
#include "base/date.h"

namespace redoubt::mime {
namespace {

constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                        "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::string_view kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};



// RFC 5322 §3.3 / §4.3 tokens after CFWS: a run of digits, a run of letters, or one other octet.
struct Token {
  enum class Kind { kEnd, kNumber, kWord, kPunct };
  Kind kind = Kind::kEnd;
  std::string_view text;
  int value = 0;  // kNumber, when text.size() <= 9
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) { advance(); }

  const Token& peek() const { return current_; }
  Token take() {
    Token t = current_;
    advance();
    return t;
  }
  bool take_punct(char c) {
    if (current_.kind != Token::Kind::kPunct || current_.text[0] != c) return false;
    advance();
    return true;
  }

 private:
  // RFC 5322 §3.2.2 CFWS: whitespace (folding included) and nested comments with quoted-pairs.
  // An unclosed comment runs to the end.
  void skip_cfws() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else if (c == '(') {
        int depth = 0;
        while (pos_ < s_.size()) {
          const char d = s_[pos_++];
          if (d == '\\') {
            if (pos_ < s_.size()) ++pos_;
          } else if (d == '(') {
            ++depth;
          } else if (d == ')' && --depth == 0) {
            break;
          }
        }
      } else {
        return;
      }
    }
  }

  void advance() {
    skip_cfws();
    current_ = Token{};
    if (pos_ >= s_.size()) return;
    const std::size_t start = pos_;
    if (ascii::is_digit(s_[pos_])) {
      int value = 0;
      while (pos_ < s_.size() && ascii::is_digit(s_[pos_])) {
        if (pos_ - start < 9) value = value * 10 + (s_[pos_] - '0');
        ++pos_;
      }
      current_ = Token{Token::Kind::kNumber, s_.substr(start, pos_ - start), value};
    } else if (ascii::is_alpha(s_[pos_])) {
      while (pos_ < s_.size() && ascii::is_alpha(s_[pos_])) ++pos_;
      current_ = Token{Token::Kind::kWord, s_.substr(start, pos_ - start)};
    } else {
      ++pos_;
      current_ = Token{Token::Kind::kPunct, s_.substr(start, 1)};
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  Token current_;
};

// Index (0-based) of the name in `names` that `word` starts with (at least 3 letters), or -1:
// "Feb", "feb" and "February" all name February.
template <std::size_t N>
int find_name(const std::string_view (&names)[N], std::string_view word) {
  if (word.size() < 3) return -1;
  for (std::size_t i = 0; i < N; ++i) {
    if (ascii::iequals(word.substr(0, 3), names[i])) return static_cast<int>(i);
  }
  return -1;
}

bool is_number(const Token& t, std::size_t min_digits, std::size_t max_digits) {
  return t.kind == Token::Kind::kNumber && t.text.size() >= min_digits &&
         t.text.size() <= max_digits;
}

// RFC 5322 §4.3 obs-zone. Military letters and unknown names carry no reliable offset: "-0000".
int named_zone(std::string_view name) {
  struct Named {
    std::string_view name;
    int minutes;
  };
  static constexpr Named kZones[] = {
      {"UT", 0},         {"UTC", 0},        {"GMT", 0},        {"EST", -5 * 60},
      {"EDT", -4 * 60},  {"CST", -6 * 60},  {"CDT", -5 * 60},  {"MST", -7 * 60},
      {"MDT", -6 * 60},  {"PST", -8 * 60},  {"PDT", -7 * 60},
  };
  for (const Named& zone : kZones) {
    if (ascii::iequals(name, zone.name)) return zone.minutes;
  }
  return 0;
}

}  // namespace

std::optional<DateTime> parse_date_time(std::string_view raw_value) {
  Lexer in(raw_value);
  DateTime out;

  // [day-of-week ","]
  if (in.peek().kind == Token::Kind::kWord) {
    if (find_name(kDays, in.peek().text) < 0) return std::nullopt;
    in.take();
    in.take_punct(',');
  }

  // day month year, optionally joined by "-" (seen in the wild: "13-Feb-1969").
  const Token day = in.take();
  if (!is_number(day, 1, 2)) return std::nullopt;
  in.take_punct('-');
  const Token month = in.take();
  if (month.kind != Token::Kind::kWord) return std::nullopt;
  const int month_index = find_name(kMonths, month.text);
  if (month_index < 0) return std::nullopt;
  in.take_punct('-');
  const Token year = in.take();
  if (!is_number(year, 2, 4)) return std::nullopt;
  out.year = year.value;
  if (year.text.size() == 2) out.year += year.value < 50 ? 2000 : 1900;  // RFC 5322 §4.3
  if (year.text.size() == 3) out.year += 1900;
  if (out.year < 1900) return std::nullopt;
  out.month = month_index + 1;
  out.day = day.value;
  if (out.day < 1 || out.day > days_in_month(out.year, out.month)) return std::nullopt;

  // hour ":" minute [":" second]
  const Token hour = in.take();
  if (!is_number(hour, 1, 2) || !in.take_punct(':')) return std::nullopt;
  const Token minute = in.take();
  if (!is_number(minute, 1, 2)) return std::nullopt;
  out.hour = hour.value;
  out.minute = minute.value;
  if (in.take_punct(':')) {
    const Token second = in.take();
    if (!is_number(second, 1, 2)) return std::nullopt;
    out.second = second.value;
  }
  if (out.hour > 23 || out.minute > 59 || out.second > 60) return std::nullopt;

  // zone = ("+" / "-") 4DIGIT, also "+hh:mm"; or an obs-zone name; or nothing.
  const Token& next = in.peek();
  if (next.kind == Token::Kind::kPunct && (next.text[0] == '+' || next.text[0] == '-')) {
    const int sign = next.text[0] == '-' ? -1 : 1;
    in.take();
    const Token digits = in.take();
    int hours = 0;
    int minutes = 0;
    if (is_number(digits, 4, 4)) {
      hours = digits.value / 100;
      minutes = digits.value % 100;
    } else if (is_number(digits, 1, 2) && in.take_punct(':')) {
      const Token low = in.take();
      if (!is_number(low, 2, 2)) return std::nullopt;
      hours = digits.value;
      minutes = low.value;
    } else {
      return std::nullopt;
    }
    if (hours > 23 || minutes > 59) return std::nullopt;
    out.zone_minutes = sign * (hours * 60 + minutes);
  } else if (next.kind == Token::Kind::kWord) {
    out.zone_minutes = named_zone(next.text);
  }
  return out;
}

std::int64_t to_unix_seconds(const DateTime& date_time) {
  const std::int64_t days = days_from_civil(date_time.year, static_cast<unsigned>(date_time.month),
                                            static_cast<unsigned>(date_time.day));
  return days * 86400 + date_time.hour * 3600 + date_time.minute * 60 + date_time.second -
         std::int64_t{date_time.zone_minutes} * 60;
}

}  // namespace redoubt::mime
