#include "spatial/query/verdict.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "spatial/base/small_sort.h"

namespace redline {
namespace {

// Rules for each hit; the hits strictest first, then in layer order: the
// answer reads top-down.
void RuleHits(const ZoneIndex& index, const CheckOptions& options, CheckResult& result,
              RuleMemo* memo) {
  for (ZoneHitResult& hit : result.hits) {
    if (memo != nullptr) {
      hit.rules = memo->Inside(hit.zone);
      continue;
    }
    const Zone& z = index.zones()[hit.zone];
    hit.rules = index.rules().Match(index.KindOf(hit.zone), z.normalized_level, options.siting,
                                    /*touches=*/true, 0);
  }
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
                 return index.InLayerOrder(x.zone, y.zone);
               });
  }
}

// Keep per kind the nearest zone within the search radius, and every zone
// for which a setback rule applies. Equal distances (zones sharing an
// edge) are ordered by zone, so the answer never depends on the order the
// index returned them in.
void RuleNearest(const ZoneIndex& index, const CheckOptions& options, CheckResult& result,
                 RuleMemo* memo) {
  std::sort(result.nearest.begin(), result.nearest.end(),
            [](const NearZoneResult& a, const NearZoneResult& b) {
              if (a.distance_m != b.distance_m) return a.distance_m < b.distance_m;
              return a.zone < b.zone;
            });
  size_t kept = 0;
  std::array<bool, std::size(kAllZoneKinds)> kind_seen{};
  for (size_t i = 0; i < result.nearest.size(); ++i) {
    NearZoneResult& near = result.nearest[i];
    const ZoneKind kind = index.KindOf(near.zone);
    if (memo != nullptr) {
      memo->Setback(near.zone, near.distance_m, near.rules);
    } else {
      near.rules = index.rules().Match(kind, index.zones()[near.zone].normalized_level,
                                       options.siting, /*touches=*/false, near.distance_m);
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
}

// The verdict: the strictest rule that applied; else ask for a purpose
// when a rule could apply; else clear.
Reason Decide(const ZoneIndex& index, const CheckOptions& options, CheckResult& result) {
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
  if (index.rules().rules().empty()) {
    result.verdict = Verdict::kUnspecified;
    return {Reason::Kind::kNoRulesInForce};
  }
  // Without a purpose no rule can decide; ask for one when a rule could
  // apply: a zone is touched, or lies within some rule's setback.
  const double max_setback_m = index.rules().max_setback_m();
  const bool within_setback =
      std::any_of(result.nearest.begin(), result.nearest.end(),
                  [&](const NearZoneResult& n) { return n.distance_m <= max_setback_m; });
  if (options.siting.purpose == Purpose::kUnspecified && (!result.hits.empty() || within_setback)) {
    result.verdict = Verdict::kNeedsPurpose;
    return {result.hits.empty() ? Reason::Kind::kNeedsPurposeNear : Reason::Kind::kNeedsPurposeHit};
  }
  result.verdict = Verdict::kClear;
  return {result.hits.empty() ? Reason::Kind::kClearNoHit : Reason::Kind::kClearNoRule};
}

}  // namespace

Message ReasonMessage(const ZoneIndex& index, const Reason& reason) {
  switch (reason.kind) {
    case Reason::Kind::kRule: {
      const Rule& r = *reason.rule;
      const Zone& z = index.zones()[reason.zone];
      Message m{reason.distance_m > 0 ? "verdict.rule_setback" : "verdict.rule",
                {{"verdict", std::string(VerdictName(r.verdict))},
                 {"rule", r.id},
                 {"law", r.basis.law},
                 {"article", r.basis.article},
                 {"zone_id", z.id},
                 {"zone_name", z.name}}};
      if (reason.distance_m > 0) {
        m.params.emplace_back("distance_m", absl::StrFormat("%.1f", reason.distance_m));
      }
      return m;
    }
    case Reason::Kind::kNeedsPurposeHit:
      return {"verdict.needs_purpose_hit", {}};
    case Reason::Kind::kNeedsPurposeNear:
      return {"verdict.needs_purpose_near",
              {{"setback_m", absl::StrFormat("%.0f", index.rules().max_setback_m())}}};
    case Reason::Kind::kClearNoHit:
      return {"verdict.clear_no_hit", {}};
    case Reason::Kind::kClearNoRule:
      return {"verdict.clear_no_rule", {}};
    case Reason::Kind::kNoRulesInForce:
      return {"verdict.no_rules", {}};
  }
  return {};
}

std::string FormatReason(const ZoneIndex& index, const Reason& reason) {
  return RenderMessage(ReasonMessage(index, reason), Lang::kEn);
}

void SetReason(const ZoneIndex& index, const Reason& reason, CheckResult& result) {
  result.verdict_message = ReasonMessage(index, reason);
  result.verdict_reason = RenderMessage(result.verdict_message, Lang::kEn);
}

const std::vector<const Rule*>& RuleMemo::Inside(uint32_t zone) {
  auto [it, inserted] = inside_.try_emplace(zone);
  if (inserted) {
    it->second = index_.rules().Match(index_.KindOf(zone), index_.zones()[zone].normalized_level,
                                      siting_, /*touches=*/true, 0);
  }
  return it->second;
}

void RuleMemo::Setback(uint32_t zone, double distance_m, std::vector<const Rule*>& out) {
  auto [it, inserted] = setback_.try_emplace(zone);
  if (inserted) {
    // At distance 0 every setback rule of the zone applies; Match orders
    // them strictest first, then in load order, so the ones that apply at a
    // distance keep that order.
    it->second = index_.rules().Match(index_.KindOf(zone), index_.zones()[zone].normalized_level,
                                      siting_, /*touches=*/false, 0);
  }
  out.clear();
  for (const Rule* r : it->second) {
    if (r->setback_m > 0 && distance_m <= r->setback_m) out.push_back(r);
  }
}

Reason ApplyRules(const ZoneIndex& index, const CheckOptions& options, CheckResult& result,
                  RuleMemo* memo) {
  RuleHits(index, options, result, memo);
  RuleNearest(index, options, result, memo);
  return Decide(index, options, result);
}

}  // namespace redline
