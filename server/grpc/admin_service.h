// RedlineAdmin: the gRPC face of the Reloader and of the audit trail's reads.
#ifndef REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_
#define REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_

#include "redline/v1/redline.grpc.pb.h"
#include "server/audit/audit_log.h"
#include "server/runtime/metrics.h"
#include "server/runtime/reloader.h"

namespace redline::server {

class RedlineAdminService final : public v1::RedlineAdmin::CallbackService {
 public:
  // `metrics` may be null; when set, every call is counted there.
  // `audit` may be null: GetRecord and ListRecords then answer
  // FAILED_PRECONDITION.
  explicit RedlineAdminService(Reloader* reloader, Metrics* metrics = nullptr,
                               AuditLog* audit = nullptr)
      : reloader_(reloader), metrics_(metrics), audit_(audit) {}
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context,
                                   const v1::ReloadRequest* request,
                                   v1::ReloadResponse* response) override;
  // On a worker: a read waits for the queued records to be written first.
  grpc::ServerUnaryReactor* GetRecord(grpc::CallbackServerContext* context,
                                      const v1::GetRecordRequest* request,
                                      v1::AuditRecord* response) override;
  grpc::ServerUnaryReactor* ListRecords(grpc::CallbackServerContext* context,
                                        const v1::ListRecordsRequest* request,
                                        v1::ListRecordsResponse* response) override;

 private:
  Reloader* reloader_;
  Metrics* metrics_;
  AuditLog* audit_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_GRPC_ADMIN_SERVICE_H_
