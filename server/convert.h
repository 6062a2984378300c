// Conversions between the wire contract (redline.v1) and the core's types.
// Pure functions: no gRPC, no I/O.
#ifndef REDLINE_SERVER_CONVERT_H_
#define REDLINE_SERVER_CONVERT_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "redline/v1/redline.pb.h"
#include "spatial/snapshot.h"

namespace redline::server {

// The check options a request spells: siting, radius, layers, as_of and
// whether to return zone outlines.
absl::StatusOr<CheckOptions> OptionsFromProto(
    const v1::Siting& siting, double search_radius_m,
    const google::protobuf::RepeatedPtrField<std::string>& layers,
    const std::string& as_of, bool include_zone_geometry);

// An as_of string ("YYYY-MM-DD") as a day number; unset when empty.
absl::StatusOr<std::optional<int32_t>> ParseAsOf(const std::string& as_of);

void ResultToProto(const Snapshot& snapshot, const CheckResult& result,
                   const Siting& siting, v1::CheckResponse* out);

// A GetZones request as the core's query; `format` is how the geometries
// are to be encoded (WKB for gRPC, GeoJSON for the HTTP map endpoint).
absl::StatusOr<DisplayQuery> DisplayQueryFromProto(const v1::GetZonesRequest& request,
                                                   GeometryFormat format);
// Fills everything but the geometries' bytes from `zone` (geometry_wkb is
// set only for WKB queries).
void DisplayZoneToProto(const Snapshot& snapshot, const DisplayZone& zone,
                        GeometryFormat format, v1::DisplayZone* out);

void LayersToProto(const Snapshot& snapshot, v1::ListLayersResponse* out);

v1::ZoneKind KindToProto(ZoneKind kind);

}  // namespace redline::server

#endif  // REDLINE_SERVER_CONVERT_H_
