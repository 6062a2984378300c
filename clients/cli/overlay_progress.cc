#include "clients/cli/overlay_progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace redline::cli {
namespace {

// An ETA from the first moments of a run is noise (the stream is still
// filling, the rate near zero): it is shown once this much has passed and
// this share of the input is done.
constexpr double kEtaAfterSeconds = 1.0;
constexpr double kEtaAfterFraction = 0.01;

}  // namespace

Progress::Progress(bool quiet, int64_t total) : quiet_(quiet), total_(total), tty_(isatty(2)) {}

void Progress::Update(int64_t done, bool force) {
  if (quiet_) return;
  const absl::Time now = absl::Now();
  const absl::Duration every = tty_ ? absl::Milliseconds(200) : absl::Seconds(5);
  if (!force && now - last_ < every) return;
  last_ = now;
  const double secs = absl::ToDoubleSeconds(now - start_);
  const double rate = secs > 0 ? done / secs : 0;
  std::string line;
  if (total_ > 0) {
    const double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
    std::string eta = "ETA --";
    if (done >= total_) {
      eta = absl::StrFormat("in %.1fs", secs);
    } else if (secs >= kEtaAfterSeconds && frac >= kEtaAfterFraction && rate > 0) {
      eta = absl::StrFormat("ETA %.0fs", static_cast<double>(total_ - done) / rate);
    }
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(frac * kWidth);
    line = absl::StrFormat("[%s%s] %d/%d %5.1f%% %8.0f/s %s", std::string(filled, '#'),
                           std::string(kWidth - filled, '.'), done, total_, 100 * frac, rate, eta);
  } else {
    line = absl::StrFormat("%d features, %.0f/s", done, rate);
  }
  if (tty_) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

void Progress::Done(int64_t done) {
  Update(done, true);
  if (!quiet_ && tty_) std::fprintf(stderr, "\n");
}

}  // namespace redline::cli
