// CGCS2000 Gauss-Kruger coordinates whose zone the request does not name
// ("GK", "GK3", "GK6"): the zone read from a prefix on the easting, or chosen
// among the central meridians that cover Zhejiang by where the points land;
// northing-first tables recognized; and, when nothing fits, an error that
// says where each reading would have put the points.
#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spatial/coords/coordinates.h"
#include "spatial/coords/coordinates_internal.h"
#include "spatial/coords/crs.h"

namespace redline {
namespace coords_internal {
namespace {

struct GkCandidate {
  GkGrid grid;
  bool swapped = false;
  std::vector<Point2> lonlat;
  std::vector<char> fits;
  bool all_fit = false;
  size_t first_miss = 0;
};

void Evaluate(GkCandidate& c, std::span<const Point2> input) {
  const size_t n = input.size();
  c.lonlat.resize(n);
  c.fits.assign(n, 0);
  const std::string name = c.grid.Name();
  // A prefix names the zone outright, so the zone's own area of use (with
  // the usual margin) decides; without one, the zone is a guess that only
  // Zhejiang can confirm.
  Box allowed = kZhejiang;
  if (c.grid.prefixed) {
    absl::StatusOr<CrsInfo> info = DescribeCrs(name);
    if (info.ok()) allowed = AllowedArea(*info);
  }
  for (size_t i = 0; i < n; ++i) c.lonlat[i] = c.swapped ? Swapped(input[i]) : input[i];
  // One batch for the usual case; point by point only if PROJ refuses one
  // of them, to learn which.
  const std::vector<Point2> given = c.lonlat;
  const bool batch_ok = TransformPoints(name, kLonLatCrs, c.lonlat).ok();
  c.all_fit = true;
  c.first_miss = n;
  for (size_t i = 0; i < n; ++i) {
    bool placed = true;
    if (!batch_ok) {
      c.lonlat[i] = given[i];
      placed = TransformPoints(name, kLonLatCrs, std::span<Point2>(&c.lonlat[i], 1)).ok();
    }
    c.fits[i] = placed && allowed.Contains(c.lonlat[i]);
    if (!c.fits[i] && c.first_miss == n) c.first_miss = i;
    c.all_fit &= c.fits[i] != 0;
  }
}

// Rows whose digits say "easting first" beside rows that say "northing
// first" are a mixed table: which row is odd is the useful answer.
std::optional<absl::Status> MixedDigitsError(std::span<const Point2> input,
                                             const PointNames& name) {
  const size_t n = input.size();
  const auto easting_like = [](double v) {
    return (v >= 0 && v < kUnprefixedEastingMax) || v >= kPrefixedEastingMin;
  };
  const auto northing_like = [](double v) {
    return v >= kUnprefixedEastingMax && v < kPrefixedEastingMin;
  };
  size_t first_easting_first = n, first_northing_first = n;
  for (size_t i = 0; i < n; ++i) {
    const bool ef = easting_like(input[i].x) && northing_like(input[i].y);
    const bool nf = northing_like(input[i].x) && easting_like(input[i].y);
    if (ef && !nf && first_easting_first == n) first_easting_first = i;
    if (nf && !ef && first_northing_first == n) first_northing_first = i;
  }
  if (first_easting_first == n || first_northing_first == n) return std::nullopt;
  const size_t odd = std::max(first_easting_first, first_northing_first);
  const size_t normal = std::min(first_easting_first, first_northing_first);
  return absl::InvalidArgumentError(
      absl::StrCat(name(odd), " ", FormatPoint(input[odd]), " gives the ",
                   odd == first_northing_first ? "northing" : "easting", " first, while ",
                   name(normal), " ", FormatPoint(input[normal]), " gives the ",
                   odd == first_northing_first ? "easting" : "northing",
                   " first: give every point in the same order"));
}

// The grids worth trying for one axis order: the zone its prefixes name, or
// the central meridians over Zhejiang when there is no prefix. Why an order
// was not tried goes to `issues`.
void AddCandidates(bool six_degree, bool swapped, std::span<const Point2> input,
                   const PointNames& name, std::vector<GkCandidate>* candidates,
                   std::vector<std::string>* issues) {
  const size_t n = input.size();
  size_t prefixed = 0, plain = 0;
  for (const Point2& p : input) {
    const double e = swapped ? p.y : p.x;
    if (e >= kPrefixedEastingMin) ++prefixed;
    if (e >= 0 && e < kUnprefixedEastingMax) ++plain;
  }
  const char* order = swapped ? "read northing first" : "read easting first";
  if (prefixed == n) {
    const int zone = ZonePrefix(swapped ? input[0].y : input[0].x);
    size_t other = n;
    for (size_t i = 0; i < n && other == n; ++i) {
      if (ZonePrefix(swapped ? input[i].y : input[i].x) != zone) other = i;
    }
    if (other != n) {
      issues->push_back(
          absl::StrCat(order, ", ", name(0), " carries zone prefix ", zone, " but ", name(other),
                       " carries ", ZonePrefix(swapped ? input[other].y : input[other].x),
                       ": a table is in one zone, so correct the odd easting or split the table"));
    } else if (ValidZone(six_degree, zone)) {
      candidates->push_back({.grid = {six_degree, true, zone}, .swapped = swapped});
    } else if (ValidZone(!six_degree, zone)) {
      issues->push_back(absl::StrCat(order, ", the eastings carry zone prefix ", zone, ", a ",
                                     six_degree ? "3-degree" : "6-degree", " zone: give crs ",
                                     six_degree ? "GK3" : "GK6", " or ",
                                     GkGrid{!six_degree, true, zone}.Name()));
    } else {
      issues->push_back(absl::StrCat(order, ", the eastings carry prefix ", zone,
                                     ", which is no CGCS2000 Gauss-Kruger zone (3-degree "
                                     "zones 25-45, 6-degree 13-23)"));
    }
  } else if (plain == n) {
    // Zhejiang spans central meridians 117E..123E; 120E is listed first
    // because it covers most of the province.
    const std::vector<int> zones = six_degree ? std::vector<int>{20, 21}       // CM 117E, 123E
                                              : std::vector<int>{40, 41, 39};  // 120E, 123E, 117E
    for (int zone : zones) {
      candidates->push_back({.grid = {six_degree, false, zone}, .swapped = swapped});
    }
  } else if (prefixed > 0 && plain > 0) {
    issues->push_back(
        absl::StrCat(order,
                     ", some eastings carry a zone prefix and others do not: give them all "
                     "the same way"));
  }
}

// Takes the chosen candidate's reading, noting the zone (and any other
// central meridian that fits as well) and a swap.
void Accept(const GkCandidate& chosen, const std::vector<GkCandidate>& candidates,
            std::span<Point2> out, CoordinateInterpretation& interp) {
  std::copy(chosen.lonlat.begin(), chosen.lonlat.end(), out.begin());
  const GkGrid& grid = chosen.grid;
  interp.crs = grid.Name();
  interp.zone_detected = true;
  if (grid.prefixed) {
    AddNote({grid.six_degree ? "coords.gk6_prefix" : "coords.gk_prefix",
             {{"zone", absl::StrCat(grid.zone)}, {"crs", grid.Name()}}},
            interp.notes, interp.note_messages);
  } else {
    AddNote({grid.six_degree ? "coords.gk6_no_prefix" : "coords.gk_no_prefix",
             {{"cm", absl::StrCat(grid.CentralMeridian())}, {"crs", grid.Name()}}},
            interp.notes, interp.note_messages);
    // Each other zone that fits is a note of its own, so that each reads
    // as one sentence in either language.
    for (const GkCandidate& c : candidates) {
      if (&c == &chosen || !c.all_fit || c.swapped != chosen.swapped) continue;
      AddNote({"coords.gk_also_fits",
               {{"cm", absl::StrCat(c.grid.CentralMeridian())}, {"crs", c.grid.Name()}}},
              interp.notes, interp.note_messages);
    }
  }
  if (chosen.swapped) {
    interp.axes_swapped = true;
    AddNote(SwapNote(false), interp.notes, interp.note_messages);
  }
}

// Nothing fits every point. Rows that fit one zone only when swapped, and
// others only as given, are a mixed table.
std::optional<absl::Status> MixedTableError(const std::vector<GkCandidate>& candidates,
                                            std::span<const Point2> input, const PointNames& name) {
  const size_t n = input.size();
  for (const GkCandidate& c : candidates) {
    if (c.swapped) continue;
    for (const GkCandidate& s : candidates) {
      if (!s.swapped || s.grid.Code() != c.grid.Code()) continue;
      size_t odd = n, normal = n;
      bool every_row = true;
      for (size_t i = 0; i < n; ++i) {
        every_row &= c.fits[i] || s.fits[i];
        if (!c.fits[i] && s.fits[i] && odd == n) odd = i;
        if (c.fits[i] && normal == n) normal = i;
      }
      if (every_row && odd != n && normal != n) {
        return absl::InvalidArgumentError(absl::StrCat(
            name(odd), " ", FormatPoint(input[odd]), " reads only northing first, while ",
            name(normal), " ", FormatPoint(input[normal]),
            " reads easting first: give every point in the same order"));
      }
    }
  }
  return std::nullopt;
}

// No zone places every point: where each candidate put the first point it
// missed, and why the other readings were not tried.
absl::Status NoZoneFitsError(bool six_degree, const std::vector<GkCandidate>& candidates,
                             const std::vector<std::string>& issues, std::span<const Point2> input,
                             const PointNames& name) {
  const size_t n = input.size();
  const char* width = six_degree ? "6-degree" : "3-degree";
  std::vector<std::string> landed;
  for (const GkCandidate& c : candidates) {
    const size_t i = c.first_miss < n ? c.first_miss : 0;
    const Point2 p = c.lonlat[i];
    const bool placed =
        std::isfinite(p.x) && std::isfinite(p.y) && std::fabs(p.x) <= 180 && std::fabs(p.y) <= 90;
    landed.push_back(absl::StrCat(
        "as ", c.grid.Name(), c.swapped ? " northing first" : "", " ", name(i), " ",
        placed ? absl::StrCat("lands at ", FormatLonLat(p)) : std::string("cannot be placed")));
  }
  std::string msg = absl::StrCat(
      "no CGCS2000 ", width, " Gauss-Kruger zone places every point of this table ",
      candidates.empty() || candidates[0].grid.prefixed ? "in its zone" : "in Zhejiang");
  if (!landed.empty()) absl::StrAppend(&msg, ": ", absl::StrJoin(landed, "; "));
  if (!issues.empty()) absl::StrAppend(&msg, "; ", absl::StrJoin(issues, "; "));
  if (candidates.empty() && issues.empty()) {
    absl::StrAppend(&msg,
                    ": the values look like neither eastings (up to six digits, or "
                    "eight with the zone prefixed) beside northings (seven digits)");
  }
  absl::StrAppend(&msg, ". Give the EPSG code of the survey's zone, or check the coordinates");
  return absl::InvalidArgumentError(msg);
}

}  // namespace

absl::Status ReadGaussKrugerAuto(bool six_degree, std::span<const Point2> input,
                                 std::span<Point2> out, const PointNames& name,
                                 CoordinateInterpretation& interp) {
  if (absl::Status st = CheckFinite(input); !st.ok()) return st;
  if (std::optional<absl::Status> st = MixedDigitsError(input, name)) return *st;
  std::vector<GkCandidate> candidates;
  std::vector<std::string> issues;  // reasons an axis order was not tried
  for (bool swapped : {false, true}) {
    AddCandidates(six_degree, swapped, input, name, &candidates, &issues);
  }
  for (GkCandidate& c : candidates) Evaluate(c, input);

  for (const GkCandidate& c : candidates) {
    if (c.all_fit) {
      Accept(c, candidates, out, interp);
      return absl::OkStatus();
    }
  }
  if (std::optional<absl::Status> st = MixedTableError(candidates, input, name)) return *st;
  return NoZoneFitsError(six_degree, candidates, issues, input, name);
}

}  // namespace coords_internal
}  // namespace redline
