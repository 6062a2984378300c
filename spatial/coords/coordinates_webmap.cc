// Web-map coordinates: GCJ-02, the offset Chinese law requires of published
// maps (Amap, Tencent), and BD-09, Baidu's further rotation of it. The
// offset formulas and their inverses, and the reader that removes the offset
// from a request's points (refusing points outside China, where no map
// offsets and so nothing can be placed with confidence).
#include <cmath>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spatial/coords/coordinates.h"
#include "spatial/coords/coordinates_internal.h"
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
  double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x));
  r += (20.0 * std::sin(6.0 * x * M_PI) + 20.0 * std::sin(2.0 * x * M_PI)) * 2.0 / 3.0;
  r += (20.0 * std::sin(y * M_PI) + 40.0 * std::sin(y / 3.0 * M_PI)) * 2.0 / 3.0;
  r += (160.0 * std::sin(y / 12.0 * M_PI) + 320.0 * std::sin(y * M_PI / 30.0)) * 2.0 / 3.0;
  return r;
}

double OffsetLon(double x, double y) {
  double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x));
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

}  // namespace

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

namespace coords_internal {
namespace {

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

}  // namespace

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
    const std::string which = n > 1 ? absl::StrCat(name(i), " ", FormatPoint(p))
                                    : absl::StrCat("coordinate ", FormatPoint(p));
    if (!ValidLonLat(p)) {
      return absl::InvalidArgumentError(
          absl::StrCat(which, " in ", from,
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
    AddNote({"coords.swap_webmap", {}}, interp.notes, interp.note_messages);
  }
  AddNote({kind == CrsKind::kGcj02 ? "coords.gcj02_converted" : "coords.bd09_converted", {}},
          interp.notes, interp.note_messages);
  AddNote({"coords.wgs84_as_cgcs2000", {}}, interp.notes, interp.note_messages);
  return absl::OkStatus();
}

}  // namespace coords_internal
}  // namespace redline
