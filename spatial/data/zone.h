// Zone: one protected area as loaded: its layer, id, names, level, dates of
// force and indexed shape (in the working CRS).
#ifndef REDLINE_SPATIAL_DATA_ZONE_H_
#define REDLINE_SPATIAL_DATA_ZONE_H_

#include <climits>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "spatial/geom/zone_shape.h"

namespace redline {

struct Zone {
  uint32_t layer = 0;  // index into the snapshot's layers
  std::string id;
  std::string name;
  std::string level;             // as the data spells it
  std::string normalized_level;  // see spatial/rules/levels.h
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
  bool InForce(int32_t day) const { return effective_from_day <= day && day <= effective_to_day; }
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_DATA_ZONE_H_
