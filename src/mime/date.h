#pragma once

// RFC 5322 §3.3 date-time (the Date: field), with the obsolete forms of RFC 5322 §4.3, for IMAP
// SEARCH SENTBEFORE/SENTON/SENTSINCE and SORT/THREAD by sent date (RFC 5256 §2.2).
// Locale-free; month and day names are the English three-letter forms the grammar fixes.

#include <cstdint>
#include <optional>
#include <string_view>

namespace redoubt::mime {

// A date-time as written in the field: the local date and time, and the zone offset.
struct DateTime {
  int year = 0;          // 1900..9999 (two- and three-digit obsolete years expanded)
  int month = 0;         // 1..12
  int day = 0;           // 1..days in that month
  int hour = 0;          // 0..23
  int minute = 0;        // 0..59
  int second = 0;        // 0..60 (leap second); 0 when the field has none
  int zone_minutes = 0;  // local time minus UTC, -1439..1439; "-0000" and unknown zones give 0
  bool operator==(const DateTime&) const = default;
};

// Parses a Date: field body as received (folded or not, comments allowed anywhere):
//   [day-name ","] day month year hour ":" minute [":" second] [zone]
// Lenient where mailers are sloppy, as Dovecot and Python's email are: the day name and its comma
// are optional, case does not matter, a missing zone is read as "+0000", obsolete zone names
// (UT, GMT, EST ... PDT, military letters) are accepted (RFC 5322 §4.3: military letters and
// unknown names mean "-0000"), and two-digit years follow RFC 5322 §4.3 (00-49 → 20xx,
// 50-99 → 19xx; three digits → +1900). Anything after the zone is ignored. nullopt when the
// date or time is missing or out of range (e.g. 31 Feb, 24:00). Pure; linear time.
std::optional<DateTime> parse_date_time(std::string_view raw_value);

// Seconds since 1970-01-01T00:00:00Z of `date_time` (its zone applied).
// REQUIRES: `date_time` holds values in the ranges above.
std::int64_t to_unix_seconds(const DateTime& date_time);

}  // namespace redoubt::mime
