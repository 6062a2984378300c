// A pool of threads that run work off gRPC's own threads.
//
// Why: gRPC's callback threads (about one per core) also take the next calls
// in; a call that may take long (a site check, zone outlines, an Overlay
// batch) is handed to the pool so those threads stay free (see Dispatch in
// server/grpc/redline_service.cc and the Overlay reactor).
//
// Ownership and shutdown: the process shares one pool, WorkerPool::Shared(),
// created on first use and never destroyed. Its threads are detached and
// run until the process exits, so no queued task and no call answering on a
// worker can outlive the pool. A task must therefore not hold anything that
// is destroyed before exit without its own care (the reactors keep their
// state in shared_ptr for this reason).
//
// Thread safety: Submit may be called from any thread at any time. Tasks
// run in submission order as workers free up, several at once; a task must
// not wait on a later task (with every worker waiting, none would run).
#ifndef REDLINE_SERVER_RUNTIME_WORKER_POOL_H_
#define REDLINE_SERVER_RUNTIME_WORKER_POOL_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace redline::server {

class WorkerPool {
 public:
  // The process's pool: one worker per core, at least two.
  static WorkerPool& Shared();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` to run on a worker.
  void Submit(std::function<void()> task);

 private:
  // Starts `threads` detached workers; only Shared() makes a pool.
  explicit WorkerPool(unsigned threads);
  // A worker: takes tasks from the queue, for ever.
  void Run();

  // std::mutex, not absl::Mutex, as everywhere in runtime/ (see
  // snapshot_holder.h): ThreadSanitizer sees pthread mutexes only.
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_WORKER_POOL_H_
