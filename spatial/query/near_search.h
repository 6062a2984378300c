// The search for nearby zones, shared by the point and the site checks:
// candidates nearest box first, and how far each still needs measuring.
#ifndef REDLINE_SPATIAL_QUERY_NEAR_SEARCH_H_
#define REDLINE_SPATIAL_QUERY_NEAR_SEARCH_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <limits>
#include <vector>

#include "spatial/index/zone_index.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// A zone near a point or site, by the planar gap between its box and the
// query's: the searches for nearby zones take them nearest box first (ties
// by zone, so the order never depends on the index).
struct BoxCandidate {
  double box_gap2;
  uint32_t zone;
};
inline void SortNearestBoxFirst(std::vector<BoxCandidate>& candidates) {
  std::sort(candidates.begin(), candidates.end(), [](const BoxCandidate& a, const BoxCandidate& b) {
    return a.box_gap2 != b.box_gap2 ? a.box_gap2 < b.box_gap2 : a.zone < b.zone;
  });
}

// How far a zone not hit needs measuring. ApplyRules keeps, of those, the
// nearest of each kind within the search radius and every one within a
// setback; planar and geodesic distances differ by far less than
// kPlanarSlack, so a zone whose planar distance exceeds Reach(kind) is
// dropped there whether measured or not. Taking zones nearest box first
// lowers the bound of a kind early.
class NearReach {
 public:
  // `planar`: the widest planar search (radius and setbacks, with slack).
  NearReach(double search_radius_m, double setback_m, double planar)
      : search_radius_m_(search_radius_m), setback_m_(setback_m), planar_(planar) {
    upper_.fill(kInf);
  }
  double Reach(ZoneKind kind) const {
    return std::min(planar_,
                    std::max(setback_m_, std::min(search_radius_m_, Upper(kind))) * kPlanarSlack);
  }
  // A zone of `kind` lies `planar_d` away (planar).
  void Found(ZoneKind kind, double planar_d) {
    double& upper = upper_[static_cast<size_t>(kind)];
    upper = std::min(upper, planar_d * kPlanarSlack);
  }
  // A distance within which the nearest zone of `kind` surely lies.
  double Upper(ZoneKind kind) const { return upper_[static_cast<size_t>(kind)]; }

 private:
  double search_radius_m_, setback_m_, planar_;
  std::array<double, std::size(kAllZoneKinds)> upper_;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_QUERY_NEAR_SEARCH_H_
