#include "spatial/input/geometry_scan.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace redline {
namespace {

// One more than any level a scan can reach, for the per-level flags.
constexpr int kLevels = kMaxGeometryNesting + 2;

int Nesting(const GeometryBounds& b) { return std::clamp(b.max_nesting, 1, kMaxGeometryNesting); }

absl::Status TooDeep(const char* format, const char* what, size_t at, int limit) {
  return absl::InvalidArgumentError(
      absl::StrCat("the ", format, " nests ", what, " deeper than ", limit, " levels (at byte ", at,
                   "): the nesting limit is ", limit,
                   "; send a Point, LineString or Polygon, or their Multi- forms"));
}

// `count`: how many the scan found, or -1 when it stopped at the first
// one too many ("more than").
absl::Status TooManyVertices(const char* format, int64_t count, int64_t limit) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the ", format, " has ", count < 0 ? absl::StrCat("more than ", limit) : absl::StrCat(count),
      " vertices; the limit is ", limit, " (max_vertices): split it or simplify it"));
}

absl::Status TooManyParts(const char* format, const char* parts, int64_t count, int64_t limit) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "the ", format, " has ", count < 0 ? absl::StrCat("more than ", limit) : absl::StrCat(count),
      " ", parts, "; the limit is ", limit, " (max_vertices): split it"));
}

// Byte classes of the text scans: 0 for the bytes they skip.
enum : uint8_t { kOther = 0, kOpen, kClose, kComma, kQuote };

constexpr std::array<uint8_t, 256> WktClasses() {
  std::array<uint8_t, 256> t{};
  t['('] = kOpen;
  t[')'] = kClose;
  t[','] = kComma;
  return t;
}

constexpr std::array<uint8_t, 256> JsonClasses() {
  std::array<uint8_t, 256> t{};
  t['['] = t['{'] = kOpen;
  t[']'] = t['}'] = kClose;
  t[','] = kComma;
  t['"'] = kQuote;
  return t;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Whether the array opened at `open` starts with a number.
bool StartsWithNumber(const char* p, size_t n, size_t open) {
  size_t k = open + 1;
  while (k < n && IsJsonSpace(p[k])) ++k;
  return k < n && (p[k] == '-' || (p[k] >= '0' && p[k] <= '9'));
}

absl::Status BadPosition(const char* what, size_t at) {
  return absl::InvalidArgumentError(absl::StrFormat(
      "malformed GeoJSON: %s (at byte %d): a position is an array of two to four numbers, "
      "[longitude, latitude]",
      what, at));
}

}  // namespace

absl::Status ScanWkt(absl::string_view text, const GeometryBounds& bounds) {
  static constexpr std::array<uint8_t, 256> kClass = WktClasses();
  const int max_depth = Nesting(bounds);
  // Per open parenthesis: whether another opened inside it, and the commas
  // directly inside it. A group with none inside is a coordinate list (or a
  // list of EMPTY members): its elements, commas + 1, are vertices or parts.
  std::array<bool, kLevels> has_child{};
  std::array<int64_t, kLevels> commas{};
  int depth = 0;
  int64_t elements = 0, lists = 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0, n = text.size(); i < n; ++i) {
    const uint8_t c = kClass[p[i]];
    if (c == kOther) continue;  // most bytes: one predictable branch
    switch (c) {
      case kOpen:
        has_child[depth] = true;
        if (++depth > max_depth) return TooDeep("WKT", "parentheses", i, max_depth);
        has_child[depth] = false;
        commas[depth] = 0;
        break;
      case kComma:
        ++commas[depth];
        break;
      case kClose:
        if (depth == 0) break;  // unbalanced: the reader says so
        if (!has_child[depth]) {
          elements += commas[depth] + 1;
          ++lists;
        }
        --depth;
        break;
      default:
        break;
    }
  }
  // Counted to the end (no memory is at stake here) to name the count.
  if (elements > bounds.max_vertices) {
    return TooManyVertices("WKT", elements, bounds.max_vertices);
  }
  if (lists > bounds.max_parts) {
    return TooManyParts("WKT", "coordinate lists", lists, bounds.max_parts);
  }
  return absl::OkStatus();
}

// Kept whole: one pass of a byte-class state machine, its states read best side by side.
// NOLINTNEXTLINE(readability-function-size)
absl::Status ScanGeoJson(absl::string_view text, const GeometryBounds& bounds) {
  static constexpr std::array<uint8_t, 256> kClass = JsonClasses();
  const int max_depth = Nesting(bounds);
  // Per open bracket: whether an array or object opened inside it, and
  // whether a position (an array of numbers) closed directly inside it.
  std::array<bool, kLevels> has_child{};
  std::array<bool, kLevels> has_position{};
  std::array<bool, kLevels> is_array{};
  std::array<int64_t, kLevels> commas{};
  std::array<size_t, kLevels> opened_at{};
  int depth = 0;
  int64_t positions = 0, lists = 0, values = 0;
  // Every JSON value costs the reader a node: a position of up to four
  // numbers is five, so this many values hold max_vertices and more.
  const int64_t max_values = 6 * bounds.max_vertices + 1024;
  const char* p = text.data();
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = kClass[static_cast<unsigned char>(p[i])];
    if (c == kOther) continue;  // most bytes: one predictable branch
    switch (c) {
      case kQuote:
        // Brackets and commas inside strings are text.
        for (++i; i < n && p[i] != '"'; ++i) {
          if (p[i] == '\\') ++i;
        }
        break;
      case kOpen:
        has_child[depth] = true;
        if (++depth > max_depth) {
          return TooDeep("GeoJSON", "arrays and objects", i, max_depth);
        }
        has_child[depth] = false;
        has_position[depth] = false;
        is_array[depth] = p[i] == '[';
        opened_at[depth] = i;
        commas[depth] = 0;
        ++values;
        break;
      case kComma:
        ++commas[depth];
        ++values;
        break;
      case kClose: {
        if (depth == 0) break;  // unbalanced: the reader says so
        if (p[i] == ']' && !has_child[depth]) {
          size_t k = i;
          while (k > 0 && IsJsonSpace(p[k - 1])) --k;
          const bool empty = k > 0 && p[k - 1] == '[';
          // GEOS 3.11's GeoJSON reader takes any array inside an array of
          // coordinates for a position and reads two numbers from it
          // unchecked: an empty one, or one number, crashes the server.
          if (empty && depth >= 2 && is_array[depth - 1]) {
            return BadPosition("an empty array inside another", i);
          }
          if (!empty && commas[depth] == 0 && StartsWithNumber(p, n, opened_at[depth])) {
            return BadPosition("a position with one number", i);
          }
          if (!empty) {  // a position
            ++positions;
            has_position[depth - 1] = true;
          }
        } else if (has_position[depth]) {  // a line, a ring or a MultiPoint
          ++lists;
        }
        --depth;
        break;
      }
      default:
        break;
    }
  }
  // Counted to the end (no memory is at stake here) to name the counts.
  if (positions > bounds.max_vertices) {
    return TooManyVertices("GeoJSON", positions, bounds.max_vertices);
  }
  if (lists > bounds.max_parts) {
    return TooManyParts("GeoJSON", "coordinate lists", lists, bounds.max_parts);
  }
  if (values > max_values) return TooManyParts("GeoJSON", "JSON values", values, max_values);
  return absl::OkStatus();
}

namespace {

// The WKB layout GEOS 3.11's WKBReader reads: a byte order byte (0 big
// endian, 1 little; anything else keeps the order in force), a uint32 type
// (ISO 1000/2000/3000 ranges and the EWKB Z, M and SRID flags), an SRID if
// flagged, then per type the coordinates or the counts and members.
class WkbWalk {
 public:
  WkbWalk(absl::string_view bytes, const GeometryBounds& bounds)
      : p_(reinterpret_cast<const unsigned char*>(bytes.data())),
        n_(bytes.size()),
        bounds_(bounds),
        max_depth_(Nesting(bounds)) {}

  absl::Status Run() {
    // Open collections, and per open collection the members still to read.
    std::array<uint32_t, kLevels> remaining{};
    int depth = 0;
    for (;;) {
      if (depth + 1 > max_depth_) return TooDeep("WKB", "geometries", pos_, max_depth_);
      uint32_t members = 0;
      if (absl::Status st = Geometry(&members); !st.ok()) return st;
      if (members > 0) {
        remaining[depth++] = members;
        continue;
      }
      // A geometry ended: its collection may have ended with it.
      while (depth > 0 && --remaining[depth - 1] == 0) --depth;
      if (depth == 0) return absl::OkStatus();
    }
  }

 private:
  size_t Left() const { return n_ - pos_; }

  absl::Status Truncated(const char* what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed WKB: it ends inside ", what, " (", n_, " bytes)"));
  }

  bool U32(uint32_t* out) {
    if (Left() < 4) return false;
    const unsigned char* b = p_ + pos_;
    *out =
        little_
            ? (uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24)
            : (uint32_t{b[3]} | uint32_t{b[2]} << 8 | uint32_t{b[1]} << 16 | uint32_t{b[0]} << 24);
    pos_ += 4;
    return true;
  }

  // `count` coordinates of `dims` doubles each.
  absl::Status Coordinates(uint64_t count, int dims, const char* what) {
    if (count * dims * 8 > Left()) return Truncated(what);
    vertices_ += static_cast<int64_t>(count);
    if (vertices_ > bounds_.max_vertices) {
      return TooManyVertices("WKB", -1, bounds_.max_vertices);
    }
    pos_ += count * dims * 8;
    return absl::OkStatus();
  }

  absl::Status Part() {
    if (++parts_ > bounds_.max_parts) {
      return TooManyParts("WKB", "parts (geometries and rings)", -1, bounds_.max_parts);
    }
    return absl::OkStatus();
  }

  // Reads one geometry's header and body; a collection's body is its
  // member count, left in `members` for the caller to walk.
  absl::Status Geometry(uint32_t* members) {
    const size_t start = pos_;
    if (Left() < 1) return Truncated("a geometry header");
    if (p_[pos_] <= 1) little_ = p_[pos_] == 1;
    ++pos_;
    uint32_t type = 0;
    if (!U32(&type)) return Truncated("a geometry header");
    const uint32_t base = (type & 0xffff) % 1000;
    const uint32_t iso = (type & 0xffff) / 1000;
    const bool z = (type & 0x80000000u) != 0 || iso == 1 || iso == 3;
    const bool m = (type & 0x40000000u) != 0 || iso == 2 || iso == 3;
    const int dims = 2 + (z ? 1 : 0) + (m ? 1 : 0);
    if ((type & 0x20000000u) != 0) {
      if (Left() < 4) return Truncated("an SRID");
      pos_ += 4;
    }
    if (absl::Status st = Part(); !st.ok()) return st;
    uint32_t count = 0;
    switch (base) {
      case 1:
        return Coordinates(1, dims, "a point");
      case 2:
        if (!U32(&count)) return Truncated("a line's point count");
        return Coordinates(count, dims, "a line");
      case 3: {
        if (!U32(&count)) return Truncated("a polygon's ring count");
        if (uint64_t{count} * 4 > Left()) return Truncated("a polygon's rings");
        for (uint32_t r = 0; r < count; ++r) {
          uint32_t points = 0;
          if (!U32(&points)) return Truncated("a ring's point count");
          if (absl::Status st = Part(); !st.ok()) return st;
          if (absl::Status st = Coordinates(points, dims, "a ring"); !st.ok()) return st;
        }
        return absl::OkStatus();
      }
      case 4:
      case 5:
      case 6:
      case 7:
        if (!U32(&count)) return Truncated("a collection's member count");
        // The smallest member (an empty line or collection) is 9 bytes.
        if (uint64_t{count} * 9 > Left()) return Truncated("a collection's members");
        *members = count;
        return absl::OkStatus();
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("malformed WKB: unknown geometry type ", type, " at byte ", start,
                         " (1 to 7: Point ... GeometryCollection, optionally with Z/M)"));
    }
  }

  const unsigned char* p_;
  size_t n_;
  size_t pos_ = 0;
  bool little_ = true;  // GEOS starts in the machine's order (x86, ARM: little)
  const GeometryBounds& bounds_;
  int max_depth_;
  int64_t vertices_ = 0;
  int64_t parts_ = 0;
};

}  // namespace

absl::Status ScanWkb(absl::string_view bytes, const GeometryBounds& bounds) {
  return WkbWalk(bytes, bounds).Run();
}

}  // namespace redline
