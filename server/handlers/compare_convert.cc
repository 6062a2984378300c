#include "server/handlers/compare_convert.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/handlers/convert.h"
#include "server/handlers/status_map.h"

namespace redline::server {
namespace {

v1::ZoneChange::Kind ChangeKindToProto(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return v1::ZoneChange::ADDED;
    case ChangeKind::kRemoved:
      return v1::ZoneChange::REMOVED;
    case ChangeKind::kReshaped:
      return v1::ZoneChange::RESHAPED;
    case ChangeKind::kAttributes:
      return v1::ZoneChange::ATTRIBUTES;
    case ChangeKind::kRenamed:
      return v1::ZoneChange::RENAMED;
  }
  return v1::ZoneChange::KIND_UNSPECIFIED;
}

void ChangeToProto(const ZoneChange& c, v1::ZoneChange* out) {
  out->set_kind(ChangeKindToProto(c.kind));
  out->set_layer(c.layer);
  out->set_zone_kind(KindToProto(c.zone_kind));
  out->set_zone_id(c.id);
  out->set_previous_id(c.previous_id);
  for (const std::string& f : c.changed_fields) out->add_changed_fields(f);
  out->set_name_before(c.name_before);
  out->set_name_after(c.name_after);
  out->set_level_before(c.level_before);
  out->set_level_after(c.level_after);
  out->set_normalized_level_before(c.normalized_level_before);
  out->set_normalized_level_after(c.normalized_level_after);
  out->set_area_before_m2(c.area_before_m2);
  out->set_area_after_m2(c.area_after_m2);
  out->set_gained_m2(c.gained_m2);
  out->set_lost_m2(c.lost_m2);
  out->set_before_wkb(c.before_wkb);
  out->set_after_wkb(c.after_wkb);
  out->set_gained_wkb(c.gained_wkb);
  out->set_lost_wkb(c.lost_wkb);
}

void TotalsToProto(const AreaTotals& t, v1::AreaTotals* out) {
  out->set_scope(std::string(ScopeName(t.scope)));
  out->set_layer(t.layer);
  out->set_kind(KindToProto(t.kind));
  out->set_level(t.level);
  out->set_zones_before(t.zones_before);
  out->set_zones_after(t.zones_after);
  out->set_added(t.added);
  out->set_removed(t.removed);
  out->set_reshaped(t.reshaped);
  out->set_renamed(t.renamed);
  out->set_attributes(t.attributes);
  out->set_unchanged(t.unchanged);
  out->set_area_before_m2(t.area_before_m2);
  out->set_area_after_m2(t.area_after_m2);
  out->set_net_m2(t.net_m2());
  out->set_gained_m2(t.gained_m2);
  out->set_lost_m2(t.lost_m2);
  out->set_share_lost(t.share_lost());
  out->set_region(t.region);
  out->set_region_name(t.region_name);
}

void HitsToProto(const std::vector<SiteHit>& hits,
                 google::protobuf::RepeatedPtrField<v1::ZoneHit>* out) {
  for (const SiteHit& h : hits) {
    v1::ZoneHit* z = out->Add();
    z->set_layer(h.layer);
    z->set_zone_id(h.zone_id);
    z->set_relation(RelationToProto(h.relation));
  }
}

}  // namespace

void ComparisonToProto(const ZoneComparison& comparison, v1::CompareVersionsResponse* out) {
  for (const ZoneChange& c : comparison.changes) ChangeToProto(c, out->add_changes());
  out->set_unchanged(comparison.unchanged);
  for (const AreaTotals& t : comparison.totals) TotalsToProto(t, out->add_totals());
}

void ImpactToProto(const ZoneComparison& comparison, const RegisterImpact& impact,
                   std::span<const RegisterFeature> features,
                   std::span<const std::string> lonlat_wkb, absl::string_view purpose,
                   v1::RegisterImpact* out) {
  out->set_purpose(std::string(purpose));
  out->set_features(static_cast<int64_t>(features.size()));
  for (const FeatureImpact& f : impact.changed) {
    v1::SiteChange* s = out->add_changed();
    s->set_id(f.id);
    for (const std::string& w : f.what) s->add_what(w);
    // The wire's Verdict has rules.h's numbers (rules.h says so).
    s->set_verdict_before(static_cast<v1::Verdict>(f.verdict_before));
    s->set_verdict_after(static_cast<v1::Verdict>(f.verdict_after));
    s->set_reason_before(f.reason_before);
    s->set_reason_after(f.reason_after);
    HitsToProto(f.hits_before, s->mutable_hits_before());
    HitsToProto(f.hits_after, s->mutable_hits_after());
    for (size_t c : f.causes) {
      const ZoneChange& z = comparison.changes[c];
      s->add_caused_by(absl::StrCat(z.layer, "/", z.id));
    }
    if (f.feature < lonlat_wkb.size()) s->set_geometry_wkb(lonlat_wkb[f.feature]);
    s->set_feature(static_cast<int64_t>(f.feature));
  }
  out->set_unchanged(impact.unchanged);
  for (const auto& [i, error] : impact.failed) {
    out->add_failed(absl::StrCat(features[i].id, ": ", error));
  }
}

}  // namespace redline::server

namespace redline::handlers {
namespace {

grpc::Status Invalid(absl::string_view message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(message));
}

// The register's options, refusing those a comparison cannot honour: the
// versions are named (no as_of) and verdicts are compared (no hits_only;
// no geometry comes back but the site's).
absl::StatusOr<CheckOptions> RegisterOptions(const v1::CheckOptions& proto) {
  for (const auto& [set, name] :
       {std::pair{!proto.as_of().empty(), "as_of"}, std::pair{proto.hits_only(), "hits_only"},
        std::pair{proto.include_intersection(), "include_intersection"},
        std::pair{proto.include_zone_geometry(), "include_zone_geometry"}}) {
    if (set) {
      return absl::InvalidArgumentError(
          absl::StrCat(name,
                       " is not available for register_sites.options in CompareVersions: "
                       "the two versions are named by from_version and to_version, and each "
                       "site's verdict is compared; leave it unset"));
    }
  }
  return server::OptionsFromProto(proto);
}

// register_sites checked under both versions, into response->register_impact.
grpc::Status CheckRegisterSites(const Snapshot& from, const Snapshot& to,
                                const ZoneComparison& comparison, const v1::RegisterSites& sites,
                                v1::CompareVersionsResponse* response) {
  if (sites.ids_size() != sites.wkb_size()) {
    return Invalid(absl::StrCat("register_sites has ", sites.ids_size(), " ids and ",
                                sites.wkb_size(), " geometries: give one id per geometry"));
  }
  absl::StatusOr<CheckOptions> options = RegisterOptions(sites.options());
  if (!options.ok()) return server::ToGrpcStatus(options.status());
  std::vector<RegisterFeature> features(static_cast<size_t>(sites.ids_size()));
  for (int i = 0; i < sites.ids_size(); ++i) {
    features[i] = RegisterFeature{sites.ids(i), sites.wkb(i)};
  }
  const std::string crs = sites.crs().empty() ? "EPSG:4490" : sites.crs();
  absl::StatusOr<RegisterImpact> impact =
      CompareRegister(from.index(), to.index(), comparison, features, crs, *options);
  if (!impact.ok()) return server::ToGrpcStatus(impact.status());
  const v1::Siting::Purpose purpose = sites.options().siting().purpose();
  const std::string purpose_name = purpose == v1::Siting::PURPOSE_UNSPECIFIED
                                       ? ""
                                       : absl::AsciiStrToLower(v1::Siting::Purpose_Name(purpose));
  server::ImpactToProto(comparison, *impact, features, {}, purpose_name,
                        response->mutable_register_impact());
  return grpc::Status::OK;
}

}  // namespace

grpc::Status CompareVersions(const server::SnapshotHolder& holder,
                             const v1::CompareVersionsRequest& request,
                             v1::CompareVersionsResponse* response) {
  if (request.from_version().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "from_version is empty: name a dataset version the server holds "
                        "(ListLayers gives the current one)");
  }
  absl::StatusOr<std::shared_ptr<const Snapshot>> from = holder.GetVersion(request.from_version());
  if (!from.ok()) return server::ToGrpcStatus(from.status());
  std::shared_ptr<const Snapshot> to = holder.Get();
  if (!request.to_version().empty()) {
    absl::StatusOr<std::shared_ptr<const Snapshot>> v = holder.GetVersion(request.to_version());
    if (!v.ok()) return server::ToGrpcStatus(v.status());
    to = *std::move(v);
  }
  // Totals per region over the newer version's context layers.
  absl::StatusOr<ZoneComparison> cmp =
      CompareZones((*from)->index(), to->index(),
                   {.geometries = request.include_geometry(), .regions = &to->context()});
  if (!cmp.ok()) return server::ToGrpcStatus(cmp.status());
  response->set_from_version((*from)->version());
  response->set_to_version(to->version());
  server::ComparisonToProto(*cmp, response);
  if (!request.has_register_sites()) return grpc::Status::OK;
  return CheckRegisterSites(**from, *to, *cmp, request.register_sites(), response);
}

}  // namespace redline::handlers
