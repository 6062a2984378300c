// What lets one overlay run over several servers (`--server a,b,c`) without
// mixing datasets: the address list, and the dataset version every answer
// is held to.
//
// The overlay pins the version of its first answer (or --require-version)
// and sends it as CheckOptions.require_version on every later request, so
// a replica holding other data refuses (FAILED_PRECONDITION) instead of
// answering; each answer's dataset_version is checked here too, so that a
// server that ignores the field (an older one) cannot slip other rows in.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FANOUT_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FANOUT_H_

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace redline::cli {

// "a, b,c" -> {"a", "b", "c"}: trimmed, empty entries dropped. (The other
// commands take the list as one balanced channel, clients/cli/channel.cc;
// the overlay opens a stream per address and needs them apart.)
std::vector<std::string> SplitServers(absl::string_view servers);

// The dataset version an overlay's answers come from. Thread-safe: the
// feeding thread waits on it, the reading thread sets and checks it.
class VersionPin {
 public:
  // `required`: --require-version (empty: the first answer's version).
  explicit VersionPin(std::string required);

  // Holds an answer from `server` to the pin: the first answer sets it when
  // none was required; any other must name the same data
  // (SameDatasetContent). FailedPreconditionError naming both versions and
  // the server otherwise.
  absl::Status Hold(const std::string& version, const std::string& server);
  // The pinned version, once known; blocks until then. std::nullopt once
  // Abandon was called (the job is ending without one).
  std::optional<std::string> Wait();
  // The pinned version if known now; empty otherwise.
  std::string Current();
  void Abandon();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string version_;  // empty until known
  std::string source_;   // "--require-version" or the server that set it
  bool abandoned_ = false;
};

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FANOUT_H_
