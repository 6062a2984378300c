#include "spatial/snapshot.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <future>
#include <limits>
#include <map>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "spatial/coords/crs.h"
#include "spatial/base/excerpt.h"
#include "spatial/coords/geodesic.h"
#include "spatial/query/overlap.h"
#include "spatial/base/small_sort.h"

namespace redline {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Gauss-Kruger scale error is below 0.2 % across Zhejiang; planar searches
// are widened by this factor so no zone within a geodesic radius is missed,
// and the geodesic distance then decides.
constexpr double kPlanarSlack = 1.01;

// Nearby zones within this planar distance are measured with the snapshot's
// ScaleGrid (planar distance x ground scale at the midpoint) instead of a
// PROJ inverse and a geodesic inverse per zone, which were a quarter of a
// batched point check. At 5 km the midpoint rule errs by under 3e-8 and the
// table by under kScaleGridError (MeasureConformal's bound for areas): 1 mm
// at most, against the 1 cm the scenarios test with geod. Farther zones,
// rare, take the exact path.
constexpr double kScaleReachM = 5000;
// The open-country grid (reach_grid.h): cells of about 500 m, at most 4M
// (512 kB); each zone's box, grown by its reach, is converted to
// longitude/latitude through 17 points a side, and grown again by 0.001
// degree (~100 m) for the bend of a converted edge between them.
constexpr double kReachCellDeg = 0.005;
constexpr size_t kReachMaxCells = size_t{1} << 22;
constexpr int kReachSideSteps = 16;
constexpr double kReachMarginDeg = 0.001;
constexpr double kScaleGridSpacingM = 5000;
constexpr double kScaleGridError = kConformalMeasureError;

// A zone near a point or site, by the planar gap between its box and the
// query's: the searches for nearby zones take them nearest box first (ties
// by zone, so the order never depends on the index).
struct BoxCandidate {
  double box_gap2;
  uint32_t zone;
};
void SortNearestBoxFirst(std::vector<BoxCandidate>& candidates) {
  std::sort(candidates.begin(), candidates.end(),
            [](const BoxCandidate& a, const BoxCandidate& b) {
              return a.box_gap2 != b.box_gap2 ? a.box_gap2 < b.box_gap2 : a.zone < b.zone;
            });
}

// How far a zone not hit needs measuring. ApplyRules keeps, of those, the
// nearest of each kind within the search radius and every one within a
// setback; planar and geodesic distances differ by far less than
// kPlanarSlack, so a zone whose planar distance exceeds Reach(kind) is
// dropped there whether measured or not. Taking zones nearest box first
// lowers the bound of a kind early.
class NearReach {
 public:
  // `planar`: the widest planar search (radius and setbacks, with slack).
  NearReach(double search_radius_m, double setback_m, double planar)
      : search_radius_m_(search_radius_m), setback_m_(setback_m), planar_(planar) {
    upper_.fill(kInf);
  }
  double Reach(ZoneKind kind) const {
    return std::min(planar_, std::max(setback_m_, std::min(search_radius_m_, Upper(kind))) *
                                 kPlanarSlack);
  }
  // A zone of `kind` lies `planar_d` away (planar).
  void Found(ZoneKind kind, double planar_d) {
    double& upper = upper_[static_cast<size_t>(kind)];
    upper = std::min(upper, planar_d * kPlanarSlack);
  }
  // A distance within which the nearest zone of `kind` surely lies.
  double Upper(ZoneKind kind) const { return upper_[static_cast<size_t>(kind)]; }

 private:
  double search_radius_m_, setback_m_, planar_;
  std::array<double, std::size(kAllZoneKinds)> upper_;
};

// FNV-1a, 64 bit: a stable content hash (absl::Hash is salted per process).
class ContentHash {
 public:
  void Add(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 1099511628211ull;
    }
  }
  void Add(absl::string_view s) {
    Add(s.data(), s.size());
    Add("\0", 1);
  }
  std::string Hex() const { return absl::StrFormat("%016x", h_); }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

std::string HashZones(const std::vector<LayerState>& layers,
                      const std::vector<Zone>& zones, const RuleSet& rules) {
  ContentHash h;
  for (const LayerState& l : layers) {
    h.Add(l.config.name);
    h.Add(std::string(ZoneKindName(l.config.kind)));
  }
  for (const Zone& z : zones) {
    h.Add(&z.layer, sizeof z.layer);
    h.Add(z.id);
    h.Add(z.name);
    h.Add(z.level);
    for (const auto& [k, v] : z.attributes) {
      h.Add(k);
      h.Add(v);
    }
    const auto& v = z.shape.vertices();
    h.Add(v.data(), v.size() * sizeof(Point2));
  }
  // A changed rule changes the answers, so it changes the version too.
  for (const Rule& r : rules.rules()) {
    for (absl::string_view field : {absl::string_view(r.id), absl::string_view(r.message_zh),
                                    absl::string_view(r.message_en), absl::string_view(r.basis.law),
                                    absl::string_view(r.basis.article),
                                    absl::string_view(r.basis.text)}) {
      h.Add(field);
    }
    for (const std::string& level : r.levels) h.Add(level);
    const int numbers[] = {static_cast<int>(r.verdict), r.inside ? 1 : 0};
    h.Add(numbers, sizeof numbers);
    h.Add(&r.setback_m, sizeof r.setback_m);
    for (ZoneKind k : r.kinds) h.Add(&k, sizeof k);
    for (Purpose p : r.purposes) h.Add(&p, sizeof p);
    for (OutfallType t : r.outfall_types) h.Add(&t, sizeof t);
    for (ProjectAction a : r.actions) h.Add(&a, sizeof a);
  }
  return h.Hex();
}

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

// ISO WKB of a point, little-endian: byte order, type 1, x, y.
std::string PointWkb(Point2 p) {
  static_assert(std::endian::native == std::endian::little, "WKB written in host order");
  std::string wkb(21, '\0');
  wkb[0] = 1;
  const uint32_t type = 1;
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &p.x, 8);
  std::memcpy(&wkb[13], &p.y, 8);
  return wkb;
}

// The box holding `box` converted by `transform`, from `steps` + 1 points
// along each edge: a rectangle in one CRS is curved in the other.
absl::StatusOr<Box> TransformBox(const PointTransformer& transform, const Box& box, int steps) {
  std::vector<Point2> edge;
  edge.reserve(4 * (steps + 1));
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const double x = box.min_x + t * (box.max_x - box.min_x);
    const double y = box.min_y + t * (box.max_y - box.min_y);
    edge.insert(edge.end(), {{x, box.min_y}, {x, box.max_y}, {box.min_x, y}, {box.max_x, y}});
  }
  if (absl::Status st = transform.Apply(edge); !st.ok()) return st;
  Box out;
  for (const Point2& p : edge) out.Include(p);
  return out;
}

}  // namespace

bool Snapshot::dated() const {
  return std::all_of(layers_.begin(), layers_.end(), [](const LayerState& l) {
    return !l.config.effective_from_field.empty() || !l.config.effective_to_field.empty();
  });
}

absl::string_view RelationName(Relation relation) {
  switch (relation) {
    case Relation::kInside:
      return "INSIDE";
    case Relation::kBoundary:
      return "BOUNDARY";
    case Relation::kWithin:
      return "WITHIN";
    case Relation::kIntersects:
      return "INTERSECTS";
    case Relation::kTouches:
      return "TOUCHES";
  }
  return "INSIDE";
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(
    const Config& config) {
  return Load(config, absl::InfinitePast());
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(
    const Config& config, absl::Time loaded_at) {
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->config_ = config;
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(config.rule_files);
  if (!rules.ok()) return rules.status();
  snap->rules_ = *std::move(rules);

  // Layers load in parallel: each has its own GDAL dataset, GEOS and PROJ
  // contexts, so they share nothing.
  std::vector<std::future<absl::StatusOr<LoadedLayer>>> futures;
  for (const LayerConfig& layer : config.layers) {
    futures.push_back(std::async(std::launch::async, [&config, &layer] {
      return LoadLayer(layer, config.working_crs, config.boundary_tolerance_m);
    }));
  }
  std::vector<absl::StatusOr<LoadedLayer>> loaded;
  for (auto& f : futures) loaded.push_back(f.get());
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i].ok()) return loaded[i].status();
    const LayerReport& r = loaded[i]->report;
    if (r.features_read > 0 &&
        static_cast<double>(r.skipped) / r.features_read > config.max_skipped_fraction) {
      std::string first;
      for (const LoadIssue& issue : r.issues) {
        if (issue.action == LoadIssue::Action::kSkipped) {
          first = absl::StrCat("; the first: ", issue.feature, ": ", issue.reason);
          break;
        }
      }
      return absl::FailedPreconditionError(absl::StrFormat(
          "layer '%s': %d of %d features (%.1f%%) could not be used, more than "
          "max_skipped_fraction %g allows%s",
          r.name, r.skipped, r.features_read, 100.0 * r.skipped / r.features_read,
          config.max_skipped_fraction, first));
    }
    snap->layers_.push_back({config.layers[i], std::move(loaded[i]->report)});
    for (Zone& z : loaded[i]->zones) {
      z.layer = static_cast<uint32_t>(i);
      snap->zones_.push_back(std::move(z));
    }
  }
  snap->Finish(loaded_at);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::FromZones(
    const Config& config, std::vector<LayerState> layers, std::vector<Zone> zones,
    absl::Time loaded_at) {
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->config_ = config;
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(config.rule_files);
  if (!rules.ok()) return rules.status();
  snap->rules_ = *std::move(rules);
  for (const Zone& z : zones) {
    if (z.layer >= layers.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "zone ", z.id, " names layer ", z.layer, " of ", layers.size()));
    }
  }
  snap->layers_ = std::move(layers);
  snap->zones_ = std::move(zones);
  snap->Finish(loaded_at);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

void Snapshot::Finish(absl::Time loaded_at) {
  std::vector<Box> boxes;
  boxes.reserve(zones_.size());
  for (const Zone& z : zones_) boxes.push_back(z.shape.bbox());
  index_ = BoxIndex(boxes);
  // About 128 grid cells per zone, at least 64k (the sample's 488 zones get
  // the 64k): fine enough that most points see one or two candidates, and
  // still under 3 MB for 5,000 zones. 16 per zone halved the throughput on
  // 10x the sample (bench/core_bench.cc, BM_Tiled10x_*).
  // A zone is listed only in the cells it may hold points of, and marked
  // in those it holds whole, by its own grid (exact, tolerance included):
  // a point in the province's open country or deep inside a zone is then
  // settled without reading the zone at all.
  point_grid_ = GridIndex(boxes, config_.boundary_tolerance_m * 2,
                          std::max<size_t>(1 << 16, boxes.size() * 128),
                          [&](uint32_t z, const Box& cell) {
                            switch (zones_[z].shape.Classify(cell)) {
                              case Location::kExterior:
                                return CellShare::kNone;
                              case Location::kInterior:
                                return CellShare::kAll;
                              default:
                                return CellShare::kSome;
                            }
                          });
  // The midpoint of a point and its nearest boundary point lies within half
  // kScaleReachM of a zone. Without a table (a CRS that is not conformal,
  // a PROJ failure, an extent too large) every distance takes the exact path.
  Box extent;
  for (const Box& b : boxes) extent.Include(b);
  scale_grid_ = ScaleGrid::Build(extent.Expanded(kScaleReachM), config_.working_crs,
                                 kScaleGridSpacingM, kScaleGridError, size_t{1} << 22)
                    .value_or(ScaleGrid());
  reach_m_ = std::max(config_.default_search_radius_m, rules_.max_setback_m());
  // A point within the boundary tolerance of a zone touches it: that far too.
  reach_grid_ = BuildReachGrid(reach_m_ + config_.boundary_tolerance_m);
  // InfinitePast stands for "now, once loaded".
  loaded_at_ = loaded_at == absl::InfinitePast() ? absl::Now() : loaded_at;
  content_hash_ = HashZones(layers_, zones_, rules_);
  version_ = absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%SZ", loaded_at_, absl::UTCTimeZone()),
                          "-", content_hash_.substr(0, 12));
}

ReachGrid Snapshot::BuildReachGrid(double reach_m) const {
  absl::StatusOr<PointTransformer> to_lonlat =
      PointTransformer::Make(config_.working_crs, kLonLatCrs);
  if (!to_lonlat.ok()) return ReachGrid();
  // Planar metres are ground metres times the projection's scale, which
  // kPlanarSlack bounds; a metre more for rounding.
  const double planar = reach_m * kPlanarSlack + 1.0;
  std::vector<Box> boxes;
  boxes.reserve(zones_.size());
  for (const Zone& z : zones_) {
    // The converted box's interior lies within its converted outline.
    absl::StatusOr<Box> lonlat =
        TransformBox(*to_lonlat, z.shape.bbox().Expanded(planar), kReachSideSteps);
    if (!lonlat.ok()) return ReachGrid();
    boxes.push_back(lonlat->Expanded(kReachMarginDeg));
  }
  return ReachGrid(boxes, kReachCellDeg, kReachMaxCells);
}

absl::StatusOr<std::vector<bool>> Snapshot::LayerMask(
    const std::vector<std::string>& names) const {
  std::vector<bool> mask(layers_.size(), names.empty());
  for (const std::string& name : names) {
    auto it = std::find_if(layers_.begin(), layers_.end(), [&](const LayerState& l) {
      return l.config.name == name;
    });
    if (it == layers_.end()) {
      std::vector<std::string> known;
      for (const LayerState& l : layers_) known.push_back(l.config.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown layer '", Excerpt(name), "'; the layers are: ", absl::StrJoin(known, ", ")));
    }
    mask[it - layers_.begin()] = true;
  }
  return mask;
}

absl::StatusOr<std::vector<bool>> Snapshot::ValidateOptions(
    const CheckOptions& options) const {
  // Written so that NaN fails too.
  if (!(options.search_radius_m >= 0 && options.search_radius_m <= config_.max_search_radius_m)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "search_radius_m %g is outside 0..%g", options.search_radius_m,
        config_.max_search_radius_m));
  }
  return LayerMask(options.layers);
}

double Snapshot::Radius(const CheckOptions& options) const {
  return options.search_radius_m > 0 ? options.search_radius_m
                                     : config_.default_search_radius_m;
}

bool Snapshot::MayTakeOpenCountry(const CheckOptions& options) const {
  // Zone outlines are clipped around the working coordinates, and a wider
  // radius reaches past the grid's.
  return !options.include_zone_geometry && Radius(options) <= reach_m_;
}

std::string Snapshot::FormatReason(const Reason& reason) const {
  switch (reason.kind) {
    case Reason::Kind::kRule: {
      const Rule& r = *reason.rule;
      const Zone& z = zones_[reason.zone];
      return absl::StrCat(std::string(VerdictName(r.verdict)), " by rule ", r.id, " (",
                          r.basis.law, " ", r.basis.article, "): zone ", z.id, " ", z.name,
                          reason.distance_m > 0
                              ? absl::StrFormat(" at %.1f m", reason.distance_m)
                              : "");
    }
    case Reason::Kind::kNeedsPurposeHit:
    case Reason::Kind::kNeedsPurposeNear:
      return absl::StrCat(
          reason.kind == Reason::Kind::kNeedsPurposeNear
              ? absl::StrFormat("a zone lies within %.0f m, where setback rules apply",
                                rules_.max_setback_m())
              : "the site touches protected zones",
          "; give the purpose of the siting (e.g. OUTFALL, DISCHARGING_PROJECT) "
          "for a verdict");
    case Reason::Kind::kClearNoHit:
      return "the site touches no zone";
    case Reason::Kind::kClearNoRule:
      return "no rule restricts this purpose in the zones touched";
    case Reason::Kind::kNoRulesInForce:
      return "no rules in force: the configuration lists no rules (rules: []), so no "
             "verdict can be given; the hits are reported as found";
  }
  return "";
}

const std::vector<const Rule*>& Snapshot::RuleMemo::Inside(uint32_t zone) {
  auto [it, inserted] = inside_.try_emplace(zone);
  if (inserted) {
    const Zone& z = snapshot_.zones_[zone];
    it->second = snapshot_.rules_.Match(snapshot_.layers_[z.layer].config.kind,
                                        z.normalized_level, siting_, /*touches=*/true, 0);
  }
  return it->second;
}

void Snapshot::RuleMemo::Setback(uint32_t zone, double distance_m,
                                 std::vector<const Rule*>& out) {
  auto [it, inserted] = setback_.try_emplace(zone);
  if (inserted) {
    // At distance 0 every setback rule of the zone applies; Match orders
    // them strictest first, then in load order, so the ones that apply at a
    // distance keep that order.
    const Zone& z = snapshot_.zones_[zone];
    it->second = snapshot_.rules_.Match(snapshot_.layers_[z.layer].config.kind,
                                        z.normalized_level, siting_, /*touches=*/false, 0);
  }
  out.clear();
  for (const Rule* r : it->second) {
    if (r->setback_m > 0 && distance_m <= r->setback_m) out.push_back(r);
  }
}

Snapshot::Reason Snapshot::ApplyRules(const CheckOptions& options, CheckResult& result,
                                      RuleMemo* memo) const {
  for (ZoneHitResult& hit : result.hits) {
    if (memo != nullptr) {
      hit.rules = memo->Inside(hit.zone);
      continue;
    }
    const Zone& z = zones_[hit.zone];
    hit.rules = rules_.Match(layers_[z.layer].config.kind, z.normalized_level,
                             options.siting, /*touches=*/true, 0);
  }
  // Strictest first, then in layer order: the answer reads top-down.
  auto strictest = [](const std::vector<const Rule*>& rules) {
    Verdict v = Verdict::kClear;
    for (const Rule* r : rules) v = Stricter(v, r->verdict);
    return v;
  };
  if (result.hits.size() > 1) {
    StableSort(result.hits.begin(), result.hits.end(),
               [&](const ZoneHitResult& x, const ZoneHitResult& y) {
                 const Verdict vx = strictest(x.rules), vy = strictest(y.rules);
                 if (vx != vy) return Stricter(vx, vy) == vx;
                 return InLayerOrder(x.zone, y.zone);
               });
  }
  // Keep per kind the nearest zone within the search radius, and every zone
  // for which a setback rule applies. Equal distances (zones sharing an
  // edge) are ordered by zone, so the answer never depends on the order the
  // index returned them in.
  std::sort(result.nearest.begin(), result.nearest.end(),
            [](const NearZoneResult& a, const NearZoneResult& b) {
              if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
              return a.zone < b.zone;
            });
  size_t kept = 0;
  std::array<bool, std::size(kAllZoneKinds)> kind_seen{};
  for (size_t i = 0; i < result.nearest.size(); ++i) {
    NearZoneResult& near = result.nearest[i];
    const Zone& z = zones_[near.zone];
    const ZoneKind kind = layers_[z.layer].config.kind;
    if (memo != nullptr) {
      memo->Setback(near.zone, near.distance_m, near.rules);
    } else {
      near.rules = rules_.Match(kind, z.normalized_level, options.siting,
                                /*touches=*/false, near.distance_m);
    }
    const bool first_of_kind =
        near.distance_m <= result.search_radius_m && !kind_seen[static_cast<int>(kind)];
    if (first_of_kind) kind_seen[static_cast<int>(kind)] = true;
    if (first_of_kind || !near.rules.empty()) {
      if (kept != i) result.nearest[kept] = std::move(near);
      ++kept;
    }
  }
  result.nearest.resize(kept);

  // The verdict: the strictest rule that applied; else ask for a purpose
  // when a rule could apply; else clear.
  const Rule* strictest_rule = nullptr;
  Reason reason;
  auto consider = [&](const std::vector<const Rule*>& rules, uint32_t zone, double d) {
    for (const Rule* r : rules) {
      if (strictest_rule == nullptr ||
          Stricter(r->verdict, strictest_rule->verdict) != strictest_rule->verdict) {
        strictest_rule = r;
        reason = {Reason::Kind::kRule, r, zone, d};
      }
    }
  };
  for (const ZoneHitResult& hit : result.hits) consider(hit.rules, hit.zone, 0);
  for (const NearZoneResult& near : result.nearest) {
    consider(near.rules, near.zone, near.distance_m);
  }
  if (strictest_rule != nullptr) {
    result.verdict = strictest_rule->verdict;
    return reason;
  }
  // Without any rule nothing can be said about the site, not even that it
  // is clear: fail safe (issue 18, finding 10).
  if (rules_.rules().empty()) {
    result.verdict = Verdict::kUnspecified;
    return {Reason::Kind::kNoRulesInForce};
  }
  // Without a purpose no rule can decide; ask for one when a rule could
  // apply: a zone is touched, or lies within some rule's setback.
  const double max_setback_m = rules_.max_setback_m();
  const bool within_setback = std::any_of(
      result.nearest.begin(), result.nearest.end(),
      [&](const NearZoneResult& n) { return n.distance_m <= max_setback_m; });
  if (options.siting.purpose == Purpose::kUnspecified &&
      (!result.hits.empty() || within_setback)) {
    result.verdict = Verdict::kNeedsPurpose;
    return {result.hits.empty() ? Reason::Kind::kNeedsPurposeNear
                                : Reason::Kind::kNeedsPurposeHit};
  }
  result.verdict = Verdict::kClear;
  return {result.hits.empty() ? Reason::Kind::kClearNoHit : Reason::Kind::kClearNoRule};
}

void Snapshot::FindHits(Point2 p, const std::vector<bool>& mask, int32_t day,
                        std::vector<ZoneHitResult>& hits) const {
  hits.clear();
  LocateWorking(p, [&](uint32_t z, Location loc) {
    if (!mask[zones_[z].layer] || !zones_[z].InForce(day)) return;
    hits.push_back({.zone = z, .relation = loc == Location::kInterior ? Relation::kInside
                                                                      : Relation::kBoundary});
  });
}

void Snapshot::SortHitsInLayerOrder(std::vector<ZoneHitResult>& hits) const {
  std::sort(hits.begin(), hits.end(), [&](const ZoneHitResult& x, const ZoneHitResult& y) {
    return InLayerOrder(x.zone, y.zone);
  });
}

Snapshot::Reason Snapshot::CheckPreparedPoint(Point2 lonlat, Point2 p,
                                              const std::vector<bool>& mask, int32_t day,
                                              const CheckOptions& options,
                                              const PointTransformer& to_lonlat,
                                              CheckResult& result,
                                              std::vector<Point2>& scratch,
                                              RuleMemo* memo) const {
  FindHits(p, mask, day, result.hits);
  result.nearest.clear();
  auto is_hit = [&](uint32_t z) {
    for (const ZoneHitResult& h : result.hits) {
      if (h.zone == z) return true;
    }
    return false;
  };
  const double radius = std::max(result.search_radius_m, rules_.max_setback_m());
  const double planar = radius * kPlanarSlack;
  // The geodesic distance (a PROJ inverse and a geodesic inverse problem)
  // is needed only where it can change the answer: for a zone that may be
  // the nearest of its kind, or within a setback. Planar and geodesic
  // distances differ by the projection's scale, far less than kPlanarSlack
  // here, so a zone whose planar distance puts it surely farther than both
  // is dropped unmeasured, exactly as it would be dropped measured: what is
  // kept, and its order (distance, then zone), stays the same. The planar
  // search itself stops at that distance too, the nearest zones (by box)
  // first, so that the bound per kind falls early.
  auto kind_of = [&](uint32_t z) { return layers_[zones_[z].layer].config.kind; };
  const double setback = rules_.max_setback_m();
  NearReach near_reach(result.search_radius_m, setback, planar);
  thread_local std::vector<BoxCandidate> candidates;
  candidates.clear();
  index_.Query(Box{p.x - planar, p.y - planar, p.x + planar, p.y + planar},
               [&](uint32_t z) {
                 if (!mask[zones_[z].layer] || !zones_[z].InForce(day) || is_hit(z)) return;
                 candidates.push_back({BoxDistance2(zones_[z].shape.bbox(), p), z});
               });
  SortNearestBoxFirst(candidates);
  // distance_m holds the planar distance until the geodesic one replaces it.
  scratch.clear();
  for (const BoxCandidate& c : candidates) {
    const double reach = near_reach.Reach(kind_of(c.zone));
    if (c.box_gap2 > reach * reach) continue;
    Point2 q;
    const double d = zones_[c.zone].shape.BoundaryDistance(p, reach, &q);
    if (d == kInf) continue;
    near_reach.Found(kind_of(c.zone), d);
    result.nearest.push_back({.zone = c.zone, .distance_m = d});
    scratch.push_back(q);
  }
  if (scratch.empty()) return ApplyRules(options, result, memo);

  size_t measured = 0;
  for (size_t i = 0; i < result.nearest.size(); ++i) {
    const double lower = result.nearest[i].distance_m / kPlanarSlack;
    const bool needed =
        lower <= radius && (lower <= setback ||
                            (lower <= result.search_radius_m &&
                             lower <= near_reach.Upper(kind_of(result.nearest[i].zone))));
    if (!needed) continue;
    result.nearest[measured] = std::move(result.nearest[i]);
    scratch[measured] = scratch[i];
    ++measured;
  }
  result.nearest.resize(measured);
  scratch.resize(measured);
  // Each distance on the ellipsoid: a near zone's by the ground scale at
  // the midpoint, the others' (NaN here) through PROJ and GeographicLib in
  // one call.
  thread_local std::vector<double> geodesic;
  thread_local std::vector<Point2> exact;
  geodesic.assign(measured, std::numeric_limits<double>::quiet_NaN());
  exact.clear();
  for (size_t i = 0; i < measured; ++i) {
    const double planar_d = result.nearest[i].distance_m;
    const Point2 q = scratch[i];
    const double s = planar_d <= kScaleReachM
                         ? scale_grid_.At({0.5 * (p.x + q.x), 0.5 * (p.y + q.y)})
                         : 0;
    if (s > 0) {
      geodesic[i] = planar_d * s;
    } else {
      exact.push_back(q);
    }
  }
  to_lonlat.ApplyUnchecked(exact);
  size_t kept = 0;
  bool dropped = false;
  for (size_t i = 0, e = 0; i < measured; ++i) {
    double d = geodesic[i];
    if (std::isnan(d)) {
      const Point2 q = exact[e++];
      // A boundary point PROJ cannot convert is left out, as it always was.
      if (!std::isfinite(q.x) || !std::isfinite(q.y) || q.x == HUGE_VAL || q.y == HUGE_VAL) {
        dropped = true;
        continue;
      }
      d = GeodesicDistanceM(lonlat, q);
    }
    if (d <= radius) {
      if (kept != i) result.nearest[kept] = std::move(result.nearest[i]);
      result.nearest[kept].distance_m = d;
      ++kept;
    }
  }
  result.nearest.resize(kept);
  if (dropped && measured > 0) {
    // A zone left out unmeasured may have been judged against one PROJ
    // could not place: measure everything instead (never seen in practice).
    result.nearest.clear();
    scratch.clear();
    index_.Query(Box{p.x - planar, p.y - planar, p.x + planar, p.y + planar},
                 [&](uint32_t z) {
                   if (!mask[zones_[z].layer] || !zones_[z].InForce(day) || is_hit(z)) return;
                   Point2 q;
                   if (zones_[z].shape.BoundaryDistance(p, planar, &q) == kInf) return;
                   if (!to_lonlat.Apply(std::span<Point2>(&q, 1)).ok()) return;
                   const double d = GeodesicDistanceM(lonlat, q);
                   if (d <= radius) result.nearest.push_back({.zone = z, .distance_m = d});
                 });
  }
  return ApplyRules(options, result, memo);
}

void PointBatch::Clear() {
  points.clear();
  hits.clear();
  nears.clear();
  hit_rules.clear();
  near_rules.clear();
  reasons.clear();
  errors.clear();
  intersection_lonlat.clear();
  input_crs.clear();
  search_radius_m = 0;
  as_of_day.reset();
  hits_only = false;
}

absl::StatusOr<CheckResult> Snapshot::CheckPoint(
    Point2 point, absl::string_view crs, const CheckOptions& options) const {
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(options);
  if (!mask.ok()) return mask.status();
  absl::StatusOr<PointSite> site = ReadPoint(point, crs);
  if (!site.ok()) return site.status();
  // Open country (reach_grid.h): no zone within reach, so no hit and no
  // nearby zone, and nothing to convert or look up.
  const bool open = MayTakeOpenCountry(options) && reach_grid_.OutOfReach(site->lonlat);
  if (!open) {
    if (absl::Status st = ConvertToWorking(*site, config_.working_crs); !st.ok()) return st;
  }

  CheckResult result;
  result.site.geometry_type = "Point";
  result.site.input_crs = site->input_crs;
  result.site.coordinates = std::move(site->interpretation);
  result.site.vertices = 1;
  result.site.representative_lonlat = site->lonlat;
  result.site.extent_lonlat.Include(site->lonlat);
  result.search_radius_m = Radius(options);
  const int32_t day = options.as_of_day.value_or(TodayInChina());
  result.as_of_day = day;

  const Point2 p = site->working;
  result.hits_only = options.hits_only;
  if (open) {
    if (!options.hits_only) result.verdict_reason = FormatReason(ApplyRules(options, result));
  } else if (options.hits_only) {
    FindHits(p, *mask, day, result.hits);
    SortHitsInLayerOrder(result.hits);
  } else {
    absl::StatusOr<PointTransformer> to_lonlat =
        PointTransformer::Make(config_.working_crs, kLonLatCrs);
    if (!to_lonlat.ok()) return to_lonlat.status();
    std::vector<Point2> scratch;
    const Reason reason =
        CheckPreparedPoint(site->lonlat, p, *mask, day, options, *to_lonlat, result, scratch);
    result.verdict_reason = FormatReason(reason);
  }

  if (options.include_intersection && !result.hits.empty()) {
    // A point's part in any zone is the point itself.
    GEOSContextHandle_t ctx = ThreadGeos().get();
    GeomPtr pt = Own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y));
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, pt.get(), config_.working_crs);
    if (!wkb.ok()) return wkb.status();
    for (ZoneHitResult& hit : result.hits) hit.intersection_wkb = *wkb;
  }
  if (options.include_zone_geometry) {
    const double planar =
        std::max(result.search_radius_m, rules_.max_setback_m()) * kPlanarSlack;
    if (absl::Status st = AddZoneGeometry(
            Box{p.x, p.y, p.x, p.y}.Expanded(planar + 1.0), result);
        !st.ok()) {
      return st;
    }
    result.site.geometry_wkb = PointWkb(site->lonlat);
  }
  return result;
}

void Snapshot::CheckPoints(std::span<const Point2> input, absl::string_view crs,
                           const CheckOptions& options, PointBatch* out) const {
  out->Clear();
  out->points.resize(input.size());
  auto fail = [&](size_t i, absl::Status status) {
    out->points[i].error = static_cast<int32_t>(out->errors.size());
    out->errors.emplace_back(static_cast<uint32_t>(i), std::move(status));
  };
  auto close = [&](size_t i) {
    out->points[i].hits_end = static_cast<uint32_t>(out->hits.size());
    out->points[i].nears_end = static_cast<uint32_t>(out->nears.size());
  };
  // Options refused: every point has their error, and the batch no CRS,
  // radius or day.
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(options);
  if (!mask.ok()) {
    for (size_t i = 0; i < input.size(); ++i) fail(i, mask.status());
    return;
  }
  out->search_radius_m = Radius(options);
  out->hits_only = options.hits_only;
  const int32_t day = options.as_of_day.value_or(TodayInChina());
  out->as_of_day = day;

  // The steps and messages of CheckGeometry for a Point: PrepareSite reads
  // the point (finite, in the CRS's area of use) and converts it, then
  // CheckPoint reads the longitude/latitude again as EPSG:4490. The fast
  // path takes every point that plainly passes all of those checks, with the
  // same PROJ transformations; any other point goes the one-point way,
  // which gives its exact error (or its answer, where the fast path was only
  // cautious).
  absl::StatusOr<CrsInfo> info = DescribeCrs(crs);
  absl::StatusOr<CrsInfo> lonlat_info = DescribeCrs(kLonLatCrs);
  absl::StatusOr<PointTransformer> to_lonlat_in =
      info.ok() ? PointTransformer::Make(info->name, kLonLatCrs)
                : absl::StatusOr<PointTransformer>(info.status());
  absl::StatusOr<PointTransformer> to_working =
      PointTransformer::Make(kLonLatCrs, config_.working_crs);
  absl::StatusOr<PointTransformer> to_lonlat =
      PointTransformer::Make(config_.working_crs, kLonLatCrs);
  if (info.ok()) out->input_crs = info->name;
  const bool fast = info.ok() && lonlat_info.ok() && to_lonlat_in.ok() && to_working.ok() &&
                    to_lonlat.ok();
  auto good = [](Point2 q) {
    return std::isfinite(q.x) && std::isfinite(q.y) && q.x != HUGE_VAL && q.y != HUGE_VAL;
  };

  // Longitude/latitude and working coordinates of every point, converted in
  // one PROJ call each; `slow` marks the points the fast path leaves alone,
  // `open` those it answers from the open-country grid, unconverted: within
  // the snapshot's reach, no zone, so no hit and no nearby zone.
  std::vector<Point2> lonlat(input.begin(), input.end());
  std::vector<uint8_t> slow(input.size(), fast ? 0 : 1);
  std::vector<uint8_t> open(input.size(), 0);
  const bool use_reach = MayTakeOpenCountry(options);
  std::vector<Point2> working(input.size(), Point2{0, 0});
  if (fast) {
    for (size_t i = 0; i < input.size(); ++i) {
      const Point2 q = input[i];
      if (!std::isfinite(q.x) || !std::isfinite(q.y) ||
          (info->geographic && (std::fabs(q.y) > 90 || std::fabs(q.x) > 180))) {
        slow[i] = 1;
        lonlat[i] = {0, 0};  // keeps PROJ away from bad input
      }
    }
    to_lonlat_in->ApplyUnchecked(lonlat);
    const Box in_area = AllowedArea(*info), ll_area = AllowedArea(*lonlat_info);
    std::vector<uint32_t> converted;  // the points to convert, in order
    converted.reserve(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      const Point2 q = lonlat[i];
      if (slow[i]) continue;
      if (!good(q) || (!in_area.empty() && !in_area.Contains(q)) || std::fabs(q.y) > 90 ||
          std::fabs(q.x) > 180 || (!ll_area.empty() && !ll_area.Contains(q))) {
        slow[i] = 1;
      } else if (use_reach && reach_grid_.OutOfReach(q)) {
        open[i] = 1;
      } else {
        converted.push_back(static_cast<uint32_t>(i));
      }
    }
    std::vector<Point2> batch(converted.size());
    for (size_t k = 0; k < converted.size(); ++k) batch[k] = lonlat[converted[k]];
    to_working->ApplyUnchecked(batch);
    for (size_t k = 0; k < converted.size(); ++k) working[converted[k]] = batch[k];
  }

  CheckResult result;
  result.search_radius_m = out->search_radius_m;
  std::vector<Point2> scratch;
  RuleMemo memo(*this, options.siting);
  struct ReasonHash {
    size_t operator()(const Reason& r) const {
      return absl::HashOf(static_cast<int>(r.kind), r.rule, r.zone, r.distance_m);
    }
  };
  absl::flat_hash_map<Reason, uint32_t, ReasonHash> reason_index;
  // Point i's verdict, reason, hits and nearby zones, from `result`.
  auto write_answer = [&](size_t i, const Reason& reason) {
    // Hits only: no verdict or reason, and the hits carry no rules.
    if (!options.hits_only) {
      PointBatch::PointAnswer& answer = out->points[i];
      answer.verdict = result.verdict;
      auto [it, inserted] =
          reason_index.try_emplace(reason, static_cast<uint32_t>(out->reasons.size()));
      if (inserted) out->reasons.push_back(FormatReason(reason));
      answer.reason = it->second;
    }
    for (const ZoneHitResult& h : result.hits) {
      out->hit_rules.insert(out->hit_rules.end(), h.rules.begin(), h.rules.end());
      out->hits.push_back({h.zone, h.relation, static_cast<uint32_t>(out->hit_rules.size())});
    }
    for (const NearZoneResult& n : result.nearest) {
      out->near_rules.insert(out->near_rules.end(), n.rules.begin(), n.rules.end());
      out->nears.push_back({n.zone, n.distance_m, static_cast<uint32_t>(out->near_rules.size())});
    }
  };
  for (size_t i = 0; i < input.size(); close(i), ++i) {
    Reason reason;
    if (open[i]) {
      result.hits.clear();
      result.nearest.clear();
      if (!options.hits_only) reason = ApplyRules(options, result, &memo);
      write_answer(i, reason);
      continue;
    }
    Point2 ll, w;
    if (!slow[i] && good(working[i])) {
      ll = lonlat[i];
      w = working[i];
    } else {
      // The one-point way: CheckPoint's own reading of the coordinates
      // (zone detection, swapped axes, web-map offsets, every refusal).
      absl::StatusOr<PointSite> site = PreparePoint(input[i], crs, config_.working_crs);
      if (!site.ok()) {
        fail(i, site.status());
        continue;
      }
      if (!to_lonlat.ok()) {
        fail(i, to_lonlat.status());
        continue;
      }
      ll = site->lonlat;
      w = site->working;
    }
    if (options.hits_only) {
      FindHits(w, *mask, day, result.hits);
      result.nearest.clear();
      SortHitsInLayerOrder(result.hits);
    } else {
      reason = CheckPreparedPoint(ll, w, *mask, day, options, *to_lonlat, result, scratch,
                                  &memo);
    }
    if (options.include_intersection && !result.hits.empty()) {
      // What LonLatWkb makes of the point: converted back from the working CRS.
      Point2 at = w;
      if (absl::Status st = to_lonlat->Apply(std::span<Point2>(&at, 1)); !st.ok()) {
        fail(i, st);
        continue;
      }
      out->intersection_lonlat.push_back(at);
    }
    write_answer(i, reason);
  }
}

absl::Status Snapshot::AddZoneGeometry(const Box& area, CheckResult& result) const {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  auto outline = [&](uint32_t z, std::string& out) -> absl::Status {
    GeomPtr g = zones_[z].shape.ToGeos(ctx);
    GeomPtr clipped = Own(ctx, GEOSClipByRect_r(ctx, g.get(), area.min_x, area.min_y,
                                               area.max_x, area.max_y));
    if (!clipped || GEOSisEmpty_r(ctx, clipped.get())) return absl::OkStatus();
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, clipped.get(), config_.working_crs);
    if (!wkb.ok()) return wkb.status();
    out = *std::move(wkb);
    return absl::OkStatus();
  };
  for (ZoneHitResult& hit : result.hits) {
    if (absl::Status st = outline(hit.zone, hit.zone_geometry_wkb); !st.ok()) return st;
  }
  for (NearZoneResult& near : result.nearest) {
    if (absl::Status st = outline(near.zone, near.zone_geometry_wkb); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::StatusOr<CheckResult> Snapshot::CheckGeometry(
    GeometryEncoding encoding, absl::string_view data, absl::string_view crs,
    const CheckOptions& options) const {
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(options);
  if (!mask.ok()) return mask.status();
  absl::StatusOr<Site> site =
      PrepareSite(encoding, data, crs, config_.working_crs, config_.max_vertices);
  if (!site.ok()) return site.status();
  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();

  if (site->type == "Point") {
    // One point: the exact point path, with the same answers as CheckPoint.
    // The extent of one point is that point's exact longitude/latitude.
    const Point2 lonlat{site->extent_lonlat.min_x, site->extent_lonlat.min_y};
    absl::StatusOr<CheckResult> result = CheckPoint(lonlat, kLonLatCrs, options);
    if (result.ok()) {
      result->site.input_crs = site->input_crs;
      result->site.coordinates = std::move(site->interpretation);
    }
    return result;
  }

  CheckResult result;
  result.site = {site->type,    site->input_crs,  std::move(site->interpretation),
                 site->vertices, site->area_m2,   site->length_m,
                 site->representative_lonlat,     site->extent_lonlat};
  result.search_radius_m = Radius(options);
  const int32_t day = options.as_of_day.value_or(TodayInChina());
  result.as_of_day = day;
  const Box& env = site->extent;

  const double tol = config_.boundary_tolerance_m;
  // Hits only: no zone farther than the tolerance matters, and with no
  // radius, NearReach reaches no farther and nothing is near.
  const double radius =
      options.hits_only ? 0 : std::max(result.search_radius_m, rules_.max_setback_m());
  const double planar = radius * kPlanarSlack;
  const Box search = env.Expanded(std::max(planar, tol));
  // Zones are clipped to a rectangle a little larger than what the question
  // needs before GEOS sees them: a 8,000-vertex red line shrinks to the few
  // edges near the site. Clipping to a box that holds the site strictly
  // inside keeps every relation and overlap with the site unchanged, so
  // relations and overlaps take the site's box (with the tolerance and a
  // metre to spare), and only distances to zones that do not touch take the
  // search radius's: the overlays then node a few edges, not every edge
  // within a kilometre.
  const Box near_clip = env.Expanded(tol + 1.0);
  const Box clip = search.Expanded(1.0);

  double scale = 0;
  auto local_scale = [&] {
    if (scale == 0) {
      const Point2 c{0.5 * (env.min_x + env.max_x), 0.5 * (env.min_y + env.max_y)};
      Point2 ends[2] = {c, {c.x + 1, c.y}};
      scale = TransformPoints(config_.working_crs, kLonLatCrs, ends).ok()
                  ? GeodesicDistanceM(ends[0], ends[1])
                  : 1.0;
    }
    return scale;
  };
  // The site's fit of the ground scale (it measured the site) serves the
  // overlaps of every zone it meets.
  const ScaleFit* scale_fit = site->scale_fit ? &*site->scale_fit : nullptr;
  // The site's linework for exact overlays without GEOS, copied out once,
  // when the first zone needs it.
  std::optional<std::optional<SiteLinework>> linework;
  auto linework_of = [&]() -> const SiteLinework* {
    if (!linework) linework = SiteLinework::FromGeos(ctx, site->working.get());
    return *linework ? &**linework : nullptr;
  };
  // Zones the site does not meet are measured only as far as NearReach
  // says: the kept zones and their distances stay the same.
  NearReach near_reach(result.search_radius_m, rules_.max_setback_m(), planar);
  std::vector<BoxCandidate> candidates;
  index_.Query(search, [&](uint32_t z) {
    if ((*mask)[zones_[z].layer] && zones_[z].InForce(day)) {
      candidates.push_back({BoxGap2(zones_[z].shape.bbox(), env), z});
    }
  });
  SortNearestBoxFirst(candidates);
  absl::Status error;
  auto check_zone = [&](const BoxCandidate& candidate) {
    const uint32_t z = candidate.zone;
    const Zone& zone = zones_[z];
    // The zone's grid settles most candidates without GEOS. The search box
    // holds every point within `planar` (and the tolerance) of the site, so
    // a box the grid finds wholly outside, with no edge near, is a zone
    // farther than `planar`: no hit and not near. A box wholly inside, with
    // no edge near, holds the site in the zone's interior: WITHIN, as GEOS
    // relate would say (tests/spatial/site_fast_path_test.cc compares).
    const Location box_state = zone.shape.Classify(search);
    if (box_state == Location::kExterior) return;
    auto fail = [&](absl::string_view what) {
      error = absl::InternalError(absl::StrCat(
          what, " of the site with zone ", zone.id, " (layer ",
          layers_[zone.layer].config.name, ") failed: ", geos.TakeError()));
    };
    GeomPtr whole;  // the zone; built only when GEOS must look
    GeomPtr zg;     // the zone near the site: whole, or clipped to near_clip
    // `whole` clipped to `box`, or a copy of it when small or when GEOS
    // cannot clip (the whole zone gives the same answers, only slower);
    // null only if GEOS cannot even copy it.
    auto clipped_to = [&](const Box& box) {
      if (zone.shape.vertex_count() > 64) {
        GeomPtr clipped = Own(ctx, GEOSClipByRect_r(ctx, whole.get(), box.min_x, box.min_y,
                                                    box.max_x, box.max_y));
        if (clipped) return clipped;
        geos.TakeError();
      }
      return Own(ctx, GEOSGeom_clone_r(ctx, whole.get()));
    };
    std::optional<Relation> rel;
    double planar_d = kInf;
    // The overlap measured without GEOS, when the boundaries only cross.
    std::optional<GeodesicMeasure> overlap;
    // Set when the exact overlay found the site and the zone apart.
    bool apart = false;
    // A site deep in a zone whose edges all lie farther than the search
    // radius is rare; one whose own box the grid finds inside is common.
    if (box_state == Location::kInterior ||
        zone.shape.Classify(env.Expanded(tol)) == Location::kInterior) {
      rel = Relation::kWithin;
    } else if (std::optional<SiteZoneOverlay> fast =
                   options.include_intersection || !linework_of()
                       ? std::nullopt
                       : OverlaySiteWithZone(*linework_of(), zone.shape)) {
      switch (fast->relation) {
        case SiteZoneOverlay::Relation::kWithin:
          rel = Relation::kWithin;
          break;
        case SiteZoneOverlay::Relation::kIntersects:
          // Beyond the bound (a site hundreds of kilometres across) GEOS
          // measures vertex by vertex.
          overlap = MeasureMoments(fast->part, config_.working_crs, kConformalMeasureError,
                                   scale_fit);
          if (overlap) rel = Relation::kIntersects;
          break;
        case SiteZoneOverlay::Relation::kDisjoint:
          apart = true;
          break;
      }
    }
    if (!rel && !apart) {
      whole = zone.shape.ToGeos(ctx);
      zg = clipped_to(near_clip);
      if (!zg) return fail("clipping");
      // Empty: no part of the zone within a metre of the site's box, so
      // farther than the tolerance; the distance decides below.
      if (!GEOSisEmpty_r(ctx, zg.get())) {
        GeosString im(GEOSRelate_r(ctx, site->working.get(), zg.get()), GeosFree{ctx});
        if (!im) return fail("relate");
        rel = RelationFromMatrix(im.get());
      }
    }
    // Apart: the distance, from the zone's edge index and the site's grid.
    // GEOS measures only sites without linework (multipoints): there the
    // zone's facet index (a prepared geometry, owned by this call) serves,
    // since plain GEOS distance compares every pair of segments.
    if (!rel && linework_of()) {
      const ZoneKind kind = layers_[zone.layer].config.kind;
      // At least the tolerance: a zone that close touches the site.
      const double reach = std::max(tol, near_reach.Reach(kind));
      if (candidate.box_gap2 > reach * reach) return;
      planar_d = SiteZoneDistance(*linework_of(), zone.shape, reach);
      if (tol > 0 && planar_d <= tol) rel = Relation::kTouches;
      if (!rel) near_reach.Found(kind, planar_d);
    } else if (!rel) {
      if (!whole) whole = zone.shape.ToGeos(ctx);
      GeomPtr near = clipped_to(clip);
      if (!near) return fail("clipping");
      if (GEOSisEmpty_r(ctx, near.get())) return;  // farther than the search radius
      PreparedPtr prepared(GEOSPrepare_r(ctx, near.get()), PreparedDeleter{ctx});
      if (!prepared ||
          GEOSPreparedDistance_r(ctx, prepared.get(), site->working.get(), &planar_d) != 1) {
        return fail("distance");
      }
      if (tol > 0 && planar_d <= tol) rel = Relation::kTouches;
    }
    if (rel) {
      ZoneHitResult hit{.zone = z, .relation = *rel};
      GeomPtr part;  // the site's part in the zone, when asked for
      if (*rel == Relation::kWithin) {
        if (options.include_intersection) {
          part = Own(ctx, GEOSGeom_clone_r(ctx, site->working.get()));
        }
        hit.overlap_area_m2 = site->area_m2;
        hit.overlap_length_m = site->dimension == 1 ? site->length_m : 0;
        hit.overlap_ratio = 1;
      } else if (*rel == Relation::kIntersects) {
        if (!overlap) {
          GeomPtr inter = Own(ctx, GEOSIntersection_r(ctx, site->working.get(), zg.get()));
          if (!inter) {
            // Nearly coincident edges can defeat even OverlayNG; snapping to
            // a 0.1 mm grid settles them at far below the boundary tolerance.
            geos.TakeError();
            inter = Own(ctx, GEOSIntersectionPrec_r(ctx, site->working.get(), zg.get(), 1e-4));
          }
          if (!inter) return fail("overlay");
          absl::StatusOr<GeodesicMeasure> m =
              MeasureGeodesic(ctx, inter.get(), config_.working_crs);
          if (!m.ok()) {
            error = m.status();
            return;
          }
          overlap = *m;
          part = std::move(inter);
        }
        if (site->dimension == 2) {
          hit.overlap_area_m2 = overlap->area_m2;
          hit.overlap_ratio = site->area_m2 > 0 ? overlap->area_m2 / site->area_m2 : 0;
        } else {
          hit.overlap_length_m = overlap->length_m;
          hit.overlap_ratio = site->length_m > 0 ? overlap->length_m / site->length_m : 0;
        }
      } else if (options.include_intersection) {
        part = Own(ctx, GEOSIntersection_r(ctx, site->working.get(), zg.get()));
      }
      if (options.include_intersection && part && !GEOSisEmpty_r(ctx, part.get())) {
        absl::StatusOr<std::string> wkb = LonLatWkb(ctx, part.get(), config_.working_crs);
        if (!wkb.ok()) {
          error = wkb.status();
          return;
        }
        hit.intersection_wkb = *std::move(wkb);
      }
      result.hits.push_back(std::move(hit));
      return;
    }
    // Not touching: how far is it? The working CRS is conformal, so near
    // the site one scale factor turns planar metres into metres on the
    // ellipsoid, in every direction (it varies by ~1e-6 over a few km).
    if (planar_d > planar) return;
    const double d = planar_d * local_scale();
    if (d <= radius) result.nearest.push_back({.zone = z, .distance_m = d});
  };
  for (const BoxCandidate& candidate : candidates) {
    if (!error.ok()) break;
    check_zone(candidate);
  }
  if (!error.ok()) return error;
  if (options.hits_only) {
    result.hits_only = true;
    SortHitsInLayerOrder(result.hits);
  } else {
    result.verdict_reason = FormatReason(ApplyRules(options, result));
  }
  if (options.include_zone_geometry) {
    if (absl::Status st = AddZoneGeometry(clip, result); !st.ok()) return st;
    absl::StatusOr<std::string> wkb = LonLatWkb(ctx, site->working.get(), config_.working_crs);
    if (!wkb.ok()) return wkb.status();
    result.site.geometry_wkb = *std::move(wkb);
  }
  return result;
}

size_t Snapshot::MemoryBytes() const {
  size_t bytes = zones_.capacity() * sizeof(Zone) + index_.MemoryBytes() +
                 point_grid_.MemoryBytes() + scale_grid_.MemoryBytes();
  for (const Zone& z : zones_) {
    bytes += z.shape.MemoryBytes() + z.id.capacity() + z.name.capacity();
    for (const auto& [k, v] : z.attributes) bytes += k.capacity() + v.capacity() + 64;
  }
  return bytes;
}

absl::StatusOr<DisplayZones> Snapshot::ZonesForDisplay(const DisplayQuery& query) const {
  const Box& b = query.bbox_lonlat;
  if (!(std::isfinite(b.min_x) && std::isfinite(b.min_y) && std::isfinite(b.max_x) &&
        std::isfinite(b.max_y)) ||
      b.min_x >= b.max_x || b.min_y >= b.max_y || b.min_x < -180 || b.max_x > 180 ||
      b.min_y < -90 || b.max_y > 90) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "bbox (%g, %g, %g, %g) is not a box in longitude/latitude: give "
        "min_lon < max_lon within -180..180 and min_lat < max_lat within -90..90",
        b.min_x, b.min_y, b.max_x, b.max_y));
  }
  if (!std::isfinite(query.resolution_m) || query.resolution_m < 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("resolution_m %g must be 0 (full detail) or a positive number of "
                        "metres per pixel",
                        query.resolution_m));
  }
  if (query.max_zones < 0 || query.max_zones > kMaxDisplayZones) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "max_zones %d is outside 0..%d", query.max_zones, kMaxDisplayZones));
  }
  absl::StatusOr<std::vector<bool>> mask = LayerMask(query.layers);
  if (!mask.ok()) return mask.status();
  const int32_t day = query.as_of_day.value_or(TodayInChina());
  const size_t max_zones = query.max_zones > 0 ? query.max_zones : kDefaultMaxDisplayZones;

  DisplayZones out;
  out.resolution_m = query.resolution_m;
  // Only the part of the box the data covers: a world-wide box would not
  // transform into a Gauss-Kruger plane.
  Box data_lonlat;
  for (const LayerState& l : layers_) data_lonlat.Include(l.report.extent_lonlat);
  const Box lonlat = b.Intersection(data_lonlat);
  if (lonlat.empty()) return out;
  absl::StatusOr<PointTransformer> to_working =
      PointTransformer::Make(kLonLatCrs, config_.working_crs);
  if (!to_working.ok()) return to_working.status();
  absl::StatusOr<Box> converted = TransformBox(*to_working, lonlat, /*steps=*/8);
  if (!converted.ok()) return converted.status();
  const Box area = *converted;
  // A few pixels beyond the view, so clipped edges are not drawn on screen.
  const Box clip = area.Expanded(std::max(4 * query.resolution_m, 1.0));

  std::vector<uint32_t> found;
  index_.Query(area, [&](uint32_t z) {
    if ((*mask)[zones_[z].layer] && zones_[z].InForce(day) &&
        zones_[z].shape.bbox().Intersects(area)) {
      found.push_back(z);
    }
  });
  std::sort(found.begin(), found.end());
  if (found.size() > max_zones) {
    out.truncated = true;
    found.resize(max_zones);
  }
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (uint32_t z : found) {
    const Box& zb = zones_[z].shape.bbox();
    GeomPtr g;
    if (query.resolution_m > 0 && zb.max_x - zb.min_x < query.resolution_m &&
        zb.max_y - zb.min_y < query.resolution_m) {
      // Smaller than a pixel: simplifying would erase it; its box keeps it seen.
      g = Own(ctx, GEOSGeom_createRectangle_r(ctx, zb.min_x, zb.min_y, zb.max_x, zb.max_y));
    } else {
      GeomPtr whole = zones_[z].shape.ToGeos(ctx);
      g = Own(ctx, GEOSClipByRect_r(ctx, whole.get(), clip.min_x, clip.min_y, clip.max_x,
                                    clip.max_y));
      if (g && query.resolution_m > 0 && !GEOSisEmpty_r(ctx, g.get())) {
        GeomPtr simple = Own(ctx, GEOSSimplify_r(ctx, g.get(), query.resolution_m));
        // A thin zone can collapse under simplification: keep its box.
        if (simple && GEOSisEmpty_r(ctx, simple.get())) {
          simple = Own(ctx, GEOSEnvelope_r(ctx, g.get()));
        }
        g = std::move(simple);
      }
    }
    if (!g) return absl::InternalError(absl::StrCat("cannot prepare zone ", zones_[z].id, " for display"));
    if (GEOSisEmpty_r(ctx, g.get())) continue;
    absl::StatusOr<std::string> encoded =
        LonLatEncoded(ctx, g.get(), config_.working_crs, query.format);
    if (!encoded.ok()) return encoded.status();
    out.zones.push_back({z, *std::move(encoded)});
  }
  return out;
}

}  // namespace redline
