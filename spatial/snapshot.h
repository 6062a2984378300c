// Snapshot: every configured layer, loaded, indexed and frozen.
//
// This is the one public face of the core. A Snapshot is built once by
// Load() and never changes afterwards; all its methods are const and safe to
// call from any number of threads at once without locks. Replacing the data
// means building a new Snapshot and swapping a shared_ptr.
//
// Units: distances in metres, areas in m², both geodesic on the CGCS2000
// ellipsoid. Input coordinates are longitude/easting first.
#ifndef REDLINE_SPATIAL_SNAPSHOT_H_
#define REDLINE_SPATIAL_SNAPSHOT_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spatial/base/day.h"
#include "spatial/geom/box_index.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/config.h"
#include "spatial/coords/crs.h"
#include "spatial/input/geometry_input.h"
#include "spatial/data/loader.h"
#include "spatial/geom/reach_grid.h"
#include "spatial/rules/rules.h"

namespace redline {

enum class Relation {
  kInside,      // point in the interior
  kBoundary,    // point on the boundary (within the tolerance)
  kWithin,      // the whole site lies in the zone
  kIntersects,  // part of the site lies in the zone
  kTouches,     // only the boundaries meet
};
absl::string_view RelationName(Relation relation);

struct CheckOptions {
  Siting siting;
  double search_radius_m = 0;       // 0: the config's default
  std::vector<std::string> layers;  // empty: all layers
  // Fill ZoneHitResult::intersection_wkb (EPSG:4490 WKB).
  bool include_intersection = false;
  // Only zones in force on this day (days since 1970-01-01); unset: today in
  // China (UTC+8). Zones without effective dates are always in force.
  std::optional<int32_t> as_of_day;
  // Fill zone_geometry_wkb: each zone's outline clipped to the search area.
  bool include_zone_geometry = false;
  // Find the zones the site lies in and how (a spatial join), nothing else:
  // no nearby zones, distances, rules, verdict or reason, which are what
  // cost most. The hits come in layer order, then by zone id.
  bool hits_only = false;
};

struct ZoneHitResult {
  uint32_t zone = 0;  // index into Snapshot::zones()
  Relation relation = Relation::kInside;
  double overlap_area_m2 = 0;
  double overlap_ratio = 0;
  double overlap_length_m = 0;
  std::vector<const Rule*> rules;
  std::string intersection_wkb;  // only with CheckOptions::include_intersection
  std::string zone_geometry_wkb;  // only with CheckOptions::include_zone_geometry
};

struct NearZoneResult {
  uint32_t zone = 0;
  double distance_m = 0;
  std::vector<const Rule*> rules;
  std::string zone_geometry_wkb;  // only with CheckOptions::include_zone_geometry
};

struct SiteSummary {
  std::string geometry_type;
  std::string input_crs;  // coordinates.crs
  CoordinateInterpretation coordinates;  // how the request's coordinates were read
  int64_t vertices = 0;
  double area_m2 = 0;
  double length_m = 0;
  Point2 representative_lonlat;
  Box extent_lonlat;
  // The site as read, EPSG:4490 WKB; only with include_zone_geometry.
  std::string geometry_wkb;
};

struct CheckResult {
  SiteSummary site;
  std::vector<ZoneHitResult> hits;
  // Per zone kind the nearest zone not hit within the search radius, and any
  // other zone whose setback rule applies; ordered by distance.
  std::vector<NearZoneResult> nearest;
  double search_radius_m = 0;
  int32_t as_of_day = 0;  // the day whose zones answered
  Verdict verdict = Verdict::kClear;
  std::string verdict_reason;
  // Checked with CheckOptions::hits_only: the hits (without rules) are the
  // whole answer; verdict and reason mean nothing, nearest is empty.
  bool hits_only = false;
};

// A request for zone outlines to draw on a map.
struct DisplayQuery {
  Box bbox_lonlat;            // EPSG:4490 degrees
  double resolution_m = 0;    // ground size of a map pixel; 0: full detail
  std::vector<std::string> layers;  // empty: all layers
  std::optional<int32_t> as_of_day;  // unset: today in China
  int max_zones = 0;          // 0: kDefaultMaxDisplayZones
  GeometryFormat format = GeometryFormat::kWkb;
};
inline constexpr int kDefaultMaxDisplayZones = 5000;
inline constexpr int kMaxDisplayZones = 20000;

struct DisplayZone {
  uint32_t zone = 0;     // index into Snapshot::zones()
  std::string geometry;  // EPSG:4490, in DisplayQuery::format
};

struct DisplayZones {
  std::vector<DisplayZone> zones;  // in zone order
  bool truncated = false;          // more than max_zones lie in the box
  double resolution_m = 0;
};

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
    uint32_t reason = 0;    // index into reasons
    uint32_t hits_end = 0;
    uint32_t nears_end = 0;
    int32_t error = -1;     // index into errors, or -1
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
  std::vector<std::string> reasons;  // distinct verdict reasons of the batch
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

struct LayerState {
  LayerConfig config;
  LayerReport report;
};

class Snapshot {
 public:
  // Loads every layer (in parallel) and the rule files; any failure leaves
  // nothing half-built and names the layer or file at fault.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(
      const Config& config);
  // The same, stamped with `loaded_at` instead of the clock: versions are
  // chosen by load time for as_of, and tests need days that differ.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(
      const Config& config, absl::Time loaded_at);

  // A snapshot of zones already in memory (generated data, benchmarks): the
  // rule files are read from `config` and the same indexes are built as by
  // Load. `zones[i].layer` indexes `layers`, which should match
  // config.layers.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> FromZones(
      const Config& config, std::vector<LayerState> layers, std::vector<Zone> zones,
      absl::Time loaded_at);

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  absl::StatusOr<CheckResult> CheckPoint(Point2 point, absl::string_view crs,
                                         const CheckOptions& options) const;
  // Whether a point (EPSG:4490) is in open country: no zone within the
  // default search radius or any setback, by a conservative grid. The point
  // checks answer such a point without converting it (unless asked for zone
  // outlines or a wider radius).
  bool InOpenCountry(Point2 lonlat) const { return reach_grid_.OutOfReach(lonlat); }
  // Many points given in one CRS, all checked with the same options: for
  // each, in input order, the answer CheckGeometry gives for that Point (the
  // one-feature Overlay path; CheckPoint's answer too), into `out` (cleared
  // first). A point that cannot be checked gets CheckGeometry's error in
  // out->errors; so does every point when the options or the CRS are wrong.
  // Cheaper per point than CheckPoint: the CRS, the options and the
  // transformations are settled once, and buffers are reused. With
  // options.hits_only, only each point's hits (out->hits_only says so).
  void CheckPoints(std::span<const Point2> input, absl::string_view crs,
                   const CheckOptions& options, PointBatch* out) const;
  absl::StatusOr<CheckResult> CheckGeometry(GeometryEncoding encoding,
                                            absl::string_view data,
                                            absl::string_view crs,
                                            const CheckOptions& options) const;

  // The zones in force that meet the box, clipped to it (with a margin of a
  // few pixels, so clip edges stay off screen) and simplified to about the
  // resolution. A zone smaller than a pixel is drawn as its bounding box so
  // it stays visible. For display only: decisions go through the checks.
  absl::StatusOr<DisplayZones> ZonesForDisplay(const DisplayQuery& query) const;

  // The hot path, for benchmarks and batch work: calls
  // visit(zone_index, Location) for every zone whose (tolerance-widened)
  // area holds `p`, a point already in the working CRS.
  template <typename Visit>
  void LocateWorking(Point2 p, Visit&& visit) const;

  const Config& config() const { return config_; }
  const std::vector<Zone>& zones() const { return zones_; }
  const std::vector<LayerState>& layers() const { return layers_; }
  const RuleSet& rules() const { return rules_; }
  // "<load time UTC>-<content hash>", e.g. 20261125T010203Z-3f2a9c1b7d4e0a55.
  const std::string& version() const { return version_; }
  const std::string& content_hash() const { return content_hash_; }
  absl::Time loaded_at() const { return loaded_at_; }
  // Every layer names an effective-date field: the zones themselves say
  // which were in force on any day.
  bool dated() const;
  size_t MemoryBytes() const;

 private:
  Snapshot() = default;
  // Builds the box and point indexes over zones_ and stamps the version.
  void Finish(absl::Time loaded_at);
  absl::StatusOr<std::vector<bool>> LayerMask(
      const std::vector<std::string>& names) const;
  // Checks the options; returns which layers they select.
  absl::StatusOr<std::vector<bool>> ValidateOptions(const CheckOptions& options) const;
  double Radius(const CheckOptions& options) const;
  // Whether the point checks may answer from the open-country grid with
  // these options.
  bool MayTakeOpenCountry(const CheckOptions& options) const;
  // Why the verdict is what it is, before it is put into words: batches
  // word each distinct reason once.
  struct Reason {
    enum class Kind : uint8_t { kRule, kNeedsPurposeHit, kNeedsPurposeNear, kClearNoHit,
                                kClearNoRule, kNoRulesInForce };
    Kind kind = Kind::kClearNoHit;
    const Rule* rule = nullptr;
    uint32_t zone = 0;
    double distance_m = 0;
    bool operator==(const Reason&) const = default;
  };
  std::string FormatReason(const Reason& reason) const;
  // The rules that apply to one zone for one siting, remembered across the
  // points of a batch (the siting is the batch's): inside rules as Match
  // gives them, and every setback rule in Match's order, which filtered by
  // distance is what Match gives at that distance.
  class RuleMemo {
   public:
    RuleMemo(const Snapshot& snapshot, const Siting& siting)
        : snapshot_(snapshot), siting_(siting) {}
    const std::vector<const Rule*>& Inside(uint32_t zone);
    void Setback(uint32_t zone, double distance_m, std::vector<const Rule*>& out);

   private:
    const Snapshot& snapshot_;
    const Siting siting_;
    absl::flat_hash_map<uint32_t, std::vector<const Rule*>> inside_, setback_;
  };
  // Rules for hits and nearby zones, the nearby zones kept, the verdict;
  // returns its reason (result.verdict_reason is left alone). `memo` may be
  // null.
  Reason ApplyRules(const CheckOptions& options, CheckResult& result,
                    RuleMemo* memo = nullptr) const;
  // The order of zones in an answer where no rule ranks them: by layer, then
  // by zone id.
  bool InLayerOrder(uint32_t a, uint32_t b) const {
    const Zone& za = zones_[a];
    const Zone& zb = zones_[b];
    return za.layer != zb.layer ? za.layer < zb.layer : za.id < zb.id;
  }
  // The zones in force of the masked layers that hold working point p
  // (interior or boundary), in the order the index finds them.
  void FindHits(Point2 p, const std::vector<bool>& mask, int32_t day,
                std::vector<ZoneHitResult>& hits) const;
  // The hits of a CheckOptions::hits_only answer in its order: the whole
  // check's order where no rule ranks them.
  void SortHitsInLayerOrder(std::vector<ZoneHitResult>& hits) const;
  // The point query shared by CheckPoint and CheckPoints: hits and nearby
  // zones of a point already converted, into `result` (whose vectors are
  // reused). `to_lonlat` converts working coordinates to EPSG:4490.
  Reason CheckPreparedPoint(Point2 lonlat, Point2 working, const std::vector<bool>& mask,
                            int32_t day, const CheckOptions& options,
                            const PointTransformer& to_lonlat, CheckResult& result,
                            std::vector<Point2>& scratch, RuleMemo* memo = nullptr) const;
  // The open-country grid for reach_m (ground metres) around every zone;
  // empty when a zone's box cannot be converted to longitude/latitude.
  ReachGrid BuildReachGrid(double reach_m) const;
  // Zone outlines clipped to `area` (working CRS), as EPSG:4490 WKB.
  absl::Status AddZoneGeometry(const Box& area, CheckResult& result) const;

  Config config_;
  std::vector<LayerState> layers_;
  std::vector<Zone> zones_;
  BoxIndex index_;      // boxes: sites and search radii
  GridIndex point_grid_;  // points: the hot path
  ScaleGrid scale_grid_;  // ground scale: nearby distances of points
  // Open country for the point checks: where no zone lies within reach_m_.
  ReachGrid reach_grid_;
  double reach_m_ = 0;  // the default search radius or the widest setback
  RuleSet rules_;
  std::string version_;
  std::string content_hash_;
  absl::Time loaded_at_;
};

template <typename Visit>
void Snapshot::LocateWorking(Point2 p, Visit&& visit) const {
  point_grid_.Candidates(p, [&](uint32_t z, bool whole_cell) {
    const Location loc = whole_cell ? Location::kInterior : zones_[z].shape.Locate(p);
    if (loc != Location::kExterior) visit(z, loc);
  });
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_SNAPSHOT_H_
