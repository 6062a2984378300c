// The overlay's columnar point answers (v1::PointResults), turned back into
// one v1::OverlayResult per point, as the one-feature form would carry it.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_ANSWERS_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_ANSWERS_H_

#include <cstdint>
#include <map>

#include "redline/v1/redline.pb.h"

namespace redline::cli {

// Turns columnar point answers back into per-point OverlayResults, with the
// stream's zone and rule tables. Not thread-safe: one per stream.
class PointAnswers {
 public:
  // The zone and rule entries a batch adds to the stream's tables.
  void AddTables(const v1::OverlayBatchResult& batch);

  // Point `i` of `p` (hits and nearby zones from the cursors, which advance).
  void Fill(const v1::PointResults& p, int i, v1::OverlayResult* out);

  // Cursors back to the start of the next message's columns.
  void Rewind() {
    next_hit_ = next_near_ = next_hit_rule_ = next_near_rule_ = next_error_ = next_intersection_ =
        0;
  }

 private:
  void FillHits(const v1::PointResults& p, int i, bool whole, v1::CheckResponse* r);
  void FillNearby(const v1::PointResults& p, int i, v1::CheckResponse* r);

  std::map<uint32_t, v1::ZoneEntry> zones_;
  std::map<uint32_t, v1::RuleApplication> rules_;
  int next_hit_ = 0, next_near_ = 0, next_hit_rule_ = 0, next_near_rule_ = 0, next_error_ = 0,
      next_intersection_ = 0;
};

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_ANSWERS_H_
