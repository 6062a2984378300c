// Zone outlines, clipped and converted to EPSG:4490: for a map
// (ZonesForDisplay), and for a check's answer when it asks for them
// (AddZoneGeometry). For display only: decisions go through the checks.
#ifndef REDLINE_SPATIAL_QUERY_DISPLAY_H_
#define REDLINE_SPATIAL_QUERY_DISPLAY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spatial/geom/box.h"
#include "spatial/index/zone_index.h"
#include "spatial/input/geometry_encoding.h"
#include "spatial/query/check_types.h"

namespace redline {

// A request for zone outlines to draw on a map.
struct DisplayQuery {
  Box bbox_lonlat;                   // EPSG:4490 degrees
  double resolution_m = 0;           // ground size of a map pixel; 0: full detail
  std::vector<std::string> layers;   // empty: all layers
  std::optional<int32_t> as_of_day;  // unset: today in China
  int max_zones = 0;                 // 0: kDefaultMaxDisplayZones
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

// The zones in force that meet the box, clipped to it (with a margin of a
// few pixels, so clip edges stay off screen) and simplified to about the
// resolution. A zone smaller than a pixel is drawn as its bounding box so
// it stays visible: Snapshot::ZonesForDisplay.
absl::StatusOr<DisplayZones> ZonesForDisplay(const ZoneIndex& index, const DisplayQuery& query);

// The outlines of the zones `result` hits and names nearby, clipped to
// `area` (working CRS), as EPSG:4490 WKB into their zone_geometry_wkb.
absl::Status AddZoneGeometry(const ZoneIndex& index, const Box& area, CheckResult& result);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_DISPLAY_H_
