// The worker pool (server/runtime/worker_pool.h): tasks submitted from many
// threads at once all run, each once. Built and run under
// ThreadSanitizer too (make test-tsan).
#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/runtime/worker_pool.h"

namespace redline::server {
namespace {

TEST(WorkerPoolTest, EveryTaskSubmittedFromManyThreadsRunsOnce) {
  constexpr int kThreads = 4;
  constexpr int kTasksEach = 500;
  std::vector<std::atomic<int>> runs(kThreads * kTasksEach);
  // std::latch, not absl::BlockingCounter: Debian's Abseil is not built
  // with TSan, which then cannot see the count order the tasks' writes
  // before `runs` is read and freed.
  std::latch done(kThreads * kTasksEach);
  std::vector<std::thread> submitters;
  for (int t = 0; t < kThreads; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < kTasksEach; ++i) {
        WorkerPool::Shared().Submit([&runs, &done, k = t * kTasksEach + i] {
          runs[k].fetch_add(1, std::memory_order_relaxed);
          done.count_down();
        });
      }
    });
  }
  for (std::thread& t : submitters) t.join();
  done.wait();
  for (const std::atomic<int>& n : runs) EXPECT_EQ(n.load(), 1);
}

}  // namespace
}  // namespace redline::server
