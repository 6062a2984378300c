#include "spatial/compare/compare.h"

#include <geos_c.h>

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "spatial/compare/regions.h"
#include "spatial/data/loader.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"

namespace redline {

absl::string_view ChangeKindName(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kRemoved:
      return "removed";
    case ChangeKind::kReshaped:
      return "reshaped";
    case ChangeKind::kAttributes:
      return "attributes";
    case ChangeKind::kRenamed:
      return "renamed";
  }
  return "";
}

absl::string_view ScopeName(AreaTotals::Scope scope) {
  switch (scope) {
    case AreaTotals::Scope::kLayer:
      return "layer";
    case AreaTotals::Scope::kKind:
      return "kind";
    case AreaTotals::Scope::kLevel:
      return "level";
    case AreaTotals::Scope::kRegion:
      return "region";
  }
  return "";
}

namespace {

// A zone of one version, or none (-1), paired with its match in the other.
struct Pair {
  int64_t from = -1;
  int64_t to = -1;
  bool renamed = false;
};

const std::string& LayerName(const ZoneIndex& index, const Zone& zone) {
  return index.layers()[zone.layer].config.name;
}

// Identical outlines, vertex for vertex: what "the shape did not change"
// means. Both versions hold their zones in the same working CRS, so the
// same source coordinates give the same doubles.
bool SameShape(const ZoneShape& a, const ZoneShape& b) {
  if (a.vertices() != b.vertices() || a.polygon_rings() != b.polygon_rings()) return false;
  for (size_t r = 0; r < a.ring_count(); ++r) {
    if (a.ring_end(r) != b.ring_end(r)) return false;
  }
  return true;
}

size_t ShapeHash(const std::string& layer, const ZoneShape& shape) {
  size_t h = absl::HashOf(layer, shape.polygon_rings().size(), shape.vertex_count());
  for (const Point2& p : shape.vertices()) h = absl::HashOf(h, p.x, p.y);
  return h;
}

// Pairs zones by (layer name, id), the k-th zone of an id in one version
// with the k-th in the other; then pairs the unmatched zones of one layer
// whose shapes are identical (renamings); the rest stay single.
std::vector<Pair> MatchZones(const ZoneIndex& from, const ZoneIndex& to) {
  absl::flat_hash_map<std::pair<std::string, std::string>, std::vector<int64_t>> by_id;
  for (size_t i = from.zones().size(); i-- > 0;) {  // reversed: pop_back gives the first
    const Zone& z = from.zones()[i];
    by_id[{LayerName(from, z), z.id}].push_back(static_cast<int64_t>(i));
  }
  std::vector<Pair> pairs;
  std::vector<int64_t> added;
  for (size_t j = 0; j < to.zones().size(); ++j) {
    const Zone& z = to.zones()[j];
    auto it = by_id.find(std::make_pair(LayerName(to, z), z.id));
    if (it == by_id.end() || it->second.empty()) {
      added.push_back(static_cast<int64_t>(j));
      continue;
    }
    pairs.push_back({it->second.back(), static_cast<int64_t>(j)});
    it->second.pop_back();
  }
  absl::flat_hash_map<size_t, std::vector<int64_t>> removed_by_shape;
  std::vector<int64_t> removed;
  for (const auto& [key, left] : by_id) removed.insert(removed.end(), left.begin(), left.end());
  std::sort(removed.begin(), removed.end());
  for (int64_t i : removed) {
    const Zone& z = from.zones()[i];
    removed_by_shape[ShapeHash(LayerName(from, z), z.shape)].push_back(i);
  }
  std::vector<bool> renamed(from.zones().size(), false);
  for (int64_t j : added) {
    const Zone& b = to.zones()[j];
    auto it = removed_by_shape.find(ShapeHash(LayerName(to, b), b.shape));
    int64_t match = -1;
    if (it != removed_by_shape.end()) {
      for (int64_t& i : it->second) {
        if (i < 0) continue;  // taken by an earlier zone
        const Zone& a = from.zones()[i];
        if (LayerName(from, a) == LayerName(to, b) && SameShape(a.shape, b.shape)) {
          match = i;
          i = -1;  // taken
          break;
        }
      }
    }
    if (match >= 0) renamed[match] = true;
    pairs.push_back({match, j, match >= 0});
  }
  for (int64_t i : removed) {
    if (!renamed[i]) pairs.push_back({i, -1});
  }
  return pairs;
}

// The attributes that differ besides the id, in ZoneChange's order.
std::vector<std::string> ChangedAttributes(const Zone& a, const Zone& b) {
  std::vector<std::string> fields;
  if (a.name != b.name) fields.push_back("name");
  if (a.level != b.level) fields.push_back("level");
  if (a.effective_from_day != b.effective_from_day) fields.push_back("effective_from");
  if (a.effective_to_day != b.effective_to_day) fields.push_back("effective_to");
  return fields;
}

// The area of a polygonal GEOS geometry (working CRS) as the loader
// measures a zone's; 0 when it is empty.
absl::StatusOr<double> PartAreaM2(GEOSContextHandle_t ctx, const GEOSGeometry* part,
                                  const std::string& working_crs, double tolerance_m) {
  if (GEOSisEmpty_r(ctx, part) != 0) return 0.0;
  absl::StatusOr<ZoneShape> shape = ZoneShape::FromGeos(ctx, part, tolerance_m);
  if (!shape.ok()) return shape.status();
  Box unused;
  return ZoneAreaM2(*shape, working_crs, unused);
}

absl::StatusOr<std::string> PartWkb(GEOSContextHandle_t ctx, const GEOSGeometry* part,
                                    const std::string& working_crs) {
  if (GEOSisEmpty_r(ctx, part) != 0) return std::string();
  return LonLatWkb(ctx, part, working_crs);
}

// Gained and lost parts of a reshaped zone: GEOS differences in the working
// CRS, their polygonal parts measured on the ellipsoid.
absl::Status MeasureReshape(const Zone& a, const Zone& b, const Config& config,
                            const CompareOptions& options, ZoneChange& change) {
  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  const GeomPtr before = a.shape.ToGeos(ctx);
  const GeomPtr after = b.shape.ToGeos(ctx);
  const auto fail = [&](absl::string_view what) {
    return absl::InternalError(absl::StrCat("zone '", b.id, "' of layer '", change.layer,
                                            "': cannot compute the ", what,
                                            " part: ", geos.TakeError()));
  };
  GeomPtr gained_raw = Own(ctx, GEOSDifference_r(ctx, after.get(), before.get()));
  if (gained_raw == nullptr) return fail("gained");
  GeomPtr lost_raw = Own(ctx, GEOSDifference_r(ctx, before.get(), after.get()));
  if (lost_raw == nullptr) return fail("lost");
  const GeomPtr gained = PolygonalPart(ctx, gained_raw.get());
  const GeomPtr lost = PolygonalPart(ctx, lost_raw.get());
  const std::string& crs = config.working_crs;
  absl::StatusOr<double> gained_m2 =
      PartAreaM2(ctx, gained.get(), crs, config.boundary_tolerance_m);
  if (!gained_m2.ok()) return gained_m2.status();
  absl::StatusOr<double> lost_m2 = PartAreaM2(ctx, lost.get(), crs, config.boundary_tolerance_m);
  if (!lost_m2.ok()) return lost_m2.status();
  change.gained_m2 = *gained_m2;
  change.lost_m2 = *lost_m2;
  if (options.geometries) {
    absl::StatusOr<std::string> g = PartWkb(ctx, gained.get(), crs);
    if (!g.ok()) return g.status();
    absl::StatusOr<std::string> l = PartWkb(ctx, lost.get(), crs);
    if (!l.ok()) return l.status();
    change.gained_wkb = *std::move(g);
    change.lost_wkb = *std::move(l);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ZoneWkb(const Zone& zone, const std::string& working_crs) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  const GeomPtr g = zone.shape.ToGeos(ctx);
  return LonLatWkb(ctx, g.get(), working_crs);
}

// Fills `change` from a pair; false when the pair did not change.
absl::StatusOr<bool> Describe(const ZoneIndex& from, const ZoneIndex& to, const Pair& pair,
                              const CompareOptions& options, ZoneChange& change) {
  const Zone* a = pair.from >= 0 ? &from.zones()[pair.from] : nullptr;
  const Zone* b = pair.to >= 0 ? &to.zones()[pair.to] : nullptr;
  const Zone& any = b != nullptr ? *b : *a;
  const ZoneIndex& any_index = b != nullptr ? to : from;
  change.layer = LayerName(any_index, any);
  change.zone_kind = any_index.layers()[any.layer].config.kind;
  change.id = any.id;
  change.from_zone = pair.from;
  change.to_zone = pair.to;
  if (a != nullptr) {
    change.name_before = a->name;
    change.level_before = a->level;
    change.normalized_level_before = a->normalized_level;
    change.area_before_m2 = a->area_m2;
  }
  if (b != nullptr) {
    change.name_after = b->name;
    change.level_after = b->level;
    change.normalized_level_after = b->normalized_level;
    change.area_after_m2 = b->area_m2;
  }
  if (a == nullptr || b == nullptr) {
    change.kind = a == nullptr ? ChangeKind::kAdded : ChangeKind::kRemoved;
    change.gained_m2 = change.area_after_m2;
    change.lost_m2 = change.area_before_m2;
  } else {
    const bool reshaped = !pair.renamed && !SameShape(a->shape, b->shape);
    if (reshaped) change.changed_fields.push_back("shape");
    for (std::string& f : ChangedAttributes(*a, *b)) change.changed_fields.push_back(std::move(f));
    if (pair.renamed) {
      change.kind = ChangeKind::kRenamed;
      change.previous_id = a->id;
    } else if (reshaped) {
      change.kind = ChangeKind::kReshaped;
      if (absl::Status st = MeasureReshape(*a, *b, to.config(), options, change); !st.ok()) {
        return st;
      }
    } else if (!change.changed_fields.empty()) {
      change.kind = ChangeKind::kAttributes;
    } else {
      return false;
    }
  }
  if (options.geometries) {
    for (auto [zone, out] : {std::pair{a, &change.before_wkb}, std::pair{b, &change.after_wkb}}) {
      if (zone == nullptr) continue;
      absl::StatusOr<std::string> wkb = ZoneWkb(*zone, to.config().working_crs);
      if (!wkb.ok()) return wkb.status();
      *out = *std::move(wkb);
    }
    if (change.kind == ChangeKind::kAdded) change.gained_wkb = change.after_wkb;
    if (change.kind == ChangeKind::kRemoved) change.lost_wkb = change.before_wkb;
  }
  return true;
}

using TotalsKey = std::tuple<int, std::string, int, std::string>;

TotalsKey KeyOf(AreaTotals::Scope scope, const ZoneIndex& index, const Zone& zone) {
  const LayerConfig& layer = index.layers()[zone.layer].config;
  switch (scope) {
    case AreaTotals::Scope::kLayer:
      return {static_cast<int>(scope), layer.name, static_cast<int>(layer.kind), ""};
    case AreaTotals::Scope::kKind:
      return {static_cast<int>(scope), "", static_cast<int>(layer.kind), ""};
    case AreaTotals::Scope::kLevel:
    case AreaTotals::Scope::kRegion:  // regions.h: not keyed here
      break;
  }
  return {static_cast<int>(scope), layer.name, static_cast<int>(layer.kind), zone.normalized_level};
}

// Adds one pair (changed or not) to the groups of every scope.
void Account(const ZoneIndex& from, const ZoneIndex& to, const Pair& pair, const ZoneChange* change,
             std::map<TotalsKey, AreaTotals>& totals) {
  const Zone* a = pair.from >= 0 ? &from.zones()[pair.from] : nullptr;
  const Zone* b = pair.to >= 0 ? &to.zones()[pair.to] : nullptr;
  for (AreaTotals::Scope scope :
       {AreaTotals::Scope::kLayer, AreaTotals::Scope::kKind, AreaTotals::Scope::kLevel}) {
    const auto group = [&](const TotalsKey& key) -> AreaTotals& {
      AreaTotals& t = totals[key];
      t.scope = scope;
      t.layer = std::get<1>(key);
      t.kind = static_cast<ZoneKind>(std::get<2>(key));
      t.level = std::get<3>(key);
      return t;
    };
    std::optional<TotalsKey> before, after;
    if (a != nullptr) before = KeyOf(scope, from, *a);
    if (b != nullptr) after = KeyOf(scope, to, *b);
    if (before) {
      AreaTotals& t = group(*before);
      ++t.zones_before;
      t.area_before_m2 += a->area_m2;
      compare_internal::CountChange(change, t);
    }
    if (after) {
      AreaTotals& t = group(*after);
      ++t.zones_after;
      t.area_after_m2 += b->area_m2;
      if (before != after) compare_internal::CountChange(change, t);
    }
    if (before && after && *before == *after) {
      if (change != nullptr) {
        group(*before).gained_m2 += change->gained_m2;
        group(*before).lost_m2 += change->lost_m2;
      }
    } else {
      if (before) group(*before).lost_m2 += a->area_m2;
      if (after) group(*after).gained_m2 += b->area_m2;
    }
  }
}

// Changes in the newer version's layer order, then the older's layers that
// are gone, then by id.
void SortChanges(const ZoneIndex& from, const ZoneIndex& to, std::vector<ZoneChange>& changes) {
  absl::flat_hash_map<std::string, size_t> rank;
  for (const LayerState& l : to.layers()) rank.try_emplace(l.config.name, rank.size());
  for (const LayerState& l : from.layers()) rank.try_emplace(l.config.name, rank.size());
  std::stable_sort(changes.begin(), changes.end(), [&](const ZoneChange& x, const ZoneChange& y) {
    const size_t rx = rank[x.layer], ry = rank[y.layer];
    if (rx != ry) return rx < ry;
    if (x.id != y.id) return x.id < y.id;
    return x.previous_id < y.previous_id;
  });
}

// The zone kind of the zone at `i` (-1: none).
ZoneKind KindAt(const ZoneIndex& index, int64_t i) {
  return i < 0 ? ZoneKind::kOther : index.layers()[index.zones()[i].layer].config.kind;
}

const Zone* ZoneAt(const ZoneIndex& index, int64_t i) {
  return i < 0 ? nullptr : &index.zones()[i];
}

}  // namespace

namespace compare_internal {

void CountChange(const ZoneChange* change, AreaTotals& t) {
  if (change == nullptr) {
    ++t.unchanged;
    return;
  }
  switch (change->kind) {
    case ChangeKind::kAdded:
      ++t.added;
      break;
    case ChangeKind::kRemoved:
      ++t.removed;
      break;
    case ChangeKind::kReshaped:
      ++t.reshaped;
      break;
    case ChangeKind::kAttributes:
      ++t.attributes;
      break;
    case ChangeKind::kRenamed:
      ++t.renamed;
      break;
  }
}

}  // namespace compare_internal

absl::StatusOr<ZoneComparison> CompareZones(const ZoneIndex& from, const ZoneIndex& to,
                                            const CompareOptions& options) {
  if (from.config().working_crs != to.config().working_crs) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the versions hold their zones in different working CRSs (", from.config().working_crs,
        " and ", to.config().working_crs, "): compare versions loaded with the same working_crs"));
  }
  ZoneComparison out;
  std::map<TotalsKey, AreaTotals> totals;
  std::optional<compare_internal::RegionTotals> regions;
  if (options.regions != nullptr && !options.regions->zones().empty()) {
    regions.emplace(*options.regions, to.config().working_crs, to.config().boundary_tolerance_m);
  }
  for (const Pair& pair : MatchZones(from, to)) {
    ZoneChange change;
    absl::StatusOr<bool> changed = Describe(from, to, pair, options, change);
    if (!changed.ok()) return changed.status();
    Account(from, to, pair, *changed ? &change : nullptr, totals);
    if (regions) {
      if (absl::Status st = regions->Account(ZoneAt(from, pair.from), KindAt(from, pair.from),
                                             ZoneAt(to, pair.to), KindAt(to, pair.to),
                                             *changed ? &change : nullptr);
          !st.ok()) {
        return st;
      }
    }
    if (*changed) {
      out.changes.push_back(std::move(change));
    } else {
      ++out.unchanged;
    }
  }
  SortChanges(from, to, out.changes);
  for (auto& [key, t] : totals) out.totals.push_back(std::move(t));
  if (regions) {
    for (AreaTotals& t : regions->Finish()) out.totals.push_back(std::move(t));
  }
  return out;
}

}  // namespace redline
