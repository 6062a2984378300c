#include "spatial/input/geometry_input.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "spatial/base/excerpt.h"
#include "spatial/coords/coordinates.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/input/coordinate_table.h"
#include "spatial/input/geometry_scan.h"
#include "spatial/input/wkt.h"

namespace redline {
namespace {

// How much of a GEOS parse error a message keeps: GEOS quotes the token it
// stopped at, which can be most of the request.
constexpr size_t kReaderErrorBytes = 200;

// `table_lines`: for a coordinate table, each coordinate's source line.
// Every text or byte string is scanned (spatial/input/geometry_scan.h) before a
// GEOS reader sees it: those readers recurse once per level of nesting.
absl::StatusOr<GeomPtr> Parse(GeosContext& geos, GeometryEncoding encoding, absl::string_view data,
                              const GeometryBounds& bounds, std::vector<int>& table_lines) {
  GEOSContextHandle_t ctx = geos.get();
  GEOSGeometry* g = nullptr;
  const char* what = "";
  switch (encoding) {
    case GeometryEncoding::kWkt: {
      what = "WKT";
      // The fast reader nests three levels at most, and iterates.
      if (GeomPtr fast = ReadSimpleWkt(ctx, data, bounds.max_vertices)) return fast;
      if (absl::Status st = ScanWkt(data, bounds); !st.ok()) return st;
      const std::string text(data);  // GEOS wants it NUL-terminated
      GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
      g = GEOSWKTReader_read_r(ctx, r, text.c_str());
      GEOSWKTReader_destroy_r(ctx, r);
      break;
    }
    case GeometryEncoding::kWkb: {
      what = "WKB";
      if (absl::Status st = ScanWkb(data, bounds); !st.ok()) return st;
      GEOSWKBReader* r = GEOSWKBReader_create_r(ctx);
      g = GEOSWKBReader_read_r(ctx, r, reinterpret_cast<const unsigned char*>(data.data()),
                               data.size());
      GEOSWKBReader_destroy_r(ctx, r);
      break;
    }
    case GeometryEncoding::kCoordinateTable: {
      // Parsed here into WKT, so that everything after it (validity, vertex
      // limit, coordinate reading) is the path every other encoding takes.
      absl::StatusOr<CoordinateTable> table = ParseCoordinateTable(
          data, bounds.max_vertices, std::min(bounds.max_parts, kMaxTableRings));
      if (!table.ok()) {
        return absl::Status(table.status().code(),
                            absl::StrCat("coordinate table: ", table.status().message()));
      }
      const std::string wkt = table->ToWkt();
      table_lines = std::move(table->lines);
      if (GeomPtr fast = ReadSimpleWkt(ctx, wkt)) return fast;
      // What the table wrote nests three levels, as any table does.
      GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
      g = GEOSWKTReader_read_r(ctx, r, wkt.c_str());
      GEOSWKTReader_destroy_r(ctx, r);
      what = "coordinate table";
      break;
    }
    case GeometryEncoding::kGeoJson: {
      what = "GeoJSON";
      if (absl::Status st = ScanGeoJson(data, bounds); !st.ok()) return st;
      const std::string text(data);
      GEOSGeoJSONReader* r = GEOSGeoJSONReader_create_r(ctx);
      g = GEOSGeoJSONReader_readGeometry_r(ctx, r, text.c_str());
      GEOSGeoJSONReader_destroy_r(ctx, r);
      break;
    }
  }
  if (g == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed ", what, ": ", Excerpt(geos.TakeError("cannot parse"), kReaderErrorBytes)));
  }
  return Own(ctx, g);
}

int Dimension(int type_id) {
  switch (type_id) {
    case GEOS_POINT:
    case GEOS_MULTIPOINT:
      return 0;
    case GEOS_LINESTRING:
    case GEOS_MULTILINESTRING:
      return 1;
    case GEOS_POLYGON:
    case GEOS_MULTIPOLYGON:
      return 2;
    default:
      return -1;
  }
}

// A copy of `g` whose coordinates are `points`, in GEOS's natural order (the
// order Coordinates() reads them in); null if the counts differ.
GeomPtr WithCoordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                        const std::vector<Point2>& points) {
  struct Cursor {
    const std::vector<Point2>* points;
    size_t next;
  } cursor{&points, 0};
  GeomPtr out = Own(ctx, GEOSGeom_transformXY_r(
                             ctx, g,
                             [](double* x, double* y, void* data) -> int {
                               auto* c = static_cast<Cursor*>(data);
                               if (c->next >= c->points->size()) return 0;
                               *x = (*c->points)[c->next].x;
                               *y = (*c->points)[c->next].y;
                               ++c->next;
                               return 1;
                             },
                             &cursor));
  if (cursor.next != points.size()) return nullptr;
  return out;
}

constexpr absl::string_view kCorrectTheRing =
    "correct the ring (no self-intersections, holes inside the shell)";

// The refusal of an invalid polygon (InvalidPolygon::kRefuse).
absl::Status InvalidPolygonError(absl::string_view fault) {
  return absl::InvalidArgumentError(
      absl::StrCat("the polygon is invalid: ", fault, "; ", kCorrectTheRing));
}

// A polygon valid as given can be invalid once reprojected: a vertex that
// lies exactly on another ring's edge (a hole touching its shell there, two
// parts touching) lands a hair to one side or the other of that edge, which
// is straight in the working CRS and no longer through it, and GEOS then
// threw on relate or overlay (INTERNAL). The repair changes the site only
// where its rings now cross: it keeps the area the shells enclose minus the
// holes (GEOS's "structure" method) and drops what collapses.
absl::StatusOr<GeomPtr> RepairReprojected(GeosContext& geos, const GEOSGeometry* g) {
  GEOSContextHandle_t ctx = geos.get();
  GeomPtr fixed = MakeValidPolygonal(ctx, g);
  if (fixed && !GEOSisEmpty_r(ctx, fixed.get()) && GEOSisValid_r(ctx, fixed.get()) == 1) {
    return fixed;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "the polygon is valid as given but not once converted to the working CRS, and cannot "
      "be repaired (",
      geos.TakeError("no polygon remained"),
      "); move vertices that lie on another ring's edge onto a vertex of that ring"));
}

// `working`, a polygonal site in the working CRS that GEOS finds invalid,
// made valid. `given` is the same site in the request's coordinates: if it is
// invalid there too, the request's polygon is at fault, and it is refused
// (kRefuse) or repaired as the loader repairs zones, the site saying so.
absl::StatusOr<GeomPtr> ValidSite(GeosContext& geos, const GEOSGeometry* given,
                                  const GEOSGeometry* working, InvalidPolygon invalid, Site& site) {
  GEOSContextHandle_t ctx = geos.get();
  const std::string fault = PolygonFault(geos, given);
  if (fault.empty()) return RepairReprojected(geos, working);
  if (invalid == InvalidPolygon::kRefuse) return InvalidPolygonError(fault);
  GeomPtr fixed = MakeValidPolygonal(ctx, working);
  if (!fixed || GEOSisEmpty_r(ctx, fixed.get()) || GEOSisValid_r(ctx, fixed.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the polygon is invalid: ", fault, ", and no area remains once it is made valid (",
        geos.TakeError("its rings collapse to lines or points"), "); ", kCorrectTheRing));
  }
  const int parts = GEOSGetNumGeometries_r(ctx, fixed.get());
  site.geometry_repaired = true;
  Message note{parts == 1 ? "geometry.repaired_one" : "geometry.repaired", {{"fault", fault}}};
  if (parts != 1) note.params.emplace_back("parts", absl::StrCat(parts));
  AddNote(std::move(note), site.interpretation.notes, site.interpretation.note_messages);
  return fixed;
}

// Finishes a site whose coordinates are `input` in `crs`: checks them,
// reprojects `g` into the working CRS, checks a polygon's validity there
// (where every later GEOS call works), repairs or refuses it as `invalid`
// says, and measures it.
absl::StatusOr<Site> Finish(GeosContext& geos, GeomPtr g, const std::vector<Point2>& input,
                            const std::vector<int>& table_lines, absl::string_view crs,
                            const std::string& working_crs, InvalidPolygon invalid) {
  GEOSContextHandle_t ctx = geos.get();
  const bool polygonal = Dimension(GEOSGeomTypeId_r(ctx, g.get())) == 2;
  // A polygon that will be refused as invalid is reported as such before
  // anything about its coordinates, as it was when validity was checked first.
  auto first_error = [&](absl::Status st) {
    if (polygonal && invalid == InvalidPolygon::kRefuse) {
      if (std::string fault = PolygonFault(geos, g.get()); !fault.empty()) {
        return InvalidPolygonError(fault);
      }
    }
    return st;
  };
  absl::StatusOr<CoordinateReading> reading = ReadCoordinates(crs, input, table_lines);
  if (!reading.ok()) return first_error(reading.status());
  Site site;
  site.input_crs = reading->interpretation.crs;
  site.interpretation = std::move(reading->interpretation);
  for (const Point2& p : reading->lonlat) site.extent_lonlat.Include(p);
  std::vector<Point2> working = std::move(reading->lonlat);
  if (absl::Status st = TransformPoints(kLonLatCrs, working_crs, working); !st.ok()) {
    return first_error(st);
  }
  for (const Point2& p : working) site.extent.Include(p);
  GeomPtr out = WithCoordinates(ctx, g.get(), working);
  if (!out) {
    return absl::InternalError(
        absl::StrCat("reprojection of the geometry failed: ", geos.TakeError()));
  }
  // One validity check on the happy path, in the working CRS; the request's
  // own coordinates are checked again only to explain a failure.
  if (polygonal && GEOSisValid_r(ctx, out.get()) != 1) {
    absl::StatusOr<GeomPtr> valid = ValidSite(geos, g.get(), out.get(), invalid, site);
    if (!valid.ok()) return valid.status();
    out = *std::move(valid);
  } else if (polygonal && invalid == InvalidPolygon::kRefuse) {
    // Strict judges the polygon as given, even where the conversion happens
    // to make it valid (a ring flat along a parallel gains a sliver of area).
    if (std::string fault = PolygonFault(geos, g.get()); !fault.empty()) {
      return InvalidPolygonError(fault);
    }
  }
  site.working = std::move(out);
  // GEOSGeomType_r returns a string the caller must free.
  site.type = GeosString(GEOSGeomType_r(ctx, site.working.get()), GeosFree{ctx}).get();
  site.dimension = Dimension(GEOSGeomTypeId_r(ctx, site.working.get()));
  site.vertices = static_cast<int64_t>(input.size());

  // A representative point that lies on the geometry, for maps and reports.
  GeomPtr rep = Own(ctx, GEOSPointOnSurface_r(ctx, site.working.get()));
  if (rep) {
    Point2 p;
    GEOSGeomGetX_r(ctx, rep.get(), &p.x);
    GEOSGeomGetY_r(ctx, rep.get(), &p.y);
    if (TransformPoints(working_crs, kLonLatCrs, std::span<Point2>(&p, 1)).ok()) {
      site.representative_lonlat = p;
    }
  }
  if (site.dimension > 0) {
    site.scale_fit = FitGroundScale(working_crs, {0.5 * (site.extent.min_x + site.extent.max_x),
                                                  0.5 * (site.extent.min_y + site.extent.max_y)});
  }
  absl::StatusOr<GeodesicMeasure> m = MeasureGeodesic(ctx, site.working.get(), working_crs,
                                                      site.scale_fit ? &*site.scale_fit : nullptr);
  if (!m.ok()) return m.status();
  site.area_m2 = m->area_m2;
  site.length_m = m->length_m;
  return site;
}

}  // namespace

std::vector<Point2> Coordinates(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
  std::vector<Point2> out;
  ForEachLinear(
      ctx, g, [&](const GEOSGeometry* linear, bool, bool) { AppendCoordinates(ctx, linear, out); });
  return out;
}

std::string PolygonFault(GeosContext& geos, const GEOSGeometry* g) {
  GEOSContextHandle_t ctx = geos.get();
  char* reason_raw = nullptr;
  GEOSGeometry* where_raw = nullptr;
  const char valid = GEOSisValidDetail_r(ctx, g, 0, &reason_raw, &where_raw);
  GeosString reason(reason_raw, GeosFree{ctx});
  GeomPtr where = Own(ctx, where_raw);
  if (valid == 1) return "";
  std::string fault = reason ? reason.get() : geos.TakeError();
  if (where) {
    double x = 0, y = 0;
    GEOSGeomGetX_r(ctx, where.get(), &x);
    GEOSGeomGetY_r(ctx, where.get(), &y);
    absl::StrAppendFormat(&fault, " at (%.9g, %.9g)", x, y);
  }
  return fault;
}

absl::StatusOr<Site> PrepareSite(GeometryEncoding encoding, absl::string_view data,
                                 absl::string_view crs, const std::string& working_crs,
                                 int64_t max_vertices, InvalidPolygon invalid) {
  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  if (data.empty()) {
    return absl::InvalidArgumentError("no geometry given (wkt, wkb, geojson or coordinate_table)");
  }
  std::vector<int> table_lines;
  // Parts are bounded as vertices are: each costs the readers a geometry.
  const GeometryBounds bounds{.max_vertices = max_vertices, .max_parts = max_vertices};
  absl::StatusOr<GeomPtr> parsed = Parse(geos, encoding, data, bounds, table_lines);
  if (!parsed.ok()) return parsed.status();
  GeomPtr g = *std::move(parsed);
  const int type = GEOSGeomTypeId_r(ctx, g.get());
  if (Dimension(type) < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("a ", GeosString(GEOSGeomType_r(ctx, g.get()), GeosFree{ctx}).get(),
                     " is not accepted: send a Point, LineString or Polygon (or their "
                     "Multi- forms)"));
  }
  if (GEOSisEmpty_r(ctx, g.get())) {
    return absl::InvalidArgumentError("the geometry is empty");
  }
  // GEOS 3.11's PointOnSurface dereferences null on a Multi* with an EMPTY
  // part (found by fuzz/wkb_fuzz.cc): refuse such parts before it runs.
  for (int i = 0, n = GEOSGetNumGeometries_r(ctx, g.get()); n > 1 && i < n; ++i) {
    if (GEOSisEmpty_r(ctx, GEOSGetGeometryN_r(ctx, g.get(), i))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "part ", i + 1, " of the ", GeosString(GEOSGeomType_r(ctx, g.get()), GeosFree{ctx}).get(),
          " is empty: remove it"));
    }
  }
  const int64_t n = GEOSGetNumCoordinates_r(ctx, g.get());
  if (n > max_vertices) {
    return absl::ResourceExhaustedError(absl::StrCat("the geometry has ", n,
                                                     " vertices; the limit is ", max_vertices,
                                                     ": split it or simplify it"));
  }
  std::vector<Point2> input = Coordinates(ctx, g.get());
  for (const Point2& p : input) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("coordinate (%g, %g) is not a finite number", p.x, p.y));
    }
  }
  // Polygons' validity is checked once reprojected (Finish).
  // Reading a table's coordinates names lines, if GEOS kept the table's
  // coordinate order (it does; the check guards the mapping).
  if (table_lines.size() != input.size()) table_lines.clear();
  return Finish(geos, std::move(g), input, table_lines, crs, working_crs, invalid);
}

absl::StatusOr<PointSite> ReadPoint(Point2 input, absl::string_view crs) {
  absl::StatusOr<PointReading> reading = ReadCoordinate(crs, input);
  if (!reading.ok()) return reading.status();
  return PointSite{reading->lonlat, reading->lonlat, reading->interpretation.crs,
                   std::move(reading->interpretation)};
}

absl::Status ConvertToWorking(PointSite& site, const std::string& working_crs) {
  site.working = site.lonlat;
  return TransformPoints(kLonLatCrs, working_crs, std::span<Point2>(&site.working, 1));
}

absl::StatusOr<PointSite> PreparePoint(Point2 input, absl::string_view crs,
                                       const std::string& working_crs) {
  absl::StatusOr<PointSite> site = ReadPoint(input, crs);
  if (!site.ok()) return site.status();
  if (absl::Status st = ConvertToWorking(*site, working_crs); !st.ok()) return st;
  return site;
}

namespace {

void AppendPosition(const GEOSCoordSequence* seq, unsigned int i, GEOSContextHandle_t ctx,
                    std::string* out) {
  double x = 0, y = 0;
  GEOSCoordSeq_getXY_r(ctx, seq, i, &x, &y);
  absl::StrAppendFormat(out, "[%.7f,%.7f]", x, y);
}

void AppendPositions(GEOSContextHandle_t ctx, const GEOSGeometry* line, std::string* out) {
  const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, line);
  unsigned int n = 0;
  GEOSCoordSeq_getSize_r(ctx, seq, &n);
  out->push_back('[');
  for (unsigned int i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    AppendPosition(seq, i, ctx, out);
  }
  out->push_back(']');
}

void AppendPolygonRings(GEOSContextHandle_t ctx, const GEOSGeometry* poly, std::string* out) {
  out->push_back('[');
  AppendPositions(ctx, GEOSGetExteriorRing_r(ctx, poly), out);
  const int holes = GEOSGetNumInteriorRings_r(ctx, poly);
  for (int i = 0; i < holes; ++i) {
    out->push_back(',');
    AppendPositions(ctx, GEOSGetInteriorRingN_r(ctx, poly, i), out);
  }
  out->push_back(']');
}

void AppendGeoJson(GEOSContextHandle_t ctx, const GEOSGeometry* g, std::string* out) {
  const int type = GEOSGeomTypeId_r(ctx, g);
  auto parts = [&](const char* name, auto&& each) {
    absl::StrAppend(out, "{\"type\":\"", name, "\",\"coordinates\":[");
    const int n = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out->push_back(',');
      each(GEOSGetGeometryN_r(ctx, g, i));
    }
    out->append("]}");
  };
  switch (type) {
    case GEOS_POINT:
      out->append("{\"type\":\"Point\",\"coordinates\":");
      if (GEOSisEmpty_r(ctx, g)) {
        out->append("[]");
      } else {
        AppendPosition(GEOSGeom_getCoordSeq_r(ctx, g), 0, ctx, out);
      }
      out->push_back('}');
      break;
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
      out->append("{\"type\":\"LineString\",\"coordinates\":");
      AppendPositions(ctx, g, out);
      out->push_back('}');
      break;
    case GEOS_POLYGON:
      out->append("{\"type\":\"Polygon\",\"coordinates\":");
      if (GEOSisEmpty_r(ctx, g)) {
        out->append("[]");
      } else {
        AppendPolygonRings(ctx, g, out);
      }
      out->push_back('}');
      break;
    case GEOS_MULTIPOINT:
      parts("MultiPoint", [&](const GEOSGeometry* p) {
        AppendPosition(GEOSGeom_getCoordSeq_r(ctx, p), 0, ctx, out);
      });
      break;
    case GEOS_MULTILINESTRING:
      parts("MultiLineString", [&](const GEOSGeometry* l) { AppendPositions(ctx, l, out); });
      break;
    case GEOS_MULTIPOLYGON:
      parts("MultiPolygon", [&](const GEOSGeometry* p) { AppendPolygonRings(ctx, p, out); });
      break;
    default: {
      out->append("{\"type\":\"GeometryCollection\",\"geometries\":[");
      const int n = GEOSGetNumGeometries_r(ctx, g);
      for (int i = 0; i < n; ++i) {
        if (i > 0) out->push_back(',');
        AppendGeoJson(ctx, GEOSGetGeometryN_r(ctx, g, i), out);
      }
      out->append("]}");
    }
  }
}

}  // namespace

absl::StatusOr<std::string> LonLatEncoded(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                                          const std::string& working_crs, GeometryFormat format) {
  std::vector<Point2> pts = Coordinates(ctx, g);
  if (absl::Status st = TransformPoints(working_crs, kLonLatCrs, pts); !st.ok()) {
    return st;
  }
  GeomPtr lonlat = WithCoordinates(ctx, g, pts);
  if (!lonlat) return absl::InternalError("cannot reproject a result geometry");
  if (format == GeometryFormat::kGeoJson) {
    std::string json;
    json.reserve(pts.size() * 26 + 64);
    AppendGeoJson(ctx, lonlat.get(), &json);
    return json;
  }
  GEOSWKBWriter* writer = GEOSWKBWriter_create_r(ctx);
  size_t size = 0;
  std::unique_ptr<unsigned char, GeosFree> wkb(
      GEOSWKBWriter_write_r(ctx, writer, lonlat.get(), &size), GeosFree{ctx});
  GEOSWKBWriter_destroy_r(ctx, writer);
  if (!wkb) return absl::InternalError("cannot encode a result geometry");
  return std::string(reinterpret_cast<const char*>(wkb.get()), size);
}

absl::StatusOr<GeodesicMeasure> MeasureGeodesic(GEOSContextHandle_t ctx, const GEOSGeometry* g,
                                                const std::string& working_crs,
                                                const ScaleFit* nearby) {
  // Every linear part's coordinates, still in the working CRS.
  std::vector<Point2> pts;
  struct Range {
    size_t begin, end;
    bool hole, ring;
  };
  std::vector<Range> ranges;
  ForEachLinear(ctx, g, [&](const GEOSGeometry* linear, bool is_hole, bool is_ring) {
    if (GEOSGeomTypeId_r(ctx, linear) == GEOS_POINT) return;
    const size_t begin = pts.size();
    AppendCoordinates(ctx, linear, pts);
    ranges.push_back({begin, pts.size(), is_hole, is_ring});
  });
  // The planar measure with the local ground scale agrees with the vertex by
  // vertex geodesic one within a bound it checks (kConformalMeasureError, relative) and
  // takes a few PROJ and GeographicLib calls instead of several per vertex.
  std::vector<PlanarPart> parts;
  parts.reserve(ranges.size());
  for (const Range& r : ranges) {
    parts.push_back(
        {std::span<const Point2>(pts).subspan(r.begin, r.end - r.begin), r.ring, r.hole});
  }
  if (std::optional<GeodesicMeasure> fast =
          MeasureConformal(parts, working_crs, kConformalMeasureError, nearby)) {
    return *fast;
  }
  if (absl::Status st = TransformPoints(working_crs, kLonLatCrs, pts); !st.ok()) {
    return st;
  }
  GeodesicMeasure m;
  for (const Range& r : ranges) {
    const std::span<const Point2> part =
        std::span<const Point2>(pts).subspan(r.begin, r.end - r.begin);
    if (r.ring) {
      // Area and perimeter from the same geodesics.
      const RingMeasure rm = GeodesicRingMeasure(part);
      m.length_m += rm.perimeter_m;
      m.area_m2 += r.hole ? -rm.area_m2 : rm.area_m2;
    } else {
      m.length_m += GeodesicPathLengthM(part);
    }
  }
  return m;
}

}  // namespace redline
