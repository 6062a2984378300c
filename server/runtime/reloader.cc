#include "server/runtime/reloader.h"

#include <filesystem>
#include <future>

#include "absl/time/clock.h"
#include "server/runtime/log.h"
#include "server/runtime/memory_budget.h"
#include "spatial/data/config.h"

namespace redline::server {

namespace {

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfigured(const std::string& path) {
  absl::StatusOr<Config> config = Config::LoadFile(path);
  if (!config.ok()) return config.status();
  return Snapshot::Load(*config);
}

}  // namespace

Reloader::Reloader(std::string config_path, SnapshotHolder* holder, Load load)
    : config_path_(std::move(config_path)),
      holder_(holder),
      load_(load ? std::move(load) : Load(LoadConfigured)),
      thread_([this] { Run(); }) {}

Reloader::~Reloader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool Reloader::Request(Done done) {
  bool started = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!running_ && !asked_) {
      asked_ = true;
      started = true;
    }
    if (done) waiters_.push_back(std::move(done));
  }
  if (started) wake_.notify_all();
  return started;
}

ReloadOutcome Reloader::Reload() {
  std::promise<ReloadOutcome> outcome;
  std::future<ReloadOutcome> result = outcome.get_future();
  Request([&outcome](const ReloadOutcome& o) { outcome.set_value(o); });
  return result.get();
}

void Reloader::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || asked_; });
    if (stop_) {
      // Asked for but not started: the callers still hear, so that none
      // waits forever.
      std::vector<Done> waiters;
      waiters.swap(waiters_);
      lock.unlock();
      ReloadOutcome outcome;
      outcome.at = absl::Now();
      outcome.error = "not reloaded: the server is stopping";
      outcome.version = outcome.previous_version = holder_->Get()->version();
      for (Done& done : waiters) done(outcome);
      return;
    }
    asked_ = false;
    running_ = true;
    lock.unlock();
    const ReloadOutcome outcome = Attempt();
    lock.lock();
    running_ = false;
    last_ = outcome;
    ++(outcome.ok ? counts_.succeeded : counts_.failed);
    // Requests from here on start a new attempt; these get this one's.
    std::vector<Done> waiters;
    waiters.swap(waiters_);
    lock.unlock();
    for (Done& done : waiters) done(outcome);
    lock.lock();
  }
}

ReloadOutcome Reloader::Attempt() {
  ReloadOutcome outcome;
  outcome.at = absl::Now();
  const std::shared_ptr<const Snapshot> before = holder_->Get();
  outcome.previous_version = before->version();
  outcome.version = before->version();
  absl::StatusOr<std::shared_ptr<const Snapshot>> next = load_(config_path_);
  outcome.load_seconds = absl::ToDoubleSeconds(absl::Now() - outcome.at);
  if (next.ok()) {
    holder_->Set(*next);
    outcome.ok = true;
    outcome.version = (*next)->version();
    Log("INFO", "reload: now serving ", outcome.version, " (was ", outcome.previous_version,
        "), loaded in ", outcome.load_seconds, " s");
  } else {
    const std::string error(next.status().message());
    Log("ERROR", "reload failed, still serving ", outcome.version, ": ", error);
    // The outcome goes to clients (Reload, ListLayers): no server folders.
    outcome.error =
        PublicMessage(error, std::filesystem::absolute(config_path_).parent_path().string());
  }
  // A load allocates and frees a dataset's worth of memory, kept or not:
  // give the freed part back (memory_budget.h), off this thread.
  MemoryReturner::Get().Request();
  return outcome;
}

std::optional<ReloadOutcome> Reloader::last() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_;
}

ReloadCounts Reloader::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

}  // namespace redline::server
