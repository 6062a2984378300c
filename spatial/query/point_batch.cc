#include "spatial/query/point_batch.h"

#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "spatial/base/day.h"
#include "spatial/coords/crs.h"
#include "spatial/input/geometry_input.h"
#include "spatial/query/point_check.h"
#include "spatial/query/verdict.h"

namespace redline {
namespace {

bool Good(Point2 q) {
  return std::isfinite(q.x) && std::isfinite(q.y) && q.x != HUGE_VAL && q.y != HUGE_VAL;
}

// The CRS of the batch and the transformations it needs, settled once.
// `fast` when all of them are there: then the points that plainly pass
// every check are converted together (PrepareFast).
struct BatchCrs {
  absl::StatusOr<CrsInfo> info, lonlat_info;
  absl::StatusOr<PointTransformer> to_lonlat_in, to_working, to_lonlat;
  bool fast;
};

BatchCrs SettleCrs(const std::string& working_crs, absl::string_view crs) {
  absl::StatusOr<CrsInfo> info = DescribeCrs(crs);
  absl::StatusOr<CrsInfo> lonlat_info = DescribeCrs(kLonLatCrs);
  absl::StatusOr<PointTransformer> to_lonlat_in =
      info.ok() ? PointTransformer::Make(info->name, kLonLatCrs)
                : absl::StatusOr<PointTransformer>(info.status());
  absl::StatusOr<PointTransformer> to_working = PointTransformer::Make(kLonLatCrs, working_crs);
  absl::StatusOr<PointTransformer> to_lonlat = PointTransformer::Make(working_crs, kLonLatCrs);
  const bool fast =
      info.ok() && lonlat_info.ok() && to_lonlat_in.ok() && to_working.ok() && to_lonlat.ok();
  return {std::move(info),       std::move(lonlat_info), std::move(to_lonlat_in),
          std::move(to_working), std::move(to_lonlat),   fast};
}

// Longitude/latitude and working coordinates of every point, converted in
// one PROJ call each; `slow` marks the points the fast path leaves alone,
// `open` those it answers from the open-country grid, unconverted: within
// the index's reach, no zone, so no hit and no nearby zone.
struct BatchPoints {
  std::vector<Point2> lonlat, working;
  std::vector<uint8_t> slow, open;
};

BatchPoints PrepareFast(const ZoneIndex& index, std::span<const Point2> input,
                        const CheckOptions& options, const BatchCrs& b) {
  const size_t n = input.size();
  BatchPoints pts{.lonlat = std::vector<Point2>(input.begin(), input.end()),
                  .working = std::vector<Point2>(n, Point2{0, 0}),
                  .slow = std::vector<uint8_t>(n, b.fast ? 0 : 1),
                  .open = std::vector<uint8_t>(n, 0)};
  if (!b.fast) return pts;
  const bool use_reach = MayTakeOpenCountry(index, options);
  for (size_t i = 0; i < n; ++i) {
    const Point2 q = input[i];
    if (!std::isfinite(q.x) || !std::isfinite(q.y) ||
        (b.info->geographic && (std::fabs(q.y) > 90 || std::fabs(q.x) > 180))) {
      pts.slow[i] = 1;
      pts.lonlat[i] = {0, 0};  // keeps PROJ away from bad input
    }
  }
  b.to_lonlat_in->ApplyUnchecked(pts.lonlat);
  const Box in_area = AllowedArea(*b.info), ll_area = AllowedArea(*b.lonlat_info);
  std::vector<uint32_t> converted;  // the points to convert, in order
  converted.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const Point2 q = pts.lonlat[i];
    if (pts.slow[i]) continue;
    if (!Good(q) || (!in_area.empty() && !in_area.Contains(q)) || std::fabs(q.y) > 90 ||
        std::fabs(q.x) > 180 || (!ll_area.empty() && !ll_area.Contains(q))) {
      pts.slow[i] = 1;
    } else if (use_reach && index.OutOfReach(q)) {
      pts.open[i] = 1;
    } else {
      converted.push_back(static_cast<uint32_t>(i));
    }
  }
  std::vector<Point2> batch(converted.size());
  for (size_t k = 0; k < converted.size(); ++k) batch[k] = pts.lonlat[converted[k]];
  b.to_working->ApplyUnchecked(batch);
  for (size_t k = 0; k < converted.size(); ++k) pts.working[converted[k]] = batch[k];
  return pts;
}

// One batch being answered: checks point i (Check), then writes its answer
// into the batch's flat arrays (Write, Close), wording each distinct reason
// once. One CheckResult, its vectors reused, carries each point's answer.
class BatchRun {
 public:
  BatchRun(const ZoneIndex& index, std::span<const Point2> input, absl::string_view crs,
           const CheckOptions& options, const std::vector<bool>& mask, int32_t day,
           const BatchCrs& b, const BatchPoints& pts, PointBatch* out)
      : index_(index),
        input_(input),
        crs_(crs),
        options_(options),
        mask_(mask),
        day_(day),
        crs_info_(b),
        pts_(pts),
        out_(out),
        memo_(index, options.siting) {
    result_.search_radius_m = out->search_radius_m;
  }

  void Check(size_t i);
  // Point i has its error; it has no hits and no nearby zones.
  void Fail(size_t i, absl::Status status) {
    out_->points[i].error = static_cast<int32_t>(out_->errors.size());
    out_->errors.emplace_back(static_cast<uint32_t>(i), std::move(status));
  }
  // Ends point i's hits and nearby zones.
  void Close(size_t i) {
    out_->points[i].hits_end = static_cast<uint32_t>(out_->hits.size());
    out_->points[i].nears_end = static_cast<uint32_t>(out_->nears.size());
  }

 private:
  struct ReasonHash {
    size_t operator()(const Reason& r) const {
      return absl::HashOf(static_cast<int>(r.kind), r.rule, r.zone, r.distance_m);
    }
  };
  // Point i's verdict, reason, hits and nearby zones, from result_.
  void Write(size_t i, const Reason& reason);

  const ZoneIndex& index_;
  const std::span<const Point2> input_;
  const absl::string_view crs_;
  const CheckOptions& options_;
  const std::vector<bool>& mask_;
  const int32_t day_;
  const BatchCrs& crs_info_;
  const BatchPoints& pts_;
  PointBatch* const out_;
  CheckResult result_;
  std::vector<Point2> scratch_;
  RuleMemo memo_;
  absl::flat_hash_map<Reason, uint32_t, ReasonHash> reason_index_;
};

void BatchRun::Check(size_t i) {
  Reason reason;
  if (pts_.open[i]) {
    result_.hits.clear();
    result_.nearest.clear();
    if (!options_.hits_only) reason = ApplyRules(index_, options_, result_, &memo_);
    return Write(i, reason);
  }
  Point2 ll, w;
  if (!pts_.slow[i] && Good(pts_.working[i])) {
    ll = pts_.lonlat[i];
    w = pts_.working[i];
  } else {
    // The one-point way: CheckPoint's own reading of the coordinates
    // (zone detection, swapped axes, web-map offsets, every refusal).
    absl::StatusOr<PointSite> site = PreparePoint(input_[i], crs_, index_.config().working_crs);
    if (!site.ok()) return Fail(i, site.status());
    if (!crs_info_.to_lonlat.ok()) return Fail(i, crs_info_.to_lonlat.status());
    ll = site->lonlat;
    w = site->working;
  }
  if (options_.hits_only) {
    FindHits(index_, w, mask_, day_, result_.hits);
    result_.nearest.clear();
    SortHitsInLayerOrder(index_, result_.hits);
  } else {
    reason = CheckPreparedPoint(index_, ll, w, mask_, day_, options_, *crs_info_.to_lonlat, result_,
                                scratch_, &memo_);
  }
  if (options_.include_intersection && !result_.hits.empty()) {
    // What LonLatWkb makes of the point: converted back from the working CRS.
    Point2 at = w;
    if (absl::Status st = crs_info_.to_lonlat->Apply(std::span<Point2>(&at, 1)); !st.ok()) {
      return Fail(i, st);
    }
    out_->intersection_lonlat.push_back(at);
  }
  Write(i, reason);
}

void BatchRun::Write(size_t i, const Reason& reason) {
  // Hits only: no verdict or reason, and the hits carry no rules.
  if (!options_.hits_only) {
    PointBatch::PointAnswer& answer = out_->points[i];
    answer.verdict = result_.verdict;
    auto [it, inserted] =
        reason_index_.try_emplace(reason, static_cast<uint32_t>(out_->reasons.size()));
    if (inserted) {
      out_->reason_messages.push_back(ReasonMessage(index_, reason));
      out_->reasons.push_back(RenderMessage(out_->reason_messages.back(), Lang::kEn));
    }
    answer.reason = it->second;
  }
  for (const ZoneHitResult& h : result_.hits) {
    out_->hit_rules.insert(out_->hit_rules.end(), h.rules.begin(), h.rules.end());
    out_->hits.push_back({h.zone, h.relation, static_cast<uint32_t>(out_->hit_rules.size())});
  }
  for (const NearZoneResult& n : result_.nearest) {
    out_->near_rules.insert(out_->near_rules.end(), n.rules.begin(), n.rules.end());
    out_->nears.push_back({n.zone, n.distance_m, static_cast<uint32_t>(out_->near_rules.size())});
  }
}

}  // namespace

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

void CheckPoints(const ZoneIndex& index, std::span<const Point2> input, absl::string_view crs,
                 const CheckOptions& options, PointBatch* out) {
  out->Clear();
  out->points.resize(input.size());
  // Options refused: every point has their error, and the batch no CRS,
  // radius or day.
  absl::StatusOr<std::vector<bool>> mask = ValidateOptions(index, options);
  if (!mask.ok()) {
    for (size_t i = 0; i < input.size(); ++i) {
      out->points[i].error = static_cast<int32_t>(out->errors.size());
      out->errors.emplace_back(static_cast<uint32_t>(i), mask.status());
    }
    return;
  }
  out->search_radius_m = SearchRadius(index, options);
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
  const BatchCrs b = SettleCrs(index.config().working_crs, crs);
  if (b.info.ok()) out->input_crs = b.info->name;
  const BatchPoints pts = PrepareFast(index, input, options, b);

  BatchRun run(index, input, crs, options, *mask, day, b, pts, out);
  for (size_t i = 0; i < input.size(); ++i) {
    run.Check(i);
    run.Close(i);
  }
}

}  // namespace redline
