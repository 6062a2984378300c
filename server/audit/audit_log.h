// The audit trail's writer: checks hand their records to Submit, which only
// queues them; one thread writes the queue to the store (audit_store.h) in
// batches, one transaction per batch, at least every flush_interval.
//
// What this promises:
// - The check path never waits for the store: Submit takes a lock, appends
//   and returns.
// - Fail closed: once a batch could not be written, Submit refuses
//   (UNAVAILABLE) until a batch is written again, so checks are not answered
//   without a record; with fail_open it queues on (and, the queue full,
//   drops and counts) instead. A refused record is not kept.
// - Unwritten records stay queued and are retried: a crash loses at most
//   what was queued in the last flush_interval (a second by default, less
//   than that as configured by redlined), plus what waited on a failing store.
// - Retention: with retention_days > 0, records older than that are deleted
//   at start and once a day.
//
// Thread safety: all methods may be called from any thread.
#ifndef REDLINE_SERVER_AUDIT_AUDIT_LOG_H_
#define REDLINE_SERVER_AUDIT_AUDIT_LOG_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/audit/audit_record.h"
#include "server/audit/audit_store.h"

namespace redline::server {

struct AuditOptions {
  int retention_days = 0;     // 0: keep forever
  bool fail_open = false;     // answer checks even when records cannot be written
  size_t max_queue = 100000;  // records waiting at most; more are refused (or dropped)
  size_t max_batch = 2000;    // records per transaction at most
  // A batch is written at least this often while records wait.
  absl::Duration flush_interval = absl::Milliseconds(200);
};

class AuditLog {
 public:
  // Starts the writer thread (which prunes first, when retention is set).
  AuditLog(std::unique_ptr<AuditStore> store, AuditOptions options);
  // Writes what is queued (trying once more if the store is failing), then
  // stops the writer.
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Queues `record` (its id and time already set). UNAVAILABLE, saying why,
  // when the store cannot be written or the queue is full and the log fails
  // closed.
  absl::Status Submit(AuditRecord record);
  // Whether a Submit now would be refused: for a stream that records only at
  // its end (Overlay), asked when it opens.
  absl::Status Writable() const;
  // Waits until every record queued before the call is written, for at most
  // `timeout`; DEADLINE_EXCEEDED (with the store's error) otherwise.
  absl::Status Flush(absl::Duration timeout = absl::Seconds(5));

  // Reads, after a Flush, so that a record just answered is found.
  absl::StatusOr<std::optional<AuditRecord>> Get(const std::string& id);
  absl::StatusOr<RecordPage> List(const RecordQuery& query);

  struct Stats {
    int64_t written = 0;
    int64_t batches = 0;  // transactions that wrote records
    int64_t dropped = 0;  // fail_open only: the queue was full
    int64_t refused = 0;  // fail closed: checks answered UNAVAILABLE
    int64_t failed_batches = 0;
    int64_t pruned = 0;
    size_t queued = 0;
  };
  Stats stats() const;
  // The stats as Prometheus series (redline_audit_*), for /metrics.
  std::string MetricsText() const;
  std::string Describe() const { return store_->Describe(); }

 private:
  void Run();
  void Prune();
  // One batch written, or the error; under no lock (the store has its own).
  absl::Status WriteBatch();

  const std::unique_ptr<AuditStore> store_;
  const AuditOptions options_;
  // std::mutex and a condition variable, not absl::Mutex: ThreadSanitizer
  // sees only pthread mutexes (Debian's Abseil is not built with it).
  mutable std::mutex mu_;
  std::condition_variable cv_;  // the writer's wake-ups, and Flush's
  // Guarded by mu_:
  std::deque<AuditRecord> queue_;
  absl::Status store_error_;  // the last batch's, until one succeeds
  int64_t submitted_ = 0;     // sequence numbers, for Flush
  int64_t done_ = 0;
  bool flush_asked_ = false;
  bool stopping_ = false;
  Stats stats_;
  std::thread writer_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_AUDIT_AUDIT_LOG_H_
