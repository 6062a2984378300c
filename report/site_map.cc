#include "report/site_map.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "report/text.h"

namespace redline::report {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Box {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();
  bool empty() const { return min_x > max_x; }
  void Add(XY p) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  }
};

std::string N2(double v) { return absl::StrFormat("%.2f", v); }

// Even-odd point in rings (outer rings and holes alike), plane metres.
bool InsideRings(const std::vector<std::vector<XY>>& rings, XY p) {
  bool inside = false;
  for (const auto& ring : rings) {
    for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
      const XY a = ring[i], b = ring[j];
      if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) {
        inside = !inside;
      }
    }
  }
  return inside;
}

// A box on the drawing, in mm.
struct Rect {
  double x0, y0, x1, y1;
  bool Overlaps(const Rect& o) const { return x0 < o.x1 && o.x0 < x1 && y0 < o.y1 && o.y0 < y1; }
};

constexpr double kLabelRadius = 2.2;  // mm: a number's disc
constexpr double kLabelGap = 0.5;     // mm kept clear around it

Rect LabelRect(double x, double y) {
  const double r = kLabelRadius + kLabelGap;
  return {x - r, y - r, x + r, y + r};
}

// A "nice" length (1, 2 or 5 times a power of ten) no longer than `max`.
double NiceLength(double max) {
  if (!(max > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(max)));
  for (double f : {5.0, 2.0, 1.0}) {
    if (f * p <= max) return f * p;
  }
  return p;
}

}  // namespace

ZoneStyle ZoneStyleOf(v1::ZoneKind kind, const std::string& level) {
  switch (kind) {
    case v1::ECOLOGICAL_RED_LINE:
      return {"red-line", {"生态保护红线", "Ecological red line"}, "#d32f2f", 0.16};
    case v1::WATER_SOURCE_PROTECTION:
      // 一级 darkest and most opaque, 准保护区 lightest: the strictest reads
      // strongest, as the law ranks them.
      if (level == "一级")
        return {"ws1", {"饮用水水源一级保护区", "Water source, first level"}, "#0d3c8c", 0.34};
      if (level == "二级")
        return {"ws2", {"饮用水水源二级保护区", "Water source, second level"}, "#1e88e5", 0.2};
      if (level == "准保护区") {
        return {
            "wsq", {"饮用水水源准保护区", "Water source, quasi-protection zone"}, "#4dd0e1", 0.12};
      }
      return {
          "ws", {"饮用水水源保护区（级别未定）", "Water source, level not given"}, "#5c6bc0", 0.14};
    case v1::ZERO_DISCHARGE_ZONE:
      return {"zero-discharge", {"污水零直排区", "Zero-direct-discharge zone"}, "#8e24aa", 0.14};
    default:
      return {"other", {"其他图层", "Other layer"}, "#757575", 0.08};
  }
}

// The drawing's frame: plane metres to SVG units (millimetres on paper).
class SiteMap::Frame {
 public:
  // Fits `b` (the site and circles), padded; a point alone gets a 100 m frame.
  Frame(Box b, double width_mm) : w(width_mm) {
    if (b.empty()) b.Add({0, 0});
    double span_x = std::max(b.max_x - b.min_x, 1e-9);
    double span_y = std::max(b.max_y - b.min_y, 1e-9);
    const double min_span = 100;  // metres
    span_x = std::max(span_x * 1.4, min_span);
    span_y = std::max(span_y * 1.4, min_span);
    cx = (b.min_x + b.max_x) / 2;
    cy = (b.min_y + b.max_y) / 2;
    h = std::clamp(w * span_y / span_x, 0.45 * w, 0.55 * w);
    s = std::max(span_x / w, span_y / h);
  }

  double X(double x) const { return (x - cx) / s + w / 2; }
  double Y(double y) const { return h / 2 - (y - cy) / s; }
  // The frame's edges in plane metres.
  double MinX() const { return cx - w / 2 * s; }
  double MaxX() const { return cx + w / 2 * s; }
  double MinY() const { return cy - h / 2 * s; }
  double MaxY() const { return cy + h / 2 * s; }

  std::string Path(const std::vector<XY>& ring, bool close) const {
    std::string d;
    for (size_t i = 0; i < ring.size(); ++i) {
      absl::StrAppend(&d, i == 0 ? "M" : "L", N2(X(ring[i].x)), " ", N2(Y(ring[i].y)));
    }
    if (close && !ring.empty()) d += "Z";
    return d;
  }

  double cx = 0, cy = 0;  // centre, plane metres
  double w = 0, h = 0;    // size, mm
  double s = 1;           // metres per mm
};

namespace {

// A light grid at the scale bar's step, aligned to round ground metres.
std::string GridSvg(const SiteMap::Frame& f, double bar) {
  const double x0 = f.MinX(), x1 = f.MaxX(), y0 = f.MinY(), y1 = f.MaxY();
  if ((x1 - x0) / bar >= 40 || (y1 - y0) / bar >= 40) return "";
  std::string grid;
  for (double gx = std::ceil(x0 / bar) * bar; gx <= x1; gx += bar) {
    absl::StrAppend(&grid, "M", N2(f.X(gx)), " 0V", N2(f.h));
  }
  for (double gy = std::ceil(y0 / bar) * bar; gy <= y1; gy += bar) {
    absl::StrAppend(&grid, "M0 ", N2(f.Y(gy)), "H", N2(f.w));
  }
  return absl::StrCat("<path d=\"", grid,
                      "\" stroke=\"#e3e3dc\" stroke-width=\"0.2\" fill=\"none\"/>\n");
}

// Scale bar, bottom left: two halves, black and white.
std::string ScaleBarSvg(const SiteMap::Frame& f, double bar) {
  const double len = bar / f.s, x0 = 5, y0 = f.h - 6;
  return absl::StrFormat(
      "<g class=\"scale-bar\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"6.2\" "
      "fill=\"#fff\" fill-opacity=\"0.85\"/>"
      "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"1.2\" fill=\"#222\" stroke=\"#222\" "
      "stroke-width=\"0.2\"/>"
      "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"1.2\" fill=\"#fff\" stroke=\"#222\" "
      "stroke-width=\"0.2\"/>"
      "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">0</text>"
      "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">%s</text>"
      "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">%s</text></g>\n",
      N2(x0 - 2), N2(y0 - 3.6), N2(len + 9), N2(x0), N2(y0), N2(len / 2), N2(x0 + len / 2), N2(y0),
      N2(len / 2), N2(x0), N2(y0 - 0.9), N2(x0 + len / 2), N2(y0 - 0.9), LengthLabel(bar / 2),
      N2(x0 + len), N2(y0 - 0.9), LengthLabel(bar));
}

// North arrow, top right.
std::string NorthArrowSvg(const SiteMap::Frame& f) {
  const double ax = f.w - 8, ay = 4;
  return absl::StrFormat(
      "<g class=\"north-arrow\"><path d=\"M%s %sL%s %sL%s %sZ\" fill=\"#222\"/>"
      "<path d=\"M%s %sL%s %sL%s %sZ\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"0.25\"/>"
      "<text x=\"%s\" y=\"%s\" font-size=\"3\" font-weight=\"bold\" "
      "text-anchor=\"middle\">N</text></g>\n",
      N2(ax), N2(ay + 3), N2(ax - 2.2), N2(ay + 11), N2(ax), N2(ay + 9.2), N2(ax), N2(ay + 3),
      N2(ax + 2.2), N2(ay + 11), N2(ax), N2(ay + 9.2), N2(ax), N2(ay + 2.4));
}

// One part of the site: a polygon (with its vertices marked, up to 400), a
// line, or a point with a cross.
std::string SitePartSvg(const SiteMap::Frame& f, const Shape::Part& part) {
  std::string out;
  switch (part.dim) {
    case Shape::Dim::kPolygon: {
      std::string d;
      size_t vertices = 0;
      for (const auto& ring : part.rings) {
        d += f.Path(ring, true);
        vertices += ring.size();
      }
      absl::StrAppendFormat(&out,
                            "<path d=\"%s\" fill=\"none\" stroke=\"#ffea00\" "
                            "stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n"
                            "<path class=\"site\" d=\"%s\" fill=\"#ffea00\" "
                            "fill-opacity=\"0.3\" fill-rule=\"evenodd\" stroke=\"#000\" "
                            "stroke-width=\"0.9\" stroke-linejoin=\"round\"/>\n",
                            d, d);
      if (vertices > 400) break;
      for (const auto& ring : part.rings) {
        for (size_t i = 0; i + 1 < ring.size() || (i == 0 && ring.size() == 1); ++i) {
          absl::StrAppendFormat(&out, "<circle cx=\"%s\" cy=\"%s\" r=\"0.45\" fill=\"#000\"/>\n",
                                N2(f.X(ring[i].x)), N2(f.Y(ring[i].y)));
        }
      }
      break;
    }
    case Shape::Dim::kLine:
      absl::StrAppendFormat(&out,
                            "<path d=\"%s\" fill=\"none\" stroke=\"#ffea00\" "
                            "stroke-width=\"2.4\" stroke-linecap=\"round\" "
                            "stroke-linejoin=\"round\"/>\n"
                            "<path class=\"site\" d=\"%s\" fill=\"none\" stroke=\"#000\" "
                            "stroke-width=\"1.1\" stroke-linecap=\"round\" "
                            "stroke-linejoin=\"round\"/>\n",
                            f.Path(part.rings.front(), false), f.Path(part.rings.front(), false));
      break;
    case Shape::Dim::kPoint: {
      const XY p = part.rings.front().front();
      const double x = f.X(p.x), y = f.Y(p.y);
      absl::StrAppendFormat(
          &out,
          "<g class=\"site\"><circle cx=\"%s\" cy=\"%s\" r=\"1.8\" fill=\"#000\" "
          "stroke=\"#ffea00\" stroke-width=\"0.9\"/>"
          "<path d=\"M%s %sH%sM%s %sV%s\" stroke=\"#000\" stroke-width=\"0.35\"/></g>\n",
          N2(x), N2(y), N2(x - 4), N2(y), N2(x + 4), N2(x), N2(y - 4), N2(y + 4));
      break;
    }
  }
  return out;
}

}  // namespace

SiteMap SiteMap::Geographic(double lon0, double lat0) {
  SiteMap m;
  m.geographic_ = true;
  m.lon0_ = lon0;
  m.lat0_ = lat0;
  // GRS80 (= CGCS2000 geometry): radii of curvature at the site's latitude.
  const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
  const double phi = lat0 * kPi / 180, s = std::sin(phi);
  const double w = 1 - e2 * s * s;
  const double n = a / std::sqrt(w);
  const double mer = a * (1 - e2) / (w * std::sqrt(w));
  m.m_per_deg_lon_ = n * std::cos(phi) * kPi / 180;
  m.m_per_deg_lat_ = mer * kPi / 180;
  return m;
}

SiteMap SiteMap::Planar(std::string crs) {
  SiteMap m;
  m.geographic_ = false;
  m.crs_ = std::move(crs);
  return m;
}

XY SiteMap::ToMetres(XY p) const {
  if (!geographic_) return p;
  return {(p.x - lon0_) * m_per_deg_lon_, (p.y - lat0_) * m_per_deg_lat_};
}

void SiteMap::AddSite(const Shape& site) {
  Shape m = site;
  for (Shape::Part& part : m.parts) {
    for (auto& ring : part.rings) {
      for (XY& c : ring) c = ToMetres(c);
    }
  }
  sites_m_.push_back(std::move(m));
}

void SiteMap::AddZone(const ZoneOutline& zone) {
  if (!geographic_) return;
  Drawn d;
  d.zone = zone;
  Shape::Part part{Shape::Dim::kPolygon, {}};
  for (const auto& ring : zone.rings_lonlat) {
    std::vector<XY> r;
    r.reserve(ring.size());
    for (const XY& c : ring) r.push_back(ToMetres(c));
    part.rings.push_back(std::move(r));
  }
  d.shape.parts.push_back(std::move(part));
  zones_.push_back(std::move(d));
}

void SiteMap::AddCircle(XY centre, double radius_m, std::string label) {
  if (!(radius_m > 0)) return;
  circles_.push_back({ToMetres(centre), radius_m, std::move(label)});
}

std::string SiteMap::Svg(double width_mm, double* scale_denominator,
                         std::vector<MapKeyEntry>* key) const {
  // The frame: the site and circles; zones do not widen it (they may be
  // kilometres across), they are clipped to it.
  Box b;
  for (const Shape& s : sites_m_) {
    for (const auto& part : s.parts) {
      for (const auto& ring : part.rings) {
        for (const XY& c : ring) b.Add(c);
      }
    }
  }
  for (const Circle& c : circles_) {
    b.Add({c.centre_m.x - c.radius_m, c.centre_m.y - c.radius_m});
    b.Add({c.centre_m.x + c.radius_m, c.centre_m.y + c.radius_m});
  }
  const Frame f(b, width_mm);
  if (scale_denominator) *scale_denominator = f.s * 1000;
  const double w = f.w, h = f.h;
  std::string out = absl::StrFormat(
      "<svg class=\"site-map\" viewBox=\"0 0 %s %s\" width=\"%smm\" height=\"%smm\" "
      "role=\"img\" aria-label=\"%s\" font-family=\"sans-serif\">\n"
      "<defs><clipPath id=\"map-frame\"><rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\"/>"
      "</clipPath></defs>\n"
      "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"#fbfbf7\"/>\n",
      N2(w), N2(h), N2(w), N2(h), lang_ == Lang::kZh ? "选址比例图" : "site map to scale", N2(w),
      N2(h), N2(w), N2(h));
  const double bar = NiceLength(0.28 * w * f.s);
  absl::StrAppend(&out, GridSvg(f, bar), "<g clip-path=\"url(#map-frame)\">\n", ZonesSvg(f),
                  CirclesSvg(f), SitesSvg(f), "</g>\n", LabelsSvg(f, key), ScaleBarSvg(f, bar),
                  NorthArrowSvg(f));
  absl::StrAppendFormat(&out,
                        "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"none\" "
                        "stroke=\"#333\" stroke-width=\"0.35\"/>\n</svg>",
                        N2(w), N2(h));
  return out;
}

std::string SiteMap::ZonesSvg(const Frame& f) const {
  std::string out;
  // Nearby zones first, touched ones over them.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Drawn& d : zones_) {
      if (d.zone.hit != (pass == 1)) continue;
      std::string dpath;
      for (const auto& part : d.shape.parts) {
        for (const auto& ring : part.rings) dpath += f.Path(ring, true);
      }
      const ZoneStyle style = ZoneStyleOf(d.zone.kind, d.zone.normalized_level);
      absl::StrAppendFormat(
          &out,
          "<path class=\"zone %s\" data-style=\"%s\" d=\"%s\" fill=\"%s\" fill-opacity=\"%s\" "
          "fill-rule=\"evenodd\" stroke=\"%s\" stroke-width=\"%s\"%s/>\n",
          d.zone.hit ? "hit" : "near", style.key, dpath, style.colour,
          absl::StrFormat("%.2f", d.zone.hit ? style.fill_opacity : style.fill_opacity / 2),
          style.colour, d.zone.hit ? "0.6" : "0.4",
          d.zone.hit ? "" : " stroke-dasharray=\"1.6 0.8\"");
    }
  }
  return out;
}

namespace {

// Where a zone's number may go: points of a grid over the part of the
// zone's box inside the frame (kept clear of the edge), inside the zone,
// nearest the middle of that part first. `anchor` receives a point of the
// zone in the frame for a leader line (the middle when no grid point is in
// the zone). Empty when the zone does not reach into the frame.
std::vector<XY> LabelCandidates(const SiteMap::Frame& f, const std::vector<std::vector<XY>>& rings,
                                XY* anchor) {
  Box zb;
  for (const auto& ring : rings) {
    for (const XY& c : ring) zb.Add(c);
  }
  const double x0 = std::max(zb.min_x, f.MinX()), x1 = std::min(zb.max_x, f.MaxX());
  const double y0 = std::max(zb.min_y, f.MinY()), y1 = std::min(zb.max_y, f.MaxY());
  if (zb.empty() || x0 > x1 || y0 > y1) return {};
  const XY mid{(x0 + x1) / 2, (y0 + y1) / 2};
  *anchor = {f.X(mid.x), f.Y(mid.y)};
  std::vector<XY> out;  // in mm
  constexpr int kSteps = 12;
  const double edge = kLabelRadius + 1;
  for (int i = 0; i <= kSteps; ++i) {
    for (int j = 0; j <= kSteps; ++j) {
      const XY p{x0 + (x1 - x0) * i / kSteps, y0 + (y1 - y0) * j / kSteps};
      const double sx = f.X(p.x), sy = f.Y(p.y);
      if (sx < edge || sx > f.w - edge || sy < edge || sy > f.h - edge) continue;
      if (InsideRings(rings, p)) out.push_back({sx, sy});
    }
  }
  std::sort(out.begin(), out.end(), [&](XY a, XY b) {
    const double da = std::hypot(a.x - anchor->x, a.y - anchor->y);
    const double db = std::hypot(b.x - anchor->x, b.y - anchor->y);
    return da != db ? da < db : (a.x != b.x ? a.x < b.x : a.y < b.y);
  });
  if (!out.empty()) *anchor = out.front();
  return out;
}

// The box of a line of text `font_mm` high centred at x with its baseline
// at y: CJK characters are square, others about 0.6 of the height.
Rect TextRect(absl::string_view text, double x, double y, double font_mm) {
  double width = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    const size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    width += len >= 3 ? font_mm : 0.6 * font_mm;
    i += len;
  }
  return {x - width / 2, y - font_mm, x + width / 2, y + 0.3 * font_mm};
}

std::string LabelDisc(int number, double x, double y, const ZoneStyle& style) {
  return absl::StrFormat(
      "<g class=\"zone-label\" data-number=\"%d\" data-style=\"%s\"><circle cx=\"%s\" "
      "cy=\"%s\" r=\"%s\" fill=\"#fff\" stroke=\"%s\" stroke-width=\"0.45\"/>"
      "<text x=\"%s\" y=\"%s\" font-size=\"2.6\" font-weight=\"bold\" fill=\"%s\" "
      "text-anchor=\"middle\">%d</text></g>\n",
      number, style.key, N2(x), N2(y), N2(kLabelRadius), style.colour, N2(x), N2(y + 0.95),
      style.colour, number);
}

}  // namespace

// Numbers, touched zones first: in the zone where a disc fits clear of the
// others, else in a column at the right (then left) edge with a leader line.
std::string SiteMap::LabelsSvg(const Frame& f, std::vector<MapKeyEntry>* key) const {
  const double bar_w = NiceLength(0.28 * f.w * f.s) / f.s;
  std::vector<Rect> taken = {{f.w - 12, 0, f.w, 17},           // north arrow
                             {0, f.h - 11, bar_w + 14, f.h}};  // scale bar
  // A point site's marker and the circles' labels stay readable too.
  for (const Shape& site : sites_m_) {
    for (const auto& part : site.parts) {
      if (part.dim != Shape::Dim::kPoint) continue;
      const XY p = part.rings.front().front();
      taken.push_back({f.X(p.x) - 4.2, f.Y(p.y) - 4.2, f.X(p.x) + 4.2, f.Y(p.y) + 4.2});
    }
  }
  for (const Circle& c : circles_) {
    taken.push_back(
        TextRect(c.label, f.X(c.centre_m.x), f.Y(c.centre_m.y + c.radius_m) - 0.8, 2.4));
  }
  std::string out;
  int number = 0;
  double column_y = 19;
  bool right_column = true;
  std::vector<const Drawn*> order;
  for (const Drawn& d : zones_)
    if (d.zone.hit) order.push_back(&d);
  for (const Drawn& d : zones_)
    if (!d.zone.hit) order.push_back(&d);
  for (const Drawn* d : order) {
    const std::vector<std::vector<XY>>& rings = d->shape.parts.front().rings;
    XY anchor{-1, -1};
    const std::vector<XY> candidates = LabelCandidates(f, rings, &anchor);
    if (anchor.x < 0) continue;  // the zone does not reach into the frame
    const ZoneStyle style = ZoneStyleOf(d->zone.kind, d->zone.normalized_level);
    ++number;
    if (key) key->push_back({number, d->zone.label, d->zone.name, d->zone.hit, style});
    const XY* at = nullptr;
    for (const XY& c : candidates) {
      const Rect r = LabelRect(c.x, c.y);
      if (std::none_of(taken.begin(), taken.end(), [&](const Rect& t) { return t.Overlaps(r); })) {
        at = &c;
        break;
      }
    }
    XY pos;
    if (at != nullptr) {
      pos = *at;
    } else {
      // The edge column: stacked discs, each clear of the one before.
      // Both columns hold (h - 31) / 5.6 discs each, some 30 on a 170 mm map;
      // past that (never seen) discs would stack.
      for (int tries = 0; tries < 100; ++tries) {
        pos = {right_column ? f.w - kLabelRadius - 1 : kLabelRadius + 1, column_y};
        column_y += 2 * (kLabelRadius + kLabelGap) + 0.2;
        if (column_y > f.h - 12) {
          column_y = 19;
          right_column = !right_column;
        }
        const Rect r = LabelRect(pos.x, pos.y);
        if (std::none_of(taken.begin(), taken.end(), [&](const Rect& t) { return t.Overlaps(r); }))
          break;
      }
      absl::StrAppendFormat(&out,
                            "<path class=\"leader\" d=\"M%s %sL%s %s\" stroke=\"%s\" "
                            "stroke-width=\"0.3\"/>\n",
                            N2(pos.x), N2(pos.y), N2(anchor.x), N2(anchor.y), style.colour);
    }
    taken.push_back(LabelRect(pos.x, pos.y));
    absl::StrAppend(&out, LabelDisc(number, pos.x, pos.y, style));
  }
  return out;
}

std::string SiteMap::CirclesSvg(const Frame& f) const {
  std::string out;
  for (const Circle& c : circles_) {
    absl::StrAppendFormat(&out,
                          "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"none\" stroke=\"#546e7a\" "
                          "stroke-width=\"0.3\" stroke-dasharray=\"1.2 0.8\"/>\n"
                          "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" fill=\"#37474f\" "
                          "text-anchor=\"middle\">%s</text>\n",
                          N2(f.X(c.centre_m.x)), N2(f.Y(c.centre_m.y)), N2(c.radius_m / f.s),
                          N2(f.X(c.centre_m.x)), N2(f.Y(c.centre_m.y + c.radius_m) - 0.8),
                          HtmlEscape(c.label));
  }
  return out;
}

// The site over everything.
std::string SiteMap::SitesSvg(const Frame& f) const {
  std::string out;
  for (const Shape& site : sites_m_) {
    for (const auto& part : site.parts) absl::StrAppend(&out, SitePartSvg(f, part));
  }
  return out;
}

}  // namespace redline::report
