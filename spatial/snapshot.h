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
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "spatial/base/day.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/config.h"
#include "spatial/data/loader.h"
#include "spatial/geom/box_index.h"
#include "spatial/geom/reach_grid.h"
#include "spatial/index/zone_index.h"
#include "spatial/input/geometry_encoding.h"
#include "spatial/query/check_types.h"
#include "spatial/query/display.h"
#include "spatial/query/point_batch.h"
#include "spatial/query/point_check.h"
#include "spatial/query/site_check.h"
#include "spatial/rules/rules.h"

namespace redline {

// The content part of a dataset version ("<stamp>-<hex>": the hex after
// the last '-') or of a bare content hash (the whole text).
absl::string_view DatasetContent(absl::string_view version_or_hash);
// Digits of the content hash a version carries, and the fewest a
// require_version may give.
inline constexpr size_t kMinContentDigits = 12;
// Whether two dataset versions (or content hashes) name the same content:
// one content part is a prefix of the other and both have at least
// kMinContentDigits. How a client holds every answer to one pinned version.
bool SameDatasetContent(absl::string_view a, absl::string_view b);

class Snapshot {
 public:
  // Loads every layer (in parallel) and the rule files; any failure leaves
  // nothing half-built and names the layer or file at fault.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const Config& config);
  // The same, stamped with `loaded_at` instead of the clock: versions are
  // chosen by load time for as_of, and tests need days that differ.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> Load(const Config& config,
                                                              absl::Time loaded_at);

  // A snapshot of zones already in memory (generated data, benchmarks): the
  // rule files are read from `config` and the same indexes are built as by
  // Load. `zones[i].layer` indexes `layers`, which should match
  // config.layers.
  static absl::StatusOr<std::shared_ptr<const Snapshot>> FromZones(const Config& config,
                                                                   std::vector<LayerState> layers,
                                                                   std::vector<Zone> zones,
                                                                   absl::Time loaded_at);

  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  // The queries. Each forwards to its file in spatial/query/, which takes
  // the frozen zones (index()) by const reference.

  // One point given in `crs` (query/point_check.h).
  absl::StatusOr<CheckResult> CheckPoint(Point2 point, absl::string_view crs,
                                         const CheckOptions& options) const {
    return redline::CheckPoint(index_, point, crs, options);
  }
  // Whether a point (EPSG:4490) is in open country: no zone within the
  // default search radius or any setback, by a conservative grid. The point
  // checks answer such a point without converting it (unless asked for zone
  // outlines or a wider radius).
  bool InOpenCountry(Point2 lonlat) const { return index_.OutOfReach(lonlat); }
  // Many points given in one CRS, all checked with the same options: for
  // each, in input order, the answer CheckGeometry gives for that Point (the
  // one-feature Overlay path; CheckPoint's answer too), into `out` (cleared
  // first). A point that cannot be checked gets CheckGeometry's error in
  // out->errors; so does every point when the options or the CRS are wrong.
  // Cheaper per point than CheckPoint: the CRS, the options and the
  // transformations are settled once, and buffers are reused. With
  // options.hits_only, only each point's hits (out->hits_only says so).
  // (query/point_batch.h)
  void CheckPoints(std::span<const Point2> input, absl::string_view crs,
                   const CheckOptions& options, PointBatch* out) const {
    redline::CheckPoints(index_, input, crs, options, out);
  }
  // A site of any shape (query/site_check.h).
  absl::StatusOr<CheckResult> CheckGeometry(GeometryEncoding encoding, absl::string_view data,
                                            absl::string_view crs,
                                            const CheckOptions& options) const {
    return redline::CheckGeometry(index_, encoding, data, crs, options);
  }

  // The zones in force that meet the box, clipped to it (with a margin of a
  // few pixels, so clip edges stay off screen) and simplified to about the
  // resolution. A zone smaller than a pixel is drawn as its bounding box so
  // it stays visible. For display only: decisions go through the checks.
  // (query/display.h)
  absl::StatusOr<DisplayZones> ZonesForDisplay(const DisplayQuery& query) const {
    return redline::ZonesForDisplay(index_, query);
  }

  // The hot path, for benchmarks and batch work: calls
  // visit(zone_index, Location) for every zone whose (tolerance-widened)
  // area holds `p`, a point already in the working CRS.
  template <typename Visit>
  void LocateWorking(Point2 p, Visit&& visit) const {
    index_.LocateWorking(p, std::forward<Visit>(visit));
  }

  // The frozen zones with their rules and indexes, as the queries read them.
  const ZoneIndex& index() const { return index_; }
  const Config& config() const { return index_.config(); }
  const std::vector<Zone>& zones() const { return index_.zones(); }
  const std::vector<LayerState>& layers() const { return index_.layers(); }
  const RuleSet& rules() const { return index_.rules(); }
  // "<load time UTC>-<content hash>", e.g. 20261125T010203Z-3f2a9c1b7d4e0a55.
  const std::string& version() const { return version_; }
  const std::string& content_hash() const { return content_hash_; }
  absl::Time loaded_at() const { return loaded_at_; }
  // Whether `wanted` (a request's require_version) names this data: this
  // version, another version of the same content (loaded elsewhere or at
  // another time: the part after its last '-' is compared), or the content
  // hash (at least kMinContentDigits of it). Empty matches anything.
  bool Holds(absl::string_view wanted) const;
  // Every layer names an effective-date field: the zones themselves say
  // which were in force on any day.
  bool dated() const { return index_.dated(); }
  size_t MemoryBytes() const { return index_.MemoryBytes() + context_.MemoryBytes(); }

  // The context layers (kind: context; county boundaries, rivers, towns)
  // and their features, held apart from the zones: its own layers (a
  // feature's `layer` indexes context().layers()), no rules. For drawing
  // under the zones (ZonesForDisplay on it) and for totals by region; no
  // check, verdict, overlay, nearby search or zone metric reads it.
  const ZoneIndex& context() const { return context_; }

 private:
  Snapshot() = default;
  // Indexes the zones (ZoneIndex::Build) and stamps the version.
  void Finish(Config config, RuleSet rules, std::vector<LayerState> layers, std::vector<Zone> zones,
              absl::Time loaded_at);

  ZoneIndex index_;
  ZoneIndex context_;
  std::string version_;
  std::string content_hash_;
  absl::Time loaded_at_;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_SNAPSHOT_H_
