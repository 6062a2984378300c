// Loading one configured layer through GDAL into zones in the working CRS.
//
// Every feature is accounted for: loaded, repaired (make-valid, polygonal
// parts kept) or skipped with its reason, all in the layer's LoadReport.
#ifndef REDLINE_SPATIAL_DATA_LOADER_H_
#define REDLINE_SPATIAL_DATA_LOADER_H_

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/data/config.h"
#include "spatial/data/zone.h"
#include "spatial/geom/box_index.h"

namespace redline {

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

// Geodesic area (m², holes taken away) of a shape held in `working_crs`,
// vertex by vertex on the ellipsoid as PostGIS's geography measures it; also
// widens `lonlat_box` to the shape's EPSG:4490 extent. The one measure of a
// zone's area: the loader's, and the comparison's for gained and lost parts.
absl::StatusOr<double> ZoneAreaM2(const ZoneShape& shape, const std::string& working_crs,
                                  Box& lonlat_box);

// Loads `layer` into `working_crs`. Errors (unreadable source, missing
// field, no CRS, invalid UTF-8 text) name the layer, the source and the fix.
// Safe to call from several threads at once for different layers.
absl::StatusOr<LoadedLayer> LoadLayer(const LayerConfig& layer, const std::string& working_crs,
                                      double tolerance_m);

}  // namespace redline

#endif  // REDLINE_SPATIAL_DATA_LOADER_H_
