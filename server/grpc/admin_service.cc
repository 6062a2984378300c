#include "server/grpc/admin_service.h"

#include <memory>
#include <mutex>

#include "server/handlers/handlers.h"
#include "server/runtime/worker_pool.h"

namespace redline::server {

namespace {

// One Reload call. It waits for the Reloader's attempt (joined or started,
// reloader.h) without holding a thread; it ends with that attempt's outcome,
// or at once when the client cancels or its deadline passes (the attempt
// goes on: other callers may be waiting for it, and a half-done load is
// dropped anyway).
class ReloadReactor final : public grpc::ServerUnaryReactor {
 public:
  // Shared with the Reloader's callback, which may run after gRPC has let
  // the reactor go.
  struct State {
    State(Metrics* metrics, v1::ReloadResponse* response)
        : call(metrics, Rpc::kReload), response(response) {}
    // The first of the outcome and the cancellation finishes the call.
    bool Claim() {
      std::lock_guard<std::mutex> lock(mu);
      if (finished) return false;
      finished = true;
      return true;
    }
    std::mutex mu;
    bool finished ABSL_GUARDED_BY(mu) = false;
    Metrics::Call call;
    v1::ReloadResponse* const response;  // gRPC's, valid until Finish
    ReloadReactor* reactor = nullptr;    // alive until Finish
  };

  ReloadReactor(Metrics* metrics, v1::ReloadResponse* response)
      : state_(std::make_shared<State>(metrics, response)) {
    state_->reactor = this;
  }
  const std::shared_ptr<State>& state() const { return state_; }

  static void Done(const std::shared_ptr<State>& state, const ReloadOutcome& outcome) {
    if (!state->Claim()) return;
    handlers::OutcomeToProto(outcome, state->response->mutable_attempt());
    state->call.Finish(grpc::StatusCode::OK);
    state->reactor->Finish(grpc::Status::OK);
  }

  void OnCancel() override {
    if (!state_->Claim()) return;
    state_->call.Finish(grpc::StatusCode::CANCELLED);
    Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                        "the Reload call was cancelled; the reload under way goes on"));
  }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<State> state_;
};

}  // namespace

grpc::ServerUnaryReactor* RedlineAdminService::Reload(grpc::CallbackServerContext*,
                                                      const v1::ReloadRequest*,
                                                      v1::ReloadResponse* response) {
  auto* reactor = new ReloadReactor(metrics_, response);
  // The load runs on the Reloader's thread, never gRPC's; a call made while
  // one runs joins it.
  reloader_->Request([state = reactor->state()](const ReloadOutcome& outcome) {
    ReloadReactor::Done(state, outcome);
  });
  return reactor;
}

namespace {

// A unary call answered by `answer()` on a worker, counted as `rpc`.
template <typename Answer>
grpc::ServerUnaryReactor* OnWorker(grpc::CallbackServerContext* context, Metrics* metrics, Rpc rpc,
                                   Answer answer) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_shared<Metrics::Call>(metrics, rpc);
  WorkerPool::Shared().Submit([reactor, call, answer = std::move(answer)]() {
    grpc::Status status = answer();
    call->Finish(status.error_code());
    reactor->Finish(std::move(status));
  });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* RedlineAdminService::GetRecord(grpc::CallbackServerContext* context,
                                                         const v1::GetRecordRequest* request,
                                                         v1::AuditRecord* response) {
  return OnWorker(context, metrics_, Rpc::kGetRecord, [audit = audit_, request, response] {
    return handlers::GetRecord(audit, *request, response);
  });
}

grpc::ServerUnaryReactor* RedlineAdminService::ListRecords(grpc::CallbackServerContext* context,
                                                           const v1::ListRecordsRequest* request,
                                                           v1::ListRecordsResponse* response) {
  return OnWorker(context, metrics_, Rpc::kListRecords, [audit = audit_, request, response] {
    return handlers::ListRecords(audit, *request, response);
  });
}

}  // namespace redline::server
