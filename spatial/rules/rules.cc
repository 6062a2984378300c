// A RuleSet: rule files loaded in order (a later file replacing or disabling
// an earlier file's rules), and the matching of a siting and a zone against
// them, strictest verdict first. The YAML reader is rules_yaml.cc; the
// vocabulary's names are rules_names.cc.
#include "spatial/rules/rules.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "spatial/base/small_sort.h"
#include "spatial/rules/levels.h"
#include "spatial/rules/rules_yaml.h"
#include "spatial/rules/zone_kind.h"

namespace redline {
namespace {

// The order of strictness Stricter and Match sort by (rules.h).
int Rank(Verdict verdict) {
  switch (verdict) {
    case Verdict::kClear:
      return 0;
    case Verdict::kUnspecified:
      return 1;
    case Verdict::kNeedsPurpose:
      return 2;
    case Verdict::kConditional:
      return 3;
    case Verdict::kRestricted:
      return 4;
    case Verdict::kProhibited:
      return 5;
  }
  return 0;
}

template <typename T>
bool Contains(const std::vector<T>& values, const T& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

Verdict Stricter(Verdict a, Verdict b) { return Rank(b) > Rank(a) ? b : a; }

absl::StatusOr<RuleSet> RuleSet::LoadFiles(const std::vector<std::string>& paths) {
  // Slots keep a replaced rule's place; a disabled rule leaves an empty slot.
  std::vector<std::optional<Rule>> slots;
  std::unordered_map<std::string, size_t> slot_of_id;

  for (const std::string& path : paths) {
    rules_internal::RuleFileParser parser(path);
    std::vector<rules_internal::RuleFileEntry> entries;
    if (absl::Status status = parser.Load(&entries); !status.ok()) return status;

    // Apply the file over the earlier ones. Errors here (disabling an unknown
    // id) are the file's errors too, so apply to a copy and commit only if
    // the whole file is good.
    std::vector<std::optional<Rule>> next_slots = slots;
    std::unordered_map<std::string, size_t> next_slot_of_id = slot_of_id;
    for (rules_internal::RuleFileEntry& entry : entries) {
      auto found = next_slot_of_id.find(entry.rule.id);
      if (entry.disabled) {
        if (found == next_slot_of_id.end()) {
          parser.ErrorAtLine(entry.rule.line, absl::StrCat("cannot disable rule '", entry.rule.id,
                                                           "': no earlier rule file defines it"));
          continue;
        }
        next_slots[found->second].reset();
        next_slot_of_id.erase(found);
      } else if (found != next_slot_of_id.end()) {
        // A later file reusing an id replaces the earlier rule in place.
        next_slots[found->second] = std::move(entry.rule);
      } else {
        next_slot_of_id.emplace(entry.rule.id, next_slots.size());
        next_slots.push_back(std::move(entry.rule));
      }
    }
    if (parser.has_errors()) {
      return absl::InvalidArgumentError(absl::StrJoin(parser.FormattedErrors(), "\n"));
    }
    slots = std::move(next_slots);
    slot_of_id = std::move(next_slot_of_id);
  }

  RuleSet set;
  set.files_ = paths;
  for (std::optional<Rule>& slot : slots) {
    if (!slot.has_value()) continue;
    const size_t index = set.rules_.size();
    for (ZoneKind kind : slot->kinds) {
      set.by_kind_[static_cast<size_t>(kind)].push_back(index);
    }
    set.max_setback_m_ = std::max(set.max_setback_m_, slot->setback_m);
    set.rules_.push_back(*std::move(slot));
  }
  return set;
}

std::vector<const Rule*> RuleSet::Match(ZoneKind kind, absl::string_view level,
                                        const Siting& siting, bool touches,
                                        double distance_m) const {
  std::vector<const Rule*> matched;
  if (siting.purpose == Purpose::kUnspecified) return matched;
  const ProjectAction action =
      siting.action == ProjectAction::kUnspecified ? ProjectAction::kNew : siting.action;
  // Idempotent on canonical levels; protects against a caller passing the
  // source spelling, which would otherwise silently match no level rule.
  std::string normalized;
  if (kind == ZoneKind::kWaterSourceProtection) {
    normalized = NormalizeLevel(kind, level).level;
    level = normalized;
  }
  for (size_t index : by_kind_[static_cast<size_t>(kind)]) {
    const Rule& rule = rules_[index];
    if (touches) {
      if (!rule.inside) continue;
    } else if (!(rule.setback_m > 0 && distance_m <= rule.setback_m)) {
      continue;  // also rejects a NaN distance
    }
    if (!rule.levels.empty() &&
        std::find(rule.levels.begin(), rule.levels.end(), level) == rule.levels.end()) {
      continue;
    }
    if (!Contains(rule.purposes, siting.purpose)) continue;
    if (!rule.outfall_types.empty() && siting.outfall_type != OutfallType::kUnspecified &&
        !Contains(rule.outfall_types, siting.outfall_type)) {
      continue;
    }
    if (!rule.actions.empty() && !Contains(rule.actions, action)) continue;
    matched.push_back(&rule);
  }
  StableSort(matched.begin(), matched.end(),
             [](const Rule* a, const Rule* b) { return Rank(a->verdict) > Rank(b->verdict); });
  return matched;
}

const Rule* RuleSet::Find(absl::string_view id) const {
  for (const Rule& rule : rules_) {
    if (rule.id == id) return &rule;
  }
  return nullptr;
}

}  // namespace redline
