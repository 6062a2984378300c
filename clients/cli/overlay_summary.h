// What an overlay found, counted as the answers come back, and the summary
// printed at its end.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_SUMMARY_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_SUMMARY_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"

namespace redline::cli {

struct Summary {
  int64_t read = 0;       // features answered (checked or failed)
  int64_t with_hits = 0;  // features with at least one hit
  int64_t errors = 0;     // features that could not be checked
  int64_t repaired = 0;   // invalid polygons made valid before their check
  // Indexed by the enum values.
  std::array<int64_t, v1::ZoneKind_ARRAYSIZE> hits_by_kind{};
  std::array<int64_t, v1::Verdict_ARRAYSIZE> by_verdict{};
  std::vector<std::string> first_errors;  // "id: error", the first few

  // A one-feature answer.
  void Add(const v1::OverlayResult& r);
  // The parts, for answers read from columns.
  void AddError(absl::string_view id, absl::string_view error);
  void AddVerdict(v1::Verdict v) {
    if (v != v1::VERDICT_UNSPECIFIED) ++by_verdict[v];  // unset for hits only
  }
};

// The summary on stdout: counts, time and rate, the first errors; with
// `json` (--json) as one JSON object.
void PrintSummary(const Summary& summary, double secs, const std::string& output,
                  bool json = false);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_SUMMARY_H_
