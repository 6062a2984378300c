#include "spatial/query/overlap.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "spatial/base/buckets.h"
#include "spatial/input/geometry_input.h"

namespace redline {
namespace {

// Crossings at a smaller angle's sine (0.06 degrees) are left to GEOS.
constexpr double kMinSine = 1e-3;
// Crossings closer than this along an edge (in its parameter; 1e-9 of its
// length) may be out of order: left to GEOS.
constexpr double kMinGap = 1e-9;

// Where a site edge and a zone edge cross: the same point ends a piece of
// each, so the part's boundary closes exactly.
struct Crossing {
  uint32_t site_edge;  // first vertex, into SiteLinework::points()
  uint32_t zone_edge;  // first vertex, into ZoneShape::vertices()
  double t, u;         // along the site edge, along the zone edge
  Point2 at;
};

// Every proper crossing between site edges and the zone edges `zone_edges`;
// false when some pair meets other than properly, or comes so close to it
// that the predicate finds a vertex on the other's line.
bool FindCrossings(const SiteLinework& site, const ZoneShape& zone,
                   const std::vector<uint32_t>& zone_edges, std::vector<Crossing>& out) {
  const std::vector<Point2>& sv = site.points();
  const std::vector<Point2>& zv = zone.vertices();
  for (uint32_t f : zone_edges) {
    const Point2 p = zv[f], q = zv[f + 1];
    bool general = true;
    site.VisitEdges(SegmentBox(p, q), [&](uint32_t i) {
      const Point2 a = sv[i], b = sv[i + 1];
      const int op = OrientationIndex(a, b, p), oq = OrientationIndex(a, b, q);
      const int oa = OrientationIndex(p, q, a), ob = OrientationIndex(p, q, b);
      if (op == 0 || oq == 0 || oa == 0 || ob == 0) {
        general = false;  // a vertex on the other's line, near it
        return false;
      }
      if (op == oq || oa == ob) return true;  // apart
      // A proper crossing. Its point, from coordinates relative to a so
      // that the products stay small.
      const double ex = b.x - a.x, ey = b.y - a.y;
      const double fx = q.x - p.x, fy = q.y - p.y;
      const double px = p.x - a.x, py = p.y - a.y;
      const double den = ex * fy - ey * fx;
      // A shallow crossing's point is ill-conditioned (its error grows as
      // 1 / sin of the angle), and so is the order of crossings near it:
      // GEOS, which snaps such edges together, decides those.
      if (std::fabs(den) < kMinSine * std::hypot(ex, ey) * std::hypot(fx, fy)) {
        general = false;
        return false;
      }
      const double t = std::clamp((px * fy - py * fx) / den, 0.0, 1.0);
      const double u = std::clamp((px * ey - py * ex) / den, 0.0, 1.0);
      out.push_back({i, f, t, u, {a.x + t * ex, a.y + t * ey}});
      return true;
    });
    if (!general) return false;
  }
  return true;
}

}  // namespace

std::optional<SiteLinework> SiteLinework::FromGeos(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  const int type = GEOSGeomTypeId_r(ctx, g);
  SiteLinework site;
  switch (type) {
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON:
      site.polygonal_ = true;
      break;
    case GEOS_LINESTRING:
    case GEOS_MULTILINESTRING:
      break;
    default:
      return std::nullopt;
  }
  bool ok = true;
  ForEachLinear(ctx, g, [&](const GEOSGeometry* linear, bool is_hole, bool is_ring) {
    const uint32_t begin = site.points_.size();
    if (!AppendCoordinates(ctx, linear, site.points_)) {
      ok = false;
      return;
    }
    const uint32_t end = site.points_.size();
    if (end == begin) return;  // an empty part
    double area_sign = 0;
    if (is_ring) {
      const std::span<const Point2> ring(&site.points_[begin], end - begin);
      area_sign = (RingArea2(ring) > 0) != is_hole ? 1 : -1;
    }
    site.parts_.push_back({begin, end, area_sign});
  });
  if (!ok || site.points_.empty()) return std::nullopt;
  for (const Point2& p : site.points_) site.box_.Include(p);
  site.BuildIndexes();
  return site;
}

void SiteLinework::BuildIndexes() {
  std::vector<uint32_t> edges;
  edges.reserve(points_.size());
  for (const Part& part : parts_) {
    for (uint32_t e = part.begin; e + 1 < part.end; ++e) edges.push_back(e);
  }
  // The grid: about two edges per cell.
  n_ = std::clamp(static_cast<int>(std::sqrt(edges.size() / 2.0)), 1, 256);
  inv_w_ = box_.width() > 0 ? n_ / box_.width() : 0;
  inv_h_ = box_.height() > 0 ? n_ / box_.height() : 0;
  BuildBucketLists(
      static_cast<size_t>(n_) * n_, edges,
      [&](uint32_t e, auto&& add) {
        const Box b = SegmentBox(points_[e], points_[e + 1]);
        for (int cy = CellY(b.min_y), y1 = CellY(b.max_y); cy <= y1; ++cy) {
          for (int cx = CellX(b.min_x), x1 = CellX(b.max_x); cx <= x1; ++cx) add(cy * n_ + cx);
        }
      },
      cell_start_, cell_edges_);
  if (polygonal_) stripes_ = EdgeStripes(points_, edges, box_);
}

int SiteLinework::CellX(double x) const { return UniformBucket(x, box_.min_x, inv_w_, n_); }

int SiteLinework::CellY(double y) const { return UniformBucket(y, box_.min_y, inv_h_, n_); }

Location SiteLinework::Locate(Point2 p) const {
  if (!polygonal_) return Location::kExterior;
  return stripes_.Locate(points_, p);
}

namespace {

// The site's pieces: in and out of the zone alternate at the crossings,
// along each edge in order of t. Adds the pieces inside the zone to
// `result` and says whether any lies in (out of) the zone; false when the
// arithmetic cannot be trusted (the caller then asks GEOS).
bool AddSitePieces(const SiteLinework& site, const ZoneShape& zone,
                   std::vector<Crossing>& crossings, SiteZoneOverlay& result, bool& any_in,
                   bool& any_out) {
  std::sort(crossings.begin(), crossings.end(), [](const Crossing& a, const Crossing& b) {
    return a.site_edge != b.site_edge ? a.site_edge < b.site_edge : a.t < b.t;
  });
  for (size_t k = 1; k < crossings.size(); ++k) {
    if (crossings[k].site_edge == crossings[k - 1].site_edge &&
        crossings[k].t - crossings[k - 1].t < kMinGap) {
      return false;
    }
  }
  const std::vector<Point2>& sv = site.points();
  size_t next = 0;
  for (const SiteLinework::Part& part : site.parts()) {
    const Location start = zone.LocateExact(sv[part.begin]);
    if (start == Location::kBoundary) return false;
    bool inside = start == Location::kInterior;
    for (uint32_t i = part.begin; i + 1 < part.end; ++i) {
      Point2 from = sv[i];
      for (; next < crossings.size() && crossings[next].site_edge == i; ++next) {
        (inside ? any_in : any_out) = true;
        if (inside) result.part.AddSegment(from, crossings[next].at, part.area_sign);
        from = crossings[next].at;
        inside = !inside;
      }
      (inside ? any_in : any_out) = true;
      if (inside) result.part.AddSegment(from, sv[i + 1], part.area_sign);
    }
    // A closed ring crosses the zone's boundary an even number of times;
    // anything else means the arithmetic lost a crossing.
    if (part.area_sign != 0 && inside != (start == Location::kInterior)) return false;
  }
  return true;
}

// The zone's pieces inside a polygonal site: runs of consecutive edges,
// each run located once at its first vertex and alternating at its
// crossings. Adds them to `result`; false when the arithmetic cannot be
// trusted.
bool AddZonePieces(const SiteLinework& site, const ZoneShape& zone,
                   const std::vector<uint32_t>& zone_edges, std::vector<Crossing>& crossings,
                   SiteZoneOverlay& result, bool& zone_inside_site) {
  const std::vector<Point2>& zv = zone.vertices();
  std::sort(crossings.begin(), crossings.end(), [](const Crossing& a, const Crossing& b) {
    return a.zone_edge != b.zone_edge ? a.zone_edge < b.zone_edge : a.u < b.u;
  });
  for (size_t k = 1; k < crossings.size(); ++k) {
    if (crossings[k].zone_edge == crossings[k - 1].zone_edge &&
        crossings[k].u - crossings[k - 1].u < kMinGap) {
      return false;
    }
  }
  size_t next = 0;
  bool inside = false;
  for (size_t k = 0; k < zone_edges.size(); ++k) {
    const uint32_t e = zone_edges[k];
    // Edge e - 1 ends where e starts; when both are listed they are of the
    // same ring (a ring's last vertex starts no edge).
    if (k == 0 || zone_edges[k - 1] + 1 != e) {
      const Location start = site.Locate(zv[e]);
      if (start == Location::kBoundary) return false;
      inside = start == Location::kInterior;
    }
    const double sign = zone.EdgeAreaSign(e);
    Point2 from = zv[e];
    for (; next < crossings.size() && crossings[next].zone_edge == e; ++next) {
      if (inside) result.part.AddSegment(from, crossings[next].at, sign);
      from = crossings[next].at;
      inside = !inside;
    }
    if (inside) {
      zone_inside_site = true;
      result.part.AddSegment(from, zv[e + 1], sign);
    }
  }
  return true;
}

}  // namespace

std::optional<SiteZoneOverlay> OverlaySiteWithZone(const SiteLinework& site,
                                                   const ZoneShape& zone) {
  const Box& box = site.box();
  SiteZoneOverlay result;
  result.part = PlanarMoments({0.5 * (box.min_x + box.max_x), 0.5 * (box.min_y + box.max_y)});

  // The zone edges that may meet the site or lie inside it, in ring order.
  thread_local std::vector<uint32_t> zone_edges;
  zone_edges.clear();
  zone.VisitEdges(box, [&](uint32_t e) { zone_edges.push_back(e); });
  std::sort(zone_edges.begin(), zone_edges.end());

  thread_local std::vector<Crossing> crossings;
  crossings.clear();
  if (!FindCrossings(site, zone, zone_edges, crossings)) return std::nullopt;

  // The site's pieces, then (for a polygonal site) the zone's inside it.
  bool any_in = false, any_out = false;
  if (!AddSitePieces(site, zone, crossings, result, any_in, any_out)) return std::nullopt;
  bool zone_inside_site = false;
  if (site.polygonal() &&
      !AddZonePieces(site, zone, zone_edges, crossings, result, zone_inside_site)) {
    return std::nullopt;
  }

  if (!crossings.empty() || zone_inside_site || (any_in && any_out)) {
    result.relation = SiteZoneOverlay::Relation::kIntersects;
  } else if (any_in) {
    result.relation = SiteZoneOverlay::Relation::kWithin;
    result.part = PlanarMoments(result.part.origin);  // the whole site: the caller has it
  } else {
    result.relation = SiteZoneOverlay::Relation::kDisjoint;
    result.part = PlanarMoments(result.part.origin);
  }
  return result;
}

double SiteZoneDistance(const SiteLinework& site, const ZoneShape& zone, double max_distance) {
  const std::vector<Point2>& sv = site.points();
  const std::vector<Point2>& zv = zone.vertices();
  const Box& box = site.box();
  // Zone edges whose box lies within max_distance of the site's, nearest
  // first: once the next box is farther than the best distance, so is
  // every edge after it.
  struct Near {
    double gap2;
    uint32_t edge;
  };
  thread_local std::vector<Near> near;
  near.clear();
  double best2 = max_distance * max_distance;
  zone.VisitEdges(box.Expanded(max_distance), [&](uint32_t e) {
    const double gap2 = BoxGap2(SegmentBox(zv[e], zv[e + 1]), box);
    if (gap2 <= best2) near.push_back({gap2, e});
  });
  std::sort(near.begin(), near.end(), [](const Near& a, const Near& b) {
    return a.gap2 != b.gap2 ? a.gap2 < b.gap2 : a.edge < b.edge;
  });
  bool found = false;
  for (const Near& n : near) {
    if (n.gap2 > best2) break;
    const Point2 p = zv[n.edge], q = zv[n.edge + 1];
    const Box fb = SegmentBox(p, q);
    site.VisitEdges(fb.Expanded(std::sqrt(best2)), [&](uint32_t i) {
      const Point2 a = sv[i], b = sv[i + 1];
      if (BoxGap2(SegmentBox(a, b), fb) > best2) return true;
      const double d2 =
          std::min({SegmentDistance2(a, p, q, nullptr), SegmentDistance2(b, p, q, nullptr),
                    SegmentDistance2(p, a, b, nullptr), SegmentDistance2(q, a, b, nullptr)});
      if (d2 <= best2) {
        best2 = d2;
        found = true;
      }
      return true;
    });
  }
  return found ? std::sqrt(best2) : std::numeric_limits<double>::infinity();
}

}  // namespace redline
