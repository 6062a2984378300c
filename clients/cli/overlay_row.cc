#include "clients/cli/overlay_row.h"

#include <string>

#include "absl/strings/match.h"

namespace redline::cli {

const std::array<OverlayColumnSpec, kOverlayColumnCount> kOverlayColumns = {{
    {"input_id", false, true},
    {"zone_layer", false, false},
    {"zone_kind", false, false},
    {"zone_id", false, false},
    {"zone_name", false, false},
    {"zone_level", false, false},
    {"zone_level_normalized", false, false},
    {"relation", false, false},
    {"overlap_area_m2", true, false},
    {"overlap_ratio", true, false},
    {"overlap_length_m", true, false},
    {"zone_verdict", false, false},
    {"rules", false, false},
    {"verdict", false, true},
    {"verdict_reason", false, true},
    {"near_red_line_id", false, true},
    {"near_red_line_m", true, true},
    {"near_red_line_rules", false, true},
    {"near_red_line_setback_m", true, true},
    {"near_water_source_id", false, true},
    {"near_water_source_level", false, true},
    {"near_water_source_m", true, true},
    {"near_water_source_rules", false, true},
    {"near_water_source_setback_m", true, true},
    {"near_zero_discharge_id", false, true},
    {"near_zero_discharge_m", true, true},
    {"near_zero_discharge_rules", false, true},
    {"near_zero_discharge_setback_m", true, true},
    {"geometry_repaired", false, true},
    {"dataset_version", false, true},
    {"error", false, true},
}};

absl::string_view VerdictText(v1::Verdict v) {
  // Verdict_Name returns a reference to a static string.
  return v1::Verdict_Name(v);
}

absl::string_view KindText(v1::ZoneKind k) { return v1::ZoneKind_Name(k); }

absl::string_view RelationText(v1::ZoneHit::Relation r) { return v1::ZoneHit::Relation_Name(r); }

namespace {

void FillNear(const v1::NearZone& n, const NearColumns& cols, std::string* rules, OverlayRow* row) {
  row->Set(cols.id, n.zone_id());
  row->Set(cols.metres, n.distance_m());
  if (cols.level != kOverlayColumnCount) row->Set(cols.level, n.normalized_level());
  rules->clear();
  double setback = 0;
  for (const v1::RuleApplication& rule : n.rules()) {
    if (!rules->empty()) rules->push_back(',');
    rules->append(rule.rule_id());
    if (rule.setback_m() > setback) setback = rule.setback_m();
  }
  row->Set(cols.rules, *rules);
  if (setback > 0) row->Set(cols.setback, setback);
}

}  // namespace

void FillFeatureColumns(const v1::OverlayResult& r, OverlayRowScratch* scratch, OverlayRow* row) {
  row->Set(kInputId, r.id());
  row->Set(kDatasetVersion, r.dataset_version());
  if (!r.error().empty()) {
    row->Set(kError, r.error());
    return;
  }
  const v1::CheckResponse& resp = r.response();
  if (resp.verdict() != v1::VERDICT_UNSPECIFIED) {  // unset for hits only
    row->Set(kVerdict, VerdictText(resp.verdict()));
    row->Set(kVerdictReason, resp.verdict_reason());
  }
  for (const v1::NearZone& n : resp.nearest()) {
    for (size_t k = 0; k < std::size(kNearColumns); ++k) {
      // CheckResponse.nearest has at most one zone per kind, nearest first.
      if (n.kind() == kNearColumns[k].kind &&
          (*row)[kNearColumns[k].id].kind == OverlayValue::kNull) {
        FillNear(n, kNearColumns[k], &scratch->near_rules[k], row);
      }
    }
  }
  if (resp.site().geometry_repaired()) row->Set(kGeometryRepaired, "yes");
}

void FillHitColumns(const v1::CheckResponse& response, const v1::ZoneHit& h,
                    OverlayRowScratch* scratch, OverlayRow* row) {
  // The row is reused for each hit of a feature: nothing of the last hit
  // may stay (a hit without rules has no zone verdict).
  for (int c = kZoneLayer; c <= kRules; ++c) row->Clear(static_cast<OverlayColumn>(c));
  row->Set(kZoneLayer, h.layer());
  row->Set(kZoneKind, KindText(h.kind()));
  row->Set(kZoneId, h.zone_id());
  row->Set(kZoneName, h.zone_name());
  row->Set(kZoneLevel, h.level());
  row->Set(kZoneLevelNormalized, h.normalized_level());
  row->Set(kRelation, RelationText(h.relation()));
  const std::string& type = response.site().geometry_type();
  if (absl::StrContains(type, "Polygon")) {
    row->Set(kOverlapAreaM2, h.overlap_area_m2());
    row->Set(kOverlapRatio, h.overlap_ratio());
  } else if (absl::StrContains(type, "LineString")) {
    row->Set(kOverlapLengthM, h.overlap_length_m());
    row->Set(kOverlapRatio, h.overlap_ratio());
  }
  v1::Verdict strictest = v1::VERDICT_UNSPECIFIED;
  scratch->rules.clear();
  for (const v1::RuleApplication& rule : h.rules()) {
    if (!scratch->rules.empty()) scratch->rules.push_back(',');
    scratch->rules.append(rule.rule_id());
    if (rule.verdict() > strictest) strictest = rule.verdict();
  }
  // Set on every hit, null for a hit without rules: the row is reused for
  // the feature's next hit, which must not show this one's verdict.
  row->Set(kZoneVerdict, strictest != v1::VERDICT_UNSPECIFIED ? VerdictText(strictest) : "");
  row->Set(kRules, scratch->rules);
}

}  // namespace redline::cli
