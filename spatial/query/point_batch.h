// Many points in one CRS, all checked with the same options: the answers
// CheckPoint gives, settled once per batch (CRS, options, transformations)
// and written into flat arrays reused from batch to batch.
#ifndef REDLINE_SPATIAL_QUERY_POINT_BATCH_H_
#define REDLINE_SPATIAL_QUERY_POINT_BATCH_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "spatial/geom/point.h"
#include "spatial/index/zone_index.h"
#include "spatial/query/check_types.h"
#include "spatial/rules/rules.h"

namespace redline {

// Answers for a batch of points (Snapshot::CheckPoints), in flat arrays
// that are reused from batch to batch: no allocation per point once they
// have grown. Point i's hits are hits[points[i-1].hits_end, points[i].hits_end)
// (from 0 for i = 0), its nearby zones likewise in nears, and each hit's
// rules hit_rules[previous hit's rules_end, its rules_end) (nearby zones
// likewise in near_rules). Every answer is the one CheckPoint gives for that
// point: same hits in the same order, relations, nearby zones, distances,
// rules, verdict and reason.
struct PointBatch {
  struct PointAnswer {
    Verdict verdict = Verdict::kClear;
    uint32_t reason = 0;  // index into reasons
    uint32_t hits_end = 0;
    uint32_t nears_end = 0;
    int32_t error = -1;  // index into errors, or -1
  };
  struct Hit {
    uint32_t zone = 0;
    Relation relation = Relation::kInside;
    uint32_t rules_end = 0;
  };
  struct Near {
    uint32_t zone = 0;
    double distance_m = 0;
    uint32_t rules_end = 0;
  };
  std::vector<PointAnswer> points;
  std::vector<Hit> hits;
  std::vector<Near> nears;
  std::vector<const Rule*> hit_rules;
  std::vector<const Rule*> near_rules;
  std::vector<std::string> reasons;      // distinct verdict reasons of the batch
  std::vector<Message> reason_messages;  // the same, as codes
  // Points that could not be checked: (position, why); such a point has no
  // hits and no nearby zones.
  std::vector<std::pair<uint32_t, absl::Status>> errors;
  // With CheckOptions::include_intersection: per point with hits, in order,
  // the point as ZoneHitResult::intersection_wkb holds it (EPSG:4490).
  std::vector<Point2> intersection_lonlat;
  // The batch's CRS, radius and day; empty, 0 and unset when the options
  // were refused (every point then has their error).
  std::string input_crs;
  double search_radius_m = 0;
  std::optional<int32_t> as_of_day;
  // Checked with CheckOptions::hits_only: each point's hits (in layer order,
  // then by zone id, without rules) are its whole answer; verdict and reason
  // mean nothing, nears are empty.
  bool hits_only = false;

  void Clear();
};

// Snapshot::CheckPoints: each point of `input`, in order, as CheckGeometry
// answers that Point, into `out` (cleared first).
void CheckPoints(const ZoneIndex& index, std::span<const Point2> input, absl::string_view crs,
                 const CheckOptions& options, PointBatch* out);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_POINT_BATCH_H_
