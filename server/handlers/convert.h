// Conversions between the wire contract (redline.v1) and the core's types.
// Pure functions: no gRPC, no I/O.
#ifndef REDLINE_SERVER_GRPC_CONVERT_H_
#define REDLINE_SERVER_GRPC_CONVERT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"
#include "spatial/snapshot.h"

namespace redline::server {

// The check options of any request kind (CheckPoint, CheckGeometry,
// Overlay), the one place they are read: unknown siting values, a radius
// that is not a distance and an as_of that is not a date are refused. What a
// request kind cannot honour (include_zone_geometry for Overlay points) is
// refused by its handler.
absl::StatusOr<CheckOptions> OptionsFromProto(const v1::CheckOptions& options);

// The as_of a request is answered for ("" or YYYY-MM-DD): it picks the
// snapshot (SnapshotFor) before the options are read.
inline const std::string& RequestAsOf(const v1::CheckPointRequest& request) {
  return request.options().as_of();
}
inline const std::string& RequestAsOf(const v1::CheckGeometryRequest& request) {
  return request.options().as_of();
}
inline const std::string& RequestAsOf(const v1::GetZonesRequest& request) {
  return request.as_of();
}

// An as_of string ("YYYY-MM-DD") as a day number; unset when empty.
absl::StatusOr<std::optional<int32_t>> ParseAsOf(const std::string& as_of);

// A GetZones request as the core's query; `format` is how the geometries
// are to be encoded (WKB for gRPC, GeoJSON for the HTTP map endpoint).
absl::StatusOr<DisplayQuery> DisplayQueryFromProto(const v1::GetZonesRequest& request,
                                                   GeometryFormat format);
// Fills everything but the geometries' bytes from `zone` (geometry_wkb is
// set only for WKB queries).
void DisplayZoneToProto(const Snapshot& snapshot, const DisplayZone& zone, GeometryFormat format,
                        v1::DisplayZone* out);
// The same for a feature of the snapshot's context layers (its context()).
void DisplayZoneToProto(const ZoneIndex& index, const DisplayZone& zone, GeometryFormat format,
                        v1::DisplayZone* out);

void LayersToProto(const Snapshot& snapshot, v1::ListLayersResponse* out);

// A batch of point answers as columns (zones and rules by their index in the
// snapshot; see StreamTables for their descriptions).
void PointBatchToProto(const Snapshot& snapshot, const PointBatch& batch, v1::PointResults* out);

// The zone and rule tables of one Overlay stream: each zone and rule that a
// PointResults refers to is described once, in the first message that
// needs it. Not thread-safe; the stream's writer owns it and calls Add on
// each message just before it is sent, in stream order.
class StreamTables {
 public:
  explicit StreamTables(const Snapshot& snapshot);
  // Adds to `batch` the entries its points refer to and no earlier message
  // described.
  void Add(v1::OverlayBatchResult* batch);

 private:
  const Snapshot& snapshot_;
  std::vector<bool> zone_sent_;
  std::vector<bool> rule_sent_;
};

v1::ZoneKind KindToProto(ZoneKind kind);
v1::ZoneHit::Relation RelationToProto(Relation relation);

// What an answer says of a rule beyond its own fields: the English message
// (the Chinese one when the rules file gives none) and the rules file's name
// without its directory.
const std::string& RuleMessageEn(const Rule& rule);
absl::string_view RuleFileName(const Rule& rule);

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_CONVERT_H_
