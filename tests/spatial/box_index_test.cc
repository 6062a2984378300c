// BoxIndex (packed R-tree) and GridIndex (spatial/geom/box_index.h) against brute
// force.
#include "spatial/geom/box_index.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "gtest/gtest.h"

namespace redline {
namespace {

// Closed-interval intersection written out independently of Box::Intersects.
bool Overlaps(const Box& a, const Box& b) {
  if (a.min_x > a.max_x || a.min_y > a.max_y) return false;
  if (b.min_x > b.max_x || b.min_y > b.max_y) return false;
  return !(a.max_x < b.min_x || b.max_x < a.min_x || a.max_y < b.min_y || b.max_y < a.min_y);
}

std::vector<uint32_t> Brute(const std::vector<Box>& boxes, const Box& q) {
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < boxes.size(); ++i) {
    if (Overlaps(boxes[i], q)) out.push_back(i);
  }
  return out;
}

// What the index returns for q, checked against its contract: every box
// that intersects q, plus at most boxes that miss it by single-precision
// rounding (it keeps FloatBoxes); returned as the exact answer, so tests
// compare it with Brute.
std::vector<uint32_t> Query(const BoxIndex& index, const std::vector<Box>& boxes, const Box& q) {
  std::vector<uint32_t> got;
  index.Query(q, [&](uint32_t i) { got.push_back(i); });
  std::sort(got.begin(), got.end());
  const double magnitude = std::max(
      {1.0, std::fabs(q.min_x), std::fabs(q.min_y), std::fabs(q.max_x), std::fabs(q.max_y)});
  const Box near = q.Expanded(magnitude * 2.5e-7);  // about two float ulps
  std::vector<uint32_t> exact;
  for (uint32_t i : got) {
    EXPECT_TRUE(Overlaps(boxes[i], near)) << "item " << i << " is far from the query";
    if (Overlaps(boxes[i], q)) exact.push_back(i);
  }
  return exact;
}

Box RandomBox(std::mt19937_64& rng, double extent, double max_size) {
  std::uniform_real_distribution<double> pos(0, extent), size(0, max_size);
  const double x = pos(rng), y = pos(rng);
  return {x, y, x + size(rng), y + size(rng)};
}

TEST(Box, Basics) {
  Box b;
  EXPECT_TRUE(b.empty());
  b.Include(Point2{1, 2});
  EXPECT_FALSE(b.empty());
  EXPECT_EQ(b.width(), 0);
  b.Include(Point2{3, -1});
  EXPECT_EQ(b.min_x, 1);
  EXPECT_EQ(b.max_y, 2);
  EXPECT_EQ(b.width(), 2);
  EXPECT_EQ(b.height(), 3);
  EXPECT_TRUE(b.Contains({1, -1}));  // corners are contained
  EXPECT_TRUE(b.Contains({3, 2}));
  EXPECT_FALSE(b.Contains({3.0000001, 2}));
  EXPECT_TRUE(b.Intersects(Box{3, 2, 5, 5}));  // touching at a corner
  EXPECT_FALSE(b.Intersects(Box{}));           // an empty box meets nothing
  const Box e = b.Expanded(1);
  EXPECT_EQ(e.min_x, 0);
  EXPECT_EQ(e.max_y, 3);
}

TEST(BoxIndex, EmptyIndex) {
  BoxIndex empty;
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(Query(empty, {}, Box{-1e9, -1e9, 1e9, 1e9}).empty());
  const std::vector<Box> five_empty(5);
  BoxIndex only_empty_boxes(five_empty);
  EXPECT_EQ(only_empty_boxes.size(), 0u);
  EXPECT_TRUE(Query(only_empty_boxes, five_empty, Box{-1e9, -1e9, 1e9, 1e9}).empty());
}

// Sizes around the node capacity (16) and its powers, so partial nodes and
// several levels are covered.
TEST(BoxIndex, MatchesBruteForce) {
  std::mt19937_64 rng(42);
  for (size_t n : {1u, 2u, 15u, 16u, 17u, 255u, 256u, 257u, 1000u, 4097u, 20000u}) {
    std::vector<Box> boxes;
    for (size_t i = 0; i < n; ++i) {
      if (i % 13 == 5) {
        boxes.push_back(Box{});  // empty: never returned
      } else if (i % 7 == 3) {
        std::uniform_real_distribution<double> pos(0, 1000);
        const double x = pos(rng), y = pos(rng);
        boxes.push_back(Box{x, y, x, y});  // a point box
      } else {
        boxes.push_back(RandomBox(rng, 1000, 30));
      }
    }
    const BoxIndex index(boxes);
    size_t non_empty = 0;
    for (const Box& b : boxes) non_empty += !b.empty();
    EXPECT_EQ(index.size(), non_empty) << "n=" << n;
    for (int k = 0; k < 300; ++k) {
      Box q;
      switch (k % 4) {
        case 0:
          q = RandomBox(rng, 1000, 100);
          break;
        case 1: {  // a point query
          std::uniform_real_distribution<double> pos(0, 1000);
          const double x = pos(rng), y = pos(rng);
          q = {x, y, x, y};
          break;
        }
        case 2: {  // exactly a stored box's corner: closed intervals
          const Box& b = boxes[k % boxes.size()];
          q = b.empty() ? Box{} : Box{b.max_x, b.max_y, b.max_x + 1, b.max_y + 1};
          break;
        }
        default:
          q = RandomBox(rng, 1200, 400);
      }
      ASSERT_EQ(Query(index, boxes, q), Brute(boxes, q)) << "n=" << n << " k=" << k;
    }
    // An empty query box and one that covers everything.
    EXPECT_TRUE(Query(index, boxes, Box{}).empty());
    EXPECT_TRUE(Query(index, boxes, Box{10, 10, 5, 5}).empty());  // inverted
    const Box all{-1, -1, 2000, 2000};
    EXPECT_EQ(Query(index, boxes, all), Brute(boxes, all));
  }
}

// Every item is visited at most once per query.
TEST(BoxIndex, NoDuplicates) {
  std::mt19937_64 rng(3);
  std::vector<Box> boxes;
  for (int i = 0; i < 5000; ++i) boxes.push_back(RandomBox(rng, 100, 50));
  const BoxIndex index(boxes);
  std::vector<uint32_t> got;
  index.Query(Box{0, 0, 200, 200}, [&](uint32_t i) { got.push_back(i); });
  EXPECT_EQ(got.size(), boxes.size());
  EXPECT_EQ(std::set<uint32_t>(got.begin(), got.end()).size(), boxes.size());
}

// Many identical boxes (all centres equal) and boxes at GK magnitudes.
TEST(BoxIndex, DegenerateAndLargeCoordinates) {
  std::vector<Box> same(1000, Box{5, 5, 6, 6});
  const BoxIndex a(same);
  EXPECT_EQ(Query(a, same, Box{6, 6, 7, 7}).size(), 1000u);
  EXPECT_TRUE(Query(a, same, Box{std::nextafter(6.0, 7.0), 6, 7, 7}).empty());

  std::mt19937_64 rng(11);
  std::vector<Box> gk;
  std::uniform_real_distribution<double> px(400000, 600000), py(3000000, 3400000), size(0, 5000);
  for (int i = 0; i < 3000; ++i) {
    const double x = px(rng), y = py(rng);
    gk.push_back({x, y, x + size(rng), y + size(rng)});
  }
  const BoxIndex b(gk);
  for (int k = 0; k < 500; ++k) {
    const double x = px(rng), y = py(rng);
    const double tol = 0.001;
    const Box q{x - tol, y - tol, x + tol, y + tol};
    ASSERT_EQ(Query(b, gk, q), Brute(gk, q));
  }
}

TEST(FloatBox, RoundsOutward) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> v(-4e7, 4e7), small(-1, 1);
  for (int i = 0; i < 100000; ++i) {
    const double a = i % 2 ? v(rng) : small(rng), b = i % 2 ? v(rng) : small(rng);
    const Box box{std::min(a, b), std::min(b, a) - 1, std::max(a, b), std::max(a, b) + 1};
    const FloatBox f = FloatBox::Outward(box);
    ASSERT_LE(double{f.min_x}, box.min_x);
    ASSERT_LE(double{f.min_y}, box.min_y);
    ASSERT_GE(double{f.max_x}, box.max_x);
    ASSERT_GE(double{f.max_y}, box.max_y);
    // and by no more than one float step
    ASSERT_GE(std::nextafter(f.min_x, INFINITY), box.min_x);
    ASSERT_LE(std::nextafter(f.max_x, -INFINITY), box.max_x);
    // so a distance to it never exceeds the distance to the box
    const Point2 p{v(rng), v(rng)};
    ASSERT_LE(BoxDistance2(f, p), BoxDistance2(box, p));
  }
  // Exactly representable values stay put.
  const FloatBox e = FloatBox::Outward(Box{0.5, -2, 1024, 3e6});
  EXPECT_EQ(e.min_x, 0.5f);
  EXPECT_EQ(e.max_y, 3e6f);
}

// GridIndex promises: every item whose box (widened by `pad`) contains p is
// visited. It may visit more (it is a filter), never fewer.
TEST(GridIndex, CandidatesCoverEveryContainingBox) {
  std::mt19937_64 rng(5);
  std::vector<Box> boxes;
  std::uniform_real_distribution<double> px(400000, 600000), py(3000000, 3400000), size(0, 8000);
  for (int i = 0; i < 2000; ++i) {
    const double x = px(rng), y = py(rng);
    boxes.push_back({x, y, x + size(rng), y + size(rng)});
  }
  boxes.push_back(Box{});                                  // empty
  boxes.push_back(Box{500000, 3200000, 500000, 3200000});  // a point box
  const double pad = 0.002;
  const GridIndex grid(boxes, pad, 1 << 12);
  auto check = [&](Point2 p) {
    std::set<uint32_t> got;
    grid.Candidates(p, [&](uint32_t i, bool) { got.insert(i); });
    for (uint32_t i = 0; i < boxes.size(); ++i) {
      if (boxes[i].empty()) {
        ASSERT_EQ(got.count(i), 0u);
        continue;
      }
      const Box w = boxes[i].Expanded(pad);
      if (p.x >= w.min_x && p.x <= w.max_x && p.y >= w.min_y && p.y <= w.max_y) {
        ASSERT_EQ(got.count(i), 1u) << "box " << i << " missed for point " << p.x << "," << p.y;
      }
    }
  };
  for (int k = 0; k < 3000; ++k) check({px(rng), py(rng)});
  // Points exactly on the widened edges and corners of boxes.
  for (uint32_t i = 0; i < boxes.size(); i += 7) {
    if (boxes[i].empty()) continue;
    const Box w = boxes[i].Expanded(pad);
    check({w.min_x, w.min_y});
    check({w.max_x, w.max_y});
    check({w.min_x, w.max_y});
    check({boxes[i].max_x, boxes[i].min_y});
  }
  check({500000, 3200000});
  check({500000 + pad, 3200000 - pad});
}

TEST(GridIndex, EmptyAndOutside) {
  const GridIndex none(std::vector<Box>{}, 0.001, 100);
  int visits = 0;
  none.Candidates({0, 0}, [&](uint32_t, bool) { ++visits; });
  EXPECT_EQ(visits, 0);
  const GridIndex one(std::vector<Box>{Box{0, 0, 10, 10}}, 0.001, 100);
  one.Candidates({5, 5}, [&](uint32_t, bool) { ++visits; });
  EXPECT_EQ(visits, 1);
  one.Candidates({10.5, 5}, [&](uint32_t, bool) { ++visits; });  // outside every box
  one.Candidates({std::numeric_limits<double>::quiet_NaN(), 5}, [&](uint32_t, bool) { ++visits; });
  EXPECT_EQ(visits, 1);
}

// CellBox(Cell(p)) holds p for every point of the extent, the ones on and
// within a few ulps of the cell borders included: the share filter judges a
// cell by that box, so a point outside it could be settled wrongly.
TEST(GridIndex, CellBoxHoldsEveryPointOfItsCell) {
  std::mt19937_64 rng(11);
  std::vector<Box> boxes;
  std::uniform_real_distribution<double> px(323546.123, 769199.5), py(3026084.7, 3441200.2);
  for (int i = 0; i < 500; ++i) {
    const double x = px(rng), y = py(rng);
    boxes.push_back({x, y, x + 3000, y + 2000});
  }
  const GridIndex grid(boxes, 0.002, 1 << 16);
  Box extent;
  for (const Box& b : boxes) extent.Include(b.Expanded(0.002));
  int64_t checked = 0;
  auto check = [&](Point2 p) {
    if (!grid.Contains(p)) return;
    ++checked;
    const Box cell = grid.CellBox(grid.Cell(p));
    ASSERT_TRUE(cell.Contains(p)) << std::setprecision(17) << p.x << "," << p.y;
    // ...and a cell is not much bigger than its share of the extent.
    ASSERT_LT(cell.width(), 2 * extent.width() / 256);
  };
  // Along lines through the extent, every coordinate near a cell border:
  // bisect for the first coordinate mapping to the next cell, then its ulps.
  std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x),
      uy(extent.min_y, extent.max_y);
  for (int line = 0; line < 40; ++line) {
    const double y = uy(rng);
    double x = extent.min_x;
    while (x < extent.max_x) {
      const size_t c = grid.Cell({x, y});
      double lo = x, hi = extent.max_x;
      if (grid.Cell({hi, y}) == c) break;
      while (std::nextafter(lo, hi) < hi) {  // lo maps to c, hi beyond
        const double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        (grid.Cell({mid, y}) == c ? lo : hi) = mid;
      }
      double q = lo;
      for (int k = 0; k < 4; ++k) q = std::nextafter(q, -1.0);
      for (int k = 0; k < 9; ++k, q = std::nextafter(q, 1e300)) check({q, y});
      x = hi;
    }
  }
  for (int k = 0; k < 100000; ++k) check({ux(rng), uy(rng)});
  check({extent.min_x, extent.min_y});
  check({extent.max_x, extent.max_y});
  EXPECT_GT(checked, 100000);
}

// With a share filter, an item is visited exactly where the filter kept it,
// flagged whole exactly where it said so.
TEST(GridIndex, ShareFilterListsAndFlags) {
  // Item 0: a 10 x 10 box said to hold only its left half, whole there.
  // Item 1: a box the filter says holds none of any cell.
  const std::vector<Box> boxes{Box{0, 0, 10, 10}, Box{2, 2, 8, 8}};
  const GridIndex grid(boxes, 0, 100, [](uint32_t item, const Box& cell) {
    if (item == 1) return CellShare::kNone;
    if (cell.max_x <= 5.001) return CellShare::kAll;
    return cell.min_x < 5 ? CellShare::kSome : CellShare::kNone;
  });
  auto visits = [&](Point2 p) {
    std::vector<std::pair<uint32_t, bool>> got;
    grid.Candidates(p, [&](uint32_t i, bool whole) { got.emplace_back(i, whole); });
    return got;
  };
  using V = std::vector<std::pair<uint32_t, bool>>;
  EXPECT_EQ(visits({0.5, 5}), (V{{0, true}}));
  EXPECT_EQ(visits({4.5, 9.5}), (V{{0, true}}));
  EXPECT_EQ(visits({9.5, 5}), V{});
  EXPECT_EQ(visits({5, 5}).size(), 1u);  // on the split: kept, whole or not
}

}  // namespace
}  // namespace redline
