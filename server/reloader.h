// Reloading the data without downtime. Free of gRPC (RedlineAdmin.Reload is
// in admin_service.h), so the ThreadSanitizer build checks it.
#ifndef REDLINE_SERVER_RELOADER_H_
#define REDLINE_SERVER_RELOADER_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/snapshot_holder.h"

namespace redline::server {

struct ReloadOutcome {
  absl::Time at;
  bool ok = false;
  std::string error;
  std::string version;           // serving after the attempt
  std::string previous_version;
  double load_seconds = 0;
};

struct ReloadCounts {
  int64_t succeeded = 0;
  int64_t failed = 0;
};

// Loads the config file and its sources into a new snapshot and swaps it
// into `holder`. Attempts are serialised; a failed one leaves the holder
// untouched. Thread-safe.
class Reloader {
 public:
  Reloader(std::string config_path, SnapshotHolder* holder)
      : config_path_(std::move(config_path)), holder_(holder) {}

  // Blocks for the whole load (seconds); call it off the RPC threads.
  ReloadOutcome Reload();
  std::optional<ReloadOutcome> last() const;
  // Attempts so far, by result.
  ReloadCounts counts() const;

 private:
  const std::string config_path_;
  SnapshotHolder* const holder_;
  std::mutex reload_mu_;  // one reload at a time (std::mutex: see snapshot_holder.h)
  mutable std::mutex last_mu_;
  std::optional<ReloadOutcome> last_ ABSL_GUARDED_BY(last_mu_);
  ReloadCounts counts_ ABSL_GUARDED_BY(last_mu_);
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RELOADER_H_
