#include "server/reloader.h"

#include <google/protobuf/util/time_util.h>

#include <thread>

#include "absl/time/clock.h"
#include "server/log.h"

namespace redline::server {

ReloadOutcome Reloader::Reload() {
  absl::MutexLock serial(&reload_mu_);
  ReloadOutcome outcome;
  outcome.at = absl::Now();
  const std::shared_ptr<const Snapshot> before = holder_->Get();
  outcome.previous_version = before->version();
  outcome.version = before->version();
  absl::StatusOr<Config> config = Config::LoadFile(config_path_);
  absl::StatusOr<std::shared_ptr<const Snapshot>> next =
      config.ok() ? Snapshot::Load(*config)
                  : absl::StatusOr<std::shared_ptr<const Snapshot>>(config.status());
  outcome.load_seconds = absl::ToDoubleSeconds(absl::Now() - outcome.at);
  if (next.ok()) {
    holder_->Set(*next);
    outcome.ok = true;
    outcome.version = (*next)->version();
    Log("INFO", "reload: now serving ", outcome.version, " (was ",
        outcome.previous_version, "), loaded in ", outcome.load_seconds, " s");
  } else {
    outcome.error = std::string(next.status().message());
    Log("ERROR", "reload failed, still serving ", outcome.version, ": ",
        outcome.error);
  }
  absl::MutexLock lock(&last_mu_);
  last_ = outcome;
  return outcome;
}

std::optional<ReloadOutcome> Reloader::last() const {
  absl::MutexLock lock(&last_mu_);
  return last_;
}

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
  // A load takes seconds: do it on its own thread, not on gRPC's.
  std::thread([this, reactor, response] {
    OutcomeToProto(reloader_->Reload(), response->mutable_attempt());
    reactor->Finish(grpc::Status::OK);
  }).detach();
  return reactor;
}

}  // namespace redline::server
