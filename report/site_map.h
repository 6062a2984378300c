// The record's map: a site drawn to scale as an inline SVG, with the zone
// outlines around it, a scale bar in metres, a north arrow and a grid.
//
// Zones are coloured by kind and level (ZoneStyleOf: red lines, the three
// water-source levels, zero-discharge zones, other layers each their own),
// touched zones solid, nearby ones dashed; the site is drawn last, in black
// over a yellow halo, so it stands out from every zone colour. Zones are
// labelled by number, never by text on the map: each number sits in a small
// disc inside its zone where that does not overlap a disc already placed,
// the scale bar or the north arrow, else in a column at the map's edge with
// a leader line to the zone. The numbers are keyed to the zones in the
// record's table (MapKeyEntry), so labels cannot overprint however many
// zones crowd together.
//
// Lon/lat input is projected on a local plane around the site (east =
// N·cosφ0·Δλ, north = M·Δφ with the CGCS2000/GRS80 radii of curvature at
// φ0: under 0.01 % scale error over a few kilometres); projected input (e.g.
// Gauss-Kruger EPSG:4549) is drawn in its own plane, metres as given.
//
// Pure functions; thread-compatible.
#ifndef REDLINE_REPORT_SITE_MAP_H_
#define REDLINE_REPORT_SITE_MAP_H_

#include <string>
#include <vector>

#include "redline/v1/redline.pb.h"
#include "report/shape.h"
#include "spatial/base/messages.h"
#include "spatial/rules/names.h"

namespace redline::report {

// A zone outline to draw: rings of longitude/latitude (outer rings and holes
// alike; drawn with the even-odd rule), from ZoneHit/NearZone.zone_geometry_wkb.
struct ZoneOutline {
  v1::ZoneKind kind = v1::ZONE_KIND_UNSPECIFIED;
  std::string label;  // e.g. the zone id; escaped when drawn
  bool hit = false;   // touched by the site (drawn stronger) or only nearby
  std::vector<std::vector<XY>> rings_lonlat;
  std::string normalized_level;  // 一级, 二级, 准保护区 for water sources
  std::string name;              // the zone's name, for the key
};

// How a class of zone is drawn, and its name in the legend.
struct ZoneStyle {
  const char* key;     // e.g. "ws1"; the SVG paths carry it as data-style
  DisplayName name;    // legend text
  const char* colour;  // stroke and fill
  double fill_opacity;
};
ZoneStyle ZoneStyleOf(v1::ZoneKind kind, const std::string& normalized_level);

// A numbered zone on the map, for the key beside it.
struct MapKeyEntry {
  int number = 0;
  std::string label;
  std::string name;
  bool hit = false;
  ZoneStyle style;
};

// The frame fits the site (and circles); zones are clipped to the frame.
class SiteMap {
 public:
  // A map on a local plane around (lon0, lat0); shapes are in lon/lat.
  static SiteMap Geographic(double lon0, double lat0);
  // A map in the plane of a projected CRS; shapes are in its metres.
  static SiteMap Planar(std::string crs);

  bool geographic() const { return geographic_; }

  void AddSite(const Shape& site);
  // Ignored on a planar map: lon/lat cannot be put in a projected plane
  // without PROJ (the page's caption says so).
  void AddZone(const ZoneOutline& zone);
  // A dashed circle of `radius_m` around `centre` (the map's input units),
  // e.g. the search radius or a setback distance around a point.
  void AddCircle(XY centre, double radius_m, std::string label);

  // The SVG element, `width_mm` wide; the height follows the frame's aspect
  // (between 0.45 and 0.55 of the width). `*scale_denominator` receives N of
  // the 1:N scale at which it prints when the page is printed at 100 %.
  // `key`, when given, receives the numbered zones drawn (those that reach
  // into the frame), in number order.
  std::string Svg(double width_mm, double* scale_denominator = nullptr,
                  std::vector<MapKeyEntry>* key = nullptr) const;

  // The language of the texts in the drawing (circle labels, its title).
  void set_lang(Lang lang) { lang_ = lang; }

  // Local plane coordinates in metres (east, north) of an input coordinate.
  XY ToMetres(XY p) const;

  // Plane metres to SVG units, fitted to the site (defined in site_map.cc).
  class Frame;

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
  std::string ZonesSvg(const Frame& f) const;
  std::string LabelsSvg(const Frame& f, std::vector<MapKeyEntry>* key) const;
  std::string CirclesSvg(const Frame& f) const;
  std::string SitesSvg(const Frame& f) const;

  bool geographic_ = true;
  Lang lang_ = Lang::kZh;
  std::string crs_;
  double lon0_ = 0, lat0_ = 0;
  double m_per_deg_lon_ = 1, m_per_deg_lat_ = 1;
  std::vector<Shape> sites_m_;
  std::vector<Drawn> zones_;
  std::vector<Circle> circles_;
};

}  // namespace redline::report

#endif  // REDLINE_REPORT_SITE_MAP_H_
