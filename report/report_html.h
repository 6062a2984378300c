// The printable record of a check: one self-contained HTML page (UTF-8,
// inline CSS, inline SVG, no scripts, no external assets) that a permitting
// officer prints or files as the record of a siting check.
//
// The page holds the overall verdict first, the siting (purpose, outfall type,
// action), the time of the check and the dataset version, the site, a drawing
// of the site to scale, the zones touched and nearby, and every rule applied
// with its legal basis quoted. All text from the response is HTML-escaped.
//
// The drawing is made from the geometry the CLI sent (the response carries no
// geometry): lon/lat input is projected on a local plane around the site
// (east = N·cosφ0·Δλ, north = M·Δφ with the CGCS2000/GRS80 radii of curvature
// at φ0: under 0.01 % scale error over a few kilometres); projected input
// (e.g. Gauss-Kruger EPSG:4549) is drawn in its own plane, metres as given.
// Zone outlines come from the server (include_zone_geometry: each zone hit or
// nearby, clipped to the search area, in lon/lat) and are drawn with AddZone.
//
// Pure functions, no I/O except WriteReportFile; thread-compatible.
#ifndef REDLINE_REPORT_REPORT_HTML_H_
#define REDLINE_REPORT_REPORT_HTML_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"

namespace redline::report {

// A coordinate pair as given: longitude/latitude in degrees, or
// easting/northing in metres for a projected CRS.
struct XY {
  double x = 0;
  double y = 0;
};

// A geometry reduced to what the drawing needs: parts, each a point, a line
// or a polygon (outer ring first, then holes).
struct Shape {
  enum class Dim { kPoint, kLine, kPolygon };
  struct Part {
    Dim dim = Dim::kPoint;
    std::vector<std::vector<XY>> rings;  // a point: one ring of one XY
  };
  std::vector<Part> parts;

  bool empty() const { return parts.empty(); }
};

// Small readers for the encodings the CLI sends. Z and M values are read and
// dropped; EMPTY geometries give an empty Shape. Errors name the position.
//   WKT / EWKT: POINT, LINESTRING, POLYGON, MULTI*, GEOMETRYCOLLECTION.
//   GeoJSON: a geometry object, or a Feature / FeatureCollection (their
//   geometries).
//   WKB / EWKB / ISO WKB, either byte order.
absl::StatusOr<Shape> ParseWkt(absl::string_view wkt);
absl::StatusOr<Shape> ParseGeoJson(absl::string_view json);
absl::StatusOr<Shape> ParseWkb(absl::string_view wkb);

// Escapes & < > " ' for HTML text and attribute values.
std::string HtmlEscape(absl::string_view text);

// A zone outline to draw: rings of longitude/latitude (outer rings and holes
// alike; drawn with the even-odd rule), e.g. from a future
// NearZone/ZoneHit.geometry_geojson.
struct ZoneOutline {
  v1::ZoneKind kind = v1::ZONE_KIND_UNSPECIFIED;
  std::string label;  // e.g. the zone id; escaped when drawn
  bool hit = false;   // touched by the site (drawn stronger) or only nearby
  std::vector<std::vector<XY>> rings_lonlat;
};

// A map of a site drawn to scale as an inline SVG, with a scale bar in
// metres, a north arrow and a legend. The frame fits the site (and circles);
// zones are clipped to the frame.
class SiteMap {
 public:
  // A map on a local plane around (lon0, lat0); shapes are in lon/lat.
  static SiteMap Geographic(double lon0, double lat0);
  // A map in the plane of a projected CRS; shapes are in its metres.
  static SiteMap Planar(std::string crs);

  bool geographic() const { return geographic_; }

  void AddSite(const Shape& site);
  // Ignored (and counted in the caption) on a planar map: lon/lat cannot be
  // put in a projected plane without PROJ.
  void AddZone(const ZoneOutline& zone);
  // A dashed circle of `radius_m` around `centre` (the map's input units),
  // e.g. the search radius or a setback distance around a point.
  void AddCircle(XY centre, double radius_m, std::string label);

  // The SVG element, `width_mm` wide; the height follows the frame's aspect
  // (between 0.45 and 0.55 of the width). `*scale_denominator` receives N of
  // the 1:N scale at which it prints when the page is printed at 100 %.
  std::string Svg(double width_mm, double* scale_denominator = nullptr) const;

  // Local plane coordinates in metres (east, north) of an input coordinate.
  XY ToMetres(XY p) const;

 private:
  struct Circle {
    XY centre_m;
    double radius_m;
    std::string label;
  };
  struct Drawn {
    Shape shape;  // in metres
    ZoneOutline zone;
  };
  bool geographic_ = true;
  std::string crs_;
  double lon0_ = 0, lat0_ = 0;
  double m_per_deg_lon_ = 1, m_per_deg_lat_ = 1;
  std::vector<Shape> sites_m_;
  std::vector<Drawn> zones_;
  std::vector<Circle> circles_;
  int zones_not_drawn_ = 0;
};

// What the report shows besides the response.
struct ReportContext {
  std::string server;                // address the CLI called
  std::optional<Shape> site;         // the geometry sent, as given
  std::string site_crs;              // as sent ("" = EPSG:4490)
  std::string site_note;             // why the site is not drawn, if it is not
  std::vector<ZoneOutline> zones;    // outlines to draw (from the response)
};

// Takes what the response itself carries for the drawing (with
// include_zone_geometry): the zone outlines around the site, and the site as
// the server read it, in lon/lat, which replaces the geometry sent (a
// coordinate table, or Gauss-Kruger with a detected zone, is drawn as read).
void AddResponseGeometry(const v1::CheckResponse& response, ReportContext* context);

// The whole page.
std::string RenderReportHtml(const v1::CheckResponse& response, const ReportContext& context);

// Renders and writes the page; the error names the file.
absl::Status WriteReportFile(const std::string& path, const v1::CheckResponse& response,
                             const ReportContext& context);

// Builds the context for a check-point or check-site request: parses the
// geometry it sent (a parse failure becomes a note, never an error: the
// server has already accepted the geometry).
ReportContext ContextForPoint(const v1::CheckPointRequest& request, const std::string& server);
ReportContext ContextForGeometry(const v1::CheckGeometryRequest& request,
                                 const std::string& server);

}  // namespace redline::report

#endif  // REDLINE_REPORT_REPORT_HTML_H_
