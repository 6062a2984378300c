#include "clients/cli/rollout.h"

#include <google/protobuf/wrappers.pb.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/client_unary_call.h>
#include <grpcpp/impl/codegen/rpc_method.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/channel.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli {
namespace {

constexpr int kServing = 1;  // grpc.health.v1.HealthCheckResponse.SERVING

// How long a replica may take to show its new version after the reload
// call returned (it swaps at once; this covers a slow ListLayers).
constexpr absl::Duration kSettle = absl::Seconds(30);

std::chrono::system_clock::time_point Deadline(absl::Duration d) {
  return std::chrono::system_clock::now() + absl::ToChronoSeconds(d);
}

// The replica's health for the Redline service: grpc.health.v1.Health/Check.
// Its messages are wire-compatible with the protobuf wrappers (field 1: the
// service name; field 1: the status enum), which saves shipping health.proto.
absl::StatusOr<int> HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  google::protobuf::StringValue request;
  request.set_value("redline.v1.Redline");
  google::protobuf::Int32Value response;
  grpc::ClientContext context;
  context.set_deadline(Deadline(absl::Seconds(10)));
  const grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                         grpc::internal::RpcMethod::NORMAL_RPC);
  const grpc::Status st =
      grpc::internal::BlockingUnaryCall(channel.get(), method, &context, request, &response);
  if (!st.ok()) {
    return absl::UnavailableError(absl::StrCat("health check failed: ", st.error_message()));
  }
  return response.value();
}

absl::StatusOr<std::string> ServingVersion(v1::Redline::Stub& stub) {
  grpc::ClientContext context;
  context.set_deadline(Deadline(absl::Seconds(10)));
  v1::ListLayersResponse layers;
  const grpc::Status st = stub.ListLayers(&context, v1::ListLayersRequest(), &layers);
  if (!st.ok()) return absl::UnavailableError(absl::StrCat("ListLayers: ", st.error_message()));
  return layers.dataset_version();
}

struct Step {
  std::string before, after;
  double seconds = 0;
};

// Reload, then the checks of rollout.h, on one replica.
absl::StatusOr<Step> RollOne(const std::string& replica, const GlobalFlags& global,
                             const RolloutFlags& flags, absl::Duration reload_timeout) {
  const absl::Time start = absl::Now();
  std::shared_ptr<grpc::Channel> channel = OpenChannel(replica, global.security);
  auto stub = v1::Redline::NewStub(channel);
  Step step;
  absl::StatusOr<std::string> before = ServingVersion(*stub);
  if (!before.ok()) return before.status();
  step.before = *before;

  auto admin = v1::RedlineAdmin::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(Deadline(reload_timeout));
  v1::ReloadResponse reload;
  const grpc::Status st = admin->Reload(&context, v1::ReloadRequest(), &reload);
  if (!st.ok()) {
    return absl::UnavailableError(
        absl::StrCat("Reload: ", st.error_message(), " (", static_cast<int>(st.error_code()), ")"));
  }
  if (!reload.attempt().ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("reload failed, still serving ", step.before, ": ", reload.attempt().error()));
  }
  const std::string& loaded = reload.attempt().dataset_version();
  if (flags.expect_version && !VersionMatches(loaded, *flags.expect_version)) {
    return absl::FailedPreconditionError(absl::StrCat("reloaded ", loaded, ", not the expected ",
                                                      *flags.expect_version, " (now serving it)"));
  }
  // The reload swaps atomically; wait until a fresh call sees it.
  const absl::Time settle_until = absl::Now() + kSettle;
  for (;;) {
    absl::StatusOr<std::string> now = ServingVersion(*stub);
    if (now.ok() && *now == loaded) break;
    if (absl::Now() > settle_until) {
      return absl::DeadlineExceededError(absl::StrCat("reloaded ", loaded, " but serves ",
                                                      now.ok() ? *now : now.status().ToString()));
    }
    absl::SleepFor(absl::Milliseconds(200));
  }
  absl::StatusOr<int> health = HealthStatus(channel);
  if (!health.ok()) return health.status();
  if (*health != kServing) {
    return absl::UnavailableError(absl::StrCat("health is not SERVING (status ", *health, ")"));
  }
  step.after = loaded;
  step.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return step;
}

}  // namespace

bool VersionMatches(const std::string& version, const std::string& expected) {
  if (expected.empty()) return false;
  if (version == expected) return true;
  const size_t dash = version.rfind('-');
  const std::string hash = dash == std::string::npos ? version : version.substr(dash + 1);
  // The version carries the hash's first 12 characters; a longer expected
  // hash (the full content hash) matches on those.
  if (expected.size() >= hash.size()) return !hash.empty() && absl::StartsWith(expected, hash);
  return expected.size() >= 8 && absl::StartsWith(hash, expected);
}

int RunRollout(const GlobalFlags& global, const RolloutFlags& flags) {
  std::vector<std::string> replicas = absl::StrSplit(flags.servers, ',', absl::SkipWhitespace());
  if (replicas.empty()) {
    return UsageError(Command::kRollout, "rollout needs --servers A:1,B:2,...");
  }
  if (flags.expect_version && flags.expect_version->size() < 8) {
    return UsageError(Command::kRollout,
                      "--expect-version: give a dataset version or at least 8 characters of "
                      "its content hash");
  }
  absl::StatusOr<std::optional<double>> timeout = ParseFlagNumber("timeout", global.timeout);
  // A reload reads every source: minutes for a province, not the 30 s of a check.
  const absl::Duration reload_timeout =
      timeout.ok() && *timeout ? absl::Seconds(**timeout) : absl::Seconds(600);
  for (size_t i = 0; i < replicas.size(); ++i) {
    const std::string& replica = replicas[i];
    absl::StatusOr<Step> step = RollOne(replica, global, flags, reload_timeout);
    if (!step.ok()) {
      std::cout << replica << "  FAILED  " << step.status().message() << "\n" << std::flush;
      std::cerr << "redline: rollout stopped at " << replica << ": " << step.status().message();
      if (i + 1 < replicas.size()) {
        std::vector<std::string> rest(replicas.begin() + static_cast<long>(i) + 1, replicas.end());
        std::cerr << "; not reloaded: " << absl::StrJoin(rest, ",");
      }
      std::cerr << "\n";
      return kServerError;
    }
    std::cout << absl::StrFormat("%s  %s -> %s  SERVING  %.1fs\n", replica, step->before,
                                 step->after, step->seconds)
              << std::flush;
  }
  return kOk;
}

}  // namespace redline::cli
