#include "spatial/index/zone_index.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spatial/base/excerpt.h"

namespace redline {
namespace {

// The open-country grid (reach_grid.h): cells of about 500 m, at most 4M
// (512 kB); each zone's box, grown by its reach, is converted to
// longitude/latitude through 17 points a side, and grown again by 0.001
// degree (~100 m) for the bend of a converted edge between them.
constexpr double kReachCellDeg = 0.005;
constexpr size_t kReachMaxCells = size_t{1} << 22;
constexpr int kReachSideSteps = 16;
constexpr double kReachMarginDeg = 0.001;
constexpr double kScaleGridSpacingM = 5000;
constexpr double kScaleGridError = kConformalMeasureError;

}  // namespace

absl::StatusOr<Box> TransformBox(const PointTransformer& transform, const Box& box, int steps) {
  std::vector<Point2> edge;
  edge.reserve(4 * (steps + 1));
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const double x = box.min_x + t * (box.max_x - box.min_x);
    const double y = box.min_y + t * (box.max_y - box.min_y);
    edge.insert(edge.end(), {{x, box.min_y}, {x, box.max_y}, {box.min_x, y}, {box.max_x, y}});
  }
  if (absl::Status st = transform.Apply(edge); !st.ok()) return st;
  Box out;
  for (const Point2& p : edge) out.Include(p);
  return out;
}

ZoneIndex ZoneIndex::Build(Config config, RuleSet rules, std::vector<LayerState> layers,
                           std::vector<Zone> zones) {
  ZoneIndex index;
  index.config_ = std::move(config);
  index.rules_ = std::move(rules);
  index.layers_ = std::move(layers);
  index.zones_ = std::move(zones);
  const std::vector<Zone>& z = index.zones_;
  std::vector<Box> boxes;
  boxes.reserve(z.size());
  for (const Zone& zone : z) boxes.push_back(zone.shape.bbox());
  index.boxes_ = BoxIndex(boxes);
  // About 128 grid cells per zone, at least 64k (the sample's 488 zones get
  // the 64k): fine enough that most points see one or two candidates, and
  // still under 3 MB for 5,000 zones. 16 per zone halved the throughput on
  // 10x the sample (bench/core_bench.cc, BM_Tiled10x_*).
  // A zone is listed only in the cells it may hold points of, and marked
  // in those it holds whole, by its own grid (exact, tolerance included):
  // a point in the province's open country or deep inside a zone is then
  // settled without reading the zone at all.
  index.point_grid_ =
      GridIndex(boxes, index.config_.boundary_tolerance_m * 2,
                std::max<size_t>(1 << 16, boxes.size() * 128), [&](uint32_t i, const Box& cell) {
                  switch (z[i].shape.Classify(cell)) {
                    case Location::kExterior:
                      return CellShare::kNone;
                    case Location::kInterior:
                      return CellShare::kAll;
                    default:
                      return CellShare::kSome;
                  }
                });
  // The midpoint of a point and its nearest boundary point lies within half
  // kScaleReachM of a zone. Without a table (a CRS that is not conformal,
  // a PROJ failure, an extent too large) every distance takes the exact path.
  Box extent;
  for (const Box& b : boxes) extent.Include(b);
  index.scale_grid_ = ScaleGrid::Build(extent.Expanded(kScaleReachM), index.config_.working_crs,
                                       kScaleGridSpacingM, kScaleGridError, size_t{1} << 22)
                          .value_or(ScaleGrid());
  index.reach_m_ = std::max(index.config_.default_search_radius_m, index.rules_.max_setback_m());
  // A point within the boundary tolerance of a zone touches it: that far too.
  index.reach_grid_ = index.BuildReachGrid(index.reach_m_ + index.config_.boundary_tolerance_m);
  return index;
}

ReachGrid ZoneIndex::BuildReachGrid(double reach_m) const {
  absl::StatusOr<PointTransformer> to_lonlat =
      PointTransformer::Make(config_.working_crs, kLonLatCrs);
  if (!to_lonlat.ok()) return ReachGrid();
  // Planar metres are ground metres times the projection's scale, which
  // kPlanarSlack bounds; a metre more for rounding.
  const double planar = reach_m * kPlanarSlack + 1.0;
  std::vector<Box> boxes;
  boxes.reserve(zones_.size());
  for (const Zone& z : zones_) {
    // The converted box's interior lies within its converted outline.
    absl::StatusOr<Box> lonlat =
        TransformBox(*to_lonlat, z.shape.bbox().Expanded(planar), kReachSideSteps);
    if (!lonlat.ok()) return ReachGrid();
    boxes.push_back(lonlat->Expanded(kReachMarginDeg));
  }
  return ReachGrid(boxes, kReachCellDeg, kReachMaxCells);
}

absl::StatusOr<std::vector<bool>> ZoneIndex::LayerMask(
    const std::vector<std::string>& names) const {
  std::vector<bool> mask(layers_.size(), names.empty());
  for (const std::string& name : names) {
    auto it = std::find_if(layers_.begin(), layers_.end(),
                           [&](const LayerState& l) { return l.config.name == name; });
    if (it == layers_.end()) {
      std::vector<std::string> known;
      for (const LayerState& l : layers_) known.push_back(l.config.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown layer '", Excerpt(name), "'; the layers are: ", absl::StrJoin(known, ", ")));
    }
    mask[it - layers_.begin()] = true;
  }
  return mask;
}

bool ZoneIndex::dated() const {
  return std::all_of(layers_.begin(), layers_.end(), [](const LayerState& l) {
    return !l.config.effective_from_field.empty() || !l.config.effective_to_field.empty();
  });
}

size_t ZoneIndex::MemoryBytes() const {
  size_t bytes = zones_.capacity() * sizeof(Zone) + boxes_.MemoryBytes() +
                 point_grid_.MemoryBytes() + scale_grid_.MemoryBytes();
  for (const Zone& z : zones_) {
    bytes += z.shape.MemoryBytes() + z.id.capacity() + z.name.capacity();
    for (const auto& [k, v] : z.attributes) bytes += k.capacity() + v.capacity() + 64;
  }
  return bytes;
}

}  // namespace redline
