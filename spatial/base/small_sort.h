// A stable sort for the few elements a single answer usually sorts (hits,
// matched rules: rarely more than four), where std::stable_sort's temporary
// buffer, a heap allocation per call, costs more than the sort itself.
#ifndef REDLINE_SPATIAL_BASE_SMALL_SORT_H_
#define REDLINE_SPATIAL_BASE_SMALL_SORT_H_

#include <algorithm>
#include <iterator>
#include <utility>

namespace redline {

// std::stable_sort's order; short ranges by insertion, without allocating.
template <typename It, typename Less>
void StableSort(It first, It last, Less less) {
  constexpr auto kShort = 16;
  if (std::distance(first, last) > kShort) {
    std::stable_sort(first, last, less);
    return;
  }
  if (first == last) return;
  for (It i = std::next(first); i != last; ++i) {
    auto value = std::move(*i);
    It j = i;
    for (; j != first && less(value, *std::prev(j)); --j) *j = std::move(*std::prev(j));
    *j = std::move(value);
  }
}

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_SMALL_SORT_H_
