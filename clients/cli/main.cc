// redline: the command-line client of a Redline server.
//
//   redline [--server HOST:PORT] [--json] check-point --lon X --lat Y [--crs EPSG:N]
//   redline check-site (--wkt TEXT | --file PATH | --table PATH) [--crs EPSG:N]
//   redline layers
//   redline overlay --input FILE --output OUT [--local --config FILE]
//   redline compare (--from-config A.yaml --to-config B.yaml | --from VERSION [--to VERSION])
//   redline rollout --servers A:1,B:2,C:3 [--expect-version V]
//
// The flags are in flags.h, the commands in commands.h; `redline COMMAND
// --help` lists a command's flags. Exit status: 0 success, 2 invalid input
// (refused by the CLI or the server), 1 server unreachable or failing, 3
// overlay with failed features.
#include <optional>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "clients/cli/channel.h"
#include "clients/cli/commands.h"
#include "clients/cli/compare.h"
#include "clients/cli/file_errors.h"
#include "clients/cli/flags.h"
#include "clients/cli/rollout.h"

namespace redline::cli {
namespace {

int Run(int argc, char** argv) {
  Flags flags;
  if (std::optional<int> done = ParseFlags(argc, argv, &flags)) return *done;
  // Checked for every command, as before the overlay ignores it.
  if (absl::StatusOr<std::optional<double>> timeout =
          ParseFlagNumber("timeout", flags.global.timeout);
      !timeout.ok()) {
    return UsageError(flags.command, timeout.status().message());
  }
  if (absl::Status st = ReadChannelSecurity(&flags.global); !st.ok()) {
    return UsageError(flags.command, st.message());
  }
  if (IsServerList(flags.global.server)) {  // "a:1,b:2": each must resolve
    if (absl::StatusOr<MultiTarget> t = ResolveServerList(flags.global.server); !t.ok()) {
      return UsageError(flags.command, t.status().message());
    }
  }
  switch (flags.command) {
    case Command::kCheckPoint:
      return RunCheckPoint(flags.global, flags.check_point);
    case Command::kCheckSite:
      return RunCheckSite(flags.global, flags.check_site);
    case Command::kLayers:
      return RunLayers(flags.global);
    case Command::kOverlay:
      return RunOverlayCommand(flags.global, flags.overlay);
    case Command::kCompare:
      return RunCompare(flags.global, flags.compare);
    case Command::kRollout:
      return RunRollout(flags.global, flags.rollout);
    case Command::kNone:
      break;
  }
  return kBadInput;  // ParseFlags returned for no command
}

}  // namespace
}  // namespace redline::cli

int main(int argc, char** argv) {
  // As in redlined: Debian's Abseil keeps Mutex deadlock detection on, a
  // lock-graph update on every lock gRPC takes.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // No raw "ERROR 4: ..." line from GDAL: its errors become part of ours.
  redline::cli::InstallGdalErrorHandler();
  return redline::cli::Run(argc, argv);
}
