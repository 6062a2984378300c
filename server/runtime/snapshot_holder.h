// The snapshot requests are answered from, swapped without downtime. Free of
// gRPC, so the ThreadSanitizer build checks it with the reload path.
#ifndef REDLINE_SERVER_RUNTIME_SNAPSHOT_HOLDER_H_
#define REDLINE_SERVER_RUNTIME_SNAPSHOT_HOLDER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "spatial/snapshot.h"

namespace redline::server {

// Holds the snapshot requests are answered from. Reading it is lock-free in
// the common case: each thread caches a weak reference to the current
// snapshot with its generation number and only takes the mutex after a
// swap. A request keeps the shared_ptr it got for its whole life, so it
// never mixes two versions.
class SnapshotHolder {
 public:
  explicit SnapshotHolder(std::shared_ptr<const Snapshot> initial);

  std::shared_ptr<const Snapshot> Get() const;
  void Set(std::shared_ptr<const Snapshot> next);

  // The snapshot that answers for zones in force on `day` (days since
  // 1970-01-01): the current one when its layers carry effective dates or
  // the day is not before its load, else the newest past version loaded by
  // the end of that day. OUT_OF_RANGE, saying which dates can be answered,
  // when no version kept covers the day.
  absl::StatusOr<std::shared_ptr<const Snapshot>> GetAsOf(int32_t day) const;

  // The snapshot whose version() is `version` (the current one or a past
  // one kept, at most keep_versions); OUT_OF_RANGE naming the versions held,
  // newest first, when it is not among them.
  absl::StatusOr<std::shared_ptr<const Snapshot>> GetVersion(const std::string& version) const;

 private:
  // std::mutex, not absl::Mutex, here and in the Reloader and Watcher:
  // Debian's Abseil is not built for ThreadSanitizer, which then cannot see
  // an absl::Mutex order anything, while it does see pthread mutexes.
  mutable std::mutex mu_;
  std::shared_ptr<const Snapshot> current_ ABSL_GUARDED_BY(mu_);
  // Newest first, current_ included; at most the config's keep_versions.
  std::deque<std::shared_ptr<const Snapshot>> history_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  const uint64_t id_;  // tells holders apart in the thread-local cache
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_SNAPSHOT_HOLDER_H_
