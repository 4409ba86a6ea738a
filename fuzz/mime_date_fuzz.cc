// fuzz-deps: redoubt_mime
// RFC 5322 Date: field bodies (SEARCH SENT*, SORT by date): any bytes give nullopt or a date-time
// inside the documented ranges, and to_unix_seconds never overflows on what the parser accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "mime/date.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = redoubt::mime::parse_date_time(input);
  if (!parsed) return 0;
  const auto& d = *parsed;
  if (d.year < 1900 || d.year > 9999 || d.month < 1 || d.month > 12 || d.day < 1 || d.day > 31 ||
      d.hour < 0 || d.hour > 23 || d.minute < 0 || d.minute > 59 || d.second < 0 || d.second > 60 ||
      d.zone_minutes < -1439 || d.zone_minutes > 1439) {
    std::abort();
  }
  (void)redoubt::mime::to_unix_seconds(d);
  return 0;
}
