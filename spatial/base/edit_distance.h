// The edit distance of two short texts, for "did you mean ...?" hints on a
// misspelt flag (the CLI's and redlined's).
#ifndef REDLINE_SPATIAL_BASE_EDIT_DISTANCE_H_
#define REDLINE_SPATIAL_BASE_EDIT_DISTANCE_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace redline {

// Insertions, deletions and substitutions (Levenshtein) turning a into b;
// O(|a|·|b|) time, one row of memory.
size_t EditDistance(absl::string_view a, absl::string_view b);

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_EDIT_DISTANCE_H_
