#pragma once

// IMAP dates (SEARCH BEFORE/ON/SINCE...) and date-times (APPEND, INTERNALDATE), RFC 9051 §9.
// Locale-free; month names are the English three-letter forms the grammar fixes.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::imap::proto {

// A calendar date without time zone: SEARCH compares it against dates in the server's zone
// (RFC 9051 §6.4.4), so it stays a plain value.
struct Date {
  int year = 0;   // 4 digits as sent.
  int month = 0;  // 1..12
  int day = 0;    // 1..days in that month
  bool operator==(const Date&) const = default;
};

// RFC 9051 §9 date-time: a local time and its offset from UTC.
struct DateTime {
  Date date;
  int hour = 0;            // 0..23
  int minute = 0;          // 0..59
  int second = 0;          // 0..60 (leap second)
  int zone_minutes = 0;    // -1439..1439: local time minus UTC, e.g. -0700 is -420.
  bool operator==(const DateTime&) const = default;
};

// RFC 9051 §9 date-text = date-day "-" date-month "-" date-year, e.g. "1-Feb-1994" or
// "01-feb-1994" (month names ignore case). Without the optional DQUOTEs. The day must exist in
// that month. nullopt when `text` is anything else.
std::optional<Date> parse_date(std::string_view text);

// The inside of RFC 9051 §9 date-time (without DQUOTEs): date-day-fixed "-" date-month "-"
// date-year SP time SP zone, e.g. "17-Jul-1996 02:44:25 -0700" or " 7-Jul-1996 ...". A
// one-digit day without its leading space is accepted too, as Dovecot does. nullopt otherwise.
std::optional<DateTime> parse_date_time(std::string_view text);

// "d-Mon-yyyy" (no DQUOTEs), as SEARCH takes it. REQUIRES: `date` is valid.
std::string format_date(const Date& date);

// RFC 9051 §9 date-time with its DQUOTEs: "\"dd-Mon-yyyy hh:mm:ss +zzzz\"", the day padded with
// a space (date-day-fixed). REQUIRES: `date_time` is valid.
std::string format_date_time(const DateTime& date_time);

// The date-time of the UTC instant `t` seen in a zone `zone_minutes` east of UTC, for
// INTERNALDATE. REQUIRES: -1439 <= zone_minutes <= 1439 and year of the result in 0..9999.
DateTime date_time_from_unix(std::time_t t, int zone_minutes = 0);

// The UTC instant of `date_time` (applies its zone). REQUIRES: `date_time` is valid.
std::time_t to_unix(const DateTime& date_time);

}  // namespace redoubt::imap::proto
