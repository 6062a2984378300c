// Reading a request's coordinates (coordinates.h): the CRS as the request
// spells it, an explicit CRS read through PROJ (with swapped axes corrected
// and, when the points do not land, an error that says why), and the shared
// Gauss-Kruger grid and formatting helpers (coordinates_internal.h). The
// zone-detecting Gauss-Kruger reader is coordinates_gk.cc; GCJ-02/BD-09 is
// coordinates_webmap.cc.
#include "spatial/coords/coordinates.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "spatial/coords/coordinates_internal.h"
#include "spatial/coords/crs.h"

namespace redline {
namespace coords_internal {

std::optional<GkGrid> GridOfCode(int code) {
  struct Run {
    int first;
    bool six;
    bool prefixed;
    int first_zone;
    int count;
  };
  for (const Run& r : {Run{4491, true, true, 13, 11}, Run{4502, true, false, 13, 11},
                       Run{4513, false, true, 25, 21}, Run{4534, false, false, 25, 21}}) {
    if (code >= r.first && code < r.first + r.count) {
      return GkGrid{r.six, r.prefixed, r.first_zone + code - r.first};
    }
  }
  return std::nullopt;
}

std::optional<GkGrid> GridOfName(absl::string_view name) {
  int code = 0;
  if (!absl::StartsWith(name, "EPSG:") || !absl::SimpleAtoi(name.substr(5), &code)) {
    return std::nullopt;
  }
  return GridOfCode(code);
}

int ZonePrefix(double easting) {
  const double prefix = std::floor(easting / 1e6);
  // Far beyond any zone (or NaN): casting it to int would be undefined
  // (UBSan, fuzz/coordinate_table_fuzz.cc); -1 is no valid zone.
  if (!(prefix >= 0 && prefix < 1000)) return -1;
  return static_cast<int>(prefix);
}

std::string Num(double v) { return absl::StrFormat("%.12g", v); }
std::string FormatPoint(Point2 p) { return absl::StrFormat("(%.9g, %.9g)", p.x, p.y); }
std::string FormatLonLat(Point2 p) {
  return absl::StrFormat("longitude %.4f, latitude %.4f", p.x, p.y);
}

absl::Status CheckFinite(std::span<const Point2> input) {
  for (const Point2& p : input) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      return absl::InvalidArgumentError(
          absl::StrCat("coordinate ", FormatPoint(p), " is not a finite number"));
    }
  }
  return absl::OkStatus();
}

Message SwapNote(bool geographic) {
  return {geographic ? "coords.swap_geographic" : "coords.swap_projected", {}};
}

namespace {

// ------------------------------------------------------------- CRS spellings

struct RequestedCrs {
  CrsKind kind = CrsKind::kExplicit;
  absl::string_view name;  // kExplicit: what to hand to PROJ
};

bool EqualsAny(absl::string_view s, std::initializer_list<absl::string_view> names) {
  for (absl::string_view n : names) {
    if (absl::EqualsIgnoreCase(s, n)) return true;
  }
  return false;
}

RequestedCrs Classify(absl::string_view trimmed) {
  if (trimmed.empty()) return {CrsKind::kExplicit, kLonLatCrs};
  if (EqualsAny(trimmed, {"CGCS2000"})) return {CrsKind::kExplicit, "EPSG:4490"};
  if (EqualsAny(trimmed, {"WGS84", "WGS 84", "WGS-84"})) return {CrsKind::kExplicit, "EPSG:4326"};
  if (EqualsAny(trimmed, {"GK", "GK3", "Gauss-Kruger", "高斯克吕格"})) return {CrsKind::kGk3, {}};
  if (EqualsAny(trimmed, {"GK6"})) return {CrsKind::kGk6, {}};
  if (EqualsAny(trimmed, {"GCJ-02", "GCJ02", "Amap", "火星坐标"})) return {CrsKind::kGcj02, {}};
  if (EqualsAny(trimmed, {"BD-09", "BD09", "Baidu"})) return {CrsKind::kBd09, {}};
  return {CrsKind::kExplicit, trimmed};
}

// --------------------------------------------------------- explicit CRS path

// A point read in `info`: its longitude/latitude, if it lands where `info`
// can be meant (`allowed`).
bool Lands(const CrsInfo& info, const Box& allowed, Point2 p, Point2* lonlat) {
  if (info.geographic && (std::fabs(p.x) > 180 || std::fabs(p.y) > 90)) return false;
  *lonlat = p;
  if (!TransformPoints(info.name, kLonLatCrs, std::span<Point2>(lonlat, 1)).ok()) {
    return false;
  }
  return allowed.empty() || allowed.Contains(*lonlat);
}

// After neither order fitted an explicit Gauss-Kruger code: a zone prefix
// that contradicts the code is the likeliest reason, and names the fix.
std::optional<absl::Status> GkPrefixMismatch(const GkGrid& grid, const CrsInfo& info,
                                             std::span<const Point2> input) {
  for (const Point2& p : input) {
    // The easting is whichever value could carry a zone prefix; northings in
    // China are seven digits.
    std::optional<double> prefixed;
    for (double v : {p.x, p.y}) {
      if (v >= kPrefixedEastingMin && ValidZone(grid.six_degree, ZonePrefix(v))) prefixed = v;
    }
    if (!grid.prefixed && prefixed) {
      const int zone = ZonePrefix(*prefixed);
      return absl::InvalidArgumentError(
          absl::StrCat("easting ", Num(*prefixed), " carries zone prefix ", zone, ": use ",
                       GkGrid{grid.six_degree, true, zone}.Name(), " or remove the prefix"));
    }
    if (grid.prefixed && prefixed && ZonePrefix(*prefixed) != grid.zone) {
      const int zone = ZonePrefix(*prefixed);
      return absl::InvalidArgumentError(absl::StrCat(
          "easting ", Num(*prefixed), " carries zone prefix ", zone, " but ", info.name,
          " is zone ", grid.zone, ": use ", GkGrid{grid.six_degree, true, zone}.Name(),
          " for zone ", zone, ", or correct the easting"));
    }
    if (grid.prefixed && !prefixed) {
      const double easting = std::min(p.x, p.y);
      if (easting >= 0 && easting < kUnprefixedEastingMax) {
        return absl::InvalidArgumentError(absl::StrCat(
            "easting ", Num(easting), " has no zone prefix but ", info.name, " expects zone ",
            grid.zone, " prefixed: use ", GkGrid{grid.six_degree, false, grid.zone}.Name(),
            " (the same zone without prefix) or prefix the easting with ", grid.zone));
      }
    }
  }
  return std::nullopt;
}

// Some rows only read one way, others only the other way (each kind
// exists, or one of the readings would have been taken). The odd row is the
// first of the fewer kind.
absl::Status MixedOrderError(const CrsInfo& info, std::span<const Point2> input,
                             const std::vector<char>& fits_given,
                             const std::vector<char>& fits_swapped, const PointNames& name) {
  const size_t n = input.size();
  const char* first_axis = info.geographic ? "longitude" : "easting";
  size_t first_given = n, first_swapped = n, given_count = 0, swapped_count = 0;
  for (size_t i = 0; i < n; ++i) {
    if (fits_given[i] && !fits_swapped[i]) {
      if (first_given == n) first_given = i;
      ++given_count;
    }
    if (!fits_given[i] && fits_swapped[i]) {
      if (first_swapped == n) first_swapped = i;
      ++swapped_count;
    }
  }
  const bool odd_is_swapped = swapped_count <= given_count;
  const size_t odd = odd_is_swapped ? first_swapped : first_given;
  const size_t other = odd_is_swapped ? first_given : first_swapped;
  return absl::InvalidArgumentError(absl::StrCat(
      name(odd), " ", FormatPoint(input[odd]),
      odd_is_swapped ? " reads only with its axes swapped, while " : " reads only as given, while ",
      name(other), " ", FormatPoint(input[other]),
      odd_is_swapped ? " reads as given" : " reads only with its axes swapped",
      ": give every point in the same order (", first_axis, " first)"));
}

// Point `p` lands where `info` cannot be meant in either axis order: say
// where it lands, and where it should.
absl::Status NotLandingError(const CrsInfo& info, Point2 p) {
  if (info.geographic && (std::fabs(p.x) > 180 || std::fabs(p.y) > 90)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "coordinate ", FormatPoint(p), " in ", info.name,
        " is not a valid longitude/latitude in either order: give longitude first "
        "(x = longitude, y = latitude) in degrees, or name the CRS the numbers are in"));
  }
  Point2 landed = p;
  const absl::Status transformed =
      TransformPoints(info.name, kLonLatCrs, std::span<Point2>(&landed, 1));
  std::string where;
  if (!info.area_of_use.empty()) {
    where = absl::StrFormat(
        " outside the area of use of %s (%s: longitude %.2f..%.2f, latitude %.2f..%.2f)", info.name,
        info.area_name, info.area_of_use.min_x, info.area_of_use.max_x, info.area_of_use.min_y,
        info.area_of_use.max_y);
  } else {
    where = absl::StrCat(" where ", info.name, " cannot place it");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("coordinate ", FormatPoint(p), " lies", where,
                   transformed.ok() ? absl::StrCat(" (it lands at ", FormatLonLat(landed), ")")
                                    : absl::StrCat(" (", transformed.message(), ")"),
                   ", in either axis order: check the coordinates or name the CRS they are in"));
}

// The slow path of an explicit CRS, taken only when the points do not all
// land as given: swapped axes, a mix of both, or a diagnosis.
absl::Status ReadExplicitSlow(const CrsInfo& info, std::span<const Point2> input,
                              std::span<Point2> out, const PointNames& name,
                              CoordinateInterpretation& interp) {
  const Box allowed = AllowedArea(info);
  const size_t n = input.size();
  std::vector<Point2> given(n), swapped(n);
  std::vector<char> fits_given(n), fits_swapped(n);
  bool all_given = true, all_swapped = true, all_either = true;
  for (size_t i = 0; i < n; ++i) {
    fits_given[i] = Lands(info, allowed, input[i], &given[i]);
    fits_swapped[i] = Lands(info, allowed, Swapped(input[i]), &swapped[i]);
    all_given &= fits_given[i] != 0;
    all_swapped &= fits_swapped[i] != 0;
    all_either &= fits_given[i] || fits_swapped[i];
  }
  if (all_given) {
    std::copy(given.begin(), given.end(), out.begin());
    return absl::OkStatus();
  }
  if (all_swapped) {
    std::copy(swapped.begin(), swapped.end(), out.begin());
    interp.axes_swapped = true;
    AddNote(SwapNote(info.geographic), interp.notes, interp.note_messages);
    return absl::OkStatus();
  }
  if (all_either) {
    return MixedOrderError(info, input, fits_given, fits_swapped, name);
  }
  if (std::optional<GkGrid> grid = GridOfName(info.name)) {
    if (std::optional<absl::Status> st = GkPrefixMismatch(*grid, info, input)) return *st;
  }
  size_t bad = 0;
  while (bad < n && (fits_given[bad] || fits_swapped[bad])) ++bad;
  return NotLandingError(info, input[bad]);
}

// Reads `input` in an explicit CRS into `out` (the same size). The common
// case — every point lands as given — costs one batch transformation and a
// box test per point, and builds no strings.
absl::Status ReadExplicit(absl::string_view crs, std::span<const Point2> input,
                          std::span<Point2> out, const PointNames& name,
                          CoordinateInterpretation& interp) {
  absl::StatusOr<CrsInfo> info = DescribeCrs(crs);
  if (!info.ok()) return info.status();
  interp.crs = info->name;
  if (absl::Status st = CheckFinite(input); !st.ok()) return st;
  bool fast = true;
  if (info->geographic) {
    for (const Point2& p : input) {
      if (std::fabs(p.x) > 180 || std::fabs(p.y) > 90) fast = false;
    }
  }
  if (fast) {
    std::copy(input.begin(), input.end(), out.begin());
    if (TransformPoints(info->name, kLonLatCrs, out).ok()) {
      const Box allowed = AllowedArea(*info);
      bool all_in = true;
      if (!allowed.empty()) {
        for (const Point2& p : out) all_in &= allowed.Contains(p);
      }
      if (all_in) return absl::OkStatus();
    }
  }
  return ReadExplicitSlow(*info, input, out, name, interp);
}

absl::Status Read(absl::string_view crs, std::span<const Point2> input, std::span<Point2> out,
                  std::span<const int> source_lines, CoordinateInterpretation& interp) {
  const PointNames name(source_lines.size() == input.size() ? source_lines
                                                            : std::span<const int>());
  const absl::string_view trimmed = absl::StripAsciiWhitespace(crs);
  const absl::string_view requested = trimmed.empty() ? absl::string_view(kLonLatCrs) : trimmed;
  interp.requested_crs.assign(requested.data(), requested.size());
  if (input.empty()) {
    return absl::InvalidArgumentError("no coordinates given");
  }
  const RequestedCrs kind = Classify(trimmed);
  switch (kind.kind) {
    case CrsKind::kExplicit:
      return ReadExplicit(kind.name, input, out, name, interp);
    case CrsKind::kGk3:
    case CrsKind::kGk6:
      return ReadGaussKrugerAuto(kind.kind == CrsKind::kGk6, input, out, name, interp);
    case CrsKind::kGcj02:
    case CrsKind::kBd09:
      return ReadWebMap(kind.kind, input, out, name, interp);
  }
  return absl::InternalError("unhandled CRS kind");
}

}  // namespace
}  // namespace coords_internal

Box ZhejiangLonLatBox() { return coords_internal::kZhejiang; }

absl::StatusOr<CoordinateReading> ReadCoordinates(absl::string_view crs,
                                                  std::span<const Point2> input,
                                                  std::span<const int> source_lines) {
  CoordinateReading reading;
  reading.lonlat.resize(input.size());
  if (absl::Status st =
          coords_internal::Read(crs, input, reading.lonlat, source_lines, reading.interpretation);
      !st.ok()) {
    return st;
  }
  return reading;
}

absl::StatusOr<PointReading> ReadCoordinate(absl::string_view crs, Point2 input) {
  PointReading reading;
  if (absl::Status st =
          coords_internal::Read(crs, std::span<const Point2>(&input, 1),
                                std::span<Point2>(&reading.lonlat, 1), {}, reading.interpretation);
      !st.ok()) {
    return st;
  }
  return reading;
}

}  // namespace redline
