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
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return !tasks_.empty(); });
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace redline::server
