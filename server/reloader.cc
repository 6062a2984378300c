#include "server/reloader.h"

#include <filesystem>

#include "absl/time/clock.h"
#include "server/log.h"
#include "server/memory_budget.h"

namespace redline::server {

ReloadOutcome Reloader::Reload() {
  std::lock_guard<std::mutex> serial(reload_mu_);
  ReloadOutcome outcome;
  outcome.at = absl::Now();
  const std::shared_ptr<const Snapshot> before = holder_->Get();
  outcome.previous_version = before->version();
  outcome.version = before->version();
  absl::StatusOr<Config> config = Config::LoadFile(config_path_);
  absl::StatusOr<std::shared_ptr<const Snapshot>> next =
      config.ok() ? Snapshot::Load(*config)
                  : absl::StatusOr<std::shared_ptr<const Snapshot>>(config.status());
  outcome.load_seconds = absl::ToDoubleSeconds(absl::Now() - outcome.at);
  if (next.ok()) {
    holder_->Set(*next);
    outcome.ok = true;
    outcome.version = (*next)->version();
    Log("INFO", "reload: now serving ", outcome.version, " (was ",
        outcome.previous_version, "), loaded in ", outcome.load_seconds, " s");
  } else {
    const std::string error(next.status().message());
    Log("ERROR", "reload failed, still serving ", outcome.version, ": ", error);
    // The outcome goes to clients (Reload, ListLayers): no server folders.
    outcome.error = PublicMessage(
        error, std::filesystem::absolute(config_path_).parent_path().string());
  }
  // A load allocates and frees a dataset's worth of memory, kept or not:
  // give the freed part back (memory_budget.h), off this thread.
  MemoryReturner::Get().Request();
  std::lock_guard<std::mutex> lock(last_mu_);
  last_ = outcome;
  ++(outcome.ok ? counts_.succeeded : counts_.failed);
  return outcome;
}

std::optional<ReloadOutcome> Reloader::last() const {
  std::lock_guard<std::mutex> lock(last_mu_);
  return last_;
}

ReloadCounts Reloader::counts() const {
  std::lock_guard<std::mutex> lock(last_mu_);
  return counts_;
}

}  // namespace redline::server
