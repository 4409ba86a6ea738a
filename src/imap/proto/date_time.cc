#include "imap/proto/date_time.h"

#include <cstdio>

#include "base/ascii.h"
#include "base/date.h"

namespace redoubt::imap::proto {
namespace {

constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};


// Exactly `width` digits, or -1.
int digits(std::string_view s, std::size_t width) {
  if (s.size() != width) return -1;
  int value = 0;
  for (char c : s) {
    if (!ascii::is_digit(c)) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}


Date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return Date{static_cast<int>(y + (m <= 2)), static_cast<int>(m), static_cast<int>(d)};
}

}  // namespace

// RFC 9051 §9  date-day = 1*2DIGIT; date-month = "Jan" / ... / "Dec"; date-year = 4DIGIT
std::optional<Date> parse_date(std::string_view text) {
  const std::size_t dash1 = text.find('-');
  if (dash1 == std::string_view::npos || dash1 == 0 || dash1 > 2) return std::nullopt;
  const std::string_view rest = text.substr(dash1 + 1);
  if (rest.size() != 8 || rest[3] != '-') return std::nullopt;
  Date date;
  date.day = digits(text.substr(0, dash1), dash1);
  date.year = digits(rest.substr(4), 4);
  for (int m = 0; m < 12; ++m) {
    if (ascii::iequals(rest.substr(0, 3), kMonths[m])) date.month = m + 1;
  }
  if (date.day < 1 || date.year < 0 || date.month == 0) return std::nullopt;
  if (date.day > days_in_month(date.year, date.month)) return std::nullopt;
  return date;
}

// RFC 9051 §9  date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone
//              DQUOTE; date-day-fixed = (SP DIGIT) / 2DIGIT; time = 2DIGIT ":" 2DIGIT ":" 2DIGIT;
//              zone = ("+" / "-") 4DIGIT
std::optional<DateTime> parse_date_time(std::string_view text) {
  if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
  const std::size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const auto date = parse_date(text.substr(0, space));
  const std::string_view rest = text.substr(space + 1);
  // "hh:mm:ss +zzzz"
  if (!date || rest.size() != 14 || rest[2] != ':' || rest[5] != ':' || rest[8] != ' ' ||
      (rest[9] != '+' && rest[9] != '-')) {
    return std::nullopt;
  }
  DateTime out;
  out.date = *date;
  out.hour = digits(rest.substr(0, 2), 2);
  out.minute = digits(rest.substr(3, 2), 2);
  out.second = digits(rest.substr(6, 2), 2);
  const int zone_hours = digits(rest.substr(10, 2), 2);
  const int zone_mins = digits(rest.substr(12, 2), 2);
  if (out.hour < 0 || out.hour > 23 || out.minute < 0 || out.minute > 59 || out.second < 0 ||
      out.second > 60 || zone_hours < 0 || zone_mins < 0 || zone_mins > 59) {
    return std::nullopt;
  }
  out.zone_minutes = (zone_hours * 60 + zone_mins) * (rest[9] == '-' ? -1 : 1);
  if (out.zone_minutes < -1439 || out.zone_minutes > 1439) return std::nullopt;
  return out;
}

std::string format_date(const Date& date) {
  char text[32];
  std::snprintf(text, sizeof text, "%d-%s-%04d", date.day, kMonths[date.month - 1].data(),
                date.year);
  return text;
}

std::string format_date_time(const DateTime& dt) {
  const int zone = dt.zone_minutes < 0 ? -dt.zone_minutes : dt.zone_minutes;
  char text[48];
  std::snprintf(text, sizeof text, "\"%2d-%s-%04d %02d:%02d:%02d %c%02d%02d\"", dt.date.day,
                kMonths[dt.date.month - 1].data(), dt.date.year, dt.hour, dt.minute, dt.second,
                dt.zone_minutes < 0 ? '-' : '+', zone / 60, zone % 60);
  return text;
}

DateTime date_time_from_unix(std::time_t t, int zone_minutes) {
  const std::int64_t local = static_cast<std::int64_t>(t) + std::int64_t{zone_minutes} * 60;
  std::int64_t days = local / 86400;
  std::int64_t seconds = local % 86400;
  if (seconds < 0) {
    seconds += 86400;
    days -= 1;
  }
  DateTime out;
  out.date = civil_from_days(days);
  out.hour = static_cast<int>(seconds / 3600);
  out.minute = static_cast<int>(seconds / 60 % 60);
  out.second = static_cast<int>(seconds % 60);
  out.zone_minutes = zone_minutes;
  return out;
}

std::time_t to_unix(const DateTime& dt) {
  const std::int64_t days = days_from_civil(dt.date.year, static_cast<unsigned>(dt.date.month),
                                            static_cast<unsigned>(dt.date.day));
  const std::int64_t local = days * 86400 + dt.hour * 3600 + dt.minute * 60 + dt.second;
  return static_cast<std::time_t>(local - std::int64_t{dt.zone_minutes} * 60);
}

}  // namespace redoubt::imap::proto
