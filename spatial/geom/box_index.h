// Axis-aligned boxes and a static packed R-tree over them.
//
// BoxIndex is built once (Sort-Tile-Recursive packing) and never changes, so
// any number of threads may query it at once without locks.
#ifndef REDLINE_SPATIAL_GEOM_BOX_INDEX_H_
#define REDLINE_SPATIAL_GEOM_BOX_INDEX_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "absl/functional/function_ref.h"
#include "spatial/geom/box.h"
#include "spatial/geom/point.h"

namespace redline {

// The squared gap between two boxes (0 when they meet): a lower bound of the
// squared distance between anything inside them.
inline double BoxGap2(const Box& a, const Box& b) {
  const double dx = std::max({a.min_x - b.max_x, b.min_x - a.max_x, 0.0});
  const double dy = std::max({a.min_y - b.max_y, b.min_y - a.max_y, 0.0});
  return dx * dx + dy * dy;
}

// A box in single precision, rounded outward: it contains the Box it was
// made from, so a distance to it is a lower bound and an overlap test never
// misses. Half a Box's memory, where an index's bulk is (one box per edge,
// read from memory on every nearest search).
struct FloatBox {
  float min_x, min_y, max_x, max_y;

  static FloatBox Outward(const Box& b) {
    auto down = [](double v) {
      const float f = static_cast<float>(v);
      return f > v ? std::nextafter(f, -std::numeric_limits<float>::infinity()) : f;
    };
    auto up = [](double v) {
      const float f = static_cast<float>(v);
      return f < v ? std::nextafter(f, std::numeric_limits<float>::infinity()) : f;
    };
    return {down(b.min_x), down(b.min_y), up(b.max_x), up(b.max_y)};
  }
  void Include(const FloatBox& b) {
    min_x = std::min(min_x, b.min_x);
    min_y = std::min(min_y, b.min_y);
    max_x = std::max(max_x, b.max_x);
    max_y = std::max(max_y, b.max_y);
  }
  bool Intersects(const Box& b) const {
    return b.min_x <= max_x && b.max_x >= min_x && b.min_y <= max_y && b.max_y >= min_y;
  }
};

class BoxIndex {
 public:
  BoxIndex() = default;
  // Item i is boxes[i]; empty boxes are never returned.
  explicit BoxIndex(const std::vector<Box>& boxes);

  // Calls visit(item) for every item whose box intersects `query`, and
  // perhaps a few whose box misses it by less than single-precision rounding
  // (the index keeps FloatBoxes): callers test their candidates exactly.
  template <typename Visit>
  void Query(const Box& query, Visit&& visit) const;

  // Calls visit(item) for the items whose box lies within sqrt(bound2) of
  // p, where visit may lower bound2 as it finds closer items (a nearest
  // search); items farther than the bound at the time are skipped, so every
  // item that could be within the final bound is visited.
  template <typename Visit>
  void VisitNear(Point2 p, double& bound2, Visit&& visit) const;

  size_t size() const { return items_.size(); }
  size_t MemoryBytes() const;

 private:
  static constexpr uint32_t kNodeCapacity = 16;
  struct Node {
    FloatBox box;
    uint32_t first;  // into the level below, or into items_ at level 0
    uint32_t count;
  };
  std::vector<uint32_t> items_;
  std::vector<FloatBox> item_boxes_;       // parallel to items_
  std::vector<std::vector<Node>> levels_;  // levels_.back() is the root level
};

template <typename Visit>
void BoxIndex::Query(const Box& query, Visit&& visit) const {
  if (levels_.empty()) return;
  // Depth-first with an explicit stack of (level, node index).
  struct Frame {
    uint32_t level;
    uint32_t node;
  };
  // Each pop pushes at most kNodeCapacity children, one level down, so the
  // stack never holds more than levels * kNodeCapacity frames; 2^32 items
  // need at most 8 levels.
  Frame stack[8 * kNodeCapacity + 1];
  int top = 0;
  const auto& root = levels_.back();
  for (uint32_t i = 0; i < root.size(); ++i) {
    if (root[i].box.Intersects(query)) {
      stack[top++] = {static_cast<uint32_t>(levels_.size() - 1), i};
    }
    while (top > 0) {
      const Frame f = stack[--top];
      const Node& node = levels_[f.level][f.node];
      if (f.level == 0) {
        for (uint32_t k = node.first; k < node.first + node.count; ++k) {
          if (item_boxes_[k].Intersects(query)) visit(items_[k]);
        }
        continue;
      }
      const auto& below = levels_[f.level - 1];
      for (uint32_t k = node.first; k < node.first + node.count; ++k) {
        if (below[k].box.Intersects(query)) stack[top++] = {f.level - 1, k};
      }
    }
  }
}

inline double BoxDistance2(const Box& b, Point2 p) {
  const double dx = std::max({b.min_x - p.x, 0.0, p.x - b.max_x});
  const double dy = std::max({b.min_y - p.y, 0.0, p.y - b.max_y});
  return dx * dx + dy * dy;
}

inline double BoxDistance2(const FloatBox& b, Point2 p) {
  const double dx = std::max({double{b.min_x} - p.x, 0.0, p.x - double{b.max_x}});
  const double dy = std::max({double{b.min_y} - p.y, 0.0, p.y - double{b.max_y}});
  return dx * dx + dy * dy;
}

template <typename Visit>
void BoxIndex::VisitNear(Point2 p, double& bound2, Visit&& visit) const {
  if (levels_.empty()) return;
  // Each frame keeps its box's distance, so a subtree the falling bound has
  // excluded since it was pushed is dropped without touching its memory.
  struct Frame {
    double d2;
    uint32_t level;
    uint32_t node;
  };
  Frame stack[8 * kNodeCapacity + 1];
  int top = 0;
  const auto& root = levels_.back();
  for (uint32_t i = 0; i < root.size(); ++i) {
    const double root_d2 = BoxDistance2(root[i].box, p);
    if (root_d2 > bound2) continue;
    stack[top++] = {root_d2, static_cast<uint32_t>(levels_.size() - 1), i};
    while (top > 0) {
      const Frame f = stack[--top];
      if (f.d2 > bound2) continue;  // the bound fell since
      const Node& node = levels_[f.level][f.node];
      if (f.level == 0) {
        for (uint32_t k = node.first; k < node.first + node.count; ++k) {
          if (BoxDistance2(item_boxes_[k], p) <= bound2) visit(items_[k]);
        }
        continue;
      }
      // The nearest child on top of the stack: the bound falls quickly, and
      // most farther subtrees are then skipped unread.
      const auto& below = levels_[f.level - 1];
      const int first = top;
      for (uint32_t k = node.first; k < node.first + node.count; ++k) {
        const double d2 = BoxDistance2(below[k].box, p);
        if (d2 <= bound2) stack[top++] = {d2, f.level - 1, k};
      }
      int nearest = first;
      for (int c = first + 1; c < top; ++c) {
        if (stack[c].d2 < stack[nearest].d2) nearest = c;
      }
      if (top > first) std::swap(stack[nearest], stack[top - 1]);
    }
  }
}

// How much of a grid cell an item holds, as GridIndex's optional filter
// judges it: none of its points, perhaps some, or every one.
enum class CellShare : uint8_t { kNone, kSome, kAll };

// A uniform grid over many boxes, answering "which boxes may hold this
// point?" with one array lookup: the first filter of every point query, where
// an R-tree descent would cost more than the point test itself. Immutable
// after construction; safe to share between threads.
class GridIndex {
 public:
  GridIndex() = default;
  // Item i is boxes[i] widened by `pad`; about `target_cells` cells.
  GridIndex(const std::vector<Box>& boxes, double pad, size_t target_cells)
      : GridIndex(boxes, pad, target_cells, [](uint32_t, const Box&) { return CellShare::kSome; }) {
  }
  // The same, where share(item, cell) says how much of a cell (every point
  // that maps to it lies in `cell`) the item holds, by the item's own exact
  // reckoning: an item is not listed in a cell it holds none of, and is
  // listed as whole in a cell it holds all of. Most of a province lies in
  // some zone's box but in no zone, and most of a large zone's cells are
  // inside it: the grid settles those points without visiting the item.
  GridIndex(const std::vector<Box>& boxes, double pad, size_t target_cells,
            absl::FunctionRef<CellShare(uint32_t item, const Box& cell)> share);

  // Calls visit(item, whole) for every item whose widened box may contain p;
  // `whole` is true when the item holds all of p's cell (see share above).
  template <typename Visit>
  void Candidates(Point2 p, Visit&& visit) const {
    if (!extent_.Contains(p)) return;
    const size_t c = Cell(p);
    if (((occupied_[c >> 6] >> (c & 63)) & 1) == 0) return;
    for (uint32_t k = start_[c]; k < start_[c + 1]; ++k) {
      visit(items_[k] & ~kWhole, (items_[k] & kWhole) != 0);
    }
  }

  // The cell a point of the extent maps to, and a box that holds every point
  // mapping to that cell (the cell widened by far more than rounding).
  size_t Cell(Point2 p) const;
  Box CellBox(size_t cell) const;
  bool Contains(Point2 p) const { return extent_.Contains(p); }

  size_t MemoryBytes() const {
    return (start_.capacity() + items_.capacity()) * sizeof(uint32_t) +
           occupied_.capacity() * sizeof(uint64_t);
  }

 private:
  // Flag on items_ entries: items are numbered below 2^31 (zones, here).
  static constexpr uint32_t kWhole = 1u << 31;

  Box extent_;
  int nx_ = 0, ny_ = 0;
  double inv_w_ = 0, inv_h_ = 0;
  double margin_ = 0;
  std::vector<uint32_t> start_;
  std::vector<uint32_t> items_;
  // One bit per cell: does it list any item? Most points of a province fall
  // in empty cells, and this bitmap (8 kB for 64k cells) stays in the
  // first-level cache where start_ (32 times larger) does not.
  std::vector<uint64_t> occupied_;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_GEOM_BOX_INDEX_H_
