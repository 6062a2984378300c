// RedlineAdmin: the gRPC face of the Reloader.
#ifndef REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_
#define REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_

#include "redline/v1/redline.grpc.pb.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reloader.h"

namespace redline::server {

class RedlineAdminService final : public v1::RedlineAdmin::CallbackService {
 public:
  // `metrics` may be null; when set, every call is counted there.
  explicit RedlineAdminService(Reloader* reloader, Metrics* metrics = nullptr)
      : reloader_(reloader), metrics_(metrics) {}
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context,
                                   const v1::ReloadRequest* request,
                                   v1::ReloadResponse* response) override;

 private:
  Reloader* reloader_;
  Metrics* metrics_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_
