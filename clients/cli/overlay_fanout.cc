#include "clients/cli/overlay_fanout.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spatial/snapshot.h"

namespace redline::cli {

std::vector<std::string> SplitServers(absl::string_view servers) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(servers, ',')) {
    s = absl::StripAsciiWhitespace(s);
    if (!s.empty()) out.emplace_back(s);
  }
  return out;
}

VersionPin::VersionPin(std::string required) : version_(std::move(required)) {
  if (!version_.empty()) source_ = "--require-version";
}

absl::Status VersionPin::Hold(const std::string& version, const std::string& server) {
  std::lock_guard lock(mu_);
  if (version_.empty()) {
    version_ = version;
    source_ = absl::StrCat("the first answer, from ", server);
    cv_.notify_all();
    return absl::OkStatus();
  }
  if (version == version_ || SameDatasetContent(version, version_)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "dataset version ", version_, " required (", source_, "); the server at ", server,
      " answered from ", version, ": stopped, so that no rows from two datasets are mixed"));
}

std::optional<std::string> VersionPin::Wait() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !version_.empty() || abandoned_; });
  if (version_.empty()) return std::nullopt;
  return version_;
}

std::string VersionPin::Current() {
  std::lock_guard lock(mu_);
  return version_;
}

void VersionPin::Abandon() {
  {
    std::lock_guard lock(mu_);
    abandoned_ = true;
  }
  cv_.notify_all();
}

}  // namespace redline::cli
