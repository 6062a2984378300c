#include "version/version.h"

#include "absl/strings/str_cat.h"
#include "version/build_info.h"

namespace redline {

absl::string_view ProjectVersion() { return REDLINE_PROJECT_VERSION; }

absl::string_view GitDescription() { return REDLINE_GIT_DESCRIBE; }

std::string VersionLine(absl::string_view program) {
  return absl::StrCat(program, " ", ProjectVersion(), " (git ", GitDescription(), ")");
}

}  // namespace redline
