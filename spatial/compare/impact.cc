#include "spatial/compare/impact.h"

#include <algorithm>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "spatial/query/site_check.h"

namespace redline {
namespace {

// One feature's answer under one version, reduced to what is compared.
struct Outcome {
  std::optional<std::string> error;
  Verdict verdict = Verdict::kUnspecified;
  std::string reason;
  std::vector<SiteHit> hits;      // sorted
  std::vector<uint32_t> touched;  // zones hit, or near with a setback rule: that version's
};

// Maps a zone of the older version to the id the newer one gives it.
using Renames = absl::flat_hash_map<std::pair<std::string, std::string>, std::string>;

Outcome Check(const ZoneIndex& index, const RegisterFeature& feature, absl::string_view crs,
              const CheckOptions& options, const Renames* renames) {
  Outcome out;
  absl::StatusOr<CheckResult> r =
      CheckGeometry(index, GeometryEncoding::kWkb, feature.wkb, crs, options);
  if (!r.ok()) {
    out.error = std::string(r.status().message());
    return out;
  }
  out.verdict = r->verdict;
  out.reason = r->verdict_reason;
  for (const ZoneHitResult& h : r->hits) {
    const Zone& z = index.zones()[h.zone];
    SiteHit hit{index.layers()[z.layer].config.name, z.id, h.relation};
    if (renames != nullptr) {
      auto it = renames->find(std::make_pair(hit.layer, hit.zone_id));
      if (it != renames->end()) hit.zone_id = it->second;
    }
    out.hits.push_back(std::move(hit));
    out.touched.push_back(h.zone);
  }
  // A nearby zone matters only through a setback rule that applied to it.
  for (const NearZoneResult& n : r->nearest) {
    if (!n.rules.empty()) out.touched.push_back(n.zone);
  }
  std::sort(out.hits.begin(), out.hits.end(), [](const SiteHit& a, const SiteHit& b) {
    return std::tie(a.layer, a.zone_id, a.relation) < std::tie(b.layer, b.zone_id, b.relation);
  });
  return out;
}

bool SameZones(const std::vector<SiteHit>& a, const std::vector<SiteHit>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const SiteHit& x, const SiteHit& y) {
    return x.layer == y.layer && x.zone_id == y.zone_id;
  });
}

// The zone changes indexed by the zone they concern in each version.
struct ChangeIndex {
  absl::flat_hash_map<int64_t, size_t> by_from, by_to;
  explicit ChangeIndex(const ZoneComparison& c) {
    for (size_t i = 0; i < c.changes.size(); ++i) {
      if (c.changes[i].from_zone >= 0) by_from[c.changes[i].from_zone] = i;
      if (c.changes[i].to_zone >= 0) by_to[c.changes[i].to_zone] = i;
    }
  }
};

std::optional<FeatureImpact> Compare(size_t i, const RegisterFeature& feature, Outcome before,
                                     Outcome after, const ChangeIndex& changes) {
  FeatureImpact impact;
  if (before.verdict != after.verdict) impact.what.push_back("verdict");
  if (!SameZones(before.hits, after.hits)) {
    impact.what.push_back("zones");
  } else if (before.hits != after.hits) {
    impact.what.push_back("relation");
  }
  if (impact.what.empty()) return std::nullopt;
  impact.feature = i;
  impact.id = feature.id;
  impact.verdict_before = before.verdict;
  impact.verdict_after = after.verdict;
  impact.reason_before = std::move(before.reason);
  impact.reason_after = std::move(after.reason);
  impact.hits_before = std::move(before.hits);
  impact.hits_after = std::move(after.hits);
  for (uint32_t z : before.touched) {
    if (auto it = changes.by_from.find(z); it != changes.by_from.end()) {
      impact.causes.push_back(it->second);
    }
  }
  for (uint32_t z : after.touched) {
    if (auto it = changes.by_to.find(z); it != changes.by_to.end()) {
      impact.causes.push_back(it->second);
    }
  }
  std::sort(impact.causes.begin(), impact.causes.end());
  impact.causes.erase(std::unique(impact.causes.begin(), impact.causes.end()), impact.causes.end());
  return impact;
}

}  // namespace

absl::StatusOr<RegisterImpact> CompareRegister(const ZoneIndex& from, const ZoneIndex& to,
                                               const ZoneComparison& comparison,
                                               std::span<const RegisterFeature> features,
                                               absl::string_view crs, const CheckOptions& options) {
  for (const ZoneIndex* index : {&from, &to}) {
    if (absl::StatusOr<std::vector<bool>> ok = ValidateOptions(*index, options); !ok.ok()) {
      return ok.status();
    }
  }
  Renames renames;
  for (const ZoneChange& c : comparison.changes) {
    if (c.kind == ChangeKind::kRenamed) renames[{c.layer, c.previous_id}] = c.id;
  }
  const ChangeIndex changes(comparison);
  // Each feature is independent and both indexes are frozen: check in
  // parallel, one contiguous slice per thread, results in register order.
  std::vector<std::optional<FeatureImpact>> impacts(features.size());
  std::vector<std::optional<std::string>> errors(features.size());
  const size_t threads =
      std::clamp<size_t>(std::thread::hardware_concurrency(), 1, features.size() / 64 + 1);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (size_t i = features.size() * t / threads; i < features.size() * (t + 1) / threads; ++i) {
        Outcome before = Check(from, features[i], crs, options, &renames);
        Outcome after = Check(to, features[i], crs, options, nullptr);
        if (before.error || after.error) {
          errors[i] = before.error ? *before.error : *after.error;
          continue;
        }
        impacts[i] = Compare(i, features[i], std::move(before), std::move(after), changes);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  RegisterImpact out;
  for (size_t i = 0; i < features.size(); ++i) {
    if (errors[i]) {
      out.failed.emplace_back(i, *std::move(errors[i]));
    } else if (impacts[i]) {
      out.changed.push_back(*std::move(impacts[i]));
    } else {
      ++out.unchanged;
    }
  }
  return out;
}

}  // namespace redline
