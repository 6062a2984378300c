// The commands of `redline`: each builds its request from the parsed flags,
// calls the server and prints the answer. Each returns the exit status (see
// flags.h).
#ifndef REDLINE_CLIENTS_CLI_COMMANDS_H_
#define REDLINE_CLIENTS_CLI_COMMANDS_H_

#include "clients/cli/flags.h"

namespace redline::cli {

int RunCheckPoint(const GlobalFlags& global, const CheckPointFlags& flags);
int RunCheckSite(const GlobalFlags& global, const CheckSiteFlags& flags);
int RunLayers(const GlobalFlags& global);
int RunOverlayCommand(const GlobalFlags& global, const OverlayFlags& flags);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_COMMANDS_H_
