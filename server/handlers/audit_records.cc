#include "server/handlers/audit_records.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/handlers/convert.h"

namespace redline::handlers {
namespace {

void AddOnce(const std::string& id, std::vector<std::string>* ids) {
  if (std::find(ids->begin(), ids->end(), id) == ids->end()) ids->push_back(id);
}

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  return google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(t));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

}  // namespace

server::AuditRecord CheckRecord(const AuditContext& audit, const Snapshot& snapshot,
                                const CheckResult& result, const v1::CheckOptions& options,
                                absl::Time at) {
  server::AuditRecord r;
  r.id = server::NewRecordId(at);
  r.at = at;
  r.caller_name = audit.caller.name;
  r.caller_address = audit.caller.address;
  r.method = audit.method;
  r.options = options.SerializeAsString();
  r.as_of = FormatDay(result.as_of_day);
  r.dataset_version = snapshot.version();
  if (!result.hits_only) r.verdict = v1::Verdict_Name(static_cast<v1::Verdict>(result.verdict));
  for (const ZoneHitResult& hit : result.hits) {
    const Zone& z = snapshot.zones()[hit.zone];
    r.zone_ids.push_back(absl::StrCat(snapshot.layers()[z.layer].config.name, "/", z.id));
    for (const Rule* rule : hit.rules) AddOnce(rule->id, &r.rule_ids);
  }
  for (const NearZoneResult& near : result.nearest) {
    for (const Rule* rule : near.rules) AddOnce(rule->id, &r.rule_ids);
  }
  return r;
}

std::string PointWkb(double x, double y) {
  std::string wkb(21, '\0');
  wkb[0] = 1;               // little-endian
  const uint32_t type = 1;  // Point
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &x, 8);
  std::memcpy(&wkb[13], &y, 8);
  return wkb;
}

void OverlayTally::Add(const v1::OverlayResult& result) {
  if (!result.has_batch()) {
    ++features;
    if (!result.error().empty() || !result.has_response()) {
      ++errors;
      return;
    }
    if (result.response().hits_size() > 0) ++with_hits;
    ++by_verdict[v1::Verdict_Name(result.response().verdict())];
    return;
  }
  for (const v1::OverlayResult& one : result.batch().results()) Add(one);
  const v1::PointResults& p = result.batch().points();
  // Errors are listed apart and have verdict VERDICT_UNSPECIFIED: counted
  // as errors, not as that verdict.
  features += p.verdict_size();
  errors += p.error_index_size();
  size_t next_error = 0;
  for (int i = 0; i < p.verdict_size(); ++i) {
    if (next_error < static_cast<size_t>(p.error_index_size()) &&
        p.error_index(static_cast<int>(next_error)) == static_cast<uint32_t>(i)) {
      ++next_error;
      continue;
    }
    if (i < p.hit_count_size() && p.hit_count(i) > 0) ++with_hits;
    ++by_verdict[v1::Verdict_Name(p.verdict(i))];
  }
}

server::AuditRecord OverlayRecord(const AuditContext& audit, const std::string& id, absl::Time at,
                                  const std::string& dataset_version, const OverlayTally& tally) {
  server::AuditRecord r;
  r.id = id;
  r.at = at;
  r.caller_name = audit.caller.name;
  r.caller_address = audit.caller.address;
  r.method = audit.method;
  r.dataset_version = dataset_version;
  r.features = tally.features;
  r.with_hits = tally.with_hits;
  r.errors = tally.errors;
  r.by_verdict.assign(tally.by_verdict.begin(), tally.by_verdict.end());
  return r;
}

void RecordToProto(const server::AuditRecord& r, v1::AuditRecord* out) {
  out->set_record_id(r.id);
  *out->mutable_at() = ToTimestamp(r.at);
  out->set_caller_name(r.caller_name);
  out->set_caller_address(r.caller_address);
  out->set_method(r.method);
  out->set_geometry_encoding(r.geometry_encoding);
  out->set_geometry(r.geometry);
  out->set_crs(r.crs);
  if (!r.options.empty()) out->mutable_options()->ParseFromString(r.options);
  out->set_as_of(r.as_of);
  out->set_dataset_version(r.dataset_version);
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  if (!r.verdict.empty() && v1::Verdict_Parse(r.verdict, &verdict)) out->set_verdict(verdict);
  for (const std::string& id : r.zone_ids) out->add_zone_ids(id);
  for (const std::string& id : r.rule_ids) out->add_rule_ids(id);
  if (r.method == "Overlay") {
    v1::OverlayCounts* counts = out->mutable_overlay();
    counts->set_features(r.features);
    counts->set_with_hits(r.with_hits);
    counts->set_errors(r.errors);
    for (const auto& [name, n] : r.by_verdict) (*counts->mutable_by_verdict())[name] = n;
  }
}

absl::StatusOr<server::RecordQuery> QueryFromProto(const v1::ListRecordsRequest& request) {
  server::RecordQuery q;
  if (request.has_from()) q.from = FromTimestamp(request.from());
  if (request.has_to()) q.to = FromTimestamp(request.to());
  q.caller_name = request.caller_name();
  if (request.page_size() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size ", request.page_size(), " is negative: give 0 (100) to 1000"));
  }
  q.page_size = request.page_size() == 0 ? 100 : std::min(request.page_size(), 1000);
  if (!request.page_token().empty() && !server::IsRecordId(request.page_token())) {
    return absl::InvalidArgumentError(
        "page_token is not one this server gave: pass the previous page's next_page_token");
  }
  q.after_id = request.page_token();
  return q;
}

}  // namespace redline::handlers
