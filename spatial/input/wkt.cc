#include "spatial/input/wkt.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "fast_float/fast_float.h"
#include "spatial/geom/orientation.h"

namespace redline {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The text of one geometry, parsed before GEOS sees anything: every
// coordinate in order, where each linear part ends, and how many rings each
// polygon has.
struct Parsed {
  int type = -1;  // GEOS_POINT ... GEOS_MULTIPOLYGON
  std::vector<Point2> coords;
  std::vector<uint32_t> part_ends;
  std::vector<uint32_t> polygon_rings;
};

class Parser {
 public:
  Parser(absl::string_view text, int64_t max_vertices)
      : p_(text.data()), end_(text.data() + text.size()), max_vertices_(max_vertices) {}

  std::optional<Parsed> Geometry() {
    Parsed out;
    const absl::string_view word = Word();
    bool ok = false;
    if (word == "POINT") {
      out.type = GEOS_POINT;
      ok = Consume('(') && Coord(out) && Consume(')') && EndPart(out, 1);
    } else if (word == "LINESTRING") {
      out.type = GEOS_LINESTRING;
      ok = Line(out);
    } else if (word == "POLYGON") {
      out.type = GEOS_POLYGON;
      ok = Polygon(out);
    } else if (word == "MULTIPOINT") {
      out.type = GEOS_MULTIPOINT;
      // Either spelling, MULTIPOINT ((1 2), (3 4)) or MULTIPOINT (1 2, 3 4),
      // but one throughout: GEOS refuses a mix.
      std::optional<bool> wrapped;
      ok = List([&] {
        const bool w = Consume('(');
        if (wrapped.value_or(w) != w) return false;
        wrapped = w;
        return Coord(out) && (!w || Consume(')')) && EndPart(out, 1);
      });
    } else if (word == "MULTILINESTRING") {
      out.type = GEOS_MULTILINESTRING;
      ok = List([&] { return Line(out); });
    } else if (word == "MULTIPOLYGON") {
      out.type = GEOS_MULTIPOLYGON;
      ok = List([&] { return Polygon(out); });
    }
    SkipSpace();
    if (!ok || p_ != end_) return std::nullopt;
    return out;
  }

 private:
  void SkipSpace() {
    while (p_ < end_ && IsSpace(*p_)) ++p_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  // Letters, upper-cased into word_; GEOS reads keywords in any case.
  absl::string_view Word() {
    SkipSpace();
    word_.clear();
    while (p_ < end_ && ((*p_ >= 'A' && *p_ <= 'Z') || (*p_ >= 'a' && *p_ <= 'z'))) {
      word_.push_back(static_cast<char>(*p_ & ~0x20));
      ++p_;
    }
    return word_;
  }
  // A finite number that ends at a space, comma or closing parenthesis.
  bool Number(double* out) {
    SkipSpace();
    // Correctly rounded, as std::from_chars (and GEOS's reader) would give,
    // at a fraction of the cost: coordinates are most of a WKT's text.
    const auto [next, ec] = fast_float::from_chars(p_, end_, *out);
    if (ec != std::errc() || next == p_ || !std::isfinite(*out)) return false;
    if (next != end_ && !IsSpace(*next) && *next != ',' && *next != ')') return false;
    p_ = next;
    return true;
  }
  // Exactly two numbers: a third (Z or M) is declined, and so is a
  // coordinate past the limit (before GEOS builds a geometry per point).
  bool Coord(Parsed& out) {
    if (static_cast<int64_t>(out.coords.size()) >= max_vertices_) return false;
    Point2 c;
    if (!Number(&c.x) || !Number(&c.y)) return false;
    SkipSpace();
    if (p_ == end_ || (*p_ != ',' && *p_ != ')')) return false;
    out.coords.push_back(c);
    return true;
  }
  bool EndPart(Parsed& out, size_t min_points) {
    const uint32_t begin = out.part_ends.empty() ? 0 : out.part_ends.back();
    if (out.coords.size() - begin < min_points) return false;
    out.part_ends.push_back(static_cast<uint32_t>(out.coords.size()));
    return true;
  }
  // '(' item (',' item)* ')'
  template <typename Item>
  bool List(Item&& item) {
    if (!Consume('(')) return false;
    do {
      if (!item()) return false;
    } while (Consume(','));
    return Consume(')');
  }
  bool Sequence(Parsed& out) {
    return List([&] { return Coord(out); });
  }
  bool Line(Parsed& out) { return Sequence(out) && EndPart(out, 2); }
  bool Ring(Parsed& out) {
    if (!Sequence(out) || !EndPart(out, 4)) return false;
    const size_t begin = out.part_ends.size() < 2 ? 0 : out.part_ends.end()[-2];
    return out.coords[begin] == out.coords.back();  // closed
  }
  bool Polygon(Parsed& out) {
    uint32_t rings = 0;
    if (!List([&] {
          ++rings;
          return Ring(out);
        })) {
      return false;
    }
    out.polygon_rings.push_back(rings);
    return true;
  }

  const char* p_;
  const char* end_;
  int64_t max_vertices_;
  std::string word_;
};

GEOSCoordSequence* Sequence(GEOSContextHandle_t ctx, const Parsed& in, size_t part) {
  const uint32_t begin = part == 0 ? 0 : in.part_ends[part - 1];
  return GEOSCoordSeq_copyFromBuffer_r(ctx, &in.coords[begin].x, in.part_ends[part] - begin, 0, 0);
}

// GEOS's constructors take ownership of what they are given, even when they
// fail (its C API wraps each argument in a unique_ptr first). What the
// parser accepted cannot make them fail; a null part is still checked for.
GeomPtr Build(GEOSContextHandle_t ctx, const Parsed& in) {
  auto seq = [&](size_t part) { return Sequence(ctx, in, part); };
  switch (in.type) {
    case GEOS_POINT:
      return Own(ctx, GEOSGeom_createPoint_r(ctx, seq(0)));
    case GEOS_LINESTRING:
      return Own(ctx, GEOSGeom_createLineString_r(ctx, seq(0)));
    default:
      break;
  }
  std::vector<GeomPtr> parts;
  if (in.type == GEOS_MULTIPOINT || in.type == GEOS_MULTILINESTRING) {
    for (size_t k = 0; k < in.part_ends.size(); ++k) {
      parts.push_back(Own(ctx, in.type == GEOS_MULTIPOINT
                                   ? GEOSGeom_createPoint_r(ctx, seq(k))
                                   : GEOSGeom_createLineString_r(ctx, seq(k))));
      if (!parts.back()) return nullptr;
    }
  } else {
    size_t ring = 0;
    for (uint32_t n : in.polygon_rings) {
      std::vector<GeomPtr> rings;
      for (uint32_t r = 0; r < n; ++r) {
        rings.push_back(Own(ctx, GEOSGeom_createLinearRing_r(ctx, seq(ring++))));
        if (!rings.back()) return nullptr;
      }
      std::vector<GEOSGeometry*> holes;
      for (uint32_t r = 1; r < n; ++r) holes.push_back(rings[r].release());
      parts.push_back(Own(ctx, GEOSGeom_createPolygon_r(ctx, rings[0].release(), holes.data(),
                                                        static_cast<unsigned>(holes.size()))));
      if (!parts.back()) return nullptr;
    }
    if (in.type == GEOS_POLYGON) return std::move(parts[0]);
  }
  std::vector<GEOSGeometry*> raw;
  raw.reserve(parts.size());
  for (GeomPtr& g : parts) raw.push_back(g.release());
  return Own(ctx, GEOSGeom_createCollection_r(ctx, in.type, raw.data(),
                                              static_cast<unsigned>(raw.size())));
}

}  // namespace

GeomPtr ReadSimpleWkt(GEOSContextHandle_t ctx, absl::string_view wkt, int64_t max_vertices) {
  std::optional<Parsed> parsed = Parser(wkt, max_vertices).Geometry();
  if (!parsed) return Own(ctx, nullptr);
  return Build(ctx, *parsed);
}

}  // namespace redline
