// Fuzzes rule files: RuleSet::LoadFiles (yaml-cpp, every key and name of
// the rule schema, legal bases, setbacks, duplicate ids, and the YAML syntax
// error's walk back to an unclosed bracket) and then Match over every zone
// kind and purpose. A line "--- next file ---" splits the input into two
// files loaded in order, so replacing and disabling rules of an earlier file
// is fuzzed too. The files live in memory (memfd): LoadFiles reads paths.
// Asserts: a loaded rule keeps the promises of spatial/rules/rules.h (kinds and
// purposes given, levels only with one kind, a setback >= 0, applies inside
// or within a setback, no NEEDS_PURPOSE verdict, a Chinese message, a line),
// Match returns the strictest verdict first, and a refusal is NOT_FOUND or
// INVALID_ARGUMENT.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/memory_file.h"
#include "spatial/rules/rules.h"
#include "spatial/rules/zone_kind.h"

namespace {

constexpr absl::string_view kSplit = "\n--- next file ---\n";

int Rank(redline::Verdict v) {
  // The order Stricter defines: PROHIBITED > RESTRICTED > CONDITIONAL >
  // NEEDS_PURPOSE > CLEAR.
  switch (v) {
    case redline::Verdict::kProhibited:
      return 4;
    case redline::Verdict::kRestricted:
      return 3;
    case redline::Verdict::kConditional:
      return 2;
    case redline::Verdict::kNeedsPurpose:
      return 1;
    case redline::Verdict::kClear:
      return 0;
    case redline::Verdict::kUnspecified:  // no rule's verdict: CheckRule refuses it
      return -1;
  }
  return -1;
}

void CheckRule(const redline::Rule& rule) {
  const char* id = rule.id.c_str();
  FUZZ_CHECK(!rule.id.empty(), "a rule without an id");
  FUZZ_CHECK(!rule.kinds.empty(), "rule %s has no kinds", id);
  FUZZ_CHECK(!rule.purposes.empty(), "rule %s has no purposes", id);
  for (redline::Purpose p : rule.purposes) {
    FUZZ_CHECK(p != redline::Purpose::kUnspecified, "rule %s: purpose unspecified", id);
  }
  FUZZ_CHECK(rule.levels.empty() || rule.kinds.size() == 1, "rule %s: levels with %zu kinds", id,
             rule.kinds.size());
  FUZZ_CHECK(rule.setback_m >= 0, "rule %s: setback %g", id, rule.setback_m);
  FUZZ_CHECK(rule.inside || rule.setback_m > 0, "rule %s applies nowhere", id);
  FUZZ_CHECK(rule.verdict != redline::Verdict::kNeedsPurpose && Rank(rule.verdict) >= 0,
             "rule %s: verdict %d", id, static_cast<int>(rule.verdict));
  FUZZ_CHECK(!rule.message_zh.empty(), "rule %s has no message_zh", id);
  FUZZ_CHECK(rule.line >= 1, "rule %s at line %d", id, rule.line);
}

void CheckMatches(const redline::RuleSet& set) {
  for (redline::ZoneKind kind : redline::kAllZoneKinds) {
    for (redline::Purpose purpose : redline::kAllPurposes) {
      const redline::Siting siting{purpose, redline::OutfallType::kUnspecified,
                                   redline::ProjectAction::kUnspecified};
      for (bool touches : {true, false}) {
        std::vector<const redline::Rule*> rules = set.Match(kind, "", siting, touches, 10);
        for (size_t i = 1; i < rules.size(); ++i) {
          FUZZ_CHECK(Rank(rules[i - 1]->verdict) >= Rank(rules[i]->verdict),
                     "Match puts %s before the stricter %s", rules[i - 1]->id.c_str(),
                     rules[i]->id.c_str());
        }
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemoryFile* first = new MemoryFile("rules-1.yaml");
  static MemoryFile* second = new MemoryFile("rules-2.yaml");
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> paths;
  const size_t split = text.find(kSplit);
  if (split == absl::string_view::npos) {
    paths.push_back(first->Write(text));
  } else {
    paths.push_back(first->Write(text.substr(0, split)));
    paths.push_back(second->Write(text.substr(split + kSplit.size())));
  }
  absl::StatusOr<redline::RuleSet> set = redline::RuleSet::LoadFiles(paths);
  if (!set.ok()) {
    const absl::StatusCode code = set.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound,
               "status %s", set.status().ToString().c_str());
    return 0;
  }
  for (const redline::Rule& rule : set->rules()) CheckRule(rule);
  CheckMatches(*set);
  return 0;
}
