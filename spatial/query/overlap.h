// The overlay of a site (polygons or lines) with one zone, by the exact
// orientation predicate on the zone's own edge index, without GEOS.
//
// CheckGeometry needs, for each zone near a site, how the two relate (does
// the site cross into the zone, lie within it, or stay apart?) and how much
// of the site lies in the zone. GEOS answers with relate and an overlay that
// each node both geometries: about half of a check. When the two boundaries
// only ever cross properly (no vertex on the other's edge, no edges along
// each other), the answer follows from the crossings alone:
//  - every crossing is found by the orientation predicate GEOS itself uses,
//    so the topology is the one GEOS relate computes;
//  - along each site ring or line, in-zone and out-of-zone pieces alternate
//    at the crossings, starting from its first vertex's exact location; so
//    do the zone's edges inside the site, from one located vertex per run;
//  - by Green's theorem the site's part in the zone is bounded by the site's
//    pieces inside the zone and the zone's pieces inside the site, so its
//    area, length and moments are sums over those pieces (PlanarMoments).
// Anything else (a touch, a shared vertex, collinear edges) is left to GEOS:
// OverlaySiteWithZone returns nullopt.
#ifndef REDLINE_SPATIAL_QUERY_OVERLAP_H_
#define REDLINE_SPATIAL_QUERY_OVERLAP_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "spatial/coords/geodesic.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/edge_stripes.h"
#include "spatial/geom/geos_util.h"
#include "spatial/geom/orientation.h"
#include "spatial/geom/zone_shape.h"

namespace redline {

// A site's rings or lines, copied out of GEOS once per check, with stripes
// over its edges for exact point-in-site tests.
class SiteLinework {
 public:
  // From a valid, non-empty (Multi)Polygon or (Multi)LineString; nullopt for
  // anything else (points, collections).
  static std::optional<SiteLinework> FromGeos(GEOSContextHandle_t ctx, const GEOSGeometry* g);

  struct Part {
    uint32_t begin, end;  // vertices [begin, end); a ring is closed
    // Rings: +1 when the site's interior lies to the left of the ring's
    // edges, -1 when to their right. Lines: 0.
    double area_sign;
  };
  const std::vector<Point2>& points() const { return points_; }
  const std::vector<Part>& parts() const { return parts_; }
  const Box& box() const { return box_; }
  bool polygonal() const { return polygonal_; }

  // Exact location of p against the site's area (polygonal sites only), as
  // GEOS would compute it.
  Location Locate(Point2 p) const;

  // Calls visit(e) once for every site edge e (vertices e and e + 1) whose
  // box meets `box`, until visit returns false.
  template <typename Visit>
  void VisitEdges(const Box& box, Visit&& visit) const;

 private:
  // The grid, and the stripes of a polygonal site.
  void BuildIndexes();
  int CellX(double x) const;
  int CellY(double y) const;

  std::vector<Point2> points_;
  std::vector<Part> parts_;
  Box box_;
  bool polygonal_ = false;
  EdgeStripes stripes_;  // polygonal sites only
  // A uniform n_ x n_ grid over box_, each cell listing the edges whose box
  // meets it (CSR).
  int n_ = 1;
  double inv_w_ = 0, inv_h_ = 0;
  std::vector<uint32_t> cell_start_;
  std::vector<uint32_t> cell_edges_;
};

template <typename Visit>
void SiteLinework::VisitEdges(const Box& box, Visit&& visit) const {
  if (!box.Intersects(box_)) return;
  const int x0 = CellX(box.min_x), x1 = CellX(box.max_x);
  const int y0 = CellY(box.min_y), y1 = CellY(box.max_y);
  for (int cy = y0; cy <= y1; ++cy) {
    for (int cx = x0; cx <= x1; ++cx) {
      const int c = cy * n_ + cx;
      for (uint32_t k = cell_start_[c]; k < cell_start_[c + 1]; ++k) {
        const uint32_t e = cell_edges_[k];
        const Box eb = SegmentBox(points_[e], points_[e + 1]);
        if (!eb.Intersects(box)) continue;
        // A pair sharing several cells is visited only in the one that
        // holds the low corner of the two boxes' overlap.
        if (CellX(std::max(eb.min_x, box.min_x)) != cx ||
            CellY(std::max(eb.min_y, box.min_y)) != cy) {
          continue;
        }
        if (!visit(e)) return;
      }
    }
  }
}

struct SiteZoneOverlay {
  enum class Relation : uint8_t {
    kDisjoint,    // no point in common
    kWithin,      // the whole site lies in the zone's interior
    kIntersects,  // the interiors meet, and part of the site lies outside
  };
  Relation relation = Relation::kDisjoint;
  // The site's part in the zone (kIntersects only): its boundary's moments
  // for a polygonal site, its pieces' for lines; origin: the site box's
  // centre.
  PlanarMoments part{{0, 0}};
};

// The overlay, or nullopt when the boundaries meet other than by proper
// crossings (GEOS must then decide).
std::optional<SiteZoneOverlay> OverlaySiteWithZone(const SiteLinework& site, const ZoneShape& zone);

// The planar distance between a site and a zone that do not meet (as
// OverlaySiteWithZone or GEOS relate found), if at most `max_distance`, else
// +infinity. Apart, two boundaries are nearest at a vertex of one of them,
// so this measures vertex-to-edge distances only, the nearest zone edges
// first, the site's edges from its grid.
double SiteZoneDistance(const SiteLinework& site, const ZoneShape& zone, double max_distance);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_OVERLAP_H_
