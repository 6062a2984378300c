#include "spatial/coords/coordinates.h"

#include <cmath>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "spatial/coords/crs.h"

namespace redline {
namespace {

// ------------------------------------------------------------ web-map offsets
//
// GCJ-02 is the offset Chinese law requires of published maps (Amap, Tencent,
// Google in China); the formulas below are the widely published ones (e.g.
// the "eviltransform" project), evaluated on the Krasovsky ellipsoid. BD-09
// is Baidu's further rotation of GCJ-02.
constexpr double kKrasovskyA = 6378245.0;
constexpr double kKrasovskyEe = 0.00669342162296594323;
constexpr double kBaiduXPi = M_PI * 3000.0 / 180.0;
// The inverses iterate the exact forward transform; 1e-9 degrees (0.1 mm)
// leaves a wide margin under the promised 1e-7.
constexpr double kInverseToleranceDeg = 1e-9;
constexpr int kInverseMaxIterations = 30;

double OffsetLat(double x, double y) {
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y +
             0.2 * std::sqrt(std::fabs(x));
  r += (20.0 * std::sin(6.0 * x * M_PI) + 20.0 * std::sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * M_PI) + 40.0 * std::sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * M_PI) + 320.0 * std::sin(y * M_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

double OffsetLon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y +
             0.1 * std::sqrt(std::fabs(x));
  r += (20.0 * std::sin(6.0 * x * M_PI) + 20.0 * std::sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * std::sin(x * M_PI) + 40.0 * std::sin(x / 3.0 * M_PI)) * 2.0 / 3.0;
  r += (150.0 * std::sin(x / 12.0 * M_PI) + 300.0 * std::sin(x / 30.0 * M_PI)) * 2.0 / 3.0;
  return r;
}

// Iterates x <- x - (forward(x) - target): the offsets change slowly with
// position (their derivatives are ~1e-4), so this converges in a few steps.
template <typename Forward>
Point2 InvertIteratively(Point2 target, Forward forward) {
  Point2 x = target;
  for (int i = 0; i < kInverseMaxIterations; ++i) {
    const Point2 f = forward(x);
    const double dx = f.x - target.x;
    const double dy = f.y - target.y;
    x.x -= dx;
    x.y -= dy;
    if (std::fabs(dx) < kInverseToleranceDeg && std::fabs(dy) < kInverseToleranceDeg) break;
  }
  return x;
}

// ------------------------------------------------------------- CRS spellings

enum class CrsKind { kExplicit, kGk3, kGk6, kGcj02, kBd09 };

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

// ------------------------------------------------ CGCS2000 Gauss-Kruger grids
//
// EPSG numbers them in four runs (checked with projinfo): 3-degree zones
// 25..45 with the zone prefixed to the easting are EPSG:4513..4533 and
// without it EPSG:4534..4554 (central meridian 3 * zone); 6-degree zones
// 13..23 prefixed are EPSG:4491..4501 and unprefixed EPSG:4502..4512
// (central meridian 6 * zone - 3).
struct GkGrid {
  bool six_degree = false;
  bool prefixed = false;
  int zone = 0;
  int Code() const {
    if (six_degree) return (prefixed ? 4491 : 4502) + zone - 13;
    return (prefixed ? 4513 : 4534) + zone - 25;
  }
  int CentralMeridian() const { return six_degree ? 6 * zone - 3 : 3 * zone; }
  std::string Name() const { return absl::StrCat("EPSG:", Code()); }
};

bool ValidZone(bool six_degree, int zone) {
  return six_degree ? (zone >= 13 && zone <= 23) : (zone >= 25 && zone <= 45);
}

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

// Prefixed eastings are eight digits (zone * 1e6 + 500000 +/- a few hundred
// km); a seven-digit value is a northing, never an easting.
constexpr double kPrefixedEastingMin = 1e7;
constexpr double kUnprefixedEastingMax = 1e6;

int ZonePrefix(double easting) {
  const double prefix = std::floor(easting / 1e6);
  // Far beyond any zone (or NaN): casting it to int would be undefined
  // (UBSan, fuzz/coordinate_table_fuzz.cc); -1 is no valid zone.
  if (!(prefix >= 0 && prefix < 1000)) return -1;
  return static_cast<int>(prefix);
}

// Zhejiang lies within about 118°01'-123°10' E and 27°02'-31°11' N, islands
// included (the figures commonly quoted from the provincial government's
// overview of the province; not re-derived here from a boundary file). The
// box is deliberately generous, a few kilometres beyond them all round, so
// that sites on the border are not lost to rounding; it only has to tell
// the candidate central meridians apart, not draw the border.
constexpr Box kZhejiang{118.0, 27.0, 123.3, 31.3};

// ---------------------------------------------------------------- formatting

std::string Num(double v) { return absl::StrFormat("%.12g", v); }
std::string FormatPoint(Point2 p) { return absl::StrFormat("(%.9g, %.9g)", p.x, p.y); }
std::string FormatLonLat(Point2 p) {
  return absl::StrFormat("longitude %.4f, latitude %.4f", p.x, p.y);
}
Point2 Swapped(Point2 p) { return {p.y, p.x}; }

// How errors name the i-th point: "point 3", or "line 7" when the points
// came from a table whose source lines are known.
class PointNames {
 public:
  explicit PointNames(std::span<const int> lines) : lines_(lines) {}
  std::string operator()(size_t i) const {
    return i < lines_.size() ? absl::StrCat("line ", lines_[i]) : absl::StrCat("point ", i + 1);
  }

 private:
  std::span<const int> lines_;
};

absl::Status CheckFinite(std::span<const Point2> input) {
  for (const Point2& p : input) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      return absl::InvalidArgumentError(
          absl::StrCat("coordinate ", FormatPoint(p), " is not a finite number"));
    }
  }
  return absl::OkStatus();
}

const char* SwapNote(bool geographic) {
  return geographic
             ? "the coordinates came latitude first: read as longitude, latitude "
               "(only that order places them in the CRS's area of use)"
             : "the coordinates came northing first (the surveyors' X = north "
               "convention): read as easting, northing (only that order places "
               "them in the CRS's area of use)";
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
      return absl::InvalidArgumentError(absl::StrCat(
          "easting ", Num(*prefixed), " carries zone prefix ", zone, ": use ",
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
            "easting ", Num(easting), " has no zone prefix but ", info.name,
            " expects zone ", grid.zone, " prefixed: use ",
            GkGrid{grid.six_degree, false, grid.zone}.Name(),
            " (the same zone without prefix) or prefix the easting with ", grid.zone));
      }
    }
  }
  return std::nullopt;
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
    interp.notes.push_back(SwapNote(info.geographic));
    return absl::OkStatus();
  }
  const char* first_axis = info.geographic ? "longitude" : "easting";
  if (all_either) {
    // Some rows only read one way, others only the other way (each kind
    // exists, or one of the branches above was taken). The odd row is the
    // first of the fewer kind.
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
        odd_is_swapped ? " reads only with its axes swapped, while "
                       : " reads only as given, while ",
        name(other), " ", FormatPoint(input[other]),
        odd_is_swapped ? " reads as given" : " reads only with its axes swapped",
        ": give every point in the same order (", first_axis, " first)"));
  }
  if (std::optional<GkGrid> grid = GridOfName(info.name)) {
    if (std::optional<absl::Status> st = GkPrefixMismatch(*grid, info, input)) return *st;
  }
  size_t bad = 0;
  while (bad < n && (fits_given[bad] || fits_swapped[bad])) ++bad;
  const Point2 p = input[bad];
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
        " outside the area of use of %s (%s: longitude %.2f..%.2f, latitude %.2f..%.2f)",
        info.name, info.area_name, info.area_of_use.min_x, info.area_of_use.max_x,
        info.area_of_use.min_y, info.area_of_use.max_y);
  } else {
    where = absl::StrCat(" where ", info.name, " cannot place it");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "coordinate ", FormatPoint(p), " lies", where,
      transformed.ok() ? absl::StrCat(" (it lands at ", FormatLonLat(landed), ")")
                       : absl::StrCat(" (", transformed.message(), ")"),
      ", in either axis order: check the coordinates or name the CRS they are in"));
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

// ------------------------------------------------- Gauss-Kruger, zone unknown

struct GkCandidate {
  GkGrid grid;
  bool swapped = false;
  std::vector<Point2> lonlat;
  std::vector<char> fits;
  bool all_fit = false;
  size_t first_miss = 0;
};

void Evaluate(GkCandidate& c, std::span<const Point2> input) {
  const size_t n = input.size();
  c.lonlat.resize(n);
  c.fits.assign(n, 0);
  const std::string name = c.grid.Name();
  // A prefix names the zone outright, so the zone's own area of use (with
  // the usual margin) decides; without one, the zone is a guess that only
  // Zhejiang can confirm.
  Box allowed = kZhejiang;
  if (c.grid.prefixed) {
    absl::StatusOr<CrsInfo> info = DescribeCrs(name);
    if (info.ok()) allowed = AllowedArea(*info);
  }
  for (size_t i = 0; i < n; ++i) c.lonlat[i] = c.swapped ? Swapped(input[i]) : input[i];
  // One batch for the usual case; point by point only if PROJ refuses one
  // of them, to learn which.
  const std::vector<Point2> given = c.lonlat;
  const bool batch_ok = TransformPoints(name, kLonLatCrs, c.lonlat).ok();
  c.all_fit = true;
  c.first_miss = n;
  for (size_t i = 0; i < n; ++i) {
    bool placed = true;
    if (!batch_ok) {
      c.lonlat[i] = given[i];
      placed = TransformPoints(name, kLonLatCrs, std::span<Point2>(&c.lonlat[i], 1)).ok();
    }
    c.fits[i] = placed && allowed.Contains(c.lonlat[i]);
    if (!c.fits[i] && c.first_miss == n) c.first_miss = i;
    c.all_fit &= c.fits[i] != 0;
  }
}

std::string GridDescription(const GkGrid& grid) {
  absl::StatusOr<CrsInfo> info = DescribeCrs(grid.Name());
  return info.ok() ? info->description : grid.Name();
}

absl::Status ReadGaussKrugerAuto(bool six_degree, std::span<const Point2> input,
                                 std::span<Point2> out, const PointNames& name,
                                 CoordinateInterpretation& interp) {
  if (absl::Status st = CheckFinite(input); !st.ok()) return st;
  const size_t n = input.size();
  const char* width = six_degree ? "6-degree" : "3-degree";
  // Rows whose digits say "easting first" beside rows that say "northing
  // first" are a mixed table: which row is odd is the useful answer.
  const auto easting_like = [](double v) {
    return (v >= 0 && v < kUnprefixedEastingMax) || v >= kPrefixedEastingMin;
  };
  const auto northing_like = [](double v) {
    return v >= kUnprefixedEastingMax && v < kPrefixedEastingMin;
  };
  size_t first_easting_first = n, first_northing_first = n;
  for (size_t i = 0; i < n; ++i) {
    const bool ef = easting_like(input[i].x) && northing_like(input[i].y);
    const bool nf = northing_like(input[i].x) && easting_like(input[i].y);
    if (ef && !nf && first_easting_first == n) first_easting_first = i;
    if (nf && !ef && first_northing_first == n) first_northing_first = i;
  }
  if (first_easting_first != n && first_northing_first != n) {
    const size_t odd = std::max(first_easting_first, first_northing_first);
    const size_t normal = std::min(first_easting_first, first_northing_first);
    return absl::InvalidArgumentError(absl::StrCat(
        name(odd), " ", FormatPoint(input[odd]), " gives the ",
        odd == first_northing_first ? "northing" : "easting", " first, while ",
        name(normal), " ", FormatPoint(input[normal]), " gives the ",
        odd == first_northing_first ? "easting" : "northing",
        " first: give every point in the same order"));
  }
  std::vector<GkCandidate> candidates;
  std::vector<std::string> issues;  // reasons an axis order was not tried
  for (bool swapped : {false, true}) {
    size_t prefixed = 0, plain = 0;
    for (const Point2& p : input) {
      const double e = swapped ? p.y : p.x;
      if (e >= kPrefixedEastingMin) ++prefixed;
      if (e >= 0 && e < kUnprefixedEastingMax) ++plain;
    }
    const char* order = swapped ? "read northing first" : "read easting first";
    if (prefixed == n) {
      const int zone = ZonePrefix(swapped ? input[0].y : input[0].x);
      size_t other = n;
      for (size_t i = 0; i < n && other == n; ++i) {
        if (ZonePrefix(swapped ? input[i].y : input[i].x) != zone) other = i;
      }
      if (other != n) {
        issues.push_back(absl::StrCat(
            order, ", ", name(0), " carries zone prefix ", zone, " but ", name(other),
            " carries ", ZonePrefix(swapped ? input[other].y : input[other].x),
            ": a table is in one zone, so correct the odd easting or split the table"));
      } else if (ValidZone(six_degree, zone)) {
        candidates.push_back({.grid = {six_degree, true, zone}, .swapped = swapped});
      } else if (ValidZone(!six_degree, zone)) {
        issues.push_back(absl::StrCat(
            order, ", the eastings carry zone prefix ", zone, ", a ",
            six_degree ? "3-degree" : "6-degree", " zone: give crs ",
            six_degree ? "GK3" : "GK6", " or ", GkGrid{!six_degree, true, zone}.Name()));
      } else {
        issues.push_back(absl::StrCat(order, ", the eastings carry prefix ", zone,
                                      ", which is no CGCS2000 Gauss-Kruger zone (3-degree "
                                      "zones 25-45, 6-degree 13-23)"));
      }
    } else if (plain == n) {
      // Zhejiang spans central meridians 117E..123E; 120E is listed first
      // because it covers most of the province.
      const std::vector<int> zones = six_degree ? std::vector<int>{20, 21}   // CM 117E, 123E
                                                : std::vector<int>{40, 41, 39};  // 120E, 123E, 117E
      for (int zone : zones) {
        candidates.push_back({.grid = {six_degree, false, zone}, .swapped = swapped});
      }
    } else if (prefixed > 0 && plain > 0) {
      issues.push_back(absl::StrCat(
          order, ", some eastings carry a zone prefix and others do not: give them all "
                 "the same way"));
    }
  }
  for (GkCandidate& c : candidates) Evaluate(c, input);

  const GkCandidate* chosen = nullptr;
  for (const GkCandidate& c : candidates) {
    if (c.all_fit) {
      chosen = &c;
      break;
    }
  }
  if (chosen != nullptr) {
    std::copy(chosen->lonlat.begin(), chosen->lonlat.end(), out.begin());
    const GkGrid& grid = chosen->grid;
    interp.crs = grid.Name();
    interp.zone_detected = true;
    if (grid.prefixed) {
      interp.notes.push_back(absl::StrCat("easting carries zone prefix ", grid.zone,
                                          ": read as ", grid.Name(), " (",
                                          GridDescription(grid), ")"));
    } else {
      std::string note = absl::StrCat(
          "eastings carry no zone prefix; central meridian ", grid.CentralMeridian(),
          "E places the points in Zhejiang: read as ", grid.Name(), " (",
          GridDescription(grid), ")");
      for (const GkCandidate& c : candidates) {
        if (&c == chosen || !c.all_fit || c.swapped != chosen->swapped) continue;
        absl::StrAppend(&note, "; also fits CM ", c.grid.CentralMeridian(), "E: give ",
                        c.grid.Name(), " if that was meant");
      }
      interp.notes.push_back(std::move(note));
    }
    if (chosen->swapped) {
      interp.axes_swapped = true;
      interp.notes.push_back(SwapNote(false));
    }
    return absl::OkStatus();
  }

  // Nothing fits every point. Rows that fit one zone only when swapped, and
  // others only as given, are a mixed table.
  for (const GkCandidate& c : candidates) {
    if (c.swapped) continue;
    for (const GkCandidate& s : candidates) {
      if (!s.swapped || s.grid.Code() != c.grid.Code()) continue;
      size_t odd = n, normal = n;
      bool every_row = true;
      for (size_t i = 0; i < n; ++i) {
        every_row &= c.fits[i] || s.fits[i];
        if (!c.fits[i] && s.fits[i] && odd == n) odd = i;
        if (c.fits[i] && normal == n) normal = i;
      }
      if (every_row && odd != n && normal != n) {
        return absl::InvalidArgumentError(absl::StrCat(
            name(odd), " ", FormatPoint(input[odd]),
            " reads only northing first, while ", name(normal), " ",
            FormatPoint(input[normal]),
            " reads easting first: give every point in the same order"));
      }
    }
  }
  std::vector<std::string> landed;
  for (const GkCandidate& c : candidates) {
    const size_t i = c.first_miss < n ? c.first_miss : 0;
    const Point2 p = c.lonlat[i];
    const bool placed = std::isfinite(p.x) && std::isfinite(p.y) &&
                        std::fabs(p.x) <= 180 && std::fabs(p.y) <= 90;
    landed.push_back(absl::StrCat(
        "as ", c.grid.Name(), c.swapped ? " northing first" : "", " ", name(i), " ",
        placed ? absl::StrCat("lands at ", FormatLonLat(p)) : std::string("cannot be placed")));
  }
  std::string msg = absl::StrCat("no CGCS2000 ", width,
                                 " Gauss-Kruger zone places every point of this table ",
                                 candidates.empty() || candidates[0].grid.prefixed
                                     ? "in its zone"
                                     : "in Zhejiang");
  if (!landed.empty()) absl::StrAppend(&msg, ": ", absl::StrJoin(landed, "; "));
  if (!issues.empty()) absl::StrAppend(&msg, "; ", absl::StrJoin(issues, "; "));
  if (candidates.empty() && issues.empty()) {
    absl::StrAppend(&msg, ": the values look like neither eastings (up to six digits, or "
                          "eight with the zone prefixed) beside northings (seven digits)");
  }
  absl::StrAppend(&msg, ". Give the EPSG code of the survey's zone, or check the coordinates");
  return absl::InvalidArgumentError(msg);
}

// ---------------------------------------------------------- GCJ-02 and BD-09

bool ValidLonLat(Point2 p) { return std::fabs(p.x) <= 180 && std::fabs(p.y) <= 90; }

// Where a web-map coordinate can be placed: inside the box the published
// offset formulas cover and inside CGCS2000's area of use (China, onshore
// and offshore), where EPSG:4490 input must lie too. Outside, whether and
// how a map offset the point cannot be known, so neither can its place.
class WebMapArea {
 public:
  WebMapArea() {
    absl::StatusOr<CrsInfo> datum = DescribeCrs(kLonLatCrs);
    if (datum.ok()) area_ = datum->area_of_use;
    if (area_.empty()) area_ = {72.004, 0.8293, 137.8347, 55.8271};
    area_ = area_.Intersection({72.004, 0.8293, 137.8347, 55.8271});
  }
  bool Contains(Point2 p) const {
    return ValidLonLat(p) && !OutsideChinaForOffsets(p) && area_.Contains(p);
  }
  const Box& box() const { return area_; }

 private:
  Box area_;
};

absl::Status ReadWebMap(CrsKind kind, std::span<const Point2> input, std::span<Point2> out,
                        const PointNames& name, CoordinateInterpretation& interp) {
  if (absl::Status st = CheckFinite(input); !st.ok()) return st;
  const char* from = kind == CrsKind::kGcj02 ? "GCJ-02" : "BD-09";
  const size_t n = input.size();
  const WebMapArea china;
  // Web maps hand out latitude, longitude as often as the reverse; China
  // decides the order, as the area of use does for an EPSG code.
  bool all_given = true, all_swapped = true;
  for (const Point2& p : input) {
    all_given &= china.Contains(p);
    all_swapped &= china.Contains(Swapped(p));
  }
  const bool swap = !all_given && all_swapped;
  if (!all_given && !all_swapped) {
    // Fail safe: a point the service cannot place is an error, never an
    // answer (this used to take it as WGS 84 and could answer CLEAR).
    size_t i = 0;
    while (i < n && china.Contains(input[i])) ++i;
    const Point2 p = input[i];
    const std::string which =
        n > 1 ? absl::StrCat(name(i), " ", FormatPoint(p)) : absl::StrCat("coordinate ", FormatPoint(p));
    if (!ValidLonLat(p)) {
      return absl::InvalidArgumentError(absl::StrCat(
          which, " in ", from,
          " is not a valid longitude/latitude: give longitude first in degrees"));
    }
    const Box& a = china.box();
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s in %s lies outside China (longitude %.2f..%.2f, latitude %.2f..%.2f)%s: web maps "
        "apply the %s offset only there, so where the point really is cannot be known. Give "
        "it in WGS 84 (EPSG:4326) or CGCS2000 (EPSG:4490)",
        which, from, a.min_x, a.max_x, a.min_y, a.max_y,
        china.Contains(Swapped(p)) ? " as given, while other points lie there only with "
                                     "their axes swapped (give every point longitude first)"
                                   : "",
        from));
  }
  for (size_t i = 0; i < n; ++i) {
    const Point2 p = swap ? Swapped(input[i]) : input[i];
    out[i] = Gcj02ToWgs84(kind == CrsKind::kGcj02 ? p : Bd09ToGcj02(p));
  }
  interp.crs = "EPSG:4326";
  interp.converted_from = from;
  if (swap) {
    interp.axes_swapped = true;
    interp.notes.push_back(
        "the coordinates came latitude first: read as longitude, latitude (only that "
        "order places them in China)");
  }
  interp.notes.push_back(absl::StrCat(
      "converted from ", from,
      kind == CrsKind::kGcj02 ? " (Amap/Tencent web-map offset)" : " (Baidu web-map offset)",
      " to WGS 84 by inverting the published offset formulas (to within 1e-7 degrees)"));
  interp.notes.push_back(
      "WGS 84 taken as CGCS2000 (EPSG:4490): the two agree to within a metre or so");
  return absl::OkStatus();
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

Box ZhejiangLonLatBox() { return kZhejiang; }

bool OutsideChinaForOffsets(Point2 p) {
  return p.x < 72.004 || p.x > 137.8347 || p.y < 0.8293 || p.y > 55.8271;
}

Point2 Wgs84ToGcj02(Point2 w) {
  if (OutsideChinaForOffsets(w)) return w;
  double dlat = OffsetLat(w.x - 105.0, w.y - 35.0);
  double dlon = OffsetLon(w.x - 105.0, w.y - 35.0);
  const double rad_lat = w.y / 180.0 * M_PI;
  double magic = std::sin(rad_lat);
  magic = 1 - kKrasovskyEe * magic * magic;
  const double sqrt_magic = std::sqrt(magic);
  dlat = (dlat * 180.0) / ((kKrasovskyA * (1 - kKrasovskyEe)) / (magic * sqrt_magic) * M_PI);
  dlon = (dlon * 180.0) / (kKrasovskyA / sqrt_magic * std::cos(rad_lat) * M_PI);
  return {w.x + dlon, w.y + dlat};
}

Point2 Gcj02ToWgs84(Point2 g) {
  if (OutsideChinaForOffsets(g)) return g;
  return InvertIteratively(g, Wgs84ToGcj02);
}

Point2 Gcj02ToBd09(Point2 g) {
  const double z = std::sqrt(g.x * g.x + g.y * g.y) + 0.00002 * std::sin(g.y * kBaiduXPi);
  const double theta = std::atan2(g.y, g.x) + 0.000003 * std::cos(g.x * kBaiduXPi);
  return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

Point2 Bd09ToGcj02(Point2 b) { return InvertIteratively(b, Gcj02ToBd09); }

absl::StatusOr<CoordinateReading> ReadCoordinates(absl::string_view crs,
                                                  std::span<const Point2> input,
                                                  std::span<const int> source_lines) {
  CoordinateReading reading;
  reading.lonlat.resize(input.size());
  if (absl::Status st = Read(crs, input, reading.lonlat, source_lines, reading.interpretation);
      !st.ok()) {
    return st;
  }
  return reading;
}

absl::StatusOr<PointReading> ReadCoordinate(absl::string_view crs, Point2 input) {
  PointReading reading;
  if (absl::Status st = Read(crs, std::span<const Point2>(&input, 1),
                             std::span<Point2>(&reading.lonlat, 1), {}, reading.interpretation);
      !st.ok()) {
    return st;
  }
  return reading;
}

}  // namespace redline
