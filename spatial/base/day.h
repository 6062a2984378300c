// Days: calendar dates as days since 1970-01-01, the unit of the zones'
// dates of force and of as_of.
#ifndef REDLINE_SPATIAL_BASE_DAY_H_
#define REDLINE_SPATIAL_BASE_DAY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace redline {

// Days since 1970-01-01 of a date written YYYY-MM-DD, YYYY/MM/DD or
// YYYYMMDD (a time part after the date is ignored).
std::optional<int32_t> ParseDay(absl::string_view text);
// YYYY-MM-DD of a day number.
std::string FormatDay(int32_t day);

// The day in China (UTC+8) at `t`, as days since 1970-01-01.
int32_t DayInChina(absl::Time t);
inline int32_t TodayInChina() { return DayInChina(absl::Now()); }

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_DAY_H_
