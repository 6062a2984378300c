#include "server/handlers/status_map.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "spatial/base/excerpt.h"

namespace redline::server {
namespace {

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxStatusMessageBytes) return std::string(message);
  // Room for "… (NNNNNNNNNN bytes)".
  constexpr size_t kTail = 32;
  return absl::StrCat(Utf8Prefix(message, kMaxStatusMessageBytes - kTail), "\xE2\x80\xA6 (",
                      message.size(), " bytes)");
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering (google.rpc.Code).
  const int code = static_cast<int>(status.code());
  if (code < 0 || code > static_cast<int>(grpc::StatusCode::UNAUTHENTICATED)) {
    return grpc::Status(grpc::StatusCode::UNKNOWN, BoundedMessage(status.message()));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(code), BoundedMessage(status.message()));
}

}  // namespace redline::server
