#include "server/audit/audit_store.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace redline::server {

absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(const std::string& where) {
  if (where.empty()) return absl::InvalidArgumentError("no audit store named: give a file or URL");
  if (absl::StartsWith(where, "postgresql://") || absl::StartsWith(where, "postgres://")) {
    return OpenPostgresStore(where);
  }
  return OpenSqliteStore(where);
}

std::string JoinLines(absl::Span<const std::string> items) { return absl::StrJoin(items, "\n"); }

std::vector<std::string> SplitLines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

std::string JoinCounts(absl::Span<const std::pair<std::string, int64_t>> counts) {
  return absl::StrJoin(counts, "\n", absl::PairFormatter("="));
}

std::vector<std::pair<std::string, int64_t>> SplitCounts(const std::string& text) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const size_t eq = line.rfind('=');
    int64_t n = 0;
    if (eq == absl::string_view::npos || !absl::SimpleAtoi(line.substr(eq + 1), &n)) continue;
    out.emplace_back(std::string(line.substr(0, eq)), n);
  }
  return out;
}

}  // namespace redline::server
