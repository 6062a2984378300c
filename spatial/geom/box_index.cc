#include "spatial/geom/box_index.h"

#include <cmath>
#include <numeric>

namespace redline {
namespace {

double CenterX(const Box& b) { return 0.5 * (b.min_x + b.max_x); }
double CenterY(const Box& b) { return 0.5 * (b.min_y + b.max_y); }

// Orders `ids` (indexes into `boxes`) by Sort-Tile-Recursive: vertical slices
// by x, each slice sorted by y, so consecutive runs of `capacity` are compact.
void StrOrder(std::vector<uint32_t>& ids, const std::vector<Box>& boxes, uint32_t capacity) {
  const size_t n = ids.size();
  const size_t leaves = (n + capacity - 1) / capacity;
  const size_t slices = std::max<size_t>(1, std::ceil(std::sqrt(leaves)));
  const size_t per_slice = slices * capacity;
  std::sort(ids.begin(), ids.end(),
            [&](uint32_t a, uint32_t b) { return CenterX(boxes[a]) < CenterX(boxes[b]); });
  for (size_t start = 0; start < n; start += per_slice) {
    const size_t end = std::min(n, start + per_slice);
    std::sort(ids.begin() + start, ids.begin() + end,
              [&](uint32_t a, uint32_t b) { return CenterY(boxes[a]) < CenterY(boxes[b]); });
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
  for (uint32_t id : items_) item_boxes_.push_back(FloatBox::Outward(boxes[id]));

  // Level 0 groups items; each higher level groups the nodes below it.
  std::vector<Node> level;
  for (uint32_t first = 0; first < items_.size(); first += kNodeCapacity) {
    Node node{item_boxes_[first], first, std::min<uint32_t>(kNodeCapacity, items_.size() - first)};
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
      Node node{below[first].box, first, std::min<uint32_t>(kNodeCapacity, below.size() - first)};
      for (uint32_t k = first; k < first + node.count; ++k) {
        node.box.Include(below[k].box);
      }
      up.push_back(node);
    }
    levels_.push_back(std::move(up));
  }
}

size_t BoxIndex::MemoryBytes() const {
  size_t bytes = items_.capacity() * sizeof(uint32_t) + item_boxes_.capacity() * sizeof(FloatBox);
  for (const auto& level : levels_) bytes += level.capacity() * sizeof(Node);
  return bytes;
}

GridIndex::GridIndex(const std::vector<Box>& boxes, double pad, size_t target_cells,
                     absl::FunctionRef<CellShare(uint32_t item, const Box& cell)> share) {
  for (const Box& b : boxes) {
    if (!b.empty()) extent_.Include(b.Expanded(pad));
  }
  if (extent_.empty()) return;
  const double w = std::max(extent_.width(), 1e-9);
  const double h = std::max(extent_.height(), 1e-9);
  nx_ = std::clamp<int>(std::ceil(std::sqrt(target_cells * w / h)), 1, 1 << 14);
  ny_ = std::clamp<int>(std::ceil(static_cast<double>(target_cells) / nx_), 1, 1 << 14);
  inv_w_ = nx_ / w;
  inv_h_ = ny_ / h;
  // Cell() rounds twice (a subtraction and a product), each within an ulp
  // of the coordinates or of the cell count: a millionth of a cell plus a
  // billionth of the coordinates' magnitude is far beyond both.
  const double magnitude = std::max({1.0, std::fabs(extent_.min_x), std::fabs(extent_.max_x),
                                     std::fabs(extent_.min_y), std::fabs(extent_.max_y)});
  margin_ = 1e-9 * magnitude + 1e-6 * std::max(w / nx_, h / ny_);
  const size_t cells = static_cast<size_t>(nx_) * ny_;
  // (cell, item) pairs, then compressed sparse rows by a counting sort.
  std::vector<std::pair<uint32_t, uint32_t>> entries;
  for (uint32_t i = 0; i < boxes.size(); ++i) {
    if (boxes[i].empty()) continue;
    const Box b = boxes[i].Expanded(pad);
    const size_t c0 = Cell({b.min_x, b.min_y});
    const size_t c1 = Cell({b.max_x, b.max_y});
    const size_t x0 = c0 % nx_, y0 = c0 / nx_, x1 = c1 % nx_, y1 = c1 / nx_;
    for (size_t y = y0; y <= y1; ++y) {
      for (size_t x = x0; x <= x1; ++x) {
        const size_t c = y * nx_ + x;
        const CellShare s = share(i, CellBox(c));
        if (s == CellShare::kNone) continue;
        entries.emplace_back(c, s == CellShare::kAll ? i | kWhole : i);
      }
    }
  }
  start_.assign(cells + 1, 0);
  for (const auto& [c, item] : entries) ++start_[c + 1];
  for (size_t c = 0; c < cells; ++c) start_[c + 1] += start_[c];
  items_.resize(start_[cells]);
  std::vector<uint32_t> fill(start_.begin(), start_.end() - 1);
  for (const auto& [c, item] : entries) items_[fill[c]++] = item;
  occupied_.assign((cells + 63) / 64, 0);
  for (size_t c = 0; c < cells; ++c) {
    if (start_[c + 1] > start_[c]) occupied_[c >> 6] |= uint64_t{1} << (c & 63);
  }
}

Box GridIndex::CellBox(size_t cell) const {
  // The cell's column and row: integer division is the point.
  const double x = static_cast<double>(cell % nx_),
               y = static_cast<double>(cell / nx_);  // NOLINT(bugprone-integer-division)
  const double cw = extent_.width() / nx_, ch = extent_.height() / ny_;
  return Box{extent_.min_x + x * cw, extent_.min_y + y * ch, extent_.min_x + (x + 1) * cw,
             extent_.min_y + (y + 1) * ch}
      .Expanded(margin_);
}

size_t GridIndex::Cell(Point2 p) const {
  // The same monotone function at build and query time: a point inside a
  // box always maps into a cell that lists the box.
  const double fx = std::floor((p.x - extent_.min_x) * inv_w_);
  const double fy = std::floor((p.y - extent_.min_y) * inv_h_);
  const size_t x = static_cast<size_t>(std::clamp(fx, 0.0, nx_ - 1.0));
  const size_t y = static_cast<size_t>(std::clamp(fy, 0.0, ny_ - 1.0));
  return y * nx_ + x;
}

}  // namespace redline
