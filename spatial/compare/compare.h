// What changed between two versions of the zones: the zones added, removed,
// reshaped, renamed or with new attributes, with the area each gained and
// lost on the ellipsoid, and totals per layer, kind and level so that the
// "area may not shrink" (面积不减少) check is one line.
//
// Zones are matched by layer name and zone id. A zone of one version whose
// id has no match but whose shape is identical (vertex for vertex, in the
// working CRS) to an unmatched zone of the same layer in the other version
// is reported once, as a likely renaming, not as a removal and an addition.
// Unchanged zones are counted, never listed.
//
// Both versions must hold their zones in the same working CRS: the gained
// and lost parts are GEOS differences there, measured vertex by vertex on
// the ellipsoid by ZoneAreaM2 (spatial/data/loader.h), the loader's own
// measure of zone areas. Pure function of two frozen indexes: safe to call
// from any thread (GEOS and PROJ contexts are per thread).
#ifndef REDLINE_SPATIAL_COMPARE_COMPARE_H_
#define REDLINE_SPATIAL_COMPARE_COMPARE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/index/zone_index.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

enum class ChangeKind {
  kAdded,       // only in the newer version
  kRemoved,     // only in the older version
  kReshaped,    // same layer and id, another shape (attributes may differ too)
  kAttributes,  // same layer, id and shape; name, level or dates differ
  kRenamed,     // same layer and shape, another id (attributes may differ too)
};
// "added", "removed", "reshaped", "attributes", "renamed".
absl::string_view ChangeKindName(ChangeKind kind);

struct ZoneChange {
  ChangeKind kind = ChangeKind::kAdded;
  std::string layer;
  ZoneKind zone_kind = ZoneKind::kOther;
  std::string id;           // the newer version's id (the older's when removed)
  std::string previous_id;  // kRenamed: the older version's id
  // What differs besides the id, in this order: "shape", "name", "level",
  // "effective_from", "effective_to". Empty for kAdded and kRemoved.
  std::vector<std::string> changed_fields;
  std::string name_before, name_after;
  std::string level_before, level_after;  // as the data spells them
  std::string normalized_level_before, normalized_level_after;
  double area_before_m2 = 0;  // 0 when added
  double area_after_m2 = 0;   // 0 when removed
  // Reshaped: the areas of after \ before and before \ after. Added and
  // removed zones gain and lose their whole area.
  double gained_m2 = 0;
  double lost_m2 = 0;
  // Indexes into the versions' zones(); -1 where the zone is absent.
  int64_t from_zone = -1;
  int64_t to_zone = -1;
  // EPSG:4490 WKB, only with CompareOptions::geometries: the zone in each
  // version, and the parts gained and lost (empty when none).
  std::string before_wkb, after_wkb, gained_wkb, lost_wkb;
};

// Sums over one group of zones. Zones are counted in the group their
// version puts them in; a zone that moves between groups (a level changed)
// loses its whole older area in the old group and gains its newer area in
// the new one, so that area_after - area_before = gained - lost in every
// group. Overlapping zones of a group count once each: these are sums of
// zone areas, as a register of zones adds them up, not the area of a union.
//
// kRegion: the zones of one kind within one feature (a county, say) of a
// context layer (kind: context): the areas are those of the parts of the
// zones inside it, and a zone is counted in every region it reaches.
struct AreaTotals {
  enum class Scope { kLayer, kKind, kLevel, kRegion };
  Scope scope = Scope::kLayer;
  std::string layer;  // kLayer, kLevel; kRegion: the context layer; empty for kKind
  ZoneKind kind = ZoneKind::kOther;
  std::string level;        // kLevel: the normalised level ("" for none)
  std::string region;       // kRegion: the context feature's id
  std::string region_name;  // and its name
  int64_t zones_before = 0, zones_after = 0;
  int64_t added = 0, removed = 0, reshaped = 0, renamed = 0, attributes = 0, unchanged = 0;
  double area_before_m2 = 0, area_after_m2 = 0;
  double gained_m2 = 0, lost_m2 = 0;
  double net_m2() const { return area_after_m2 - area_before_m2; }
  // lost / before: the share of the older area no longer protected here.
  double share_lost() const { return area_before_m2 > 0 ? lost_m2 / area_before_m2 : 0; }
};
// "layer", "kind", "level", "region".
absl::string_view ScopeName(AreaTotals::Scope scope);

struct ZoneComparison {
  // By layer (in the newer version's layer order, then the older's layers
  // that are gone), then by id.
  std::vector<ZoneChange> changes;
  int64_t unchanged = 0;
  // Per layer, then per kind, then per layer and level (each sorted), then
  // per context region and kind (in the context's feature order).
  std::vector<AreaTotals> totals;
};

struct CompareOptions {
  // Fill the WKB fields of every change (costs a conversion per zone).
  bool geometries = false;
  // Context layers (Snapshot::context(), in the same working CRS): totals
  // per region for each of their polygonal features. Null or empty: none.
  const ZoneIndex* regions = nullptr;
};

// Compares the zones of `from` (the older version) with those of `to`.
// FAILED_PRECONDITION when their working CRSs differ; INTERNAL, naming the
// zone, when GEOS cannot compute a difference.
absl::StatusOr<ZoneComparison> CompareZones(const ZoneIndex& from, const ZoneIndex& to,
                                            const CompareOptions& options = {});

namespace compare_internal {
// Counts `change` (null: unchanged) in its kind's counter of `t`.
void CountChange(const ZoneChange* change, AreaTotals& t);
}  // namespace compare_internal

}  // namespace redline

#endif  // REDLINE_SPATIAL_COMPARE_COMPARE_H_
