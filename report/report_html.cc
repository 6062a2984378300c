#include "report/report_html.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"

namespace redline::report {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ------------------------------------------------------------------- WKT

class WktReader {
 public:
  explicit WktReader(absl::string_view text) : s_(text) {}

  absl::StatusOr<Shape> Read() {
    Shape shape;
    SkipSpace();
    // EWKT: "SRID=4490;POINT(...)".
    if (s_.size() - pos_ >= 5 && absl::EqualsIgnoreCase(s_.substr(pos_, 5), "SRID=")) {
      const size_t semi = s_.find(';', pos_);
      if (semi == absl::string_view::npos) return Error("SRID= without ';'");
      pos_ = semi + 1;
    }
    if (absl::Status st = Geometry(&shape); !st.ok()) return st;
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the geometry");
    return shape;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("WKT at character ", pos_ + 1, ": ", what));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && absl::ascii_isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  absl::Status Expect(char c) {
    if (!Consume(c)) return Error(absl::StrCat("expected '", std::string(1, c), "'"));
    return absl::OkStatus();
  }
  std::string Word() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < s_.size() && absl::ascii_isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    return absl::AsciiStrToUpper(s_.substr(start, pos_ - start));
  }
  // Reads an optional dimension word (Z, M, ZM) and then EMPTY or nothing.
  // Returns true if the geometry is EMPTY.
  bool EmptyAfterType() {
    const size_t save = pos_;
    std::string w = Word();
    if (w == "Z" || w == "M" || w == "ZM") {
      const size_t save2 = pos_;
      w = Word();
      if (w == "EMPTY") return true;
      pos_ = save2;
      return false;
    }
    if (w == "EMPTY") return true;
    pos_ = save;
    return false;
  }
  bool AtNumber() {
    SkipSpace();
    if (pos_ >= s_.size()) return false;
    const char c = s_[pos_];
    return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' ||
           c == '.';
  }
  absl::StatusOr<double> Number() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < s_.size() &&
           (absl::ascii_isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-' ||
            s_[pos_] == '+' || s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
    }
    double v = 0;
    if (start == pos_ || !absl::SimpleAtod(s_.substr(start, pos_ - start), &v) ||
        !std::isfinite(v)) {
      pos_ = start;
      return Error("expected a number");
    }
    return v;
  }
  absl::StatusOr<XY> Coord() {
    absl::StatusOr<double> x = Number();
    if (!x.ok()) return x.status();
    absl::StatusOr<double> y = Number();
    if (!y.ok()) return y.status();
    // Z and M, if present, are dropped.
    for (int i = 0; i < 2 && AtNumber(); ++i) {
      if (absl::StatusOr<double> z = Number(); !z.ok()) return z.status();
    }
    return XY{*x, *y};
  }
  // "(x y, x y, ...)"
  absl::StatusOr<std::vector<XY>> CoordList() {
    std::vector<XY> out;
    if (absl::Status st = Expect('('); !st.ok()) return st;
    do {
      absl::StatusOr<XY> c = Coord();
      if (!c.ok()) return c.status();
      out.push_back(*c);
    } while (Consume(','));
    if (absl::Status st = Expect(')'); !st.ok()) return st;
    return out;
  }
  // "((ring), (ring))" or EMPTY
  absl::Status PolygonBody(Shape* out) {
    if (Word() == "EMPTY") return absl::OkStatus();
    Shape::Part part{Shape::Dim::kPolygon, {}};
    if (absl::Status st = Expect('('); !st.ok()) return st;
    do {
      absl::StatusOr<std::vector<XY>> ring = CoordList();
      if (!ring.ok()) return ring.status();
      part.rings.push_back(*std::move(ring));
    } while (Consume(','));
    if (absl::Status st = Expect(')'); !st.ok()) return st;
    out->parts.push_back(std::move(part));
    return absl::OkStatus();
  }
  absl::Status LineBody(Shape* out) {
    const size_t save = pos_;
    if (Word() == "EMPTY") return absl::OkStatus();
    pos_ = save;
    absl::StatusOr<std::vector<XY>> line = CoordList();
    if (!line.ok()) return line.status();
    out->parts.push_back({Shape::Dim::kLine, {*std::move(line)}});
    return absl::OkStatus();
  }
  absl::Status Geometry(Shape* out) {
    const std::string type = Word();
    if (type.empty()) return Error("expected a geometry type");
    if (EmptyAfterType()) return absl::OkStatus();
    if (type == "POINT") {
      if (absl::Status st = Expect('('); !st.ok()) return st;
      absl::StatusOr<XY> c = Coord();
      if (!c.ok()) return c.status();
      out->parts.push_back({Shape::Dim::kPoint, {{*c}}});
      return Expect(')');
    }
    if (type == "LINESTRING") return LineBody(out);
    if (type == "POLYGON") return PolygonBody(out);
    if (absl::Status st = Expect('('); !st.ok()) return st;
    do {
      absl::Status st;
      if (type == "MULTIPOINT") {
        // Both "MULTIPOINT ((1 2), (3 4))" and "MULTIPOINT (1 2, 3 4)".
        const bool paren = Consume('(');
        absl::StatusOr<XY> c = Coord();
        if (!c.ok()) return c.status();
        out->parts.push_back({Shape::Dim::kPoint, {{*c}}});
        if (paren) st = Expect(')');
      } else if (type == "MULTILINESTRING") {
        st = LineBody(out);
      } else if (type == "MULTIPOLYGON") {
        st = PolygonBody(out);
      } else if (type == "GEOMETRYCOLLECTION") {
        st = Geometry(out);
      } else {
        return Error(absl::StrCat("unknown geometry type '", type, "'"));
      }
      if (!st.ok()) return st;
    } while (Consume(','));
    return Expect(')');
  }

  absl::string_view s_;
  size_t pos_ = 0;
};

// --------------------------------------------------------------- GeoJSON

namespace pb = google::protobuf;

absl::Status GeoJsonError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("GeoJSON: ", what));
}

absl::StatusOr<XY> JsonPosition(const pb::Value& v) {
  if (!v.has_list_value() || v.list_value().values_size() < 2 ||
      !v.list_value().values(0).has_number_value() ||
      !v.list_value().values(1).has_number_value()) {
    return GeoJsonError("a position must be an array of at least two numbers");
  }
  return XY{v.list_value().values(0).number_value(), v.list_value().values(1).number_value()};
}

absl::StatusOr<std::vector<XY>> JsonPositions(const pb::Value& v) {
  if (!v.has_list_value()) return GeoJsonError("expected an array of positions");
  std::vector<XY> out;
  for (const pb::Value& p : v.list_value().values()) {
    absl::StatusOr<XY> xy = JsonPosition(p);
    if (!xy.ok()) return xy.status();
    out.push_back(*xy);
  }
  return out;
}

absl::Status JsonPolygon(const pb::Value& v, Shape* out) {
  if (!v.has_list_value()) return GeoJsonError("expected an array of rings");
  Shape::Part part{Shape::Dim::kPolygon, {}};
  for (const pb::Value& ring : v.list_value().values()) {
    absl::StatusOr<std::vector<XY>> r = JsonPositions(ring);
    if (!r.ok()) return r.status();
    part.rings.push_back(*std::move(r));
  }
  if (!part.rings.empty()) out->parts.push_back(std::move(part));
  return absl::OkStatus();
}

absl::Status JsonGeometry(const pb::Value& v, Shape* out, int depth) {
  if (depth > 16) return GeoJsonError("nested too deeply");
  if (v.has_null_value()) return absl::OkStatus();  // a Feature without geometry
  if (!v.has_struct_value()) return GeoJsonError("expected an object");
  const auto& f = v.struct_value().fields();
  auto field = [&](const char* name) -> const pb::Value* {
    auto it = f.find(name);
    return it == f.end() ? nullptr : &it->second;
  };
  const pb::Value* type = field("type");
  if (type == nullptr || !type->has_string_value()) return GeoJsonError("no \"type\"");
  const std::string& t = type->string_value();
  if (t == "Feature") {
    const pb::Value* g = field("geometry");
    return g == nullptr ? absl::OkStatus() : JsonGeometry(*g, out, depth + 1);
  }
  if (t == "FeatureCollection" || t == "GeometryCollection") {
    const pb::Value* list = field(t == "FeatureCollection" ? "features" : "geometries");
    if (list == nullptr || !list->has_list_value()) {
      return GeoJsonError(absl::StrCat(t, " without its array"));
    }
    for (const pb::Value& item : list->list_value().values()) {
      if (absl::Status st = JsonGeometry(item, out, depth + 1); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  const pb::Value* c = field("coordinates");
  if (c == nullptr) return GeoJsonError(absl::StrCat(t, " without \"coordinates\""));
  if (t == "Point") {
    if (c->has_list_value() && c->list_value().values_size() == 0) return absl::OkStatus();
    absl::StatusOr<XY> p = JsonPosition(*c);
    if (!p.ok()) return p.status();
    out->parts.push_back({Shape::Dim::kPoint, {{*p}}});
    return absl::OkStatus();
  }
  if (t == "MultiPoint" || t == "LineString") {
    absl::StatusOr<std::vector<XY>> ps = JsonPositions(*c);
    if (!ps.ok()) return ps.status();
    if (t == "LineString") {
      if (!ps->empty()) out->parts.push_back({Shape::Dim::kLine, {*std::move(ps)}});
    } else {
      for (const XY& p : *ps) out->parts.push_back({Shape::Dim::kPoint, {{p}}});
    }
    return absl::OkStatus();
  }
  if (!c->has_list_value()) return GeoJsonError("\"coordinates\" must be an array");
  if (t == "MultiLineString") {
    for (const pb::Value& line : c->list_value().values()) {
      absl::StatusOr<std::vector<XY>> ps = JsonPositions(line);
      if (!ps.ok()) return ps.status();
      if (!ps->empty()) out->parts.push_back({Shape::Dim::kLine, {*std::move(ps)}});
    }
    return absl::OkStatus();
  }
  if (t == "Polygon") return JsonPolygon(*c, out);
  if (t == "MultiPolygon") {
    for (const pb::Value& poly : c->list_value().values()) {
      if (absl::Status st = JsonPolygon(poly, out); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  return GeoJsonError(absl::StrCat("unknown type '", t, "'"));
}

// ------------------------------------------------------------------- WKB

class WkbReader {
 public:
  explicit WkbReader(absl::string_view data) : d_(data) {}

  absl::StatusOr<Shape> Read() {
    Shape shape;
    if (absl::Status st = Geometry(&shape, 0); !st.ok()) return st;
    return shape;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("WKB at byte ", pos_, ": ", what));
  }
  bool Bytes(void* out, size_t n) {
    if (d_.size() - pos_ < n) return false;
    std::memcpy(out, d_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  template <typename T>
  bool Get(T* out, bool little) {
    unsigned char b[sizeof(T)];
    if (!Bytes(b, sizeof(T))) return false;
    if (little != (std::endian::native == std::endian::little)) std::reverse(b, b + sizeof(T));
    std::memcpy(out, b, sizeof(T));
    return true;
  }
  absl::Status Points(std::vector<XY>* out, uint32_t n, int dims, bool little) {
    if (static_cast<uint64_t>(n) * dims * 8 > d_.size() - pos_) return Error("truncated");
    for (uint32_t i = 0; i < n; ++i) {
      double c[4] = {0, 0, 0, 0};
      for (int k = 0; k < dims; ++k) {
        if (!Get(&c[k], little)) return Error("truncated");
      }
      out->push_back({c[0], c[1]});
    }
    return absl::OkStatus();
  }
  absl::Status Geometry(Shape* out, int depth) {
    if (depth > 16) return Error("nested too deeply");
    uint8_t order = 0;
    if (!Get(&order, true) || order > 1) return Error("bad byte-order byte");
    const bool little = order == 1;
    uint32_t type = 0;
    if (!Get(&type, little)) return Error("truncated");
    bool z = type & 0x80000000u, m = type & 0x40000000u;
    if (type & 0x20000000u) {
      uint32_t srid;
      if (!Get(&srid, little)) return Error("truncated");
    }
    type &= 0x0FFFFFFFu;
    if (type >= 1000) {
      const uint32_t iso = type / 1000;
      z = z || iso == 1 || iso == 3;
      m = m || iso == 2 || iso == 3;
      type %= 1000;
    }
    const int dims = 2 + (z ? 1 : 0) + (m ? 1 : 0);
    uint32_t n = 0;
    switch (type) {
      case 1: {
        std::vector<XY> p;
        if (absl::Status st = Points(&p, 1, dims, little); !st.ok()) return st;
        if (!std::isnan(p[0].x)) out->parts.push_back({Shape::Dim::kPoint, {p}});
        return absl::OkStatus();
      }
      case 2: {
        std::vector<XY> p;
        if (!Get(&n, little)) return Error("truncated");
        if (absl::Status st = Points(&p, n, dims, little); !st.ok()) return st;
        if (!p.empty()) out->parts.push_back({Shape::Dim::kLine, {std::move(p)}});
        return absl::OkStatus();
      }
      case 3: {
        Shape::Part part{Shape::Dim::kPolygon, {}};
        if (!Get(&n, little)) return Error("truncated");
        for (uint32_t i = 0; i < n; ++i) {
          uint32_t k = 0;
          if (!Get(&k, little)) return Error("truncated");
          std::vector<XY> ring;
          if (absl::Status st = Points(&ring, k, dims, little); !st.ok()) return st;
          part.rings.push_back(std::move(ring));
        }
        if (!part.rings.empty()) out->parts.push_back(std::move(part));
        return absl::OkStatus();
      }
      case 4:
      case 5:
      case 6:
      case 7:
        if (!Get(&n, little)) return Error("truncated");
        if (n > d_.size()) return Error("bad part count");
        for (uint32_t i = 0; i < n; ++i) {
          if (absl::Status st = Geometry(out, depth + 1); !st.ok()) return st;
        }
        return absl::OkStatus();
      default:
        return Error(absl::StrCat("unsupported geometry type ", type));
    }
  }

  absl::string_view d_;
  size_t pos_ = 0;
};

// ------------------------------------------------------------ vocabulary

struct Names {
  const char* zh;
  const char* en;
};

Names VerdictNames(v1::Verdict v) {
  switch (v) {
    case v1::PROHIBITED:
      return {"禁止", "PROHIBITED"};
    case v1::RESTRICTED:
      return {"限制（须论证或审批）", "RESTRICTED"};
    case v1::CONDITIONAL:
      return {"有条件允许", "CONDITIONAL"};
    case v1::CLEAR:
      return {"未发现限制", "CLEAR"};
    case v1::NEEDS_PURPOSE:
      return {"须说明用途", "NEEDS PURPOSE"};
    default:
      return {"未知", "UNSPECIFIED"};
  }
}

const char* VerdictClass(v1::Verdict v) {
  switch (v) {
    case v1::PROHIBITED:
      return "v-prohibited";
    case v1::RESTRICTED:
      return "v-restricted";
    case v1::CONDITIONAL:
      return "v-conditional";
    case v1::CLEAR:
      return "v-clear";
    case v1::NEEDS_PURPOSE:
      return "v-needs-purpose";
    default:
      return "v-unspecified";
  }
}

Names PurposeNames(v1::Siting::Purpose p) {
  switch (p) {
    case v1::Siting::OUTFALL:
      return {"排污口", "Outfall"};
    case v1::Siting::DISCHARGING_PROJECT:
      return {"排放污染物的建设项目", "Project discharging pollutants"};
    case v1::Siting::NON_DISCHARGING_PROJECT:
      return {"不排放污染物的建设项目", "Project discharging no pollutants"};
    case v1::Siting::SERIOUSLY_POLLUTING_PROJECT:
      return {"对水体污染严重的建设项目", "Project seriously polluting water"};
    case v1::Siting::WATER_SUPPLY_FACILITY:
      return {"供水设施和保护水源有关的建设项目", "Water supply / source protection facility"};
    case v1::Siting::LINEAR_INFRASTRUCTURE:
      return {"线性基础设施（道路、管线等）", "Linear infrastructure"};
    case v1::Siting::OTHER:
      return {"其他", "Other"};
    default:
      return {"未说明", "Not given"};
  }
}

Names OutfallTypeNames(v1::Siting::OutfallType t) {
  switch (t) {
    case v1::Siting::RIVER:
      return {"入河排污口", "River outfall"};
    case v1::Siting::SEA:
      return {"入海排污口", "Sea outfall"};
    case v1::Siting::RAINWATER:
      return {"雨水排放口", "Rain-water outlet"};
    default:
      return {"未说明（按最严格的类型判断）", "Not given (judged as the strictest type)"};
  }
}

Names ActionNames(v1::Siting::Action a) {
  switch (a) {
    case v1::Siting::NEW:
      return {"新建", "New"};
    case v1::Siting::EXPANDED:
      return {"扩建", "Expanded"};
    case v1::Siting::REBUILT:
      return {"改建", "Rebuilt"};
    default:
      return {"未说明（按新建判断）", "Not given (judged as new)"};
  }
}

Names KindNames(v1::ZoneKind k) {
  switch (k) {
    case v1::ECOLOGICAL_RED_LINE:
      return {"生态保护红线", "Ecological red line"};
    case v1::WATER_SOURCE_PROTECTION:
      return {"饮用水水源保护区", "Drinking-water source protection zone"};
    case v1::ZERO_DISCHARGE_ZONE:
      return {"污水零直排区", "Zero-direct-discharge zone"};
    case v1::OTHER_ZONE:
      return {"其他图层", "Other layer"};
    default:
      return {"未知", "Unknown"};
  }
}

Names RelationNames(v1::ZoneHit::Relation r) {
  switch (r) {
    case v1::ZoneHit::INSIDE:
      return {"位于区内", "inside"};
    case v1::ZoneHit::BOUNDARY:
      return {"位于边界上", "on the boundary"};
    case v1::ZoneHit::WITHIN:
      return {"全部位于区内", "wholly within"};
    case v1::ZoneHit::INTERSECTS:
      return {"部分位于区内", "partly within"};
    case v1::ZoneHit::TOUCHES:
      return {"边界相接", "touches the boundary"};
    default:
      return {"未知", "unknown"};
  }
}

const char* KindColour(v1::ZoneKind k) {
  switch (k) {
    case v1::ECOLOGICAL_RED_LINE:
      return "#c62828";
    case v1::WATER_SOURCE_PROTECTION:
      return "#0277bd";
    case v1::ZERO_DISCHARGE_ZONE:
      return "#8e24aa";
    default:
      return "#616161";
  }
}

std::string Bilingual(const Names& n) {
  return absl::StrCat(HtmlEscape(n.zh), " <span class=\"en\">", HtmlEscape(n.en), "</span>");
}

// 1234567.891 -> "1,234,567.9" (decimals digits after the point).
std::string Grouped(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  const std::string s = absl::StrFormat("%.*f", decimals, std::fabs(v));
  const size_t dot = s.find('.');
  const size_t int_end = dot == std::string::npos ? s.size() : dot;
  std::string out = v < 0 && std::fabs(v) >= 0.5 * std::pow(10.0, -decimals) ? "-" : "";
  for (size_t i = 0; i < int_end; ++i) {
    if (i > 0 && (int_end - i) % 3 == 0) out += ',';
    out += s[i];
  }
  out += s.substr(int_end);
  return out;
}

std::string Metres(double m) {
  return absl::StrCat(Grouped(m, m < 100 ? 2 : 1), " m");
}

std::string Coordinate(double deg, bool lon) {
  return absl::StrFormat("%.7f°%s", std::fabs(deg), lon ? (deg < 0 ? "W" : "E")
                                                         : (deg < 0 ? "S" : "N"));
}

// The time of the check in Beijing time (China has kept UTC+8 without daylight
// saving since 1991) and in UTC.
std::pair<std::string, std::string> CheckTimes(const pb::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return {"—", "—"};
  auto format = [&](int64_t offset_s, const char* pattern) {
    const std::time_t secs = static_cast<std::time_t>(t.seconds() + offset_s);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, pattern, &tm);
    return std::string(buf);
  };
  return {format(8 * 3600, "%Y-%m-%d %H:%M:%S"), format(0, "%Y-%m-%dT%H:%M:%SZ")};
}

// A "nice" length (1, 2 or 5 times a power of ten) no longer than `max`.
double NiceLength(double max) {
  if (!(max > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(max)));
  for (double f : {5.0, 2.0, 1.0}) {
    if (f * p <= max) return f * p;
  }
  return p;
}

std::string LengthLabel(double m) {
  if (m >= 1000) return absl::StrCat(absl::StrFormat("%g", m / 1000), " km");
  return absl::StrCat(absl::StrFormat("%g", m), " m");
}

bool IsGeographicCrs(absl::string_view crs) {
  const std::string c = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(crs));
  return c.empty() || c == "EPSG:4490" || c == "EPSG:4326" || c == "EPSG:4214" ||
         c == "EPSG:4610" || c == "OGC:CRS84" || c == "CRS84" || c == "WGS84";
}

// True when every coordinate could be a longitude/latitude.
bool LooksLonLat(const Shape& s) {
  for (const Shape::Part& p : s.parts) {
    for (const auto& ring : p.rings) {
      for (const XY& c : ring) {
        if (std::fabs(c.x) > 180 || std::fabs(c.y) > 90) return false;
      }
    }
  }
  return true;
}

struct Box {
  double min_x = std::numeric_limits<double>::infinity();
  double min_y = std::numeric_limits<double>::infinity();
  double max_x = -std::numeric_limits<double>::infinity();
  double max_y = -std::numeric_limits<double>::infinity();
  bool empty() const { return min_x > max_x; }
  void Add(XY p) {
    min_x = std::min(min_x, p.x);
    min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x);
    max_y = std::max(max_y, p.y);
  }
};

std::string N2(double v) { return absl::StrFormat("%.2f", v); }

}  // namespace

// ------------------------------------------------------------ public API

absl::StatusOr<Shape> ParseWkt(absl::string_view wkt) { return WktReader(wkt).Read(); }

absl::StatusOr<Shape> ParseGeoJson(absl::string_view json) {
  pb::Value value;
  pb::util::Status st = pb::util::JsonStringToMessage(std::string(json), &value);
  if (!st.ok()) return GeoJsonError(std::string(st.message()));
  Shape shape;
  if (absl::Status s = JsonGeometry(value, &shape, 0); !s.ok()) return s;
  return shape;
}

absl::StatusOr<Shape> ParseWkb(absl::string_view wkb) { return WkbReader(wkb).Read(); }

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SiteMap SiteMap::Geographic(double lon0, double lat0) {
  SiteMap m;
  m.geographic_ = true;
  m.lon0_ = lon0;
  m.lat0_ = lat0;
  // GRS80 (= CGCS2000 geometry): radii of curvature at the site's latitude.
  const double a = 6378137.0, f = 1 / 298.257222101, e2 = f * (2 - f);
  const double phi = lat0 * kPi / 180, s = std::sin(phi);
  const double w = 1 - e2 * s * s;
  const double n = a / std::sqrt(w);
  const double mer = a * (1 - e2) / (w * std::sqrt(w));
  m.m_per_deg_lon_ = n * std::cos(phi) * kPi / 180;
  m.m_per_deg_lat_ = mer * kPi / 180;
  return m;
}

SiteMap SiteMap::Planar(std::string crs) {
  SiteMap m;
  m.geographic_ = false;
  m.crs_ = std::move(crs);
  return m;
}

XY SiteMap::ToMetres(XY p) const {
  if (!geographic_) return p;
  return {(p.x - lon0_) * m_per_deg_lon_, (p.y - lat0_) * m_per_deg_lat_};
}

void SiteMap::AddSite(const Shape& site) {
  Shape m = site;
  for (Shape::Part& part : m.parts) {
    for (auto& ring : part.rings) {
      for (XY& c : ring) c = ToMetres(c);
    }
  }
  sites_m_.push_back(std::move(m));
}

void SiteMap::AddZone(const ZoneOutline& zone) {
  if (!geographic_) {
    ++zones_not_drawn_;
    return;
  }
  Drawn d;
  d.zone = zone;
  Shape::Part part{Shape::Dim::kPolygon, {}};
  for (const auto& ring : zone.rings_lonlat) {
    std::vector<XY> r;
    for (const XY& c : ring) r.push_back(ToMetres(c));
    part.rings.push_back(std::move(r));
  }
  d.shape.parts.push_back(std::move(part));
  zones_.push_back(std::move(d));
}

void SiteMap::AddCircle(XY centre, double radius_m, std::string label) {
  if (!(radius_m > 0)) return;
  circles_.push_back({ToMetres(centre), radius_m, std::move(label)});
}

std::string SiteMap::Svg(double width_mm, double* scale_denominator) const {
  // The frame: the site and circles, padded; zones do not widen it (they may
  // be kilometres across), they are clipped to it.
  Box b;
  for (const Shape& s : sites_m_) {
    for (const auto& part : s.parts) {
      for (const auto& ring : part.rings) {
        for (const XY& c : ring) b.Add(c);
      }
    }
  }
  for (const Circle& c : circles_) {
    b.Add({c.centre_m.x - c.radius_m, c.centre_m.y - c.radius_m});
    b.Add({c.centre_m.x + c.radius_m, c.centre_m.y + c.radius_m});
  }
  if (b.empty()) b.Add({0, 0});
  double span_x = std::max(b.max_x - b.min_x, 1e-9);
  double span_y = std::max(b.max_y - b.min_y, 1e-9);
  const double min_span = 100;  // metres: a point alone gets a 100 m frame
  span_x = std::max(span_x * 1.4, min_span);
  span_y = std::max(span_y * 1.4, min_span);
  const double cx = (b.min_x + b.max_x) / 2, cy = (b.min_y + b.max_y) / 2;
  const double w = width_mm;
  const double h = std::clamp(w * span_y / span_x, 0.45 * w, 0.55 * w);
  const double s = std::max(span_x / w, span_y / h);  // metres per mm
  if (scale_denominator) *scale_denominator = s * 1000;
  auto X = [&](double x) { return (x - cx) / s + w / 2; };
  auto Y = [&](double y) { return h / 2 - (y - cy) / s; };
  auto path = [&](const std::vector<XY>& ring, bool close) {
    std::string d;
    for (size_t i = 0; i < ring.size(); ++i) {
      absl::StrAppend(&d, i == 0 ? "M" : "L", N2(X(ring[i].x)), " ", N2(Y(ring[i].y)));
    }
    if (close && !ring.empty()) d += "Z";
    return d;
  };

  std::string out = absl::StrFormat(
      "<svg class=\"site-map\" viewBox=\"0 0 %s %s\" width=\"%smm\" height=\"%smm\" "
      "role=\"img\" aria-label=\"site map to scale\" font-family=\"sans-serif\">\n"
      "<defs><clipPath id=\"map-frame\"><rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\"/>"
      "</clipPath></defs>\n"
      "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"#fbfbf7\"/>\n",
      N2(w), N2(h), N2(w), N2(h), N2(w), N2(h), N2(w), N2(h));

  // A light grid at the scale bar's step, aligned to round ground metres.
  const double bar = NiceLength(0.28 * w * s);
  {
    std::string grid;
    const double x0 = cx - w / 2 * s, x1 = cx + w / 2 * s;
    const double y0 = cy - h / 2 * s, y1 = cy + h / 2 * s;
    if ((x1 - x0) / bar < 40 && (y1 - y0) / bar < 40) {
      for (double gx = std::ceil(x0 / bar) * bar; gx <= x1; gx += bar) {
        absl::StrAppend(&grid, "M", N2(X(gx)), " 0V", N2(h));
      }
      for (double gy = std::ceil(y0 / bar) * bar; gy <= y1; gy += bar) {
        absl::StrAppend(&grid, "M0 ", N2(Y(gy)), "H", N2(w));
      }
      absl::StrAppend(&out, "<path d=\"", grid,
                      "\" stroke=\"#e3e3dc\" stroke-width=\"0.2\" fill=\"none\"/>\n");
    }
  }

  absl::StrAppend(&out, "<g clip-path=\"url(#map-frame)\">\n");
  // Zones: nearby ones first, touched ones over them.
  for (int pass = 0; pass < 2; ++pass) {
    for (const Drawn& d : zones_) {
      if (d.zone.hit != (pass == 1)) continue;
      std::string dpath;
      Box zb;
      for (const auto& part : d.shape.parts) {
        for (const auto& ring : part.rings) {
          dpath += path(ring, true);
          for (const XY& c : ring) zb.Add(c);
        }
      }
      const char* colour = KindColour(d.zone.kind);
      absl::StrAppendFormat(
          &out,
          "<path d=\"%s\" fill=\"%s\" fill-opacity=\"%s\" fill-rule=\"evenodd\" "
          "stroke=\"%s\" stroke-width=\"0.5\"%s/>\n",
          dpath, colour, d.zone.hit ? "0.18" : "0.07", colour,
          d.zone.hit ? "" : " stroke-dasharray=\"1.6 0.8\"");
      if (!zb.empty() && !d.zone.label.empty()) {
        // Label at the middle of the part of the zone's box inside the frame.
        const double lx = std::clamp((std::max(zb.min_x, cx - w / 2 * s) +
                                      std::min(zb.max_x, cx + w / 2 * s)) / 2,
                                     cx - w / 2 * s, cx + w / 2 * s);
        const double ly = std::clamp((std::max(zb.min_y, cy - h / 2 * s) +
                                      std::min(zb.max_y, cy + h / 2 * s)) / 2,
                                     cy - h / 2 * s, cy + h / 2 * s);
        absl::StrAppendFormat(&out,
                              "<text x=\"%s\" y=\"%s\" font-size=\"2.6\" fill=\"%s\" "
                              "text-anchor=\"middle\">%s</text>\n",
                              N2(X(lx)), N2(Y(ly)), colour, HtmlEscape(d.zone.label));
      }
    }
  }
  for (const Circle& c : circles_) {
    absl::StrAppendFormat(
        &out,
        "<circle cx=\"%s\" cy=\"%s\" r=\"%s\" fill=\"none\" stroke=\"#546e7a\" "
        "stroke-width=\"0.3\" stroke-dasharray=\"1.2 0.8\"/>\n"
        "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" fill=\"#37474f\" "
        "text-anchor=\"middle\">%s</text>\n",
        N2(X(c.centre_m.x)), N2(Y(c.centre_m.y)), N2(c.radius_m / s), N2(X(c.centre_m.x)),
        N2(Y(c.centre_m.y + c.radius_m) - 0.8), HtmlEscape(c.label));
  }
  // The site over everything.
  for (const Shape& site : sites_m_) {
    for (const auto& part : site.parts) {
      switch (part.dim) {
        case Shape::Dim::kPolygon: {
          std::string d;
          size_t vertices = 0;
          for (const auto& ring : part.rings) {
            d += path(ring, true);
            vertices += ring.size();
          }
          absl::StrAppendFormat(&out,
                                "<path class=\"site\" d=\"%s\" fill=\"#1565c0\" "
                                "fill-opacity=\"0.22\" fill-rule=\"evenodd\" stroke=\"#0d47a1\" "
                                "stroke-width=\"0.6\" stroke-linejoin=\"round\"/>\n",
                                d);
          if (vertices <= 400) {
            for (const auto& ring : part.rings) {
              for (size_t i = 0; i + 1 < ring.size() || (i == 0 && ring.size() == 1); ++i) {
                absl::StrAppendFormat(&out,
                                      "<circle cx=\"%s\" cy=\"%s\" r=\"0.45\" "
                                      "fill=\"#0d47a1\"/>\n",
                                      N2(X(ring[i].x)), N2(Y(ring[i].y)));
              }
            }
          }
          break;
        }
        case Shape::Dim::kLine:
          absl::StrAppendFormat(&out,
                                "<path class=\"site\" d=\"%s\" fill=\"none\" stroke=\"#0d47a1\" "
                                "stroke-width=\"0.9\" stroke-linecap=\"round\" "
                                "stroke-linejoin=\"round\"/>\n",
                                path(part.rings.front(), false));
          break;
        case Shape::Dim::kPoint: {
          const XY p = part.rings.front().front();
          absl::StrAppendFormat(
              &out,
              "<g class=\"site\"><circle cx=\"%s\" cy=\"%s\" r=\"1.3\" fill=\"#0d47a1\" "
              "stroke=\"#fff\" stroke-width=\"0.4\"/>"
              "<path d=\"M%s %sH%sM%s %sV%s\" stroke=\"#0d47a1\" stroke-width=\"0.25\"/></g>\n",
              N2(X(p.x)), N2(Y(p.y)), N2(X(p.x) - 3), N2(Y(p.y)), N2(X(p.x) + 3), N2(X(p.x)),
              N2(Y(p.y) - 3), N2(Y(p.y) + 3));
          break;
        }
      }
    }
  }
  absl::StrAppend(&out, "</g>\n");

  // Scale bar, bottom left: two halves, black and white.
  {
    const double len = bar / s, x0 = 5, y0 = h - 6;
    absl::StrAppendFormat(
        &out,
        "<g class=\"scale-bar\"><rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"6.2\" "
        "fill=\"#fff\" fill-opacity=\"0.85\"/>"
        "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"1.2\" fill=\"#222\" stroke=\"#222\" "
        "stroke-width=\"0.2\"/>"
        "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"1.2\" fill=\"#fff\" stroke=\"#222\" "
        "stroke-width=\"0.2\"/>"
        "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">0</text>"
        "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">%s</text>"
        "<text x=\"%s\" y=\"%s\" font-size=\"2.4\" text-anchor=\"middle\">%s</text></g>\n",
        N2(x0 - 2), N2(y0 - 3.6), N2(len + 9), N2(x0), N2(y0), N2(len / 2), N2(x0 + len / 2),
        N2(y0), N2(len / 2), N2(x0), N2(y0 - 0.9), N2(x0 + len / 2), N2(y0 - 0.9),
        LengthLabel(bar / 2), N2(x0 + len), N2(y0 - 0.9), LengthLabel(bar));
  }
  // North arrow, top right.
  {
    const double ax = w - 8, ay = 4;
    absl::StrAppendFormat(
        &out,
        "<g class=\"north-arrow\"><path d=\"M%s %sL%s %sL%s %sZ\" fill=\"#222\"/>"
        "<path d=\"M%s %sL%s %sL%s %sZ\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"0.25\"/>"
        "<text x=\"%s\" y=\"%s\" font-size=\"3\" font-weight=\"bold\" "
        "text-anchor=\"middle\">N</text></g>\n",
        N2(ax), N2(ay + 3), N2(ax - 2.2), N2(ay + 11), N2(ax), N2(ay + 9.2), N2(ax), N2(ay + 3),
        N2(ax + 2.2), N2(ay + 11), N2(ax), N2(ay + 9.2), N2(ax), N2(ay + 2.4));
  }
  absl::StrAppendFormat(&out,
                        "<rect x=\"0\" y=\"0\" width=\"%s\" height=\"%s\" fill=\"none\" "
                        "stroke=\"#333\" stroke-width=\"0.35\"/>\n</svg>",
                        N2(w), N2(h));
  return out;
}

ReportContext ContextForPoint(const v1::CheckPointRequest& request, const std::string& server) {
  ReportContext c;
  c.server = server;
  c.site_crs = request.crs();
  Shape s;
  s.parts.push_back({Shape::Dim::kPoint, {{XY{request.x(), request.y()}}}});
  c.site = std::move(s);
  return c;
}

ReportContext ContextForGeometry(const v1::CheckGeometryRequest& request,
                                 const std::string& server) {
  ReportContext c;
  c.server = server;
  const v1::Geometry& g = request.geometry();
  c.site_crs = g.crs();
  absl::StatusOr<Shape> s;
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      s = ParseWkt(g.wkt());
      break;
    case v1::Geometry::kGeojson:
      s = ParseGeoJson(g.geojson());
      break;
    case v1::Geometry::kWkb:
      s = ParseWkb(g.wkb());
      break;
    default:
      s = absl::InvalidArgumentError("no geometry");
  }
  if (s.ok()) {
    c.site = *std::move(s);
  } else {
    c.site_note = absl::StrCat("the site geometry could not be read for the drawing: ",
                               s.status().message());
  }
  return c;
}

void AddResponseGeometry(const v1::CheckResponse& response, ReportContext* context) {
  auto add = [&](v1::ZoneKind kind, const std::string& id, bool hit, const std::string& wkb) {
    if (wkb.empty()) return;
    absl::StatusOr<Shape> shape = ParseWkb(wkb);
    if (!shape.ok()) return;
    ZoneOutline zone{kind, id, hit, {}};
    for (const Shape::Part& part : shape->parts) {
      if (part.dim != Shape::Dim::kPolygon) continue;
      zone.rings_lonlat.insert(zone.rings_lonlat.end(), part.rings.begin(), part.rings.end());
    }
    if (!zone.rings_lonlat.empty()) context->zones.push_back(std::move(zone));
  };
  for (const v1::ZoneHit& h : response.hits()) add(h.kind(), h.zone_id(), true, h.zone_geometry_wkb());
  for (const v1::NearZone& n : response.nearest()) {
    add(n.kind(), n.zone_id(), false, n.zone_geometry_wkb());
  }
  if (!response.site().geometry_wkb().empty()) {
    absl::StatusOr<Shape> site = ParseWkb(response.site().geometry_wkb());
    if (site.ok()) {
      context->site = *std::move(site);
      context->site_crs = "EPSG:4490";
      context->site_note.clear();
    }
  }
}

std::string RenderReportHtml(const v1::CheckResponse& r, const ReportContext& context) {
  const Names verdict = VerdictNames(r.verdict());
  const v1::SiteInfo& site = r.site();
  const auto [beijing, utc] = CheckTimes(r.checked_at());

  std::string h;
  absl::StrAppend(
      &h, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n",
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
      "<meta name=\"generator\" content=\"redline\">\n<title>",
      HtmlEscape(absl::StrCat("选址核查记录 Siting check record — ", verdict.zh, " ", verdict.en,
                              " — ", r.dataset_version())),
      "</title>\n<style>\n", R"css(
@page { size: A4 portrait; margin: 14mm 13mm 16mm 13mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
html, body, * { -webkit-print-color-adjust: exact; print-color-adjust: exact; color-adjust: exact; }
*, *::before, *::after { box-sizing: border-box; }
body { margin: 0; background: #e7eaec; color: #1b1b1b;
  font: 10pt/1.45 "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
        "WenQuanYi Micro Hei", "Noto Sans", "DejaVu Sans", sans-serif; }
.page { width: 210mm; min-height: 297mm; margin: 6mm auto; background: #fff;
  padding: 14mm 13mm 16mm; box-shadow: 0 1px 5px rgba(0,0,0,.25); }
@media print {
  body { background: #fff; }
  .page { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
}
h1 { font-size: 18pt; margin: 0; letter-spacing: .04em; }
h2 { font-size: 12pt; margin: 6mm 0 2.5mm; padding-bottom: .8mm; border-bottom: 1.4pt solid #263238;
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 10.5pt; margin: 4mm 0 1.5mm; break-after: avoid; page-break-after: avoid; }
.en { color: #4a4a4a; font-weight: normal; }
.sub { color: #444; font-size: 9pt; margin-top: 1mm; }
.head { border-bottom: 2.2pt solid #263238; padding-bottom: 3mm; }
.verdict { display: flex; align-items: center; gap: 5mm; margin-top: 4mm; padding: 3.5mm 4mm;
  border: 1.6pt solid #455a64; border-radius: 2mm; background: #eceff1;
  break-inside: avoid; page-break-inside: avoid; }
.badge { display: inline-block; padding: 1.6mm 3.6mm; border-radius: 1.5mm; color: #fff;
  background: #455a64; font-weight: bold; font-size: 15pt; white-space: nowrap; line-height: 1.2; }
.badge .en { color: #fff; font-size: 10pt; margin-left: 2mm; letter-spacing: .05em; }
.badge.small { font-size: 9pt; padding: .5mm 2mm; border-radius: 1mm; vertical-align: middle; }
.badge.small .en { font-size: 7.5pt; margin-left: 1.2mm; }
.reason { margin: 0; font-size: 9.5pt; }
.v-prohibited.badge, .v-prohibited .badge { background: #b71c1c; }
.verdict.v-prohibited { border-color: #b71c1c; background: #ffebee; }
.v-restricted.badge, .v-restricted .badge { background: #e65100; }
.verdict.v-restricted { border-color: #e65100; background: #fff3e0; }
.v-conditional.badge, .v-conditional .badge { background: #1565c0; }
.verdict.v-conditional { border-color: #1565c0; background: #e3f2fd; }
.v-clear.badge, .v-clear .badge { background: #2e7d32; }
.verdict.v-clear { border-color: #2e7d32; background: #e8f5e9; }
.v-needs-purpose.badge, .v-needs-purpose .badge { background: #6a1b9a; }
.verdict.v-needs-purpose { border-color: #6a1b9a; background: #f3e5f5; }
table { width: 100%; border-collapse: collapse; font-size: 8.8pt; }
th, td { border: .5pt solid #b0bec5; padding: .9mm 1.4mm; text-align: left; vertical-align: top; }
thead { display: table-header-group; }
thead th { background: #eceff1; font-weight: bold; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
table.kv th { width: 46mm; background: #f5f7f8; font-weight: normal; }
table.kv2 th { width: 30mm; }
tr.attrs td { font-size: 7.8pt; color: #444; background: #fafafa; border-top: none; }
code { font-family: "DejaVu Sans Mono", "Noto Sans Mono", monospace; font-size: 8.3pt;
  word-break: break-all; }
td > code { word-break: normal; white-space: nowrap; }
figure.map { margin: 3mm 0 0; }
figure.map svg { display: block; margin: 0 auto; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-size: 8pt; color: #333; margin-top: 1.2mm; }
.swatch { display: inline-block; width: 3.2mm; height: 2.4mm; vertical-align: -.2mm;
  border: .4pt solid; margin: 0 1mm 0 2.5mm; }
.rule { margin: 2mm 0; padding: 2mm 3mm; border: .5pt solid #cfd8dc; border-left: 2mm solid #455a64;
  break-inside: avoid; page-break-inside: avoid; }
.rule.v-prohibited { border-left-color: #b71c1c; }
.rule.v-restricted { border-left-color: #e65100; }
.rule.v-conditional { border-left-color: #1565c0; }
.rule.v-clear { border-left-color: #2e7d32; }
.rule p { margin: 1mm 0; }
.rule .id { font-family: "DejaVu Sans Mono", monospace; font-size: 8pt; color: #555; margin-left: 2mm; }
.law { font-weight: bold; margin-top: 1.5mm; }
blockquote { margin: .8mm 0 0; padding: 1.5mm 3mm; background: #f5f5f3; border-left: .9mm solid #90a4ae;
  white-space: pre-line;
  font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif; }
.meta { font-size: 8pt; color: #555; }
.none { color: #333; font-style: italic; }
footer { margin-top: 8mm; padding-top: 2mm; border-top: .6pt solid #90a4ae; font-size: 8pt; color: #444; }
)css",
      "</style>\n</head>\n<body>\n<main class=\"page\">\n");

  // ------------------------------------------------- title and verdict
  absl::StrAppend(&h, "<header class=\"head\">\n<h1>选址核查记录 <span class=\"en\">Siting check record</span></h1>\n",
                  "<div class=\"sub\">生态保护红线 · 饮用水水源保护区 · 污水零直排区 "
                  "<span class=\"en\">Ecological red lines · drinking-water source protection "
                  "zones · zero-direct-discharge zones</span></div>\n",
                  "<div class=\"verdict ", VerdictClass(r.verdict()), "\" id=\"verdict\">",
                  "<span class=\"badge\">", HtmlEscape(verdict.zh), "<span class=\"en\">",
                  HtmlEscape(verdict.en), "</span></span>", "<p class=\"reason\">",
                  HtmlEscape(r.verdict_reason()), "</p></div>\n</header>\n");

  // ------------------------------------------------- what was checked
  const v1::Siting& siting = r.siting();
  absl::StrAppend(&h, "<section>\n<h2>核查事项 <span class=\"en\">What was checked</span></h2>\n",
                  "<table class=\"kv\">\n<tr><th>用途 <span class=\"en\">Purpose</span></th><td>",
                  Bilingual(PurposeNames(siting.purpose())), "</td></tr>\n");
  if (siting.purpose() == v1::Siting::OUTFALL ||
      siting.outfall_type() != v1::Siting::OUTFALL_TYPE_UNSPECIFIED) {
    absl::StrAppend(&h, "<tr><th>排污口类型 <span class=\"en\">Outfall type</span></th><td>",
                    Bilingual(OutfallTypeNames(siting.outfall_type())), "</td></tr>\n");
  }
  absl::StrAppend(
      &h, "<tr><th>建设性质 <span class=\"en\">Action</span></th><td>",
      Bilingual(ActionNames(siting.action())), "</td></tr>\n",
      "<tr><th>核查时间 <span class=\"en\">Checked at</span></th><td>", HtmlEscape(beijing),
      " 北京时间 <span class=\"en\">(Asia/Shanghai, UTC+8)</span><br>", HtmlEscape(utc),
      " <span class=\"en\">(UTC)</span></td></tr>\n",
      "<tr><th>数据版本 <span class=\"en\">Dataset version</span></th><td><code id=\"dataset-version\">",
      HtmlEscape(r.dataset_version()), "</code></td></tr>\n",
      "<tr><th>邻近搜索半径 <span class=\"en\">Search radius</span></th><td>",
      HtmlEscape(Metres(r.search_radius_m())), "</td></tr>\n</table>\n</section>\n");

  // ------------------------------------------------- the site
  // Two key/value pairs per row: the drawing should fit on the first page.
  std::vector<std::pair<std::string, std::string>> kv = {
      {"几何类型 <span class=\"en\">Geometry</span>", HtmlEscape(site.geometry_type())},
      {"输入坐标系 <span class=\"en\">Input CRS</span>",
       HtmlEscape(site.input_crs().empty() ? "EPSG:4490" : site.input_crs())},
      {"顶点数 <span class=\"en\">Vertices</span>", absl::StrCat(site.vertices())}};
  if (site.area_m2() > 0) {
    kv.push_back({"面积 <span class=\"en\">Area</span>",
                  absl::StrCat(Grouped(site.area_m2(), 1), " m² (",
                               Grouped(site.area_m2() / 10000, 4), " ha)")});
  }
  if (site.length_m() > 0) {
    kv.push_back({site.area_m2() > 0 ? "周长 <span class=\"en\">Perimeter</span>"
                                     : "长度 <span class=\"en\">Length</span>",
                  Metres(site.length_m())});
  }
  kv.push_back({"代表点 <span class=\"en\">Representative point</span>",
                absl::StrCat(Coordinate(site.lon(), true), " ", Coordinate(site.lat(), false),
                             " <span class=\"en\">(EPSG:4490)</span>")});
  absl::StrAppend(&h, "<section>\n<h2>选址 <span class=\"en\">Site</span></h2>\n",
                  "<table class=\"kv kv2\">\n");
  for (size_t i = 0; i < kv.size(); i += 2) {
    absl::StrAppend(&h, "<tr><th>", kv[i].first, "</th><td", i + 1 < kv.size() ? "" : " colspan=\"3\"",
                    ">", kv[i].second, "</td>");
    if (i + 1 < kv.size()) {
      absl::StrAppend(&h, "<th>", kv[i + 1].first, "</th><td>", kv[i + 1].second, "</td>");
    }
    absl::StrAppend(&h, "</tr>\n");
  }
  if (site.has_extent_lonlat() && site.vertices() > 1) {
    const v1::Extent& e = site.extent_lonlat();
    absl::StrAppend(&h, "<tr><th>范围 <span class=\"en\">Extent (EPSG:4490)</span></th><td colspan=\"3\">",
                    absl::StrFormat("%.7f, %.7f — %.7f, %.7f", e.min_x(), e.min_y(), e.max_x(),
                                    e.max_y()),
                    "</td></tr>\n");
  }
  absl::StrAppend(&h, "</table>\n");

  // The drawing.
  if (context.site && !context.site->empty()) {
    const bool geographic = IsGeographicCrs(context.site_crs) ? LooksLonLat(*context.site)
                                                              : false;
    SiteMap map = geographic ? SiteMap::Geographic(site.lon(), site.lat())
                             : SiteMap::Planar(context.site_crs);
    for (const ZoneOutline& z : context.zones) map.AddZone(z);
    map.AddSite(*context.site);
    const bool point = site.vertices() <= 1 && context.site->parts.size() == 1 &&
                       context.site->parts[0].dim == Shape::Dim::kPoint;
    std::vector<std::string> circles;
    if (point) {
      const XY centre = context.site->parts[0].rings[0][0];
      map.AddCircle(centre, r.search_radius_m(),
                    absl::StrCat("搜索半径 ", LengthLabel(r.search_radius_m())));
      // Setbacks that applied, around the point.
      std::vector<double> setbacks;
      for (const v1::NearZone& n : r.nearest()) {
        for (const v1::RuleApplication& a : n.rules()) {
          if (a.setback_m() > 0 && a.setback_m() != r.search_radius_m() &&
              std::find(setbacks.begin(), setbacks.end(), a.setback_m()) == setbacks.end()) {
            setbacks.push_back(a.setback_m());
          }
        }
      }
      for (double sb : setbacks) map.AddCircle(centre, sb, absl::StrCat("退让 ", LengthLabel(sb)));
    }
    double denominator = 0;
    const std::string svg = map.Svg(170, &denominator);
    absl::StrAppend(&h, "<figure class=\"map\">\n", svg, "\n<figcaption>",
                    "按比例绘制 <span class=\"en\">Drawn to scale</span>: 约 1:",
                    Grouped(std::round(denominator), 0),
                    "（A4 按 100% 打印时 <span class=\"en\">when printed at 100 %</span>）。");
    if (geographic) {
      absl::StrAppend(
          &h, "平面为以代表点为原点的局部等距圆柱投影 <span class=\"en\">Local equirectangular "
              "plane around the representative point (CGCS2000 radii of curvature); north up.</span>");
    } else {
      absl::StrAppend(&h, "平面为输入坐标系 <span class=\"en\">Drawn in the plane of ",
                      HtmlEscape(context.site_crs), " (grid north up).</span>");
    }
    absl::StrAppend(&h, "<br><span class=\"swatch\" style=\"background:#bbd0ec;border-color:#0d47a1\"></span>选址 "
                        "<span class=\"en\">site</span>");
    if (point) {
      absl::StrAppend(&h, "<span class=\"swatch\" style=\"border-style:dashed;border-color:#546e7a;"
                          "border-radius:50%\"></span>搜索半径/退让距离 "
                          "<span class=\"en\">search radius / setback</span>");
    }
    if (context.zones.empty()) {
      absl::StrAppend(&h, "<br>搜索范围内无区域边界。"
                          "<span class=\"en\">No zone outline lies within the search area.</span>");
    } else if (!geographic) {
      absl::StrAppend(&h, "<br><span class=\"en\">Zone outlines (lon/lat) cannot be drawn in a "
                          "projected plane.</span>");
    }
    absl::StrAppend(&h, "</figcaption>\n</figure>\n");
  } else if (!context.site_note.empty()) {
    absl::StrAppend(&h, "<p class=\"none\">", HtmlEscape(context.site_note), "</p>\n");
  }
  absl::StrAppend(&h, "</section>\n");

  // ------------------------------------------------- zones touched
  absl::StrAppend(&h, "<section id=\"hits\">\n<h2>涉及的区域 <span class=\"en\">Zones touched</span> (",
                  r.hits_size(), ")</h2>\n");
  if (r.hits().empty()) {
    absl::StrAppend(&h, "<p class=\"none\">未触及任何区域。<span class=\"en\">No zone is touched.</span></p>\n");
  } else {
    absl::StrAppend(
        &h, "<table class=\"hits\">\n<thead><tr><th>图层<br><span class=\"en\">Layer</span></th>",
        "<th>类别<br><span class=\"en\">Kind</span></th><th>编号<br><span class=\"en\">Zone ID</span></th>",
        "<th>名称<br><span class=\"en\">Name</span></th><th>级别<br><span class=\"en\">Level</span></th>",
        "<th>关系<br><span class=\"en\">Relation</span></th>",
        "<th>重叠面积<br><span class=\"en\">Overlap m²</span></th>",
        "<th>占比<br><span class=\"en\">Share</span></th>",
        "<th>重叠长度<br><span class=\"en\">Overlap m</span></th></tr></thead>\n<tbody>\n");
    for (const v1::ZoneHit& z : r.hits()) {
      std::string level = HtmlEscape(z.level());
      if (!z.normalized_level().empty() && z.normalized_level() != z.level()) {
        absl::StrAppend(&level, "<br><span class=\"en\">→ ", HtmlEscape(z.normalized_level()),
                        "</span>");
      }
      const Names rel = RelationNames(z.relation());
      absl::StrAppend(
          &h, "<tr><td>", HtmlEscape(z.layer()), "</td><td>", Bilingual(KindNames(z.kind())),
          "</td><td><code>", HtmlEscape(z.zone_id()), "</code></td><td>", HtmlEscape(z.zone_name()),
          "</td><td>", level, "</td><td>", Bilingual(rel), "</td><td class=\"num\">",
          z.overlap_area_m2() > 0 ? Grouped(z.overlap_area_m2(), 1) : "—",
          "</td><td class=\"num\">",
          z.overlap_ratio() > 0 ? absl::StrCat(Grouped(100 * z.overlap_ratio(), 2), " %") : "—",
          "</td><td class=\"num\">",
          z.overlap_length_m() > 0 ? Grouped(z.overlap_length_m(), 1) : "—", "</td></tr>\n");
      if (!z.attributes().empty()) {
        std::vector<std::pair<std::string, std::string>> attrs(z.attributes().begin(),
                                                               z.attributes().end());
        std::sort(attrs.begin(), attrs.end());
        std::vector<std::string> parts;
        for (const auto& [k, v] : attrs) {
          parts.push_back(absl::StrCat("<b>", HtmlEscape(k), "</b>: ", HtmlEscape(v)));
        }
        absl::StrAppend(&h, "<tr class=\"attrs\"><td colspan=\"9\">属性 <span class=\"en\">attributes</span> — ",
                        absl::StrJoin(parts, "; "), "</td></tr>\n");
      }
    }
    absl::StrAppend(&h, "</tbody>\n</table>\n");
  }
  absl::StrAppend(&h, "</section>\n");

  // ------------------------------------------------- nearby zones
  absl::StrAppend(&h, "<section id=\"nearest\">\n<h2>邻近区域 <span class=\"en\">Nearby zones</span></h2>\n");
  if (r.nearest().empty()) {
    absl::StrAppend(&h, "<p class=\"none\">搜索半径 ", HtmlEscape(Metres(r.search_radius_m())),
                    " 内无其他区域。<span class=\"en\">No other zone within the search radius.</span></p>\n");
  } else {
    absl::StrAppend(
        &h, "<table class=\"nearest\">\n<thead><tr><th>图层<br><span class=\"en\">Layer</span></th>",
        "<th>类别<br><span class=\"en\">Kind</span></th><th>编号<br><span class=\"en\">Zone ID</span></th>",
        "<th>名称<br><span class=\"en\">Name</span></th><th>级别<br><span class=\"en\">Level</span></th>",
        "<th>椭球面距离<br><span class=\"en\">Geodesic distance</span></th>",
        "<th>适用规则<br><span class=\"en\">Rules</span></th></tr></thead>\n<tbody>\n");
    for (const v1::NearZone& n : r.nearest()) {
      absl::StrAppend(&h, "<tr><td>", HtmlEscape(n.layer()), "</td><td>",
                      Bilingual(KindNames(n.kind())), "</td><td><code>", HtmlEscape(n.zone_id()),
                      "</code></td><td>", HtmlEscape(n.zone_name()), "</td><td>",
                      HtmlEscape(n.level()), "</td><td class=\"num\">",
                      absl::StrFormat("%.2f m", n.distance_m()), "</td><td class=\"num\">",
                      n.rules_size(), "</td></tr>\n");
    }
    absl::StrAppend(&h, "</tbody>\n</table>\n<p class=\"meta\">距离为选址至区域边界的 CGCS2000 "
                        "椭球面最短距离。<span class=\"en\">Distances are geodesic on the CGCS2000 "
                        "ellipsoid, site to zone boundary.</span></p>\n");
  }
  absl::StrAppend(&h, "</section>\n");

  // ------------------------------------------------- rules and legal basis
  absl::StrAppend(&h, "<section id=\"rules\">\n<h2>适用规则与法律依据 <span class=\"en\">Rules applied "
                      "and their legal basis</span></h2>\n");
  int rule_count = 0;
  auto rule_block = [&](const v1::RuleApplication& a, double distance_m) {
    ++rule_count;
    const Names v = VerdictNames(a.verdict());
    std::string b = absl::StrCat("<div class=\"rule ", VerdictClass(a.verdict()), "\">",
                                 "<span class=\"badge small ", VerdictClass(a.verdict()), "\">",
                                 HtmlEscape(v.zh), "<span class=\"en\">", HtmlEscape(v.en),
                                 "</span></span><span class=\"id\">", HtmlEscape(a.rule_id()),
                                 "</span>\n<p>", HtmlEscape(a.message_zh()), "</p>\n");
    if (!a.message_en().empty()) {
      absl::StrAppend(&b, "<p class=\"en\">", HtmlEscape(a.message_en()), "</p>\n");
    }
    absl::StrAppend(&b, "<div class=\"law\">", HtmlEscape(a.basis().law()));
    if (!a.basis().article().empty()) {
      absl::StrAppend(&b, " <span class=\"article\">", HtmlEscape(a.basis().article()),
                      "</span>");
    }
    absl::StrAppend(&b, "</div>\n<blockquote>", HtmlEscape(a.basis().text()), "</blockquote>\n");
    std::vector<std::string> meta;
    if (a.setback_m() > 0) {
      meta.push_back(absl::StrCat("退让距离 <span class=\"en\">setback</span> ",
                                  Metres(a.setback_m()),
                                  distance_m > 0 ? absl::StrCat("；实际距离 <span class=\"en\">"
                                                                "distance</span> ",
                                                                absl::StrFormat("%.2f m", distance_m))
                                                 : ""));
    }
    if (!a.rule_file().empty()) {
      meta.push_back(absl::StrCat("规则文件 <span class=\"en\">rule file</span> <code>",
                                  HtmlEscape(a.rule_file()), "</code>"));
    }
    if (!meta.empty()) absl::StrAppend(&b, "<div class=\"meta\">", absl::StrJoin(meta, " · "), "</div>\n");
    absl::StrAppend(&b, "</div>\n");
    return b;
  };
  for (const v1::ZoneHit& z : r.hits()) {
    if (z.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(z.zone_id()), " ", HtmlEscape(z.zone_name()),
                    " <span class=\"en\">— ", HtmlEscape(KindNames(z.kind()).zh), "，",
                    HtmlEscape(RelationNames(z.relation()).zh), "</span></h3>\n");
    for (const v1::RuleApplication& a : z.rules()) absl::StrAppend(&h, rule_block(a, 0));
  }
  for (const v1::NearZone& n : r.nearest()) {
    if (n.rules().empty()) continue;
    absl::StrAppend(&h, "<h3>", HtmlEscape(n.zone_id()), " ", HtmlEscape(n.zone_name()),
                    " <span class=\"en\">— ", HtmlEscape(KindNames(n.kind()).zh), "，距离 ",
                    absl::StrFormat("%.2f m", n.distance_m()), "</span></h3>\n");
    for (const v1::RuleApplication& a : n.rules()) {
      absl::StrAppend(&h, rule_block(a, n.distance_m()));
    }
  }
  if (rule_count == 0) {
    absl::StrAppend(&h, "<p class=\"none\">无适用规则。<span class=\"en\">No rule applies.</span></p>\n");
  }
  absl::StrAppend(&h, "</section>\n");

  // ------------------------------------------------- footer
  absl::StrAppend(
      &h, "<footer>由 redline 生成 <span class=\"en\">generated by redline</span> · 服务 "
          "<span class=\"en\">server</span> <code>",
      HtmlEscape(context.server), "</code> · 数据版本 <span class=\"en\">dataset</span> <code>",
      HtmlEscape(r.dataset_version()), "</code> · ", HtmlEscape(utc),
      "<br>本记录依据所列数据版本的区域数据与规则自动生成，结论以主管部门审查意见为准。"
      "<span class=\"en\">This record was generated from the zone data and rules of the dataset "
      "version shown; the competent authority's review decides.</span></footer>\n",
      "</main>\n</body>\n</html>\n");
  return h;
}

absl::Status WriteReportFile(const std::string& path, const v1::CheckResponse& response,
                             const ReportContext& context) {
  const std::string html = RenderReportHtml(response, context);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write the report to ", path));
  out << html;
  out.close();
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write the report to ", path));
  return absl::OkStatus();
}

}  // namespace redline::report
