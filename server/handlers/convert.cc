#include "server/handlers/convert.h"

#include <google/protobuf/util/time_util.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/handlers/status_map.h"
#include "spatial/base/excerpt.h"

namespace redline::server {
namespace {

// Which zone a message speaks of: the fields ZoneHit, NearZone, DisplayZone
// and ZoneEntry share.
// `Zones`: a Snapshot, or a ZoneIndex (the snapshot's context layers).
template <typename Zones, typename Message>
void ZoneIdentityToProto(const Zones& snapshot, uint32_t zone, Message* out) {
  const Zone& z = snapshot.zones()[zone];
  const LayerState& layer = snapshot.layers()[z.layer];
  out->set_layer(layer.config.name);
  out->set_kind(KindToProto(layer.config.kind));
  out->set_zone_id(z.id);
  out->set_zone_name(z.name);
  out->set_level(z.level);
  out->set_normalized_level(z.normalized_level);
}

void BoxToProto(const Box& box, v1::Extent* out) {
  if (box.empty()) return;
  out->set_min_x(box.min_x);
  out->set_min_y(box.min_y);
  out->set_max_x(box.max_x);
  out->set_max_y(box.max_y);
}

void RuleToProto(const Rule& rule, bool with_setback, v1::RuleApplication* r) {
  r->set_rule_id(rule.id);
  r->set_verdict(static_cast<v1::Verdict>(rule.verdict));
  r->set_message_zh(rule.message_zh);
  r->set_message_en(RuleMessageEn(rule));
  r->mutable_basis()->set_law(rule.basis.law);
  r->mutable_basis()->set_article(rule.basis.article);
  r->mutable_basis()->set_text(rule.basis.text);
  if (with_setback) r->set_setback_m(rule.setback_m);
  const absl::string_view file = RuleFileName(rule);
  r->set_rule_file(file.data(), file.size());
}

}  // namespace

v1::ZoneHit::Relation RelationToProto(Relation r) {
  switch (r) {
    case Relation::kInside:
      return v1::ZoneHit::INSIDE;
    case Relation::kBoundary:
      return v1::ZoneHit::BOUNDARY;
    case Relation::kWithin:
      return v1::ZoneHit::WITHIN;
    case Relation::kIntersects:
      return v1::ZoneHit::INTERSECTS;
    case Relation::kTouches:
      return v1::ZoneHit::TOUCHES;
  }
  return v1::ZoneHit::RELATION_UNSPECIFIED;
}

const std::string& RuleMessageEn(const Rule& rule) {
  return rule.message_en.empty() ? rule.message_zh : rule.message_en;
}

absl::string_view RuleFileName(const Rule& rule) {
  // ListLayers lists the full paths for operators; an answer (and the record
  // printed from it) should not show the server's directory layout on every
  // rule.
  return absl::string_view(rule.file).substr(rule.file.find_last_of('/') + 1);
}

void MessageToProto(const Message& message, v1::Message* out) {
  out->set_code(message.code);
  for (const auto& [key, value] : message.params) (*out->mutable_params())[key] = value;
  out->set_text_zh(RenderMessage(message, Lang::kZh));
  out->set_text_en(RenderMessage(message, Lang::kEn));
}

v1::ZoneKind KindToProto(ZoneKind kind) {
  switch (kind) {
    case ZoneKind::kEcologicalRedLine:
      return v1::ECOLOGICAL_RED_LINE;
    case ZoneKind::kWaterSourceProtection:
      return v1::WATER_SOURCE_PROTECTION;
    case ZoneKind::kZeroDischargeZone:
      return v1::ZERO_DISCHARGE_ZONE;
    case ZoneKind::kOther:
      return v1::OTHER_ZONE;
    case ZoneKind::kContext:
      return v1::CONTEXT_LAYER;
  }
  return v1::ZONE_KIND_UNSPECIFIED;
}

absl::StatusOr<std::optional<int32_t>> ParseAsOf(const std::string& as_of) {
  if (as_of.empty()) return std::optional<int32_t>();
  std::optional<int32_t> day = ParseDay(as_of);
  if (!day) {
    return absl::InvalidArgumentError(
        absl::StrCat("as_of '", Excerpt(as_of), "' is not a date: write YYYY-MM-DD"));
  }
  return day;
}

absl::StatusOr<CheckOptions> OptionsFromProto(const v1::CheckOptions& in) {
  CheckOptions options;
  const v1::Siting& siting = in.siting();
  // The core's enums carry the wire numbers; reject numbers a newer client
  // may send that this server does not know.
  if (!v1::Siting::Purpose_IsValid(siting.purpose()) ||
      !v1::Siting::OutfallType_IsValid(siting.outfall_type()) ||
      !v1::Siting::Action_IsValid(siting.action())) {
    return absl::InvalidArgumentError("unknown purpose, outfall_type or action value");
  }
  options.siting.purpose = static_cast<Purpose>(siting.purpose());
  options.siting.outfall_type = static_cast<OutfallType>(siting.outfall_type());
  options.siting.action = static_cast<ProjectAction>(siting.action());
  // NaN passes every comparison: refused here, never read as "unset" (it
  // used to become the default radius silently).
  const double search_radius_m = in.search_radius_m();
  if (!std::isfinite(search_radius_m) || search_radius_m < 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "search_radius_m %g is not a distance: give metres, 0 or more (0: the server's "
        "default)",
        search_radius_m));
  }
  options.search_radius_m = search_radius_m;
  options.layers.assign(in.layers().begin(), in.layers().end());
  absl::StatusOr<std::optional<int32_t>> day = ParseAsOf(in.as_of());
  if (!day.ok()) return day.status();
  options.as_of_day = *day;
  options.include_intersection = in.include_intersection();
  options.include_zone_geometry = in.include_zone_geometry();
  options.hits_only = in.hits_only();
  options.strict_geometry = in.strict_geometry();
  return options;
}

absl::StatusOr<DisplayQuery> DisplayQueryFromProto(const v1::GetZonesRequest& request,
                                                   GeometryFormat format) {
  if (!request.has_bbox_lonlat()) {
    return absl::InvalidArgumentError(
        "bbox_lonlat is missing: give the map's box in longitude/latitude");
  }
  DisplayQuery query;
  const v1::Extent& b = request.bbox_lonlat();
  query.bbox_lonlat = Box{b.min_x(), b.min_y(), b.max_x(), b.max_y()};
  query.resolution_m = request.resolution_m();
  query.layers.assign(request.layers().begin(), request.layers().end());
  absl::StatusOr<std::optional<int32_t>> day = ParseAsOf(request.as_of());
  if (!day.ok()) return day.status();
  query.as_of_day = *day;
  query.max_zones = request.max_zones();
  query.format = format;
  return query;
}

void DisplayZoneToProto(const Snapshot& snapshot, const DisplayZone& zone, GeometryFormat format,
                        v1::DisplayZone* out) {
  ZoneIdentityToProto(snapshot, zone.zone, out);
  if (format == GeometryFormat::kWkb) out->set_geometry_wkb(zone.geometry);
}

void DisplayZoneToProto(const ZoneIndex& index, const DisplayZone& zone, GeometryFormat format,
                        v1::DisplayZone* out) {
  ZoneIdentityToProto(index, zone.zone, out);
  if (format == GeometryFormat::kWkb) out->set_geometry_wkb(zone.geometry);
}

namespace {

void LayerInfoToProto(const LayerState& layer, const std::string& config_dir, v1::LayerInfo* info) {
  const LayerReport& r = layer.report;
  info->set_name(layer.config.name);
  info->set_kind(KindToProto(layer.config.kind));
  info->set_source(PublicSource(r.source, config_dir));
  info->set_source_crs(r.source_crs);
  info->set_driver(r.driver);
  info->set_zone_count(r.zones_loaded);
  info->set_vertex_count(r.vertices);
  BoxToProto(r.extent, info->mutable_extent());
  BoxToProto(r.extent_lonlat, info->mutable_extent_lonlat());
  v1::LoadReport* report = info->mutable_report();
  report->set_features_read(r.features_read);
  report->set_zones_loaded(r.zones_loaded);
  report->set_vertices(r.vertices);
  report->set_repaired(r.repaired);
  report->set_skipped(r.skipped);
  report->set_load_seconds(r.load_seconds);
  for (const LoadIssue& issue : r.issues) {
    v1::LoadIssue* i = report->add_issues();
    i->set_feature(issue.feature);
    i->set_reason(issue.reason);
    i->set_action(issue.action == LoadIssue::Action::kRepaired  ? v1::LoadIssue::REPAIRED
                  : issue.action == LoadIssue::Action::kSkipped ? v1::LoadIssue::SKIPPED
                                                                : v1::LoadIssue::WARNING);
  }
}

}  // namespace

void LayersToProto(const Snapshot& snapshot, v1::ListLayersResponse* out) {
  out->set_dataset_version(snapshot.version());
  out->set_content_hash(snapshot.content_hash());
  *out->mutable_loaded_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
      absl::ToUnixSeconds(snapshot.loaded_at()));
  out->set_working_crs(snapshot.config().working_crs);
  out->set_boundary_tolerance_m(snapshot.config().boundary_tolerance_m);
  // Paths as the config writes them, never the server's folders.
  const std::string& config_dir = snapshot.config().base_dir;
  for (const std::string& f : snapshot.rules().files()) {
    out->add_rule_files(PublicSource(f, config_dir));
  }
  out->set_rules_source(snapshot.config().rules_from == Config::RulesFrom::kConfig ? "config"
                                                                                   : "default");
  out->set_rule_count(static_cast<int32_t>(snapshot.rules().rules().size()));
  for (const LayerState& layer : snapshot.layers()) {
    LayerInfoToProto(layer, config_dir, out->add_layers());
  }
  // The context layers after the zone layers, kind CONTEXT_LAYER.
  for (const LayerState& layer : snapshot.context().layers()) {
    LayerInfoToProto(layer, config_dir, out->add_layers());
  }
}

namespace {

// The whole check's columns beyond the hits: verdicts, reasons, the hits'
// rules, and the nearby zones with theirs.
void VerdictColumnsToProto(const Snapshot& snapshot, const PointBatch& batch,
                           v1::PointResults* out) {
  const size_t n = batch.points.size();
  // Sized once: Add() on a packed field that has to grow is most of the
  // cost of building these columns.
  out->mutable_verdict()->Reserve(n);
  out->mutable_reason()->Reserve(n);
  out->mutable_near_count()->Reserve(n);
  out->mutable_hit_rule_count()->Reserve(batch.hits.size());
  out->mutable_near_zone()->Reserve(batch.nears.size());
  out->mutable_near_distance_m()->Reserve(batch.nears.size());
  out->mutable_near_rule_count()->Reserve(batch.nears.size());
  uint32_t nears_begin = 0;
  for (const PointBatch::PointAnswer& p : batch.points) {
    out->add_verdict(p.error >= 0 ? v1::VERDICT_UNSPECIFIED : static_cast<v1::Verdict>(p.verdict));
    out->add_reason(p.error >= 0 ? 0 : p.reason + 1);
    out->add_near_count(p.nears_end - nears_begin);
    nears_begin = p.nears_end;
  }
  out->add_reasons("");  // what error points point at
  for (const std::string& r : batch.reasons) out->add_reasons(r);
  out->add_reason_messages();
  for (const Message& m : batch.reason_messages) MessageToProto(m, out->add_reason_messages());
  uint32_t rules_begin = 0;
  for (const PointBatch::Hit& h : batch.hits) {
    out->add_hit_rule_count(h.rules_end - rules_begin);
    rules_begin = h.rules_end;
  }
  rules_begin = 0;
  for (const PointBatch::Near& near : batch.nears) {
    out->add_near_zone(near.zone);
    out->add_near_distance_m(near.distance_m);
    out->add_near_rule_count(near.rules_end - rules_begin);
    rules_begin = near.rules_end;
  }
  // Rules by their position in the snapshot's rule set.
  const Rule* base = snapshot.rules().rules().data();
  for (const Rule* r : batch.hit_rules) out->add_hit_rule(static_cast<uint32_t>(r - base));
  for (const Rule* r : batch.near_rules) out->add_near_rule(static_cast<uint32_t>(r - base));
}

}  // namespace

void PointBatchToProto(const Snapshot& snapshot, const PointBatch& batch, v1::PointResults* out) {
  out->set_input_crs(batch.input_crs);
  out->set_search_radius_m(batch.search_radius_m);
  if (batch.as_of_day) out->set_as_of(FormatDay(*batch.as_of_day));
  out->mutable_hit_count()->Reserve(batch.points.size());
  out->mutable_hit_zone()->Reserve(batch.hits.size());
  out->mutable_hit_relation()->Reserve(batch.hits.size());
  uint32_t hits_begin = 0;
  for (const PointBatch::PointAnswer& p : batch.points) {
    out->add_hit_count(p.hits_end - hits_begin);
    hits_begin = p.hits_end;
  }
  for (const PointBatch::Hit& h : batch.hits) {
    out->add_hit_zone(h.zone);
    out->add_hit_relation(RelationToProto(h.relation));
  }
  if (!batch.hits_only) VerdictColumnsToProto(snapshot, batch, out);
  for (const auto& [i, status] : batch.errors) {
    const grpc::Status st = ToGrpcStatus(status);  // with the message bounded
    out->add_error_index(i);
    out->add_error(st.error_message());
    out->add_error_code(st.error_code());
  }
  for (const Point2& p : batch.intersection_lonlat) {
    out->add_intersection_lon(p.x);
    out->add_intersection_lat(p.y);
  }
}

StreamTables::StreamTables(const Snapshot& snapshot)
    : snapshot_(snapshot),
      zone_sent_(snapshot.zones().size(), false),
      rule_sent_(snapshot.rules().rules().size(), false) {}

void StreamTables::Add(v1::OverlayBatchResult* batch) {
  const v1::PointResults& points = batch->points();
  const auto& zones = snapshot_.zones();
  const auto& rules = snapshot_.rules().rules();
  auto add_zone = [&](uint32_t z) {
    if (z >= zone_sent_.size() || zone_sent_[z]) return;
    zone_sent_[z] = true;
    const Zone& zone = zones[z];
    v1::ZoneEntry* e = batch->add_zones();
    e->set_index(z);
    ZoneIdentityToProto(snapshot_, z, e);
    for (const auto& [k, v] : zone.attributes) (*e->mutable_attributes())[k] = v;
  };
  auto add_rule = [&](uint32_t r) {
    if (r >= rule_sent_.size() || rule_sent_[r]) return;
    rule_sent_[r] = true;
    v1::RuleEntry* e = batch->add_rules();
    e->set_index(r);
    RuleToProto(rules[r], /*with_setback=*/true, e->mutable_rule());
  };
  for (uint32_t z : points.hit_zone()) add_zone(z);
  for (uint32_t z : points.near_zone()) add_zone(z);
  for (uint32_t r : points.hit_rule()) add_rule(r);
  for (uint32_t r : points.near_rule()) add_rule(r);
}

}  // namespace redline::server
