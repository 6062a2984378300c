// Reloading the data without downtime.
#ifndef REDLINE_SERVER_RELOADER_H_
#define REDLINE_SERVER_RELOADER_H_

#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/redline_service.h"

namespace redline::server {

struct ReloadOutcome {
  absl::Time at;
  bool ok = false;
  std::string error;
  std::string version;           // serving after the attempt
  std::string previous_version;
  double load_seconds = 0;
};

// Loads the config file and its sources into a new snapshot and swaps it
// into `holder`. Attempts are serialised; a failed one leaves the holder
// untouched. Thread-safe.
class Reloader {
 public:
  Reloader(std::string config_path, SnapshotHolder* holder)
      : config_path_(std::move(config_path)), holder_(holder) {}

  // Blocks for the whole load (seconds); call it off the RPC threads.
  ReloadOutcome Reload();
  std::optional<ReloadOutcome> last() const;

 private:
  const std::string config_path_;
  SnapshotHolder* const holder_;
  absl::Mutex reload_mu_;  // one reload at a time
  mutable absl::Mutex last_mu_;
  std::optional<ReloadOutcome> last_ ABSL_GUARDED_BY(last_mu_);
};

class RedlineAdminService final : public v1::RedlineAdmin::CallbackService {
 public:
  explicit RedlineAdminService(Reloader* reloader) : reloader_(reloader) {}
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context,
                                   const v1::ReloadRequest* request,
                                   v1::ReloadResponse* response) override;

 private:
  Reloader* reloader_;
};

void OutcomeToProto(const ReloadOutcome& outcome, v1::ReloadAttempt* out);

}  // namespace redline::server

#endif  // REDLINE_SERVER_RELOADER_H_
