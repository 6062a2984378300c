// Text helpers shared by the record's map and page: HTML escaping and the
// way numbers, lengths and coordinates are written.
#ifndef REDLINE_REPORT_TEXT_H_
#define REDLINE_REPORT_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace redline::report {

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(absl::string_view text);

// 1234567.891 -> "1,234,567.9" (`decimals` digits after the point); "—" for
// NaN and infinities.
std::string Grouped(double v, int decimals);

// "12.35 m" under 100 m, "1,234.5 m" from there.
std::string Metres(double m);

// A round length for labels: "500 m", "1.5 km".
std::string LengthLabel(double m);

// "120.0405000°E", "30.3290000°N".
std::string Coordinate(double deg, bool lon);

}  // namespace redline::report

#endif  // REDLINE_REPORT_TEXT_H_
