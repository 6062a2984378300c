// Reloading the data without downtime. Free of gRPC (RedlineAdmin.Reload is
// in admin_service.h), so the ThreadSanitizer build checks it.
#ifndef REDLINE_SERVER_RUNTIME_RELOADER_H_
#define REDLINE_SERVER_RUNTIME_RELOADER_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/runtime/snapshot_holder.h"

namespace redline::server {

struct ReloadOutcome {
  absl::Time at;  // when the attempt started
  bool ok = false;
  std::string error;
  std::string version;  // serving after the attempt
  std::string previous_version;
  double load_seconds = 0;
};

struct ReloadCounts {
  int64_t succeeded = 0;
  int64_t failed = 0;
};

// Loads the config file and its sources into a new snapshot and swaps it
// into `holder`; a failed attempt leaves the holder untouched. Thread-safe.
//
// One attempt at a time, single-flight: a request made while an attempt is
// under way (or asked for and about to start) joins it and gets its
// outcome; a request made after an attempt ended starts a new one. So any
// number of callers at once cost one load, and nothing queues behind an
// attempt: a caller that gives up leaves no work behind. The flip side: a
// request that joins an attempt may get data read just before an edit it
// was meant to pick up; Watcher checks the attempt's start for that.
// Attempts run on the Reloader's own thread, never the caller's.
class Reloader {
 public:
  using Done = std::function<void(const ReloadOutcome&)>;
  // Reads the config file and its sources into a snapshot.
  using Load = std::function<absl::StatusOr<std::shared_ptr<const Snapshot>>(
      const std::string& config_path)>;

  // `load` empty: Config::LoadFile then Snapshot::Load (tests pass their own).
  Reloader(std::string config_path, SnapshotHolder* holder, Load load = nullptr);
  // Waits for the attempt under way, if any; one only asked for is not
  // started, and its callers get a failed outcome.
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Joins the attempt under way or starts one; returns at once. `done`
  // (may be empty) runs on the Reloader's thread with the attempt's
  // outcome. Returns true when this request started a new attempt.
  bool Request(Done done);
  // Request() and wait for the outcome (seconds: a whole load).
  ReloadOutcome Reload();

  std::optional<ReloadOutcome> last() const;
  // Attempts (loads) so far, by result; joined requests are not counted.
  ReloadCounts counts() const;

 private:
  void Run();
  ReloadOutcome Attempt();

  const std::string config_path_;
  SnapshotHolder* const holder_;
  const Load load_;
  // std::mutex throughout: see snapshot_holder.h.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool asked_ ABSL_GUARDED_BY(mu_) = false;    // an attempt is wanted, not yet started
  bool running_ ABSL_GUARDED_BY(mu_) = false;  // an attempt is under way
  // The callers of the attempt under way (or asked for): told when it ends.
  std::vector<Done> waiters_ ABSL_GUARDED_BY(mu_);
  std::optional<ReloadOutcome> last_ ABSL_GUARDED_BY(mu_);
  ReloadCounts counts_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // last: starts once the fields above are set
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_RELOADER_H_
