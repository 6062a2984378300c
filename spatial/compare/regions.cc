#include "spatial/compare/regions.h"

#include <geos_c.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "spatial/data/loader.h"

namespace redline::compare_internal {

RegionTotals::RegionTotals(const ZoneIndex& context, const std::string& working_crs,
                           double tolerance_m)
    : context_(context), working_crs_(working_crs), tolerance_m_(tolerance_m) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (const Zone& z : context.zones()) {
    if (z.shape.polygon_rings().empty()) continue;  // a river or a town: no area to share
    GeomPtr g = z.shape.ToGeos(ctx);
    PreparedPtr p(GEOSPrepare_r(ctx, g.get()), PreparedDeleter{ctx});
    regions_.push_back(Region{&z, std::move(g), std::move(p)});
  }
}

absl::StatusOr<RegionTotals::Areas> RegionTotals::AreasIn(const GEOSGeometry* g, double whole_m2) {
  Areas out;
  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  if (GEOSisEmpty_r(ctx, g) != 0) return out;
  double x0, y0, x1, y1;
  if (GEOSGeom_getXMin_r(ctx, g, &x0) == 0 || GEOSGeom_getYMin_r(ctx, g, &y0) == 0 ||
      GEOSGeom_getXMax_r(ctx, g, &x1) == 0 || GEOSGeom_getYMax_r(ctx, g, &y1) == 0) {
    return absl::InternalError(absl::StrCat("cannot read an extent: ", geos.TakeError()));
  }
  const Box box{x0, y0, x1, y1};
  for (size_t r = 0; r < regions_.size(); ++r) {
    const Region& region = regions_[r];
    if (!region.zone->shape.bbox().Intersects(box)) continue;
    // Predicates answer 2 on error: then measure the intersection.
    const char inside = GEOSPreparedContains_r(ctx, region.prepared.get(), g);
    if (inside == 1) {
      out[r] = whole_m2;
      continue;
    }
    if (inside == 0 && GEOSPreparedIntersects_r(ctx, region.prepared.get(), g) == 0) continue;
    GeomPtr cut = Own(ctx, GEOSIntersection_r(ctx, region.geometry.get(), g));
    if (cut == nullptr) {
      return absl::InternalError(
          absl::StrCat("cannot intersect with region '", region.zone->id, "': ", geos.TakeError()));
    }
    const GeomPtr part = PolygonalPart(ctx, cut.get());
    if (GEOSisEmpty_r(ctx, part.get()) != 0) continue;
    absl::StatusOr<ZoneShape> shape = ZoneShape::FromGeos(ctx, part.get(), tolerance_m_);
    if (!shape.ok()) return shape.status();
    Box unused;
    absl::StatusOr<double> m2 = ZoneAreaM2(*shape, working_crs_, unused);
    if (!m2.ok()) return m2.status();
    if (*m2 > 0) out[r] = *m2;
  }
  return out;
}

absl::StatusOr<RegionTotals::Areas> RegionTotals::ZoneAreas(const Zone& zone) {
  const GeomPtr g = zone.shape.ToGeos(ThreadGeos().get());
  return AreasIn(g.get(), zone.area_m2);
}

// The part of b not in a (gained) or of a not in b (lost), per region.
absl::StatusOr<RegionTotals::Areas> RegionTotals::PartAreas(const Zone& a, const Zone& b,
                                                            bool gained) {
  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  const GeomPtr before = a.shape.ToGeos(ctx);
  const GeomPtr after = b.shape.ToGeos(ctx);
  GeomPtr diff = Own(ctx, gained ? GEOSDifference_r(ctx, after.get(), before.get())
                                 : GEOSDifference_r(ctx, before.get(), after.get()));
  if (diff == nullptr) {
    return absl::InternalError(absl::StrCat("zone '", b.id, "': cannot compute the ",
                                            gained ? "gained" : "lost",
                                            " part: ", geos.TakeError()));
  }
  const GeomPtr part = PolygonalPart(ctx, diff.get());
  if (GEOSisEmpty_r(ctx, part.get()) != 0) return Areas{};
  absl::StatusOr<ZoneShape> shape = ZoneShape::FromGeos(ctx, part.get(), tolerance_m_);
  if (!shape.ok()) return shape.status();
  Box unused;
  absl::StatusOr<double> whole = ZoneAreaM2(*shape, working_crs_, unused);
  if (!whole.ok()) return whole.status();
  return AreasIn(part.get(), *whole);
}

AreaTotals& RegionTotals::Row(size_t region, ZoneKind kind) {
  AreaTotals& t = rows_[{region, kind}];
  const Zone& z = *regions_[region].zone;
  t.scope = AreaTotals::Scope::kRegion;
  t.layer = context_.layers()[z.layer].config.name;
  t.kind = kind;
  t.region = z.id;
  t.region_name = z.name;
  return t;
}

absl::Status RegionTotals::Account(const Zone* a, ZoneKind kind_a, const Zone* b, ZoneKind kind_b,
                                   const ZoneChange* change) {
  if (regions_.empty()) return absl::OkStatus();
  Areas before, after;
  if (a != nullptr) {
    absl::StatusOr<Areas> areas = ZoneAreas(*a);
    if (!areas.ok()) return areas.status();
    before = *std::move(areas);
  }
  const bool reshaped = change != nullptr && change->kind == ChangeKind::kReshaped;
  if (b != nullptr && a != nullptr && !reshaped) {
    after = before;  // the same outline (unchanged, renamed, new attributes)
  } else if (b != nullptr) {
    absl::StatusOr<Areas> areas = ZoneAreas(*b);
    if (!areas.ok()) return areas.status();
    after = *std::move(areas);
  }
  const bool same_group = a != nullptr && b != nullptr && kind_a == kind_b;
  for (const auto& [r, m2] : before) {
    AreaTotals& t = Row(r, kind_a);
    ++t.zones_before;
    t.area_before_m2 += m2;
    CountChange(change, t);
    if (!same_group) t.lost_m2 += m2;
  }
  for (const auto& [r, m2] : after) {
    AreaTotals& t = Row(r, kind_b);
    ++t.zones_after;
    t.area_after_m2 += m2;
    if (!same_group || !before.contains(r)) CountChange(change, t);
    if (!same_group) t.gained_m2 += m2;
  }
  if (!same_group || !reshaped) return absl::OkStatus();
  for (const bool gained : {true, false}) {
    absl::StatusOr<Areas> parts = PartAreas(*a, *b, gained);
    if (!parts.ok()) return parts.status();
    for (const auto& [r, m2] : *parts)
      (gained ? Row(r, kind_b).gained_m2 : Row(r, kind_a).lost_m2) += m2;
  }
  return absl::OkStatus();
}

std::vector<AreaTotals> RegionTotals::Finish() {
  std::vector<AreaTotals> out;
  for (auto& [key, t] : rows_) out.push_back(std::move(t));
  return out;
}

}  // namespace redline::compare_internal
