// The overlay's progress line on stderr: a bar and an ETA when the input's
// size is known, a count and a rate otherwise; one line every 5 s when
// stderr is not a terminal.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_PROGRESS_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_PROGRESS_H_

#include <cstdint>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace redline::cli {

class Progress {
 public:
  // `total` <= 0: unknown. Time counts from construction: make it when the
  // first feature is about to be read, not before the data has loaded.
  Progress(bool quiet, int64_t total);

  // `done` features answered so far; prints at most every 200 ms (5 s when
  // stderr is not a terminal) unless forced.
  void Update(int64_t done, bool force = false);

  // The last line, with the final count.
  void Done(int64_t done);

  double Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  bool quiet_;
  int64_t total_;
  bool tty_;
  absl::Time start_ = absl::Now();
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_PROGRESS_H_
