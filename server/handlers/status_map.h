// The one place where core errors become gRPC status codes.
#ifndef REDLINE_SERVER_HANDLERS_STATUS_MAP_H_
#define REDLINE_SERVER_HANDLERS_STATUS_MAP_H_

#include <grpcpp/support/status.h>

#include <cstddef>

#include "absl/status/status.h"

namespace redline::server {

// The longest message a status carries. gRPC sends it as metadata, which a
// client limits (8 kB by default): a longer message made the client see
// RESOURCE_EXHAUSTED instead of the error. Parsers quote short excerpts of
// input; this is the last line of defence for anything that still grew.
inline constexpr size_t kMaxStatusMessageBytes = 1024;

// The same code, and the message cut to kMaxStatusMessageBytes on a UTF-8
// boundary ("…" and the full length added when cut).
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HANDLERS_STATUS_MAP_H_
