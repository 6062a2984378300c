#include "spatial/box_index.h"

#include <cmath>
#include <numeric>

namespace redline {
namespace {

double CenterX(const Box& b) { return 0.5 * (b.min_x + b.max_x); }
double CenterY(const Box& b) { return 0.5 * (b.min_y + b.max_y); }

// Orders `ids` (indexes into `boxes`) by Sort-Tile-Recursive: vertical slices
// by x, each slice sorted by y, so consecutive runs of `capacity` are compact.
void StrOrder(std::vector<uint32_t>& ids, const std::vector<Box>& boxes,
              uint32_t capacity) {
  const size_t n = ids.size();
  const size_t leaves = (n + capacity - 1) / capacity;
  const size_t slices = std::max<size_t>(1, std::ceil(std::sqrt(leaves)));
  const size_t per_slice = slices * capacity;
  std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    return CenterX(boxes[a]) < CenterX(boxes[b]);
  });
  for (size_t start = 0; start < n; start += per_slice) {
    const size_t end = std::min(n, start + per_slice);
    std::sort(ids.begin() + start, ids.begin() + end,
              [&](uint32_t a, uint32_t b) {
                return CenterY(boxes[a]) < CenterY(boxes[b]);
              });
  }
}

}  // namespace

BoxIndex::BoxIndex(const std::vector<Box>& boxes) {
  for (uint32_t i = 0; i < boxes.size(); ++i) {
    if (!boxes[i].empty()) items_.push_back(i);
  }
  if (items_.empty()) return;
  StrOrder(items_, boxes, kNodeCapacity);
  item_boxes_.reserve(items_.size());
  for (uint32_t id : items_) item_boxes_.push_back(boxes[id]);

  // Level 0 groups items; each higher level groups the nodes below it.
  std::vector<Node> level;
  for (uint32_t first = 0; first < items_.size(); first += kNodeCapacity) {
    Node node{Box{}, first,
              std::min<uint32_t>(kNodeCapacity, items_.size() - first)};
    for (uint32_t k = first; k < first + node.count; ++k) {
      node.box.Include(item_boxes_[k]);
    }
    level.push_back(node);
  }
  levels_.push_back(std::move(level));
  while (levels_.back().size() > kNodeCapacity) {
    const auto& below = levels_.back();
    std::vector<Node> up;
    for (uint32_t first = 0; first < below.size(); first += kNodeCapacity) {
      Node node{Box{}, first,
                std::min<uint32_t>(kNodeCapacity, below.size() - first)};
      for (uint32_t k = first; k < first + node.count; ++k) {
        node.box.Include(below[k].box);
      }
      up.push_back(node);
    }
    levels_.push_back(std::move(up));
  }
}

}  // namespace redline
