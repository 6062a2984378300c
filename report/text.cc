#include "report/text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace redline::report {

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Grouped(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  const std::string s = absl::StrFormat("%.*f", decimals, std::fabs(v));
  const size_t dot = s.find('.');
  const size_t int_end = dot == std::string::npos ? s.size() : dot;
  std::string out = v < 0 && std::fabs(v) >= 0.5 * std::pow(10.0, -decimals) ? "-" : "";
  for (size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(int_end);
  return out;
}

std::string Metres(double m) { return absl::StrCat(Grouped(m, m < 100 ? 2 : 1), " m"); }

std::string LengthLabel(double m) {
  if (m >= 1000) return absl::StrCat(absl::StrFormat("%g", m / 1000), " km");
  return absl::StrCat(absl::StrFormat("%g", m), " m");
}

std::string Coordinate(double deg, bool lon) {
  return absl::StrFormat("%.7f°%s", std::fabs(deg),
                         lon ? (deg < 0 ? "W" : "E") : (deg < 0 ? "S" : "N"));
}

}  // namespace redline::report
