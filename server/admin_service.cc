#include "server/admin_service.h"

#include <google/protobuf/util/time_util.h>

#include <memory>
#include <thread>

namespace redline::server {

void OutcomeToProto(const ReloadOutcome& outcome, v1::ReloadAttempt* out) {
  *out->mutable_at() = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
      absl::ToUnixMicros(outcome.at));
  out->set_ok(outcome.ok);
  out->set_error(outcome.error);
  out->set_dataset_version(outcome.version);
  out->set_previous_version(outcome.previous_version);
  out->set_load_seconds(outcome.load_seconds);
}

grpc::ServerUnaryReactor* RedlineAdminService::Reload(
    grpc::CallbackServerContext* context, const v1::ReloadRequest*,
    v1::ReloadResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_unique<Metrics::Call>(metrics_, Rpc::kReload);
  // A load takes seconds: do it on its own thread, not on gRPC's.
  std::thread([this, reactor, response, call = std::move(call)] {
    OutcomeToProto(reloader_->Reload(), response->mutable_attempt());
    call->Finish(grpc::StatusCode::OK);
    reactor->Finish(grpc::Status::OK);
  }).detach();
  return reactor;
}

}  // namespace redline::server
