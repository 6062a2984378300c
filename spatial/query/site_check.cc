#include "spatial/query/site_check.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "spatial/base/day.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/query/display.h"
#include "spatial/query/near_search.h"
#include "spatial/query/overlap.h"
#include "spatial/query/point_check.h"
#include "spatial/query/verdict.h"

namespace redline {
namespace {

// Relation of a site to a zone from their DE-9IM matrix (site first).
std::optional<Relation> RelationFromMatrix(absl::string_view im) {
  // Order: II IB IE BI BB BE EI EB EE.
  const bool ii = im[0] != 'F', ib = im[1] != 'F', ie = im[2] != 'F';
  const bool bi = im[3] != 'F', bb = im[4] != 'F', be = im[5] != 'F';
  if (!(ii || ib || bi || bb)) return std::nullopt;
  if (!ie && !be) return Relation::kWithin;
  if (!ii) return Relation::kTouches;
  return Relation::kIntersects;
}

// What is known of one zone against the site, step by step.
struct ZoneCheck {
  const BoxCandidate& candidate;
  const Zone& zone;
  GeomPtr whole;  // the zone; built only when GEOS must look
  GeomPtr zg;     // the zone near the site: whole, or clipped to near_clip
  std::optional<Relation> rel;
  double planar_d = kInf;
  // The overlap measured without GEOS, when the boundaries only cross.
  std::optional<GeodesicMeasure> overlap;
  // Set when the exact overlay found the site and the zone apart.
  bool apart = false;
};

// One site checked against the zones near it: Candidates() lists them
// nearest box first, Check() settles each, into `result`'s hits and
// nearest. The steps of Check, in order: the zone's grid and the exact
// overlay (no GEOS), GEOS relate, the distance of a zone apart, then the
// hit or the nearby zone.
class SiteCheck {
 public:
  SiteCheck(const ZoneIndex& index, const Site& site, const CheckOptions& options,
            CheckResult& result);

  std::vector<BoxCandidate> Candidates(const std::vector<bool>& mask, int32_t day) const;
  absl::Status Check(const BoxCandidate& candidate);
  // The rectangle zones are clipped to for distances (and their outlines).
  const Box& clip() const { return clip_; }

 private:
  void RelateWithoutGeos(ZoneCheck& zc, Location box_state);
  absl::Status RelateWithGeos(ZoneCheck& zc);
  // The distance of a zone not related yet; false when it lies too far to
  // matter.
  absl::StatusOr<bool> MeasureApart(ZoneCheck& zc);
  absl::Status AddHit(ZoneCheck& zc);
  absl::Status MeasureOverlap(ZoneCheck& zc, ZoneHitResult& hit, GeomPtr& part);
  void AddNear(const ZoneCheck& zc);

  // `zc.whole` clipped to `box`, or a copy of it when small or when GEOS
  // cannot clip (the whole zone gives the same answers, only slower);
  // null only if GEOS cannot even copy it.
  GeomPtr ClippedTo(const ZoneCheck& zc, const Box& box);
  absl::Status GeosFailure(absl::string_view what, const Zone& zone);
  const SiteLinework* Linework();
  double LocalScale();

  const ZoneIndex& index_;
  const Site& site_;
  const CheckOptions& options_;
  CheckResult& result_;
  GeosContext& geos_;
  GEOSContextHandle_t ctx_;
  const std::string& working_crs_;
  const Box& env_;
  const double tol_;
  const double radius_;
  const double planar_;
  const Box search_;
  const Box near_clip_;
  const Box clip_;
  double scale_ = 0;  // ground metres per planar metre at the site; 0 until asked
  // The site's fit of the ground scale (it measured the site) serves the
  // overlaps of every zone it meets.
  const ScaleFit* scale_fit_;
  // The site's linework for exact overlays without GEOS, copied out once,
  // when the first zone needs it.
  std::optional<std::optional<SiteLinework>> linework_;
  // Zones the site does not meet are measured only as far as NearReach
  // says: the kept zones and their distances stay the same.
  NearReach near_reach_;
};

// Hits only: no zone farther than the tolerance matters, and with no
// radius, NearReach reaches no farther and nothing is near.
// Zones are clipped to a rectangle a little larger than what the question
// needs before GEOS sees them: a 8,000-vertex red line shrinks to the few
// edges near the site. Clipping to a box that holds the site strictly
// inside keeps every relation and overlap with the site unchanged, so
// relations and overlaps take the site's box (with the tolerance and a
// metre to spare), and only distances to zones that do not touch take the
// search radius's: the overlays then node a few edges, not every edge
// within a kilometre.
SiteCheck::SiteCheck(const ZoneIndex& index, const Site& site, const CheckOptions& options,
                     CheckResult& result)
    : index_(index),
      site_(site),
      options_(options),
      result_(result),
      geos_(ThreadGeos()),
      ctx_(geos_.get()),
      working_crs_(index.config().working_crs),
      env_(site.extent),
      tol_(index.config().boundary_tolerance_m),
      radius_(options.hits_only ? 0
                                : std::max(result.search_radius_m, index.rules().max_setback_m())),
      planar_(radius_ * kPlanarSlack),
      search_(env_.Expanded(std::max(planar_, tol_))),
      near_clip_(env_.Expanded(tol_ + 1.0)),
      clip_(search_.Expanded(1.0)),
      scale_fit_(site.scale_fit ? &*site.scale_fit : nullptr),
      near_reach_(result.search_radius_m, index.rules().max_setback_m(), planar_) {}

std::vector<BoxCandidate> SiteCheck::Candidates(const std::vector<bool>& mask, int32_t day) const {
  const std::vector<Zone>& zones = index_.zones();
  std::vector<BoxCandidate> candidates;
  index_.boxes().Query(search_, [&](uint32_t z) {
    if (mask[zones[z].layer] && zones[z].InForce(day)) {
      candidates.push_back({BoxGap2(zones[z].shape.bbox(), env_), z});
    }
  });
  SortNearestBoxFirst(candidates);
  return candidates;
}

absl::Status SiteCheck::Check(const BoxCandidate& candidate) {
  ZoneCheck zc{.candidate = candidate, .zone = index_.zones()[candidate.zone]};
  // The zone's grid settles most candidates without GEOS. The search box
  // holds every point within `planar` (and the tolerance) of the site, so
  // a box the grid finds wholly outside, with no edge near, is a zone
  // farther than `planar`: no hit and not near. A box wholly inside, with
  // no edge near, holds the site in the zone's interior: WITHIN, as GEOS
  // relate would say (tests/spatial/site_fast_path_test.cc compares).
  const Location box_state = zc.zone.shape.Classify(search_);
  if (box_state == Location::kExterior) return absl::OkStatus();
  RelateWithoutGeos(zc, box_state);
  if (!zc.rel && !zc.apart) {
    if (absl::Status st = RelateWithGeos(zc); !st.ok()) return st;
  }
  if (!zc.rel) {
    absl::StatusOr<bool> near = MeasureApart(zc);
    if (!near.ok()) return near.status();
    if (!*near) return absl::OkStatus();
  }
  if (zc.rel) return AddHit(zc);
  AddNear(zc);
  return absl::OkStatus();
}

void SiteCheck::RelateWithoutGeos(ZoneCheck& zc, Location box_state) {
  // A site deep in a zone whose edges all lie farther than the search
  // radius is rare; one whose own box the grid finds inside is common.
  if (box_state == Location::kInterior ||
      zc.zone.shape.Classify(env_.Expanded(tol_)) == Location::kInterior) {
    zc.rel = Relation::kWithin;
    return;
  }
  if (options_.include_intersection || !Linework()) return;
  const std::optional<SiteZoneOverlay> fast = OverlaySiteWithZone(*Linework(), zc.zone.shape);
  if (!fast) return;
  switch (fast->relation) {
    case SiteZoneOverlay::Relation::kWithin:
      zc.rel = Relation::kWithin;
      break;
    case SiteZoneOverlay::Relation::kIntersects:
      // Beyond the bound (a site hundreds of kilometres across) GEOS
      // measures vertex by vertex.
      zc.overlap = MeasureMoments(fast->part, working_crs_, kConformalMeasureError, scale_fit_);
      if (zc.overlap) zc.rel = Relation::kIntersects;
      break;
    case SiteZoneOverlay::Relation::kDisjoint:
      zc.apart = true;
      break;
  }
}

absl::Status SiteCheck::RelateWithGeos(ZoneCheck& zc) {
  zc.whole = zc.zone.shape.ToGeos(ctx_);
  zc.zg = ClippedTo(zc, near_clip_);
  if (!zc.zg) return GeosFailure("clipping", zc.zone);
  // Empty: no part of the zone within a metre of the site's box, so
  // farther than the tolerance; the distance decides below.
  if (!GEOSisEmpty_r(ctx_, zc.zg.get())) {
    GeosString im(GEOSRelate_r(ctx_, site_.working.get(), zc.zg.get()), GeosFree{ctx_});
    if (!im) return GeosFailure("relate", zc.zone);
    zc.rel = RelationFromMatrix(im.get());
  }
  return absl::OkStatus();
}

absl::StatusOr<bool> SiteCheck::MeasureApart(ZoneCheck& zc) {
  // Apart: the distance, from the zone's edge index and the site's grid.
  // GEOS measures only sites without linework (multipoints): there the
  // zone's facet index (a prepared geometry, owned by this call) serves,
  // since plain GEOS distance compares every pair of segments.
  if (Linework()) {
    const ZoneKind kind = index_.KindOf(zc.candidate.zone);
    // At least the tolerance: a zone that close touches the site.
    const double reach = std::max(tol_, near_reach_.Reach(kind));
    if (zc.candidate.box_gap2 > reach * reach) return false;
    zc.planar_d = SiteZoneDistance(*Linework(), zc.zone.shape, reach);
    if (tol_ > 0 && zc.planar_d <= tol_) zc.rel = Relation::kTouches;
    if (!zc.rel) near_reach_.Found(kind, zc.planar_d);
    return true;
  }
  if (!zc.whole) zc.whole = zc.zone.shape.ToGeos(ctx_);
  GeomPtr near = ClippedTo(zc, clip_);
  if (!near) return GeosFailure("clipping", zc.zone);
  if (GEOSisEmpty_r(ctx_, near.get())) return false;  // farther than the search radius
  PreparedPtr prepared(GEOSPrepare_r(ctx_, near.get()), PreparedDeleter{ctx_});
  if (!prepared ||
      GEOSPreparedDistance_r(ctx_, prepared.get(), site_.working.get(), &zc.planar_d) != 1) {
    return GeosFailure("distance", zc.zone);
  }
  if (tol_ > 0 && zc.planar_d <= tol_) zc.rel = Relation::kTouches;
  return true;
}

absl::Status SiteCheck::AddHit(ZoneCheck& zc) {
  ZoneHitResult hit{.zone = zc.candidate.zone, .relation = *zc.rel};
  GeomPtr part;  // the site's part in the zone, when asked for
  if (*zc.rel == Relation::kWithin) {
    if (options_.include_intersection) {
      part = Own(ctx_, GEOSGeom_clone_r(ctx_, site_.working.get()));
    }
    hit.overlap_area_m2 = site_.area_m2;
    hit.overlap_length_m = site_.dimension == 1 ? site_.length_m : 0;
    hit.overlap_ratio = 1;
  } else if (*zc.rel == Relation::kIntersects) {
    if (absl::Status st = MeasureOverlap(zc, hit, part); !st.ok()) return st;
  } else if (options_.include_intersection) {
    part = Own(ctx_, GEOSIntersection_r(ctx_, site_.working.get(), zc.zg.get()));
  }
  if (options_.include_intersection && part && !GEOSisEmpty_r(ctx_, part.get())) {
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx_, part.get(), working_crs_);
    if (!wkb.ok()) return wkb.status();
    hit.intersection_wkb = *std::move(wkb);
  }
  result_.hits.push_back(std::move(hit));
  return absl::OkStatus();
}

absl::Status SiteCheck::MeasureOverlap(ZoneCheck& zc, ZoneHitResult& hit, GeomPtr& part) {
  if (!zc.overlap) {
    GeomPtr inter = Own(ctx_, GEOSIntersection_r(ctx_, site_.working.get(), zc.zg.get()));
    if (!inter) {
      // Nearly coincident edges can defeat even OverlayNG; snapping to
      // a 0.1 mm grid settles them at far below the boundary tolerance.
      geos_.TakeError();
      inter = Own(ctx_, GEOSIntersectionPrec_r(ctx_, site_.working.get(), zc.zg.get(), 1e-4));
    }
    if (!inter) return GeosFailure("overlay", zc.zone);
    absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx_, inter.get(), working_crs_);
    if (!m.ok()) return m.status();
    zc.overlap = *m;
    part = std::move(inter);
  }
  if (site_.dimension == 2) {
    hit.overlap_area_m2 = zc.overlap->area_m2;
    hit.overlap_ratio = site_.area_m2 > 0 ? zc.overlap->area_m2 / site_.area_m2 : 0;
  } else {
    hit.overlap_length_m = zc.overlap->length_m;
    hit.overlap_ratio = site_.length_m > 0 ? zc.overlap->length_m / site_.length_m : 0;
  }
  return absl::OkStatus();
}

void SiteCheck::AddNear(const ZoneCheck& zc) {
  // Not touching: how far is it? The working CRS is conformal, so near
  // the site one scale factor turns planar metres into metres on the
  // ellipsoid, in every direction (it varies by ~1e-6 over a few km).
  if (zc.planar_d > planar_) return;
  const double d = zc.planar_d * LocalScale();
  if (d <= radius_) result_.nearest.push_back({.zone = zc.candidate.zone, .distance_m = d});
}

GeomPtr SiteCheck::ClippedTo(const ZoneCheck& zc, const Box& box) {
  if (zc.zone.shape.vertex_count() > 64) {
    GeomPtr clipped = Own(
        ctx_, GEOSClipByRect_r(ctx_, zc.whole.get(), box.min_x, box.min_y, box.max_x, box.max_y));
    if (clipped) return clipped;
    geos_.TakeError();
  }
  return Own(ctx_, GEOSGeom_clone_r(ctx_, zc.whole.get()));
}

absl::Status SiteCheck::GeosFailure(absl::string_view what, const Zone& zone) {
  return absl::InternalError(absl::StrCat(what, " of the site with zone ", zone.id, " (layer ",
                                          index_.layers()[zone.layer].config.name,
                                          ") failed: ", geos_.TakeError()));
}

const SiteLinework* SiteCheck::Linework() {
  if (!linework_) linework_ = SiteLinework::FromGeos(ctx_, site_.working.get());
  return *linework_ ? &**linework_ : nullptr;
}

double SiteCheck::LocalScale() {
  if (scale_ == 0) {
    const Point2 c{0.5 * (env_.min_x + env_.max_x), 0.5 * (env_.min_y + env_.max_y)};
    Point2 ends[2] = {c, {c.x + 1, c.y}};
    scale_ = TransformPoints(working_crs_, kLonLatCrs, ends).ok()
                 ? GeodesicDistanceM(ends[0], ends[1])
                 : 1.0;
  }
  return scale_;
}

}  // namespace

absl::StatusOr<CheckResult> CheckGeometry(const ZoneIndex& index, GeometryEncoding encoding,
                                          absl::string_view data, absl::string_view crs,
                                          const CheckOptions& options) {
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(index, options);
  if (!mask.ok()) return mask.status();
  const Config& config = index.config();
  absl::StatusOr<Site> site =
      PrepareSite(encoding, data, crs, config.working_crs, config.max_vertices,
                  options.strict_geometry ? InvalidPolygon::kRefuse : InvalidPolygon::kRepair);
  if (!site.ok()) return site.status();

  if (site->type == "Point") {
    // One point: the exact point path, with the same answers as CheckPoint.
    // The extent of one point is that point's exact longitude/latitude.
    const Point2 lonlat{site->extent_lonlat.min_x, site->extent_lonlat.min_y};
    absl::StatusOr<CheckResult> result = CheckPoint(index, lonlat, kLonLatCrs, options);
    if (result.ok()) {
      result->site.input_crs = site->input_crs;
      result->site.coordinates = std::move(site->interpretation);
    }
    return result;
  }

  CheckResult result;
  result.site = {
      site->type,    site->input_crs, std::move(site->interpretation), site->vertices,
      site->area_m2, site->length_m,  site->representative_lonlat,     site->extent_lonlat};
  result.site.geometry_repaired = site->geometry_repaired;
  result.search_radius_m = SearchRadius(index, options);
  const int32_t day = options.as_of_day.value_or(TodayInChina());
  result.as_of_day = day;

  SiteCheck check(index, *site, options, result);
  for (const BoxCandidate& candidate : check.Candidates(*mask, day)) {
    if (absl::Status st = check.Check(candidate); !st.ok()) return st;
  }
  if (options.hits_only) {
    result.hits_only = true;
    SortHitsInLayerOrder(index, result.hits);
  } else {
    SetReason(index, ApplyRules(index, options, result), result);
  }
  if (options.include_zone_geometry) {
    if (absl::Status st = AddZoneGeometry(index, check.clip(), result); !st.ok()) return st;
    GEOSContextHandle_t ctx = ThreadGeos().get();
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, site->working.get(), config.working_crs);
    if (!wkb.ok()) return wkb.status();
    result.site.geometry_wkb = *std::move(wkb);
  }
  return result;
}

}  // namespace redline
