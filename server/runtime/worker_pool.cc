#include "server/runtime/worker_pool.h"

#include <algorithm>
#include <thread>
#include <utility>

namespace redline::server {

WorkerPool& WorkerPool::Shared() {
  // Leaked on purpose: see the header (no call may outlive the pool).
  static WorkerPool* pool = new WorkerPool(std::max(2u, std::thread::hardware_concurrency()));
  return *pool;
}

WorkerPool::WorkerPool(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) std::thread([this] { Run(); }).detach();
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.Signal();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      while (tasks_.empty()) cv_.Wait(&mu_);
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace redline::server
