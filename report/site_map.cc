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

const char* KindColour(v1::ZoneKind k) {
  switch (k) {
    case v1::ECOLOGICAL_RED_LINE:
      return "#c62828";
    case v1::WATER_SOURCE_PROTECTION:
      return "#0277bd";
    case v1::ZERO_DISCHARGE_ZONE:
      return "#8e24aa";
    default:
      return "#616161";
  }
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
                            "<path class=\"site\" d=\"%s\" fill=\"#1565c0\" "
                            "fill-opacity=\"0.22\" fill-rule=\"evenodd\" stroke=\"#0d47a1\" "
                            "stroke-width=\"0.6\" stroke-linejoin=\"round\"/>\n",
                            d);
      if (vertices > 400) break;
      for (const auto& ring : part.rings) {
        for (size_t i = 0; i + 1 < ring.size() || (i == 0 && ring.size() == 1); ++i) {
          absl::StrAppendFormat(&out, "<circle cx=\"%s\" cy=\"%s\" r=\"0.45\" fill=\"#0d47a1\"/>\n",
                                N2(f.X(ring[i].x)), N2(f.Y(ring[i].y)));
        }
      }
      break;
    }
    case Shape::Dim::kLine:
      absl::StrAppendFormat(&out,
                            "<path class=\"site\" d=\"%s\" fill=\"none\" stroke=\"#0d47a1\" "
                            "stroke-width=\"0.9\" stroke-linecap=\"round\" "
                            "stroke-linejoin=\"round\"/>\n",
                            f.Path(part.rings.front(), false));
      break;
    case Shape::Dim::kPoint: {
      const XY p = part.rings.front().front();
      const double x = f.X(p.x), y = f.Y(p.y);
      absl::StrAppendFormat(
          &out,
          "<g class=\"site\"><circle cx=\"%s\" cy=\"%s\" r=\"1.3\" fill=\"#0d47a1\" "
          "stroke=\"#fff\" stroke-width=\"0.4\"/>"
          "<path d=\"M%s %sH%sM%s %sV%s\" stroke=\"#0d47a1\" stroke-width=\"0.25\"/></g>\n",
          N2(x), N2(y), N2(x - 3), N2(y), N2(x + 3), N2(x), N2(y - 3), N2(y + 3));
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

std::string SiteMap::Svg(double width_mm, double* scale_denominator) const {
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
      "role=\"img\" aria-label=\"site map to scale\" font-family=\"sans-serif\">\n"
      "<defs><clipPath id=\"map-frame\"><rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\"/>"
      "</clipPath></defs>\n"
      "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"#fbfbf7\"/>\n",
      N2(w), N2(h), N2(w), N2(h), N2(w), N2(h), N2(w), N2(h));
  const double bar = NiceLength(0.28 * w * f.s);
  absl::StrAppend(&out, GridSvg(f, bar), "<g clip-path=\"url(#map-frame)\">\n", ZonesSvg(f),
                  CirclesSvg(f), SitesSvg(f), "</g>\n", ScaleBarSvg(f, bar), NorthArrowSvg(f));
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
      Box zb;
      for (const auto& part : d.shape.parts) {
        for (const auto& ring : part.rings) {
          dpath += f.Path(ring, true);
          for (const XY& c : ring) zb.Add(c);
        }
      }
      const char* colour = KindColour(d.zone.kind);
      absl::StrAppendFormat(&out,
                            "<path d=\"%s\" fill=\"%s\" fill-opacity=\"%s\" fill-rule=\"evenodd\" "
                            "stroke=\"%s\" stroke-width=\"0.5\"%s/>\n",
                            dpath, colour, d.zone.hit ? "0.18" : "0.07", colour,
                            d.zone.hit ? "" : " stroke-dasharray=\"1.6 0.8\"");
      if (zb.empty() || d.zone.label.empty()) continue;
      // Label at the middle of the part of the zone's box inside the frame.
      const double lx = std::clamp(
          (std::max(zb.min_x, f.MinX()) + std::min(zb.max_x, f.MaxX())) / 2, f.MinX(), f.MaxX());
      const double ly = std::clamp(
          (std::max(zb.min_y, f.MinY()) + std::min(zb.max_y, f.MaxY())) / 2, f.MinY(), f.MaxY());
      absl::StrAppendFormat(&out,
                            "<text x=\"%s\" y=\"%s\" font-size=\"2.6\" fill=\"%s\" "
                            "text-anchor=\"middle\">%s</text>\n",
                            N2(f.X(lx)), N2(f.Y(ly)), colour, HtmlEscape(d.zone.label));
    }
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
