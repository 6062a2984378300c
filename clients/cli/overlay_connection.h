// The overlay's channel: to a server, or to one serving a config in-process
// (--local), so that both modes run the same code. And the check made
// before the first row is read.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_CONNECTION_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/cli/overlay.h"
#include "clients/cli/overlay_input.h"
#include "redline/v1/redline.pb.h"
#include "server/grpc/redline_service.h"
#include "server/runtime/snapshot_holder.h"

namespace redline::cli {

struct Connection {
  std::unique_ptr<server::SnapshotHolder> holder;
  std::unique_ptr<server::RedlineService> service;
  std::unique_ptr<grpc::Server> local_server;
  std::shared_ptr<grpc::Channel> channel;  // the first server's (channels[0])
  // One per --server address (`a,b,c`: the overlay spreads its batches over
  // them, overlay.cc); the in-process one with --local.
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::string> addresses;  // as given; "--local" for the in-process one

  ~Connection() {
    if (local_server) local_server->Shutdown();
  }
};

// Opens a channel per --server address; with --local, loads the config and starts the
// in-process server first. InvalidArgumentError for a bad config,
// UnavailableError for data that does not load.
absl::Status Connect(const OverlayOptions& options, Connection* c);

// Checks, before any row is read or any output made, what would otherwise
// fail on every row: the server is reachable, has the zone layers asked
// for, and accepts the request options (purpose, as_of, radius: one point
// in Zhejiang is checked with them) and the input's CRS where GDAL could
// not read it. Every server of the list is asked. InvalidArgumentError with
// the reason for what is refused; UnavailableError when a server cannot be
// reached.
absl::Status Preflight(const OverlayOptions& options, const Input& in, Connection* c);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_CONNECTION_H_
