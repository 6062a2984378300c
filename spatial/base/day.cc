#include "spatial/base/day.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"

namespace redline {

std::optional<int32_t> ParseDay(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  int y = 0, m = 0, d = 0;
  std::string digits;
  for (char c : text.substr(0, 10)) {
    if (absl::ascii_isdigit(c)) digits.push_back(c);
  }
  if (digits.size() != 8) return std::nullopt;
  y = std::stoi(digits.substr(0, 4));
  m = std::stoi(digits.substr(4, 2));
  d = std::stoi(digits.substr(6, 2));
  const absl::CivilDay day(y, m, d);
  if (day.year() != y || day.month() != m || day.day() != d) return std::nullopt;
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}

std::string FormatDay(int32_t day) {
  // Formatted by hand: absl::FormatCivilTime goes through cctz's strftime,
  // and every answer carries its day.
  const absl::CivilDay d = absl::CivilDay(1970, 1, 1) + day;
  if (d.year() < 0 || d.year() > 9999) {
    return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
  }
  char out[10];
  int y = static_cast<int>(d.year());
  for (int i = 3; i >= 0; --i, y /= 10) out[i] = static_cast<char>('0' + y % 10);
  out[4] = out[7] = '-';
  out[5] = static_cast<char>('0' + d.month() / 10);
  out[6] = static_cast<char>('0' + d.month() % 10);
  out[8] = static_cast<char>('0' + d.day() / 10);
  out[9] = static_cast<char>('0' + d.day() % 10);
  return std::string(out, sizeof out);
}

int32_t DayInChina(absl::Time t) {
  // China keeps UTC+8 all year, so the day is plain arithmetic. This runs
  // on every check: absl::FixedTimeZone() looks the zone up in a global,
  // mutex-guarded table each time, which showed in CheckPoint's latency.
  constexpr int64_t kSecondsPerDay = 86400, kOffset = 8 * 3600;
  const int64_t s = absl::ToUnixSeconds(t) + kOffset;
  return static_cast<int32_t>(s / kSecondsPerDay - (s % kSecondsPerDay < 0 ? 1 : 0));
}

}  // namespace redline
