// Tests of the fast WKT reader (spatial/input/wkt.h) against GEOS's WKTReader, the
// reference: on generated text of every accepted type, in varied spelling
// (case, spacing, exponents, signs, long digit strings), whatever the fast
// reader returns must be exactly what GEOS reads (same WKB, bit for bit), and
// it must decline what it does not handle so that GEOS answers instead.
#include "spatial/input/wkt.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "spatial/geom/geos_util.h"

namespace redline {
namespace {

// GEOS's own reading of `wkt`, as hex WKB; "" when GEOS refuses it.
std::string GeosWkbHex(GEOSContextHandle_t ctx, const std::string& wkt) {
  GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
  GeomPtr g = Own(ctx, GEOSWKTReader_read_r(ctx, r, wkt.c_str()));
  GEOSWKTReader_destroy_r(ctx, r);
  if (!g) return "";
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(ctx);
  size_t size = 0;
  unsigned char* wkb = GEOSWKBWriter_write_r(ctx, w, g.get(), &size);
  GEOSWKBWriter_destroy_r(ctx, w);
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(wkb), size));
  GEOSFree_r(ctx, wkb);
  return hex;
}

std::string WkbHex(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  GEOSWKBWriter* w = GEOSWKBWriter_create_r(ctx);
  size_t size = 0;
  unsigned char* wkb = GEOSWKBWriter_write_r(ctx, w, g, &size);
  GEOSWKBWriter_destroy_r(ctx, w);
  std::string hex =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(wkb), size));
  GEOSFree_r(ctx, wkb);
  return hex;
}

// Random WKT in the spellings clients send.
class WktGenerator {
 public:
  explicit WktGenerator(uint64_t seed) : rng_(seed) {}

  std::string Geometry() {
    switch (Pick(6)) {
      case 0:
        return Keyword("POINT") + Open() + Coord() + Close();
      case 1:
        return Keyword("LINESTRING") + Line(2 + Pick(30));
      case 2:
        return Keyword("POLYGON") + Polygon();
      case 3: {
        std::string s = Keyword("MULTIPOINT") + Open();
        const int n = 1 + Pick(6);
        const bool wrapped = Pick(2) == 0;
        for (int i = 0; i < n; ++i) {
          s += (i ? Comma() : "") + (wrapped ? Open() + Coord() + Close() : Coord());
        }
        return s + Close();
      }
      case 4: {
        std::string s = Keyword("MULTILINESTRING") + Open();
        const int n = 1 + Pick(4);
        for (int i = 0; i < n; ++i) s += (i ? Comma() : "") + Line(2 + Pick(10));
        return s + Close();
      }
      default: {
        std::string s = Keyword("MULTIPOLYGON") + Open();
        const int n = 1 + Pick(3);
        for (int i = 0; i < n; ++i) s += (i ? Comma() : "") + Polygon();
        return s + Close();
      }
    }
  }

 private:
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Space() {
    static const char* kSpaces[] = {"", "", " ", "  ", "\n", "\t", " \r\n "};
    return kSpaces[Pick(7)];
  }
  std::string Keyword(const char* k) {
    std::string s = k;
    if (Pick(3) == 0) {
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return Space() + s + Space();
  }
  std::string Open() { return absl::StrCat("(", Space()); }
  std::string Close() { return Space() + ")" + Space(); }
  std::string Comma() { return Space() + "," + Space(); }
  std::string Number() {
    const double v = std::uniform_real_distribution<double>(-1e7, 1e7)(rng_);
    switch (Pick(8)) {
      case 0:
        return absl::StrFormat("%.17g", v);
      case 1:
        return absl::StrFormat("%.3e", v);
      case 2:
        return absl::StrFormat("%d", static_cast<int>(v));
      case 3:
        return absl::StrFormat("%.25f", v / 1e7);  // more digits than a double holds
      case 4:
        return Pick(2) ? "-0" : "0.0";
      case 5:
        return absl::StrFormat("%.7f", 120 + v / 1e8);
      case 6:
        return absl::StrFormat("%.6E", v);
      default:
        return absl::StrFormat("%.10g", v);
    }
  }
  std::string Coord() { return Number() + " " + Space() + Number(); }
  // A sequence of n coordinates; closed (a ring) when `ring`.
  std::string Sequence(int n, bool ring) {
    std::string s = Open();
    std::string first;
    for (int i = 0; i < n; ++i) {
      std::string c = ring && i == n - 1 ? first : Coord();
      if (i == 0) first = c;
      s += (i ? Comma() : "") + c;
    }
    return s + Close();
  }
  std::string Line(int n) { return Sequence(n, false); }
  std::string Polygon() {
    std::string s = Open();
    const int rings = 1 + (Pick(3) == 0 ? Pick(3) : 0);
    for (int r = 0; r < rings; ++r) s += (r ? Comma() : "") + Sequence(4 + Pick(20), true);
    return s + Close();
  }

  std::mt19937_64 rng_;
};

TEST(ReadSimpleWktTest, AgreesWithGeosBitForBitOnGeneratedText) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  WktGenerator gen(17);
  int read = 0;
  constexpr int kCases = 20000;
  for (int i = 0; i < kCases; ++i) {
    const std::string wkt = gen.Geometry();
    GeomPtr fast = ReadSimpleWkt(ctx, wkt);
    const std::string want = GeosWkbHex(ctx, wkt);
    if (!fast) continue;  // declined: GEOS reads it, as before
    ++read;
    ASSERT_FALSE(want.empty()) << "GEOS refuses what the fast reader took: " << wkt;
    ASSERT_EQ(WkbHex(ctx, fast.get()), want) << wkt;
  }
  // Everything generated is plain 2-D WKT: all of it must take the fast path.
  EXPECT_EQ(read, kCases);
}

TEST(ReadSimpleWktTest, DeclinesWhatItDoesNotHandle) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (const char* wkt : {
           "",
           "POINT EMPTY",
           "POLYGON EMPTY",
           "POINT Z (1 2 3)",
           "POINT (1 2 3)",
           "POINT M (1 2 3)",
           "SRID=4490;POINT (1 2)",
           "GEOMETRYCOLLECTION (POINT (1 2))",
           "POINT (+1 2)",
           "POINT (0x1p3 2)",
           "POINT (1e999 2)",
           "POINT (nan 2)",
           "POINT (inf 2)",
           "POINT (1.5.3 2)",
           "POINT (1 2",
           "POINT (1 2) trailing",
           "POINT (1 2),",
           "LINESTRING (1 2)",
           "LINESTRING (1 2, 3 4,)",
           "POLYGON ((0 0, 1 0, 1 1, 0 1))",  // not closed
           "POLYGON ((0 0, 1 0, 0 0))",       // too short
           "POLYGON (0 0, 1 0, 1 1, 0 0)",    // missing parentheses
           "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0))",
           "POINTZ (1 2)",
           "MULTIPOINT ((1 2), 3 4)",  // GEOS refuses mixed spellings
           "MULTIPOINT (1 2, (3 4))",
           "CIRCLE (1 2)",
       }) {
    EXPECT_EQ(ReadSimpleWkt(ctx, wkt), nullptr) << wkt;
  }
}

TEST(ReadSimpleWktTest, ReadsBothMultiPointSpellingsAndHoles) {
  GEOSContextHandle_t ctx = ThreadGeos().get();
  for (const std::string wkt : {
           "MULTIPOINT ((1 2), (3 4))",
           "MULTIPOINT (1 2, 3 4)",
           "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 3, 3 3, 2 2))",
           "multipolygon(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5),(5.1 5.1,5.2 5.1,5.2 5.2,5.1 "
           "5.1)))",
           "POINT(-0 1e-300)",
       }) {
    GeomPtr fast = ReadSimpleWkt(ctx, wkt);
    ASSERT_NE(fast, nullptr) << wkt;
    EXPECT_EQ(WkbHex(ctx, fast.get()), GeosWkbHex(ctx, wkt)) << wkt;
  }
}

}  // namespace
}  // namespace redline
