// redlined's command line, looked at before Abseil parses it: --help lists
// redlined's own flags (Abseil's --help lists only those of a file named
// after the program, none here, and says "No flags matched"), and an
// unknown flag is a configuration error named in one line, exit status 2 as
// for every other bad flag or config (Abseil would exit 1).
#ifndef REDLINE_SERVER_RUNTIME_FLAG_HELP_H_
#define REDLINE_SERVER_RUNTIME_FLAG_HELP_H_

#include <optional>

#include "absl/strings/string_view.h"

namespace redline::server {

// Returns the exit status when there is nothing more to do: 0 after --help
// or -h (the usage message and redlined's flags on stdout), 2 after a flag
// no one defines ("redlined: unknown flag --confg; did you mean --config?"
// on stderr) or a value its flag cannot take ("--drain_seconds 'soon'").
// Flag names may use dashes or underscores, as main.cc accepts.
std::optional<int> CheckCommandLine(int argc, char** argv, absl::string_view usage);

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_FLAG_HELP_H_
