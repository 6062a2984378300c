// StableSort (spatial/base/small_sort.h) against std::stable_sort: the same order,
// ties included, on short ranges (insertion) and long ones (the standard).
#include "spatial/base/small_sort.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace redline {
namespace {

TEST(StableSortTest, SameOrderAsStdStableSort) {
  std::mt19937_64 rng(9);
  for (int n : {0, 1, 2, 3, 5, 15, 16, 17, 40, 300}) {
    for (int round = 0; round < 50; ++round) {
      // (key, original position): few distinct keys, so ties abound.
      std::vector<std::pair<int, int>> v;
      for (int i = 0; i < n; ++i) v.push_back({static_cast<int>(rng() % 4), i});
      auto want = v;
      auto by_key = [](const auto& a, const auto& b) { return a.first < b.first; };
      std::stable_sort(want.begin(), want.end(), by_key);
      StableSort(v.begin(), v.end(), by_key);
      ASSERT_EQ(v, want) << "n=" << n;
    }
  }
}

}  // namespace
}  // namespace redline
