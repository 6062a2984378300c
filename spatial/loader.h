// Loading one configured layer through GDAL into zones in the working CRS.
//
// Every feature is accounted for: loaded, repaired (make-valid, polygonal
// parts kept) or skipped with its reason, all in the layer's LoadReport.
#ifndef REDLINE_SPATIAL_LOADER_H_
#define REDLINE_SPATIAL_LOADER_H_

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/box_index.h"
#include "spatial/config.h"
#include "spatial/zone_shape.h"

namespace redline {

struct Zone {
  uint32_t layer = 0;  // index into the snapshot's layers
  std::string id;
  std::string name;
  std::string level;             // as the data spells it
  std::string normalized_level;  // see spatial/levels.h
  // The source's other fields, as text: not the id, name and level fields,
  // which the members above hold.
  std::vector<std::pair<std::string, std::string>> attributes;
  ZoneShape shape;
  double area_m2 = 0;  // geodesic
  // The days (since 1970-01-01) the zone is in force, both inclusive; open
  // ends when the data gives no date.
  int32_t effective_from_day = kNoDay;
  int32_t effective_to_day = kNoDayEnd;
  static constexpr int32_t kNoDay = INT32_MIN;
  static constexpr int32_t kNoDayEnd = INT32_MAX;
  bool InForce(int32_t day) const {
    return effective_from_day <= day && day <= effective_to_day;
  }
};

// Days since 1970-01-01 of a date written YYYY-MM-DD, YYYY/MM/DD or
// YYYYMMDD (a time part after the date is ignored).
std::optional<int32_t> ParseDay(absl::string_view text);
// YYYY-MM-DD of a day number.
std::string FormatDay(int32_t day);

struct LoadIssue {
  enum class Action { kRepaired, kSkipped, kWarning };
  std::string feature;  // "fid 12, id HX-0012"
  Action action = Action::kWarning;
  std::string reason;
};

struct LayerReport {
  std::string name;
  ZoneKind kind = ZoneKind::kOther;
  std::string source;  // redacted
  std::string driver;
  std::string source_crs;
  int64_t features_read = 0;
  int64_t zones_loaded = 0;
  int64_t vertices = 0;
  int64_t repaired = 0;
  int64_t skipped = 0;
  Box extent;         // working CRS
  Box extent_lonlat;  // EPSG:4490
  std::vector<LoadIssue> issues;
  double load_seconds = 0;
};

struct LoadedLayer {
  LayerReport report;
  std::vector<Zone> zones;
};

// The first row of the layer's watch_query, run on its source, as text:
// changes when the data does. Empty when the layer has no watch_query.
absl::StatusOr<std::string> SourceVersion(const LayerConfig& layer);

// Loads `layer` into `working_crs`. Errors (unreadable source, missing
// field, no CRS, invalid UTF-8 text) name the layer, the source and the fix.
// Safe to call from several threads at once for different layers.
absl::StatusOr<LoadedLayer> LoadLayer(const LayerConfig& layer,
                                      const std::string& working_crs,
                                      double tolerance_m);

}  // namespace redline

#endif  // REDLINE_SPATIAL_LOADER_H_
