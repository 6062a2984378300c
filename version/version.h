// The version of this build, as `redlined --version` and `redline --version`
// print it.
#ifndef REDLINE_VERSION_VERSION_H_
#define REDLINE_VERSION_VERSION_H_

#include <string>

#include "absl/strings/string_view.h"

namespace redline {

// CMake's project version, e.g. "0.1.0".
absl::string_view ProjectVersion();

// `git describe --always --dirty` of the source tree when the build was
// configured, e.g. "caf70c7-dirty"; "unknown" when built outside git.
absl::string_view GitDescription();

// One line: "<program> <project version> (git <description>)".
std::string VersionLine(absl::string_view program);

}  // namespace redline

#endif  // REDLINE_VERSION_VERSION_H_
