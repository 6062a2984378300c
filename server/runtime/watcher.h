// Polling the configured sources and reloading when they change.
#ifndef REDLINE_SERVER_RUNTIME_WATCHER_H_
#define REDLINE_SERVER_RUNTIME_WATCHER_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/runtime/reloader.h"

namespace redline::server {

// A fingerprint of everything a load reads from files: the config, the rule
// files, and each file source (with a Shapefile's side files and a folder
// source's contents), as modification times and sizes; a layer with a
// `watch_query` (a database) contributes that query's first row. Other `PG:`
// sources are not polled: reload them with SIGHUP or RedlineAdmin.Reload.
std::string SourceFingerprint(const std::string& config_path);

// Every `interval`, compares the fingerprint with the last one and reloads
// when it changed. `loaded` is the fingerprint taken *before* the data now
// serving was loaded: an edit made while the server was starting is then
// seen as a change, not mistaken for the starting point. Stops (and joins)
// on destruction.
class Watcher {
 public:
  Watcher(std::string config_path, absl::Duration interval, Reloader* reloader, std::string loaded);
  ~Watcher();

 private:
  void Run();

  const std::string config_path_;
  const absl::Duration interval_;
  Reloader* const reloader_;
  std::string last_;  // only the watcher's thread touches it once started
  std::mutex mu_;     // std::mutex: see snapshot_holder.h
  std::condition_variable wake_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_WATCHER_H_
