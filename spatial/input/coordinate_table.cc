#include "spatial/input/coordinate_table.h"

#include <cctype>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "spatial/base/excerpt.h"
#include "spatial/geom/box_index.h"

namespace redline {
namespace {

// Separators between values: commas (ASCII, full-width), semicolons and
// tabs all become ','; the ideographic space becomes ' '.
std::string NormalizeSeparators(absl::string_view line) {
  std::string s = absl::StrReplaceAll(line, {{"\xef\xbc\x8c", ","},  // ，
                                             {"\xef\xbc\x9b", ","},  // ；
                                             {";", ","},
                                             {"\t", ","},
                                             {"\r", ""},
                                             {"\xe3\x80\x80", " "},    // ideographic space
                                             {"\xef\xbc\x9a", ":"}});  // ：
  return s;
}

// Angle notation reduced to ASCII: degree marks to 'd', minute marks to
// 'm', second marks to 's', Chinese hemisphere prefixes to N/S/E/W.
std::string NormalizeAngles(absl::string_view s) {
  // Two apostrophes are a second mark; replace them before single ones.
  std::string out = absl::StrReplaceAll(s, {{"''", "s"}, {"\xe2\x80\xb2\xe2\x80\xb2", "s"}});
  return absl::StrReplaceAll(out, {{"\xc2\xb0", "d"},      // °
                                   {"\xc2\xba", "d"},      // º, often typed for °
                                   {"\xe5\xba\xa6", "d"},  // 度
                                   {"\xe2\x80\xb2", "m"},  // ′
                                   {"\xe2\x80\x99", "m"},  // ’
                                   {"\xe5\x88\x86", "m"},  // 分
                                   {"'", "m"},
                                   {"\xe2\x80\xb3", "s"},  // ″
                                   {"\xe2\x80\x9d", "s"},  // ”
                                   {"\xe7\xa7\x92", "s"},  // 秒
                                   {"\"", "s"},
                                   {"\xe4\xb8\x9c\xe7\xbb\x8f", "E"},    // 东经
                                   {"\xe6\x9d\xb1\xe7\xb6\x93", "E"},    // 東經
                                   {"\xe8\xa5\xbf\xe7\xbb\x8f", "W"},    // 西经
                                   {"\xe5\x8c\x97\xe7\xba\xac", "N"},    // 北纬
                                   {"\xe5\x8c\x97\xe7\xb7\xaf", "N"},    // 北緯
                                   {"\xe5\x8d\x97\xe7\xba\xac", "S"}});  // 南纬
}

bool IsHemisphere(char c) { return c == 'N' || c == 'S' || c == 'E' || c == 'W'; }

struct Value {
  double v = 0;
  char axis = 0;  // 'N' latitude, 'E' longitude, 0 unknown
};

bool PlainDecimal(absl::string_view s) {
  int dots = 0, digits = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && dots <= 1;
}

// The components of an angle written in parts ("30d15m20s", "30:15:20",
// "30 15 20.5"): each number goes to the slot its mark names (d, m, s) or
// else to the next one. False when `s` is no such angle; `why` says what is
// wrong with one that looked like an angle.
struct AngleParts {
  double parts[3] = {0, 0, 0};  // degrees, minutes, seconds
  int last_slot = -1;
  bool marked = false;  // a d/m/s mark or a separator was seen
};

bool ReadAngleParts(absl::string_view s, AngleParts* out, std::string* why) {
  bool fractional = false;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.')) ++j;
    if (j == i) return false;
    const absl::string_view number = s.substr(i, j - i);
    if (!PlainDecimal(number)) return false;
    int slot = out->last_slot + 1;
    size_t next = j;
    if (j < s.size()) {
      const char m = s[j];
      if (m == 'd') {
        slot = 0;
      } else if (m == 'm') {
        slot = 1;
      } else if (m == 's') {
        slot = 2;
      } else if (m != ':' && m != ' ') {
        return false;
      }
      out->marked = true;
      next = j + 1;
      while (next < s.size() && s[next] == ' ') ++next;
    }
    if (slot <= out->last_slot || slot > 2) {
      *why = "has its degrees, minutes and seconds out of order";
      return false;
    }
    if (fractional) {
      *why = "has a fraction before its last component";
      return false;
    }
    double d = 0;
    if (!absl::SimpleAtod(number, &d)) return false;
    out->parts[slot] = d;
    fractional = number.find('.') != absl::string_view::npos;
    out->last_slot = slot;
    i = next;
  }
  return out->marked;
}

// A decimal number with optional sign, or an angle in one of the DMS
// notations (already through NormalizeAngles). `why` says what is wrong
// with something that looked like an angle.
std::optional<Value> ParseValue(absl::string_view raw, std::string* why) {
  std::string s(absl::StripAsciiWhitespace(NormalizeAngles(raw)));
  Value value;
  char hemi = 0;
  if (!s.empty() && IsHemisphere(s.front())) {
    hemi = s.front();
    s.erase(0, 1);
  }
  if (!s.empty() && IsHemisphere(s.back())) {
    if (hemi != 0) {
      *why = "has two hemisphere letters";
      return std::nullopt;
    }
    hemi = s.back();
    s.pop_back();
  }
  s = std::string(absl::StripAsciiWhitespace(s));
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.erase(0, 1);
  }
  AngleParts angle;
  if (PlainDecimal(s)) {
    if (!absl::SimpleAtod(s, &angle.parts[0])) return std::nullopt;
    angle.last_slot = 0;
  } else if (!ReadAngleParts(s, &angle, why)) {
    return std::nullopt;
  }
  if (angle.last_slot < 0) return std::nullopt;
  const bool angular = hemi != 0 || angle.last_slot > 0 || angle.marked;
  if (angular) {
    if (angle.parts[1] >= 60 || angle.parts[2] >= 60) {
      *why = "has minutes or seconds of 60 or more";
      return std::nullopt;
    }
    if (angle.parts[0] > 180) {
      *why = "is more than 180 degrees";
      return std::nullopt;
    }
  }
  value.v = angle.parts[0] + angle.parts[1] / 60.0 + angle.parts[2] / 3600.0;
  if (negative || hemi == 'S' || hemi == 'W') value.v = -value.v;
  if (hemi == 'N' || hemi == 'S') value.axis = 'N';
  if (hemi == 'E' || hemi == 'W') value.axis = 'E';
  return value;
}

bool HasDigit(absl::string_view s) {
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

std::string LineError(int line, absl::string_view text, absl::string_view what) {
  return absl::StrCat("line ", line, ": '", Excerpt(absl::StripAsciiWhitespace(text)), "' ", what);
}

// Splits a line into its values (and point number). With commas the fields
// are what lies between them; with spaces only, tokens of one angle written
// with spaces ("120 30 15.2 E", "120° 30′ 15″") are put back together.
absl::StatusOr<std::vector<std::string>> Fields(const std::string& line, int lineno,
                                                absl::string_view original) {
  std::vector<std::string> fields;
  if (line.find(',') != std::string::npos) {
    for (absl::string_view f : absl::StrSplit(line, ',')) {
      f = absl::StripAsciiWhitespace(f);
      if (!f.empty()) fields.emplace_back(f);
    }
    return fields;
  }
  std::vector<std::string> tokens;
  for (absl::string_view t : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
    tokens.push_back(NormalizeAngles(t));
  }
  std::vector<size_t> markers;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].size() == 1 && IsHemisphere(tokens[i][0])) markers.push_back(i);
  }
  if (markers.empty()) {
    for (std::string& t : tokens) {
      // "120d" "30m" "15.2sE": parts of one angle.
      const bool continues = !fields.empty() && !fields.back().empty() &&
                             (fields.back().back() == 'd' || fields.back().back() == 'm') &&
                             std::isdigit(static_cast<unsigned char>(t[0]));
      if (continues) {
        fields.back() += t;
      } else {
        fields.push_back(std::move(t));
      }
    }
    return fields;
  }
  const auto ambiguous = [&] {
    return absl::InvalidArgumentError(LineError(
        lineno, original,
        "cannot be split into two angles unambiguously; separate the values with commas"));
  };
  if (markers.size() != 2) return ambiguous();
  const size_t m1 = markers[0], m2 = markers[1];
  auto join = [&](size_t from, size_t to) {  // tokens [from, to)
    std::vector<std::string> part(tokens.begin() + from, tokens.begin() + to);
    return absl::StrJoin(part, " ");
  };
  if (m2 == tokens.size() - 1) {
    // Hemisphere after each angle: the second angle's parts tell how many
    // parts the first has; one token more in front is the point number.
    const size_t k = m2 - m1 - 1;
    if (k == 0 || k > 3 || m1 < k || m1 - k > 1) return ambiguous();
    if (m1 - k == 1) fields.push_back(tokens[0]);
    fields.push_back(join(m1 - k, m1) + " " + tokens[m1]);
    fields.push_back(join(m1 + 1, m2) + " " + tokens[m2]);
  } else {
    // Hemisphere (or 东经/北纬) in front of each angle.
    if (m1 > 1 || m2 - m1 < 2 || m2 - m1 > 4 || tokens.size() - m2 < 2 || tokens.size() - m2 > 4) {
      return ambiguous();
    }
    if (m1 == 1) fields.push_back(tokens[0]);
    fields.push_back(tokens[m1] + join(m1 + 1, m2));
    fields.push_back(tokens[m2] + join(m2 + 1, tokens.size()));
  }
  return fields;
}

struct TablePoint {
  Point2 p;
  int line = 0;
};

// Where p lies against a closed ring: on an edge (exactly, by the
// orientation predicate GEOS uses), inside or outside.
enum class RingSide { kOutside, kBoundary, kInside };

RingSide LocateInRing(const std::vector<Point2>& ring, Point2 p) {
  bool inside = false;
  for (size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
    const Point2 a = ring[i], b = ring[j];
    if (OrientationIndex(a, b, p) == 0 && p.x >= std::min(a.x, b.x) && p.x <= std::max(a.x, b.x) &&
        p.y >= std::min(a.y, b.y) && p.y <= std::max(a.y, b.y)) {
      return RingSide::kBoundary;
    }
    if ((a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x) {
      inside = !inside;
    }
  }
  return inside ? RingSide::kInside : RingSide::kOutside;
}

// Whether `ring` lies in the shell `shell` (of box `shell_box`): no vertex
// outside it and one at least inside. A hole may touch its shell at a
// vertex (OGC), so vertices on the shell's edges do not decide.
bool RingInShell(const std::vector<Point2>& shell, const Box& shell_box,
                 const std::vector<Point2>& ring) {
  bool any_inside = false;
  for (size_t i = 0; i + 1 < ring.size(); ++i) {
    if (!shell_box.Contains(ring[i])) return false;
    switch (LocateInRing(shell, ring[i])) {
      case RingSide::kOutside:
        return false;
      case RingSide::kInside:
        any_inside = true;
        break;
      case RingSide::kBoundary:
        break;
    }
  }
  return any_inside;
}

// Consecutive distinct positions of a closed ring, the closing one not
// counted: A B B C A has 3.
size_t DistinctPoints(const std::vector<Point2>& ring) {
  size_t n = 0;
  for (size_t i = 1; i < ring.size(); ++i) n += ring[i] == ring[i - 1] ? 0 : 1;
  return n;
}

void AppendCoords(std::string& out, const std::vector<Point2>& pts) {
  out += '(';
  for (size_t i = 0; i < pts.size(); ++i) {
    if (i > 0) out += ", ";
    absl::StrAppendFormat(&out, "%.15g %.15g", pts[i].x, pts[i].y);
  }
  out += ')';
}

void AppendPolygon(std::string& out, const std::vector<std::vector<Point2>>& rings) {
  out += '(';
  for (size_t i = 0; i < rings.size(); ++i) {
    if (i > 0) out += ", ";
    AppendCoords(out, rings[i]);
  }
  out += ')';
}

}  // namespace

std::string CoordinateTable::ToWkt() const {
  std::string out;
  switch (kind) {
    case Kind::kPoint:
      out = "POINT ";
      AppendCoords(out, points);
      break;
    case Kind::kLineString:
      out = "LINESTRING ";
      AppendCoords(out, points);
      break;
    case Kind::kPolygon:
      out = "POLYGON ";
      AppendPolygon(out, polygons.at(0));
      break;
    case Kind::kMultiPolygon:
      out = "MULTIPOLYGON (";
      for (size_t i = 0; i < polygons.size(); ++i) {
        if (i > 0) out += ", ";
        AppendPolygon(out, polygons[i]);
      }
      out += ')';
      break;
  }
  return out;
}

// One line of numbers: an optional point number, then X and Y (decimal or
// an angle), longitude first whatever order hemisphere letters say.
absl::StatusOr<TablePoint> ParsePointLine(const std::string& line, absl::string_view raw,
                                          int lineno) {
  absl::StatusOr<std::vector<std::string>> fields = Fields(line, lineno, raw);
  if (!fields.ok()) return fields.status();
  std::vector<std::optional<Value>> parsed;
  std::vector<std::string> why(fields->size());
  for (size_t i = 0; i < fields->size(); ++i) {
    parsed.push_back(ParseValue((*fields)[i], &why[i]));
  }
  const size_t n = fields->size();
  if (n == 1 || (n == 2 && !parsed[0] && why[0].empty() && parsed[1])) {
    return absl::InvalidArgumentError(
        LineError(lineno, raw, "has one number; expected point number, X, Y"));
  }
  if (n > 3) {
    return absl::InvalidArgumentError(
        LineError(lineno, raw,
                  absl::StrCat("has ", n,
                               " values; expected point number, X, Y (remove other columns, "
                               "such as heights)")));
  }
  for (size_t i = n - 2; i < n; ++i) {
    if (!parsed[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", lineno, ": '", Excerpt((*fields)[i]), "' ",
                       why[i].empty() ? "is not a number or an angle" : why[i],
                       "; expected point number, X, Y"));
    }
  }
  Value x = *parsed[n - 2], y = *parsed[n - 1];
  if (x.axis != 0 && x.axis == y.axis) {
    return absl::InvalidArgumentError(LineError(
        lineno, raw,
        x.axis == 'N' ? "has two latitudes (N/S); give one longitude (E/W) and one latitude"
                      : "has two longitudes (E/W); give one longitude (E/W) and one latitude"));
  }
  // A latitude is the latitude wherever it stands: longitude first.
  if (x.axis == 'N' || y.axis == 'E') std::swap(x, y);
  return TablePoint{{x.v, y.v}, lineno};
}

// Closed runs (and several runs) are rings: each either the hole of an
// earlier polygon whose shell holds it, or the shell of a new polygon.
absl::StatusOr<CoordinateTable> AssembleRings(const std::vector<std::vector<TablePoint>>& runs,
                                              const std::vector<bool>& closed) {
  CoordinateTable table;
  std::vector<std::vector<std::vector<int>>> polygon_lines;  // parallel to polygons
  std::vector<Box> shell_boxes;                              // parallel to polygons
  for (size_t r = 0; r < runs.size(); ++r) {
    std::vector<Point2> ring;
    std::vector<int> ring_lines;
    for (const TablePoint& p : runs[r]) {
      ring.push_back(p.p);
      ring_lines.push_back(p.line);
    }
    if (!closed[r]) {
      ring.push_back(ring.front());
      ring_lines.push_back(ring_lines.front());
    }
    // A closed ring is at least 4 positions, 3 of them distinct.
    if (const size_t distinct = DistinctPoints(ring); ring.size() < 4 || distinct < 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", runs[r].front().line, ": the ring of lines ", runs[r].front().line, "-",
          runs[r].back().line, " has ", distinct, " distinct point", distinct == 1 ? "" : "s",
          "; a ring needs at least 3 (a blank line or the first point repeated "
          "closes a ring)"));
    }
    // A ring inside an earlier polygon's shell is its hole.
    size_t k = 0;
    while (k < table.polygons.size() &&
           !RingInShell(table.polygons[k].front(), shell_boxes[k], ring)) {
      ++k;
    }
    if (k < table.polygons.size()) {
      table.polygons[k].push_back(std::move(ring));
      polygon_lines[k].push_back(std::move(ring_lines));
    } else {
      Box box;
      for (const Point2& q : ring) box.Include(q);
      shell_boxes.push_back(box);
      table.polygons.push_back({std::move(ring)});
      polygon_lines.push_back({std::move(ring_lines)});
    }
  }
  for (const auto& polygon : polygon_lines) {
    for (const auto& ring : polygon)
      table.lines.insert(table.lines.end(), ring.begin(), ring.end());
  }
  table.kind = table.polygons.size() == 1 ? CoordinateTable::Kind::kPolygon
                                          : CoordinateTable::Kind::kMultiPolygon;
  return table;
}

absl::StatusOr<CoordinateTable> ParseCoordinateTable(absl::string_view text, int64_t max_points,
                                                     int64_t max_rings) {
  std::vector<std::vector<TablePoint>> runs;
  std::vector<bool> closed;  // by repeating the first point
  std::vector<TablePoint> current;
  auto finish = [&](bool by_repeat) {
    if (current.empty()) return;
    runs.push_back(std::move(current));
    closed.push_back(by_repeat);
    current.clear();
  };
  int lineno = 0;
  int64_t points = 0;
  bool any_point = false;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++lineno;
    const std::string line = NormalizeSeparators(raw);
    if (absl::StripAsciiWhitespace(line).empty()) {
      finish(false);
      continue;
    }
    if (!HasDigit(line)) {
      // A header of words ("点号,X,Y", "序号 东坐标 北坐标") before the points.
      if (!any_point) continue;
      return absl::InvalidArgumentError(
          LineError(lineno, raw, "has no numbers; expected point number, X, Y"));
    }
    absl::StatusOr<TablePoint> point = ParsePointLine(line, raw, lineno);
    if (!point.ok()) return point.status();
    const TablePoint& p = *point;
    any_point = true;
    if (++points > max_points) {
      return absl::ResourceExhaustedError(
          absl::StrCat("line ", lineno, ": the table has more than ", max_points,
                       " points; the limit is ", max_points, " (max_vertices): split it"));
    }
    // The first point repeated closes a ring, however few points came
    // between: a ring of two points is an error below, not a line.
    if (!current.empty() && p.p == current.front().p) {
      current.push_back(p);
      finish(true);
      if (static_cast<int64_t>(runs.size()) > max_rings) {
        return absl::ResourceExhaustedError(
            absl::StrCat("line ", lineno, ": the table has more than ", max_rings,
                         " rings; the limit is ", max_rings, ": split it"));
      }
      continue;
    }
    current.push_back(p);
  }
  finish(false);
  if (static_cast<int64_t>(runs.size()) > max_rings) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the table has more than ", max_rings, " rings; the limit is ", max_rings, ": split it"));
  }
  if (runs.empty()) {
    return absl::InvalidArgumentError(
        "no points: give one point per line, as 'X Y' or 'point number, X, Y'");
  }
  CoordinateTable table;
  if (runs.size() == 1 && !closed[0]) {
    table.kind =
        runs[0].size() == 1 ? CoordinateTable::Kind::kPoint : CoordinateTable::Kind::kLineString;
    for (const TablePoint& p : runs[0]) {
      table.points.push_back(p.p);
      table.lines.push_back(p.line);
    }
    return table;
  }
  return AssembleRings(runs, closed);
}

absl::StatusOr<TypedCoordinate> ParseTypedCoordinate(absl::string_view text) {
  std::string why;
  const std::optional<Value> value = ParseValue(text, &why);
  if (!value) {
    return absl::InvalidArgumentError(
        why.empty() ? "is not a number or degrees-minutes-seconds (e.g. 120°30'15.2\"E)" : why);
  }
  return TypedCoordinate{value->v, value->axis};
}

}  // namespace redline
