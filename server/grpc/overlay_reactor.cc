#include "server/grpc/overlay_reactor.h"

#include <deque>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/handlers/convert.h"
#include "server/handlers/handlers.h"
#include "server/runtime/worker_pool.h"

namespace redline::server {
namespace {

// One Overlay stream. Up to kMaxInFlight request messages are read ahead of
// their answers; the workers answer them in parallel (two batches keep both
// cores busy) and the answers are written strictly in request order, one
// write at a time. When kMaxInFlight messages wait for their answers to be
// written, nothing more is read: a slow reader holds the server's memory to
// a few messages. The snapshot is fixed when the stream opens.
//
// At shutdown (Stop) a stream stops reading, writes the answers it owes for
// the messages already read, and ends UNAVAILABLE saying how many results
// were sent: the client knows where to resume, rather than losing the
// stream to gRPC's cancellation at the end of the grace period.
class OverlayReactor final : public grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult> {
 public:
  static constexpr size_t kMaxInFlight = 4;

  OverlayReactor(std::shared_ptr<const Snapshot> snapshot, Metrics* metrics,
                 const std::atomic<bool>* draining, OverlayStreams* streams, MemoryBudget* budget,
                 handlers::AuditContext audit)
      : call_(metrics, Rpc::kOverlay),
        state_(std::make_shared<State>(std::move(snapshot), budget, std::move(audit))),
        draining_(draining),
        streams_(streams) {
    Actions act;
    {
      absl::MutexLock lock(&state_->mu);
      state_->reactor = this;
      act = state_->NextLocked();
    }
    streams_->Add(state_);
    Act(act);
  }

  void OnReadDone(bool ok) override {
    Actions act;
    Slot* inline_slot = nullptr;
    std::shared_ptr<State> state = state_;  // Answer below may let the reactor go
    {
      absl::MutexLock lock(&state->mu);
      state->reading = false;
      if (!ok) {
        state->reads_done = true;  // the client finished sending (or went away)
      } else if (state->stopping || state->finished) {
        // Read after Stop: not owed, and not counted as answered.
      } else if (grpc::Status wrong =
                     handlers::RequireVersion(*state->snapshot, state->read_buffer->options());
                 !wrong.ok()) {
        // Another dataset than the client pinned: no answer from it. The
        // answers owed are written (they were asked without this
        // requirement, or with one this data met), then the stream ends
        // with the refusal.
        state->stopping = true;
        state->refusal = std::move(wrong);
      } else {
        const v1::OverlayRequest& request = *state->read_buffer;
        const bool one_feature = request.features_size() == 0 && !request.has_points();
        const int64_t items = one_feature ? 1 : request.features_size() + request.points().x_size();
        state->slots.push_back({std::move(state->read_buffer), {}, false, items});
        Slot* slot = &state->slots.back();
        if (one_feature && !draining_->load(std::memory_order_relaxed)) {
          // One feature: answered here, as before batches existed; a hop to
          // a worker would cost more than it saves. The next read is
          // started first, so other gRPC threads can answer the next ones.
          // While draining, gRPC's threads are left free (BeginDrain).
          inline_slot = slot;
        } else {
          WorkerPool::Shared().Submit([state, slot] { state->Answer(slot); });
        }
      }
      act = state->NextLocked();
    }
    Act(act);
    if (inline_slot != nullptr) state->Answer(inline_slot);
  }

  void OnWriteDone(bool ok) override {
    Actions act;
    {
      absl::MutexLock lock(&state_->mu);
      state_->writing = false;
      if (ok) {
        state_->sent_messages += 1;
        state_->sent_items += state_->slots.front().items;
      } else {
        state_->failed = true;
      }
      state_->slots.pop_front();
      act = state_->NextLocked();
    }
    Act(act);
  }

  void OnDone() override {
    streams_->Remove(state_);
    delete this;
  }

 private:
  struct Slot {
    std::unique_ptr<v1::OverlayRequest> request;
    v1::OverlayResult result;
    bool answered = false;
    int64_t items = 0;  // input items (features and points) it answers
  };
  // What to start once the lock is released (gRPC calls are not made under it).
  struct Actions {
    v1::OverlayRequest* read = nullptr;
    const v1::OverlayResult* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };
  // Shared with the workers, so that a worker finishing its last unlock
  // never touches a reactor that gRPC has already deleted.
  struct State final : OverlayStreams::Stream {
    State(std::shared_ptr<const Snapshot> s, MemoryBudget* b, handlers::AuditContext a)
        : snapshot(std::move(s)),
          budget(b),
          audit(std::move(a)),
          opened_at(absl::Now()),
          record_id(audit.log != nullptr ? NewRecordId(opened_at) : std::string()),
          tables(*snapshot) {}

    // On a worker: answer one message, then let the stream go on.
    void Answer(Slot* slot) {
      thread_local PointBatch scratch;
      {
        // Held while the message is answered; its features get
        // RESOURCE_EXHAUSTED when the budget cannot take it.
        absl::StatusOr<MemoryBudget::Lease> lease =
            budget == nullptr ? absl::StatusOr<MemoryBudget::Lease>(MemoryBudget::Lease())
                              : budget->Acquire(handlers::EstimateOverlayBytes(*slot->request),
                                                "an Overlay message");
        handlers::OverlayMessage(*snapshot, *slot->request, &scratch, &slot->result,
                                 lease.status());
      }
      Actions act;
      OverlayReactor* r;
      {
        absl::MutexLock lock(&mu);
        slot->request.reset();  // its memory back before the write
        slot->answered = true;
        act = NextLocked();
        r = reactor;
      }
      // With nothing to start, the reactor may already be gone.
      if (act.read != nullptr || act.write != nullptr || act.finish) r->Act(act);
    }

    // Shutdown: read nothing more, write what is owed, then end.
    void Stop() override {
      Actions act;
      OverlayReactor* r;
      {
        absl::MutexLock lock(&mu);
        if (stopping || finished) return;
        stopping = true;
        act = NextLocked();
        r = reactor;
      }
      // As in Answer: something to start means the reactor is still there.
      if (act.read != nullptr || act.write != nullptr || act.finish) r->Act(act);
    }

    // The next steps, decided under the lock.
    Actions NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      Actions act;
      if (finished) return act;  // a read still out after Stop ends here
      if (failed) {
        // The client stopped reading: drop answers as they come.
        while (!writing && !slots.empty() && slots.front().answered) slots.pop_front();
      } else if (!writing && !slots.empty() && slots.front().answered) {
        v1::OverlayResult& result = slots.front().result;
        if (result.has_batch()) tables.Add(result.mutable_batch());
        if (audit.log != nullptr) {
          tally.Add(result);
          if (sent_messages == 0) result.set_record_id(record_id);  // the first result
        }
        writing = true;
        act.write = &result;
      }
      if (!reading && !reads_done && !failed && !stopping && slots.size() < kMaxInFlight) {
        reading = true;
        read_buffer = std::make_unique<v1::OverlayRequest>();
        act.read = read_buffer.get();
      }
      // Stopping, a read may still be out: the stream ends without it (gRPC
      // then fails the read).
      const bool all_read = reads_done && !reading;
      if (!writing && slots.empty() && (all_read || (failed && !reading) || stopping)) {
        finished = true;
        act.finish = true;
        if (failed) {
          act.status = grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
        } else if (!refusal.ok()) {
          act.status = refusal;
        } else if (!all_read) {
          act.status = grpc::Status(
              grpc::StatusCode::UNAVAILABLE,
              absl::StrCat("the server is shutting down: ", sent_items, " results sent (",
                           sent_messages, " messages, every one read answered); resume from ",
                           "input index ", sent_items, " on another server"));
        }
        RecordLocked(&act.status);
      }
      return act;
    }

    // The stream's record, as it ends. Its answers are sent already; if the
    // record cannot be kept, the stream at least does not end OK.
    void RecordLocked(grpc::Status* status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      if (audit.log == nullptr) return;
      absl::Status st = audit.log->Submit(
          handlers::OverlayRecord(audit, record_id, opened_at, snapshot->version(), tally));
      if (!st.ok() && status->ok()) {
        *status = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                               absl::StrCat("every result was sent, but the stream's record ",
                                            record_id, " was not kept: ", st.message()));
      }
    }

    absl::Mutex mu;
    const std::shared_ptr<const Snapshot> snapshot;
    MemoryBudget* const budget;  // may be null
    const handlers::AuditContext audit;
    const absl::Time opened_at;
    const std::string record_id;  // empty without an audit trail
    OverlayReactor* reactor = nullptr;
    handlers::OverlayTally tally ABSL_GUARDED_BY(mu);  // what was written
    StreamTables tables ABSL_GUARDED_BY(mu);
    // Read, in request order, until written; deque keeps slots in place.
    std::deque<Slot> slots ABSL_GUARDED_BY(mu);
    std::unique_ptr<v1::OverlayRequest> read_buffer ABSL_GUARDED_BY(mu);
    bool reading ABSL_GUARDED_BY(mu) = false;
    bool writing ABSL_GUARDED_BY(mu) = false;
    bool reads_done ABSL_GUARDED_BY(mu) = false;
    bool failed ABSL_GUARDED_BY(mu) = false;
    bool stopping ABSL_GUARDED_BY(mu) = false;  // Stop: no more reads
    // Why the stream was refused (CheckOptions.require_version); OK if not.
    grpc::Status refusal ABSL_GUARDED_BY(mu);
    bool finished ABSL_GUARDED_BY(mu) = false;
    // Written so far: messages, and the input items they answered.
    int64_t sent_messages ABSL_GUARDED_BY(mu) = 0;
    int64_t sent_items ABSL_GUARDED_BY(mu) = 0;
  };

  // Finish last: after it gRPC may delete the reactor at any time.
  void Act(const Actions& act) {
    if (act.write != nullptr) StartWrite(act.write);
    if (act.read != nullptr) StartRead(act.read);
    if (act.finish) {
      call_.Finish(act.status.error_code());
      Finish(act.status);
    }
  }

  Metrics::Call call_;  // handled when Act finishes the stream
  std::shared_ptr<State> state_;
  const std::atomic<bool>* const draining_;
  OverlayStreams* const streams_;
};

// A stream refused as it opens (the audit trail cannot be written).
class RefusedStream final : public grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult> {
 public:
  RefusedStream(Metrics* metrics, grpc::Status status) : call_(metrics, Rpc::kOverlay) {
    call_.Finish(status.error_code());
    Finish(std::move(status));
  }
  void OnDone() override { delete this; }

 private:
  Metrics::Call call_;
};

}  // namespace

grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>* NewOverlayReactor(
    std::shared_ptr<const Snapshot> snapshot, Metrics* metrics, const std::atomic<bool>* draining,
    OverlayStreams* streams, MemoryBudget* budget, handlers::AuditContext audit) {
  if (audit.log != nullptr) {
    if (absl::Status st = audit.log->Writable(); !st.ok()) {
      return new RefusedStream(
          metrics, grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(st.message())));
    }
  }
  return new OverlayReactor(std::move(snapshot), metrics, draining, streams, budget,
                            std::move(audit));
}

}  // namespace redline::server
