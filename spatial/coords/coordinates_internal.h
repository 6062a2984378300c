// Private to spatial/coords (coordinates.cc, coordinates_gk.cc,
// coordinates_webmap.cc): what the readers of coordinates.h share — the
// CGCS2000 Gauss-Kruger grids and zone prefixes, how points and errors are
// written, and the readers of the two paths that live in their own files.
#ifndef REDLINE_SPATIAL_COORDS_COORDINATES_INTERNAL_H_
#define REDLINE_SPATIAL_COORDS_COORDINATES_INTERNAL_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "spatial/coords/coordinates.h"
#include "spatial/geom/box.h"
#include "spatial/geom/point.h"

namespace redline {
namespace coords_internal {

// How the request names its CRS: an explicit one for PROJ, Gauss-Kruger with
// the zone to detect, or a web map's offset coordinates.
enum class CrsKind { kExplicit, kGk3, kGk6, kGcj02, kBd09 };

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

inline bool ValidZone(bool six_degree, int zone) {
  return six_degree ? (zone >= 13 && zone <= 23) : (zone >= 25 && zone <= 45);
}

std::optional<GkGrid> GridOfCode(int code);
std::optional<GkGrid> GridOfName(absl::string_view name);

// Prefixed eastings are eight digits (zone * 1e6 + 500000 +/- a few hundred
// km); a seven-digit value is a northing, never an easting.
inline constexpr double kPrefixedEastingMin = 1e7;
inline constexpr double kUnprefixedEastingMax = 1e6;

// The zone an easting's prefix names; -1 for no valid zone.
int ZonePrefix(double easting);

// Zhejiang lies within about 118°01'-123°10' E and 27°02'-31°11' N, islands
// included (the figures commonly quoted from the provincial government's
// overview of the province; not re-derived here from a boundary file). The
// box is deliberately generous, a few kilometres beyond them all round, so
// that sites on the border are not lost to rounding; it only has to tell
// the candidate central meridians apart, not draw the border.
inline constexpr Box kZhejiang{118.0, 27.0, 123.3, 31.3};

// ---------------------------------------------------------------- formatting

std::string Num(double v);
std::string FormatPoint(Point2 p);
std::string FormatLonLat(Point2 p);
inline Point2 Swapped(Point2 p) { return {p.y, p.x}; }

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

absl::Status CheckFinite(std::span<const Point2> input);

// The note recorded when the axes came swapped and were corrected.
Message SwapNote(bool geographic);

// ------------------------------------------------------------- the readers
// Each reads `input` into `out` (the same size) as longitude/latitude in
// EPSG:4490 and records its decisions in `interp`.

// CGCS2000 Gauss-Kruger, the zone unknown: detected from a prefix on the
// easting, or from where the points land (coordinates_gk.cc).
absl::Status ReadGaussKrugerAuto(bool six_degree, std::span<const Point2> input,
                                 std::span<Point2> out, const PointNames& name,
                                 CoordinateInterpretation& interp);

// GCJ-02 or BD-09 web-map coordinates, the offset removed
// (coordinates_webmap.cc).
absl::Status ReadWebMap(CrsKind kind, std::span<const Point2> input, std::span<Point2> out,
                        const PointNames& name, CoordinateInterpretation& interp);

}  // namespace coords_internal
}  // namespace redline

#endif  // REDLINE_SPATIAL_COORDS_COORDINATES_INTERNAL_H_
