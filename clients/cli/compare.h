// redline compare: what changed between two versions of the zones, and
// which sites of a register it touches.
//
//   redline compare --from-config A.yaml --to-config B.yaml   (no server)
//   redline compare --from VERSION [--to VERSION]             (versions a server holds)
//     [--input REGISTER --id-field F --purpose P]             (checked by either)
//     [--output FILE.csv|.json|.gpkg|.html]
//
// Prints a summary (or, with --json, the CompareVersionsResponse as JSON);
// --output writes the changes as CSV (with _totals.csv and _sites.csv beside
// it), JSON, a GeoPackage or the HTML change report. Exit status as flags.h says.
#ifndef REDLINE_CLIENTS_CLI_COMPARE_H_
#define REDLINE_CLIENTS_CLI_COMPARE_H_

#include "clients/cli/flags.h"

namespace CLI {
class App;
}  // namespace CLI

namespace redline::cli {

// Declares the compare command and its flags on `app` (flags.cc calls it).
CLI::App* AddCompare(CLI::App* app, CompareFlags* flags);

int RunCompare(const GlobalFlags& global, const CompareFlags& flags);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_COMPARE_H_
