#include "server/runtime/snapshot_holder.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/runtime/memory_budget.h"

namespace redline::server {
namespace {

std::atomic<uint64_t> next_holder_id{1};

}  // namespace

// current_ is initialised first (declared first), so history_ may take `initial` itself.
SnapshotHolder::SnapshotHolder(std::shared_ptr<const Snapshot> initial)
    : current_(initial), history_{std::move(initial)}, id_(next_holder_id++) {}

std::shared_ptr<const Snapshot> SnapshotHolder::Get() const {
  // Weak: a thread that goes idle after a call must not keep the snapshot
  // it read alive past a reload (a province's layers are gigabytes). Locking
  // it costs what copying a shared_ptr would.
  struct Cache {
    uint64_t holder = 0;
    uint64_t generation = 0;
    std::weak_ptr<const Snapshot> snapshot;
  };
  thread_local Cache cache;
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  if (cache.holder == id_ && cache.generation == generation) {
    // Empty only if a swap since the generation was read let it go.
    if (std::shared_ptr<const Snapshot> s = cache.snapshot.lock()) return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  cache.holder = id_;
  cache.generation = generation_.load(std::memory_order_relaxed);
  cache.snapshot = current_;
  return current_;
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotHolder::GetAsOf(int32_t day) const {
  auto load_day = [](const Snapshot& s) { return DayInChina(s.loaded_at()); };
  std::lock_guard<std::mutex> lock(mu_);
  if (current_->dated() || day >= load_day(*current_)) return current_;
  for (const auto& s : history_) {
    if (load_day(*s) <= day) return s;
  }
  const Snapshot& oldest = *history_.back();
  return absl::OutOfRangeError(absl::StrCat(
      "cannot answer as of ", FormatDay(day), ": the oldest dataset version kept (",
      oldest.version(), ") was loaded on ", FormatDay(load_day(oldest)),
      " and the layers carry no effective dates; ask for ", FormatDay(load_day(oldest)),
      " or later, keep more versions (keep_versions), or configure "
      "effective_from_field/effective_to_field"));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotHolder::GetVersion(
    const std::string& version) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> held;
  for (const auto& s : history_) {
    if (s->version() == version) return s;
    held.push_back(s->version());
  }
  return absl::OutOfRangeError(
      absl::StrCat("dataset version '", version, "' is not held; the versions held, newest first: ",
                   absl::StrJoin(held, ", "), " (keep more with keep_versions)"));
}

void SnapshotHolder::Set(std::shared_ptr<const Snapshot> next) {
  std::vector<std::shared_ptr<const Snapshot>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    history_.push_front(next);
    while (history_.size() > static_cast<size_t>(std::max(1, next->config().keep_versions))) {
      dropped.push_back(std::move(history_.back()));
      history_.pop_back();
    }
    current_ = std::move(next);
    generation_.fetch_add(1, std::memory_order_release);
  }
  if (dropped.empty()) return;
  // Freed outside the lock (a province's snapshot takes a while to free),
  // then given back to the OS: without that glibc keeps the freed heap,
  // and RSS crept from 113 to 464 MB over 30 reloads (issue 18). A request
  // still holding a dropped version frees it later; the returner waits a
  // little for such stragglers.
  dropped.clear();
  MemoryReturner::Get().Request();
}

}  // namespace redline::server
