#include "clients/cli/overlay_connection.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/channel.h"
#include "clients/cli/overlay_fanout.h"
#include "redline/v1/redline.grpc.pb.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"

namespace redline::cli {
namespace {

// Answers to a batch of large features can be large.
constexpr int kMaxAnswerBytes = 256 << 20;
// The point the options are tried on: Hangzhou, in EPSG:4490.
constexpr double kProbeLon = 120.16;
constexpr double kProbeLat = 30.27;
constexpr auto kPreflightDeadline = std::chrono::seconds(10);

absl::Status FromGrpc(const grpc::Status& status, const std::string& where) {
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
      status.error_code() == grpc::StatusCode::OUT_OF_RANGE ||
      status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::InvalidArgumentError(status.error_message());
  }
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::UnavailableError(
        absl::StrCat("cannot reach the server at ", where, ": ", status.error_message()));
  }
  return absl::UnknownError(absl::StrCat("the server at ", where, " failed (", status.error_code(),
                                         "): ", status.error_message()));
}

}  // namespace

absl::Status Connect(const OverlayOptions& options, Connection* c) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
  if (options.local_config.empty()) {
    c->addresses = SplitServers(options.server);
    if (c->addresses.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--server '", options.server, "' names no server: give HOST:PORT[,...]"));
    }
    for (const std::string& address : c->addresses) {
      c->channels.push_back(OpenChannel(address, options.security, args));
    }
    c->channel = c->channels.front();
    return absl::OkStatus();
  }
  absl::StatusOr<Config> config = Config::LoadFile(options.local_config);
  if (!config.ok()) return absl::InvalidArgumentError(config.status().message());
  absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
  if (!snap.ok()) return absl::UnavailableError(snap.status().message());
  c->holder = std::make_unique<server::SnapshotHolder>(*snap);
  c->service = std::make_unique<server::RedlineService>(c->holder.get());
  grpc::ServerBuilder builder;
  builder.RegisterService(c->service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config->max_request_bytes));
  c->local_server = builder.BuildAndStart();
  c->channel = c->local_server->InProcessChannel(args);
  c->channels = {c->channel};
  c->addresses = {"--local"};
  return absl::OkStatus();
}

namespace {

// Preflight on one server (`where`: its address, or "--local").
absl::Status PreflightOne(const OverlayOptions& options, const Input& in,
                          const std::shared_ptr<grpc::Channel>& channel, const std::string& where) {
  const std::string in_where = options.local_config.empty()
                                   ? absl::StrCat("on the server at ", where)
                                   : absl::StrCat("in ", options.local_config);
  auto stub = v1::Redline::NewStub(channel);
  auto deadline = [](grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + kPreflightDeadline);
  };
  // Reachable, and the zone layers asked for exist.
  v1::ListLayersResponse layers;
  {
    grpc::ClientContext context;
    deadline(&context);
    absl::Status st = FromGrpc(stub->ListLayers(&context, v1::ListLayersRequest(), &layers), where);
    if (!st.ok()) return st;
  }
  std::vector<std::string> names;
  for (const v1::LayerInfo& layer : layers.layers()) names.push_back(layer.name());
  for (const std::string& wanted : options.request_options.layers()) {
    if (absl::c_find(names, wanted) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("no zone layer '", wanted, "' ", in_where,
                                                     "; there are: ", absl::StrJoin(names, ", ")));
    }
  }
  // The options as the server reads them (purpose, as_of, radius), on a
  // point given in longitude/latitude.
  auto probe = [&](const std::string& crs, const v1::CheckOptions& probe_options) {
    v1::CheckPointRequest request;
    request.set_x(kProbeLon);
    request.set_y(kProbeLat);
    request.set_crs(crs);
    *request.mutable_options() = probe_options;
    v1::CheckResponse response;
    grpc::ClientContext context;
    deadline(&context);
    return FromGrpc(stub->CheckPoint(&context, request, &response), where);
  };
  if (absl::Status st = probe("EPSG:4490", options.request_options); !st.ok()) return st;
  // A CRS GDAL could not read (OpenInput warned) may be one only the server
  // knows, as GCJ-02 is: it is asked, about a point in degrees.
  if (in.to_lonlat == nullptr) {
    absl::Status st = probe(in.crs, v1::CheckOptions());
    if (!st.ok()) {
      return absl::Status(st.code(),
                          absl::StrCat("the input's CRS '", in.crs,
                                       "' is unknown to GDAL and to the server: ", st.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Preflight(const OverlayOptions& options, const Input& in, Connection* c) {
  for (size_t i = 0; i < c->channels.size(); ++i) {
    if (absl::Status st = PreflightOne(options, in, c->channels[i], c->addresses[i]); !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace redline::cli
