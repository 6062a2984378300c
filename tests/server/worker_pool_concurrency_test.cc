// The worker pool (server/runtime/worker_pool.h): tasks submitted from many
// threads at once all run, each once. Built and run under
// ThreadSanitizer too (make test-tsan).
#include <atomic>
#include <thread>
#include <vector>

#include "absl/synchronization/blocking_counter.h"
#include "gtest/gtest.h"
#include "server/runtime/worker_pool.h"

namespace redline::server {
namespace {

TEST(WorkerPoolTest, EveryTaskSubmittedFromManyThreadsRunsOnce) {
  constexpr int kThreads = 4;
  constexpr int kTasksEach = 500;
  std::vector<std::atomic<int>> runs(kThreads * kTasksEach);
  absl::BlockingCounter done(kThreads * kTasksEach);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kTasksEach; ++i) {
        WorkerPool::Shared().Submit([&runs, &done, k = t * kTasksEach + i] {
          runs[k].fetch_add(1, std::memory_order_relaxed);
          done.DecrementCount();
        });
      }
    });
  }
  for (std::thread& t : submitters) t.join();
  done.Wait();
  for (const std::atomic<int>& n : runs) EXPECT_EQ(n.load(), 1);
}

}  // namespace
}  // namespace redline::server
