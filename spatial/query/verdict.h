// From hits and nearby zones to a verdict: the rules that apply to each zone
// for the siting, the nearby zones worth keeping, the strictest rule, and
// the reason for the verdict in words.
#ifndef REDLINE_SPATIAL_QUERY_VERDICT_H_
#define REDLINE_SPATIAL_QUERY_VERDICT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "spatial/index/zone_index.h"
#include "spatial/query/check_types.h"
#include "spatial/rules/rules.h"

namespace redline {

// Why the verdict is what it is, before it is put into words: batches word
// each distinct reason once.
struct Reason {
  enum class Kind : uint8_t {
    kRule,
    kNeedsPurposeHit,
    kNeedsPurposeNear,
    kClearNoHit,
    kClearNoRule,
    kNoRulesInForce
  };
  Kind kind = Kind::kClearNoHit;
  const Rule* rule = nullptr;
  uint32_t zone = 0;
  double distance_m = 0;
  bool operator==(const Reason&) const = default;
};

// The reason as a code with parameters, and in (English) words, as
// CheckResult::verdict_message and verdict_reason hold them.
Message ReasonMessage(const ZoneIndex& index, const Reason& reason);
std::string FormatReason(const ZoneIndex& index, const Reason& reason);
// Sets result.verdict_message and result.verdict_reason.
void SetReason(const ZoneIndex& index, const Reason& reason, CheckResult& result);

// The rules that apply to one zone for one siting, remembered across the
// points of a batch (the siting is the batch's): inside rules as Match
// gives them, and every setback rule in Match's order, which filtered by
// distance is what Match gives at that distance.
class RuleMemo {
 public:
  RuleMemo(const ZoneIndex& index, const Siting& siting) : index_(index), siting_(siting) {}
  const std::vector<const Rule*>& Inside(uint32_t zone);
  void Setback(uint32_t zone, double distance_m, std::vector<const Rule*>& out);

 private:
  const ZoneIndex& index_;
  const Siting siting_;
  absl::flat_hash_map<uint32_t, std::vector<const Rule*>> inside_, setback_;
};

// Rules for hits and nearby zones, the nearby zones kept, the verdict;
// returns its reason (result.verdict_reason is left alone). `memo` may be
// null.
Reason ApplyRules(const ZoneIndex& index, const CheckOptions& options, CheckResult& result,
                  RuleMemo* memo = nullptr);

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_VERDICT_H_
