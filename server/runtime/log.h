// Minimal structured-enough logging to stderr: one line per event, UTC time
// first, so that `journalctl` or a log shipper can read it as it is.
#ifndef REDLINE_SERVER_RUNTIME_LOG_H_
#define REDLINE_SERVER_RUNTIME_LOG_H_

#include <cstdio>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace redline::server {

template <typename... Args>
void Log(absl::string_view level, const Args&... args) {
  const std::string line =
      absl::StrCat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()), " ",
                   level, " ", args..., "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_LOG_H_
