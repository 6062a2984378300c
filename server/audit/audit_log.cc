#include "server/audit/audit_log.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace redline::server {

AuditLog::AuditLog(std::unique_ptr<AuditStore> store, AuditOptions options)
    : store_(std::move(store)), options_(options) {
  writer_ = std::thread([this] { Run(); });
}

AuditLog::~AuditLog() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  writer_.join();
}

absl::Status AuditLog::Submit(AuditRecord record) {
  std::lock_guard lock(mu_);
  if (!options_.fail_open) {
    if (!store_error_.ok()) {
      ++stats_.refused;
      return absl::UnavailableError(
          absl::StrCat("the audit trail cannot be written, so no check is answered until it "
                       "can (--audit-fail-open answers anyway): ",
                       store_error_.message()));
    }
    if (queue_.size() >= options_.max_queue) {
      ++stats_.refused;
      return absl::UnavailableError(absl::StrCat("the audit trail is ", queue_.size(),
                                                 " records behind; try again in a moment"));
    }
  } else if (queue_.size() >= options_.max_queue) {
    ++stats_.dropped;
    return absl::OkStatus();
  }
  queue_.push_back(std::move(record));
  ++submitted_;
  if (queue_.size() >= options_.max_batch) cv_.notify_all();  // a full batch: write it now
  return absl::OkStatus();
}

absl::Status AuditLog::Writable() const {
  std::lock_guard lock(mu_);
  if (options_.fail_open || store_error_.ok()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("the audit trail cannot be written, so no check is answered until it can "
                   "(--audit-fail-open answers anyway): ",
                   store_error_.message()));
}

absl::Status AuditLog::Flush(absl::Duration timeout) {
  std::unique_lock lock(mu_);
  const int64_t target = submitted_;
  flush_asked_ = true;
  cv_.notify_all();
  // Bounded, so that an infinite timeout cannot overflow the clock.
  const auto wait = absl::ToChronoNanoseconds(std::min(timeout, absl::Hours(24)));
  if (cv_.wait_for(lock, wait, [this, target] { return done_ >= target; })) {
    return absl::OkStatus();
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the audit trail was not written within ", absl::FormatDuration(timeout),
                   store_error_.ok() ? "" : ": ", store_error_.message()));
}

absl::StatusOr<std::optional<AuditRecord>> AuditLog::Get(const std::string& id) {
  Flush().IgnoreError();  // a failing store still answers what it holds
  return store_->Get(id);
}

absl::StatusOr<RecordPage> AuditLog::List(const RecordQuery& query) {
  Flush().IgnoreError();
  return store_->List(query);
}

AuditLog::Stats AuditLog::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.queued = queue_.size();
  return s;
}

std::string AuditLog::MetricsText() const {
  const Stats s = stats();
  bool failing;
  {
    std::lock_guard lock(mu_);
    failing = !store_error_.ok();
  }
  std::string out;
  const auto counter = [&out](const char* name, const char* help, int64_t value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " counter\n", name, " ",
                    value, "\n");
  };
  const auto gauge = [&out](const char* name, const char* help, int64_t value) {
    absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " gauge\n", name, " ",
                    value, "\n");
  };
  counter("redline_audit_records_written_total", "Audit records written to the store.", s.written);
  counter("redline_audit_batches_total", "Transactions that wrote audit records.", s.batches);
  counter("redline_audit_failed_batches_total", "Batches the store refused (retried).",
          s.failed_batches);
  counter("redline_audit_refused_total",
          "Checks answered UNAVAILABLE because the audit trail could not be written.", s.refused);
  counter("redline_audit_dropped_total",
          "Records dropped with --audit-fail-open because the queue was full.", s.dropped);
  counter("redline_audit_pruned_total", "Records deleted by retention.", s.pruned);
  gauge("redline_audit_queued", "Records waiting to be written.", static_cast<int64_t>(s.queued));
  gauge("redline_audit_failing", "1 while the audit store cannot be written.", failing ? 1 : 0);
  return out;
}

void AuditLog::Prune() {
  if (options_.retention_days <= 0) return;
  absl::StatusOr<int64_t> n =
      store_->DeleteBefore(absl::Now() - absl::Hours(24) * options_.retention_days);
  std::lock_guard lock(mu_);
  if (n.ok()) stats_.pruned += *n;
}

absl::Status AuditLog::WriteBatch() {
  std::vector<AuditRecord> batch;
  {
    std::lock_guard lock(mu_);
    const size_t n = std::min(queue_.size(), options_.max_batch);
    batch.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
  }
  absl::Status st = store_->Append(batch);
  std::lock_guard lock(mu_);
  if (st.ok()) {
    done_ += static_cast<int64_t>(batch.size());
    cv_.notify_all();  // Flush waits for done_
    stats_.written += static_cast<int64_t>(batch.size());
    ++stats_.batches;
    store_error_ = absl::OkStatus();
  } else {
    // Back at the front, in order, to be retried: the queue may exceed
    // max_queue by one batch meanwhile.
    for (auto it = batch.rbegin(); it != batch.rend(); ++it) queue_.push_front(std::move(*it));
    ++stats_.failed_batches;
    store_error_ = st;
  }
  return st;
}

void AuditLog::Run() {
  Prune();
  absl::Time next_prune = absl::Now() + absl::Hours(24);
  for (;;) {
    bool stopping;
    {
      std::unique_lock lock(mu_);
      // Wakes for a full batch, a Flush or the stop; else writes what
      // waits once per interval.
      cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.flush_interval), [this] {
        return stopping_ || flush_asked_ || queue_.size() >= options_.max_batch;
      });
      flush_asked_ = false;
      stopping = stopping_;
    }
    bool failed = false;
    bool probe = false;
    {
      std::lock_guard lock(mu_);
      probe = queue_.empty() && !store_error_.ok();
    }
    if (probe) {
      // Nothing queued to retry with (checks are refused): try the store.
      absl::Status st = store_->Probe();
      std::lock_guard lock(mu_);
      if (st.ok()) {
        store_error_ = absl::OkStatus();
      } else {
        failed = true;
      }
    }
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (queue_.empty()) break;
      }
      if (!WriteBatch().ok()) {
        failed = true;
        break;
      }
    }
    if (stopping) return;  // a failing store at the stop: the queue is lost, as in a crash
    if (absl::Now() >= next_prune) {
      Prune();
      next_prune = absl::Now() + absl::Hours(24);
    }
    // A failing store is retried once per interval, not in a busy loop.
    if (failed) absl::SleepFor(options_.flush_interval);
  }
}

}  // namespace redline::server
