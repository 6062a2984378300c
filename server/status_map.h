// The one place where core errors become gRPC status codes.
#ifndef REDLINE_SERVER_STATUS_MAP_H_
#define REDLINE_SERVER_STATUS_MAP_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace redline::server {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace redline::server

#endif  // REDLINE_SERVER_STATUS_MAP_H_
