// The columns `redline overlay` adds to each output row, and one row's
// values: the one description that every writer follows (GDAL's for any
// format, the fast CSV and GeoPackage ones), so that a file has the same
// columns and values whichever path wrote it.
//
// A row is one feature x one zone hit, or one feature without hits. The
// feature's columns (its id, verdict, nearest zones, ...) are on all its
// rows; the hit's columns (zone_*, relation, overlap_*, rules) only on hit
// rows. GeoPackage puts rows without hits in a layer "no_hits" that has the
// feature's columns only.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_ROW_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_ROW_H_

#include <array>
#include <cstddef>
#include <iterator>
#include <string>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"

namespace redline::cli {

// Column positions, in output order.
enum OverlayColumn : int {
  kInputId,
  // The hit.
  kZoneLayer,
  kZoneKind,  // ZoneKind name, e.g. WATER_SOURCE_PROTECTION
  kZoneId,
  kZoneName,
  kZoneLevel,            // as the source data spells it ("Ⅰ级", "1", "准")
  kZoneLevelNormalized,  // 一级, 二级, 准保护区, ... (ZoneHit.normalized_level)
  kRelation,             // ZoneHit.Relation name
  kOverlapAreaM2,
  kOverlapRatio,
  kOverlapLengthM,
  kZoneVerdict,  // the strictest verdict of the hit's rules
  kRules,        // the hit's rule ids, comma-separated, strictest first
  // The feature.
  kVerdict,
  kVerdictReason,
  // The nearest zone of each kind not hit (CheckResponse.nearest), its
  // geodesic distance, and the setback rule that applies at that distance
  // (rule ids, comma-separated; empty if none) with the rule's setback.
  kNearRedLineId,
  kNearRedLineM,
  kNearRedLineRules,
  kNearRedLineSetbackM,
  kNearWaterSourceId,
  kNearWaterSourceLevel,  // normalised
  kNearWaterSourceM,
  kNearWaterSourceRules,
  kNearWaterSourceSetbackM,
  kNearZeroDischargeId,
  kNearZeroDischargeM,
  kNearZeroDischargeRules,
  kNearZeroDischargeSetbackM,
  kGeometryRepaired,  // "yes" when the input polygon was made valid
  kDatasetVersion,
  kError,
  kOverlayColumnCount
};

struct OverlayColumnSpec {
  const char* name;
  bool real;         // a double (OFTReal); otherwise text (OFTString)
  bool feature_col;  // on rows without hits too (GeoPackage's no_hits layer)
};

// Indexed by OverlayColumn.
extern const std::array<OverlayColumnSpec, kOverlayColumnCount> kOverlayColumns;

// The near_* columns of each zone kind that has them: every writer (the GDAL
// path's rows and the fast path's) fills the nearest zone of a kind here.
struct NearColumns {
  v1::ZoneKind kind;
  OverlayColumn id, metres, rules, setback, level;  // level: kOverlayColumnCount if none
};
inline constexpr NearColumns kNearColumns[] = {
    {v1::ECOLOGICAL_RED_LINE, kNearRedLineId, kNearRedLineM, kNearRedLineRules,
     kNearRedLineSetbackM, kOverlayColumnCount},
    {v1::WATER_SOURCE_PROTECTION, kNearWaterSourceId, kNearWaterSourceM, kNearWaterSourceRules,
     kNearWaterSourceSetbackM, kNearWaterSourceLevel},
    {v1::ZERO_DISCHARGE_ZONE, kNearZeroDischargeId, kNearZeroDischargeM, kNearZeroDischargeRules,
     kNearZeroDischargeSetbackM, kOverlayColumnCount},
};

// One cell: null, text or a number. Text points into the message or table
// the row was filled from; a row lives no longer than those.
struct OverlayValue {
  enum Kind : unsigned char { kNull, kText, kReal };
  Kind kind = kNull;
  absl::string_view text;
  double real = 0;
};

class OverlayRow {
 public:
  void Clear() { values_.fill(OverlayValue{}); }
  void Clear(OverlayColumn c) { values_[c] = OverlayValue{}; }
  // Empty text is written as null.
  void Set(OverlayColumn c, absl::string_view text) {
    values_[c] = text.empty() ? OverlayValue{} : OverlayValue{OverlayValue::kText, text, 0};
  }
  void Set(OverlayColumn c, double real) {
    values_[c] = OverlayValue{OverlayValue::kReal, {}, real};
  }
  const OverlayValue& operator[](int c) const { return values_[c]; }

 private:
  std::array<OverlayValue, kOverlayColumnCount> values_{};
};

// Names of enum values as the rows spell them (the proto's names), without
// allocating: they point into static storage.
absl::string_view VerdictText(v1::Verdict v);
absl::string_view KindText(v1::ZoneKind k);
absl::string_view RelationText(v1::ZoneHit::Relation r);

// Fills rows from a one-feature answer (the GDAL path, and every non-point
// feature). `scratch` holds the texts built here (joined rule ids); it must
// outlive the row's use.
struct OverlayRowScratch {
  std::string rules;
  std::array<std::string, std::size(kNearColumns)> near_rules;
};
void FillFeatureColumns(const v1::OverlayResult& r, OverlayRowScratch* scratch, OverlayRow* row);
// The overlap columns are set by the site's type (SiteInfo.geometry_type):
// area and ratio for polygons, length and ratio for lines, none for points
// (a point has no overlap: null, not 0).
void FillHitColumns(const v1::CheckResponse& response, const v1::ZoneHit& h,
                    OverlayRowScratch* scratch, OverlayRow* row);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_ROW_H_
