// ZoneIndex: the zones of every configured layer, with the rules and the
// indexes the queries read, built once and frozen.
//
// It is what the queries (spatial/query/) take by const reference: the
// config, the layers, the zones, the rule set, and four indexes over the
// zones' boxes, built together by Build(): the box index (sites and search
// radii), the point grid (the hot path), the ground-scale grid (distances of
// nearby zones) and the open-country grid (points with no zone in reach).
// After Build nothing changes, so any number of threads may read it at once
// without locks. Snapshot (spatial/snapshot.h) owns one and adds loading and
// versions.
#ifndef REDLINE_SPATIAL_INDEX_ZONE_INDEX_H_
#define REDLINE_SPATIAL_INDEX_ZONE_INDEX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/config.h"
#include "spatial/data/loader.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/reach_grid.h"
#include "spatial/rules/rules.h"

namespace redline {

// Gauss-Kruger scale error is below 0.2 % across Zhejiang; planar searches
// are widened by this factor so no zone within a geodesic radius is missed,
// and the geodesic distance then decides.
inline constexpr double kPlanarSlack = 1.01;

// Nearby zones within this planar distance are measured with the
// ScaleGrid (planar distance x ground scale at the midpoint) instead of a
// PROJ inverse and a geodesic inverse per zone, which were a quarter of a
// batched point check. At 5 km the midpoint rule errs by under 3e-8 and the
// table by under kScaleGridError (MeasureConformal's bound for areas): 1 mm
// at most, against the 1 cm the scenarios test with geod. Farther zones,
// rare, take the exact path.
inline constexpr double kScaleReachM = 5000;

struct LayerState {
  LayerConfig config;
  LayerReport report;
};

class ZoneIndex {
 public:
  // Empty: no layers, no zones (a Snapshot before Build).
  ZoneIndex() = default;
  // Indexes `zones`, whose `layer` indexes `layers`.
  static ZoneIndex Build(Config config, RuleSet rules, std::vector<LayerState> layers,
                         std::vector<Zone> zones);

  ZoneIndex(ZoneIndex&&) = default;
  ZoneIndex& operator=(ZoneIndex&&) = default;
  ZoneIndex(const ZoneIndex&) = delete;
  ZoneIndex& operator=(const ZoneIndex&) = delete;

  const Config& config() const { return config_; }
  const std::vector<LayerState>& layers() const { return layers_; }
  const std::vector<Zone>& zones() const { return zones_; }
  const RuleSet& rules() const { return rules_; }

  const BoxIndex& boxes() const { return boxes_; }
  const ScaleGrid& scale_grid() const { return scale_grid_; }
  // The default search radius or the widest setback, whichever is larger:
  // how far reach_grid() looks.
  double reach_m() const { return reach_m_; }
  // Whether a point (EPSG:4490) lies where no zone is within reach_m() (and
  // the boundary tolerance), by a conservative grid.
  bool OutOfReach(Point2 lonlat) const { return reach_grid_.OutOfReach(lonlat); }

  // The hot path: calls visit(zone_index, Location) for every zone whose
  // (tolerance-widened) area holds `p`, a point in the working CRS.
  template <typename Visit>
  void LocateWorking(Point2 p, Visit&& visit) const;

  ZoneKind KindOf(uint32_t zone) const { return layers_[zones_[zone].layer].config.kind; }
  // The order of zones in an answer where no rule ranks them: by layer, then
  // by zone id.
  bool InLayerOrder(uint32_t a, uint32_t b) const {
    const Zone& za = zones_[a];
    const Zone& zb = zones_[b];
    return za.layer != zb.layer ? za.layer < zb.layer : za.id < zb.id;
  }
  // Which layers `names` select (all when empty); an unknown name is an
  // error that lists the known ones.
  absl::StatusOr<std::vector<bool>> LayerMask(const std::vector<std::string>& names) const;

  // Every layer names an effective-date field: the zones themselves say
  // which were in force on any day.
  bool dated() const;
  size_t MemoryBytes() const;

 private:
  // The open-country grid for reach_m (ground metres) around every zone;
  // empty when a zone's box cannot be converted to longitude/latitude.
  ReachGrid BuildReachGrid(double reach_m) const;

  Config config_;
  std::vector<LayerState> layers_;
  std::vector<Zone> zones_;
  RuleSet rules_;
  BoxIndex boxes_;        // boxes: sites and search radii
  GridIndex point_grid_;  // points: the hot path
  ScaleGrid scale_grid_;  // ground scale: nearby distances of points
  // Open country for the point checks: where no zone lies within reach_m_.
  ReachGrid reach_grid_;
  double reach_m_ = 0;
};

// The box holding `box` converted by `transform`, from `steps` + 1 points
// along each edge: a rectangle in one CRS is curved in the other.
absl::StatusOr<Box> TransformBox(const PointTransformer& transform, const Box& box, int steps);

template <typename Visit>
void ZoneIndex::LocateWorking(Point2 p, Visit&& visit) const {
  point_grid_.Candidates(p, [&](uint32_t z, bool whole_cell) {
    const Location loc = whole_cell ? Location::kInterior : zones_[z].shape.Locate(p);
    if (loc != Location::kExterior) visit(z, loc);
  });
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_INDEX_ZONE_INDEX_H_
