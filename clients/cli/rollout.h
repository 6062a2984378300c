// redline rollout: new data on replicas one at a time, so that most of them
// answer at every moment and a bad release stops at the first replica.
//
// For each replica of --servers in turn: RedlineAdmin.Reload (the token of
// --token-file / REDLINE_TOKEN, an admin's); its ListLayers must then report
// the version the reload says it serves (and --expect-version, when given);
// its health service must say SERVING. Only then the next. The first
// failure ends the rollout (exit status 1, the replica and why on stderr);
// the replicas after it keep their data. One line per replica on stdout.
#ifndef REDLINE_CLIENTS_CLI_ROLLOUT_H_
#define REDLINE_CLIENTS_CLI_ROLLOUT_H_

#include <string>

#include "clients/cli/flags.h"

namespace redline::cli {

int RunRollout(const GlobalFlags& global, const RolloutFlags& flags);

// Whether `version` (TIMESTAMP-HASH12, as the server stamps it) is what
// `expected` names: the same version, or the same content hash (the part
// after the dash; `expected` may be its first characters, at least 8).
bool VersionMatches(const std::string& version, const std::string& expected);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_ROLLOUT_H_
