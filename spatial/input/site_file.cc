#include "spatial/input/site_file.h"

#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "spatial/base/excerpt.h"
#include "spatial/base/utf8.h"
#include "spatial/data/gdal_util.h"
#include "spatial/geom/geos_util.h"
#include "spatial/input/geometry_input.h"
#include "spatial/input/site_file_stage.h"
#include "spatial/input/upload_format.h"
#include "spatial/input/zip_reader.h"

namespace redline {
namespace {

using site_file_internal::BaseName;
using site_file_internal::Staged;

constexpr unsigned kOpenFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
constexpr int kMaxLabels = 20;

// A folder of GDAL's in-memory file system for one call, removed with it:
// nothing touches the disk, and concurrent uploads never share a name.
class MemDir {
 public:
  MemDir() {
    static std::atomic<uint64_t> next{1};
    dir_ = absl::StrCat("/vsimem/redline_upload_", next++);
  }
  ~MemDir() { VSIRmdirRecursive(dir_.c_str()); }
  MemDir(const MemDir&) = delete;
  MemDir& operator=(const MemDir&) = delete;

  // Puts `content` (read in place: it must outlive this) at `name` in the
  // folder; the path for GDAL.
  std::string Add(const std::string& name, absl::string_view content) {
    std::string path = absl::StrCat(dir_, "/", name);
    VSILFILE* f = VSIFileFromMemBuffer(path.c_str(),
                                       reinterpret_cast<GByte*>(const_cast<char*>(content.data())),
                                       content.size(), /*bTakeOwnership=*/FALSE);
    if (f != nullptr) VSIFCloseL(f);
    return path;
  }

  // GDAL's message as a client may see it: without this folder (no server
  // internals) and short.
  std::string Clean(const std::string& message) const {
    std::string m = absl::StrReplaceAll(message, {{absl::StrCat(dir_, "/"), ""}, {dir_, ""}});
    if (absl::StrContains(m, "/vsi")) m = "the file could not be parsed";
    return Excerpt(m, 200);
  }

 private:
  std::string dir_;
};

// Open options: a CSV's geometry is WKT in a column of a usual name, or
// X/Y (longitude/latitude) columns. The X/Y columns leave the attributes, so
// labels show the point numbers, not the coordinates again.
std::vector<const char*> OpenOptions(const Staged& s) {
  if (s.format != UploadFormat::kCsv) return {nullptr};
  return {"GEOM_POSSIBLE_NAMES=WKT,geometry,geom,the_geom,shape,几何,图形",
          "X_POSSIBLE_NAMES=x,x坐标,x_coord,lon,lng,long,longitude,经度,东经",
          "Y_POSSIBLE_NAMES=y,y坐标,y_coord,lat,latitude,纬度,北纬", "KEEP_GEOM_COLUMNS=NO",
          nullptr};
}

// A GeoPackage is SQLite: a virtual table in its schema can be backed by a
// module that reads other files (SpatiaLite's VirtualShape, GDAL's
// VirtualOGR). GDAL 3.6 already refuses to run them from a file's schema;
// refusing the file too keeps that true whatever GDAL does next. R*Tree
// spatial indexes are virtual tables every GeoPackage has.
absl::Status CheckGeoPackageSchema(GDALDataset& ds, const std::string& shown) {
  OGRLayer* rows = ds.ExecuteSQL(
      "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%' "
      "AND sql NOT LIKE '%USING rtree(%'",
      nullptr, nullptr);
  if (rows == nullptr) return absl::OkStatus();
  std::string name;
  if (OGRFeatureUniquePtr row{rows->GetNextFeature()}) name = row->GetFieldAsString(0);
  ds.ReleaseResultSet(rows);
  if (name.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "'", shown, "' is a GeoPackage with a virtual table ('", Excerpt(name, 40),
      "'), which can read other files: it is not accepted; export the site to a plain GeoPackage"));
}

int64_t CountVertices(const OGRGeometry& g) {
  const OGRwkbGeometryType type = wkbFlatten(g.getGeometryType());
  if (type == wkbPoint) return g.IsEmpty() ? 0 : 1;
  if (OGR_GT_IsCurve(type)) {
    if (const auto* c = dynamic_cast<const OGRSimpleCurve*>(&g)) return c->getNumPoints();
    return 0;
  }
  if (const auto* p = dynamic_cast<const OGRCurvePolygon*>(&g)) {
    int64_t n = 0;
    for (const OGRCurve* ring : *p) n += CountVertices(*ring);
    return n;
  }
  if (const auto* c = dynamic_cast<const OGRGeometryCollection*>(&g)) {
    int64_t n = 0;
    for (const OGRGeometry* part : *c) n += CountVertices(*part);
    return n;
  }
  return 0;
}

// Closes the polygon rings of `g` that do not end where they start (GDAL
// reads them as they are written; GEOS refuses them) and counts them in
// *closed; a ring with fewer than 4 positions once closed is an error.
absl::Status CloseRings(OGRGeometry& g, int64_t* closed, const std::string& shown) {
  if (auto* p = dynamic_cast<OGRPolygon*>(&g)) {
    for (OGRLinearRing* ring : *p) {
      if (ring->IsEmpty()) continue;
      if (!ring->get_IsClosed()) {
        ring->closeRings();
        ++*closed;
      }
      if (ring->getNumPoints() < 4) {
        return absl::InvalidArgumentError(
            absl::StrCat("'", shown, "' has a polygon ring of ", ring->getNumPoints() - 1,
                         " distinct point(s): a ring needs at least 3"));
      }
    }
    return absl::OkStatus();
  }
  if (auto* c = dynamic_cast<OGRGeometryCollection*>(&g)) {
    for (OGRGeometry* part : *c) {
      if (absl::Status st = CloseRings(*part, closed, shown); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

// True when every string attribute of the layer's features is valid UTF-8.
bool TextIsUtf8(OGRLayer& layer) {
  layer.ResetReading();
  for (auto& feature : layer) {
    for (int i = 0; i < feature->GetFieldCount(); ++i) {
      if (feature->GetFieldDefnRef(i)->GetType() != OFTString ||
          !feature->IsFieldSetAndNotNull(i)) {
        continue;
      }
      if (!CPLIsUTF8(feature->GetFieldAsString(i), -1)) return false;
    }
  }
  layer.ResetReading();
  return true;
}

std::string Label(OGRFeature& feature) {
  std::vector<std::string> parts;
  for (int i = 0; i < feature.GetFieldCount() && parts.size() < 6; ++i) {
    if (!feature.IsFieldSetAndNotNull(i)) continue;
    const char* value = feature.GetFieldAsString(i);
    parts.push_back(absl::StrCat(feature.GetFieldDefnRef(i)->GetNameRef(), "=",
                                 IsValidUtf8(value) ? Excerpt(value, 200) : "(not UTF-8)"));
  }
  return absl::StrJoin(parts, "; ");
}

// A CSV whose rows are a boundary's corner points (界址点) names them in a
// column like these; its points are then one site, not many.
bool HasCornerNumbers(OGRLayer& layer) {
  OGRFeatureDefn* defn = layer.GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    const std::string name = absl::AsciiStrToLower(defn->GetFieldDefn(i)->GetNameRef());
    for (const char* hint : {"点号", "界址点号", "界址点", "拐点号", "拐点", "jzd", "jzdh"}) {
      if (name == hint) return true;
    }
  }
  return false;
}

// Corner points in file order joined into rings, a point repeating its
// ring's first point closing it (a trailing open ring is closed too); each
// ring its own polygon.
absl::StatusOr<std::unique_ptr<OGRGeometry>> CornersToPolygons(
    const std::vector<std::unique_ptr<OGRGeometry>>& points, const std::string& shown) {
  auto polygons = std::make_unique<OGRMultiPolygon>();
  auto ring = std::make_unique<OGRLinearRing>();
  auto close = [&]() -> absl::Status {
    if (ring->getNumPoints() < 3) {
      return absl::InvalidArgumentError(absl::StrCat("'", shown, "': ", ring->getNumPoints(),
                                                     " corner point(s) after the last closed ring "
                                                     "do not make a ring (3 or more are needed)"));
    }
    ring->closeRings();
    OGRPolygon polygon;
    polygon.addRingDirectly(ring.release());
    polygons->addGeometry(&polygon);
    ring = std::make_unique<OGRLinearRing>();
    return absl::OkStatus();
  };
  for (const auto& g : points) {
    const auto* p = g->toPoint();
    if (ring->getNumPoints() >= 3 && p->getX() == ring->getX(0) && p->getY() == ring->getY(0)) {
      absl::Status st = close();
      if (!st.ok()) return st;
      continue;
    }
    ring->addPoint(p->getX(), p->getY());
  }
  if (ring->getNumPoints() > 0) {
    absl::Status st = close();
    if (!st.ok()) return st;
  }
  if (polygons->getNumGeometries() == 1) {
    return std::unique_ptr<OGRGeometry>(polygons->getGeometryRef(0)->clone());
  }
  return std::unique_ptr<OGRGeometry>(std::move(polygons));
}

absl::Status TooSlow(const std::string& shown, const SiteFileOptions& o) {
  return absl::DeadlineExceededError(absl::StrCat("reading '", shown, "' took longer than ",
                                                  absl::FormatDuration(o.max_read_time),
                                                  " (max_read_time); upload a smaller file"));
}

// Opens the staged file with its one driver, and picks the first layer with
// features that have geometry.
struct Opened {
  GDALDatasetUniquePtr ds;
  OGRLayer* layer = nullptr;
};
absl::StatusOr<Opened> OpenStaged(const Staged& s, const MemDir& dir, const std::string& path,
                                  const GdalErrors& errors, SiteFile& out) {
  const char* const drivers[] = {s.driver, nullptr};
  const std::vector<const char*> options = OpenOptions(s);
  Opened o;
  o.ds.reset(GDALDataset::Open(path.c_str(), kOpenFlags, drivers, options.data(), nullptr));
  if (!o.ds) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read '", s.shown, "' as ",
                     s.format == UploadFormat::kZip ? "a Shapefile" : FormatName(s.format), ": ",
                     dir.Clean(errors.Last())));
  }
  if (s.format == UploadFormat::kGeoPackage) {
    absl::Status st = CheckGeoPackageSchema(*o.ds, s.shown);
    if (!st.ok()) return st;
  }
  out.driver = o.ds->GetDriverName();
  std::vector<std::string> others;
  for (OGRLayer* l : o.ds->GetLayers()) {
    if (o.layer == nullptr && l->GetFeatureCount() != 0 && l->GetGeomType() != wkbNone) {
      o.layer = l;
    } else {
      others.push_back(Excerpt(l->GetName(), 60));
    }
  }
  if (o.layer == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", s.shown, "' holds no features with geometry",
        s.format == UploadFormat::kCsv
            ? ": a CSV needs a column named WKT (or geometry), or X and Y (or lon and lat, "
              "经度 and 纬度) columns of numbers"
            : ""));
  }
  if (!others.empty()) {
    AddNote(
        {"upload.other_layers",
         {{"layer", o.layer->GetName()},
          {"others", absl::StrJoin(others.begin(),
                                   others.begin() + std::min<size_t>(others.size(), 10), ", ")}}},
        out.notes, out.note_messages);
  }
  // A DBF without a .cpg or code page mark: GDAL cannot know its encoding.
  // Chinese GIS software writes GBK, so read it as GBK when it is not UTF-8.
  if (out.driver == "ESRI Shapefile") {
    const char* source_encoding = o.layer->GetMetadataItem("SOURCE_ENCODING", "SHAPEFILE");
    if ((source_encoding == nullptr || *source_encoding == '\0') && !TextIsUtf8(*o.layer)) {
      const char* gbk[] = {"ENCODING=GBK", nullptr};
      const std::string name = o.layer->GetName();
      o.ds.reset(GDALDataset::Open(path.c_str(), kOpenFlags, drivers, gbk, nullptr));
      o.layer = o.ds ? o.ds->GetLayerByName(name.c_str()) : nullptr;
      if (o.layer == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot re-read '", s.shown, "' as GBK: ", dir.Clean(errors.Last())));
      }
      AddNote({"upload.shapefile_gbk", {}}, out.notes, out.note_messages);
    }
  }
  out.layer = o.layer->GetName();
  return o;
}

// Every feature's geometry, linear and 2D, counted against the limits.
absl::StatusOr<std::vector<std::unique_ptr<OGRGeometry>>> ReadParts(OGRLayer& layer,
                                                                    const Staged& s,
                                                                    const SiteFileOptions& o,
                                                                    absl::Time deadline,
                                                                    SiteFile& out) {
  std::vector<std::unique_ptr<OGRGeometry>> parts;
  int64_t null_geometries = 0;
  int64_t unclosed_rings = 0;
  for (auto& feature : layer) {
    if (absl::Now() > deadline) return TooSlow(s.shown, o);
    ++out.feature_count;
    if (static_cast<int>(out.feature_labels.size()) < kMaxLabels) {
      out.feature_labels.push_back(Label(*feature));
    }
    OGRGeometry* g = feature->GetGeometryRef();
    if (g == nullptr || g->IsEmpty()) {
      ++null_geometries;
      continue;
    }
    out.vertices += CountVertices(*g);
    if (out.vertices > o.max_vertices) {
      return absl::ResourceExhaustedError(
          absl::StrCat("'", s.shown, "' has more than ", o.max_vertices,
                       " vertices (max_vertices); simplify it or upload fewer features"));
    }
    std::unique_ptr<OGRGeometry> owned(feature->StealGeometry());
    if (OGR_GT_IsNonLinear(owned->getGeometryType())) {
      owned.reset(owned->getLinearGeometry());
    }
    owned->flattenTo2D();
    if (absl::Status st = CloseRings(*owned, &unclosed_rings, s.shown); !st.ok()) return st;
    parts.push_back(std::move(owned));
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", s.shown, "': none of its ",
                                                   out.feature_count, " features has a geometry"));
  }
  if (null_geometries > 0) {
    AddNote({"upload.null_geometries", {{"n", absl::StrCat(null_geometries)}}}, out.notes,
            out.note_messages);
  }
  if (unclosed_rings > 0) {
    AddNote({"upload.unclosed_rings", {{"n", absl::StrCat(unclosed_rings)}}}, out.notes,
            out.note_messages);
  }
  return parts;
}

// One geometry of the parts: a single part itself, else a Multi* of one
// dimension (Multi* parts unpacked), else a GeometryCollection.
std::unique_ptr<OGRGeometry> Gather(std::vector<std::unique_ptr<OGRGeometry>> parts,
                                    SiteFile& out) {
  if (parts.size() == 1) return std::move(parts.front());
  int dimension = parts.front()->getDimension();
  bool mixed = false;
  for (const auto& p : parts) mixed = mixed || p->getDimension() != dimension;
  std::unique_ptr<OGRGeometryCollection> c;
  if (mixed) {
    c = std::make_unique<OGRGeometryCollection>();
  } else if (dimension == 2) {
    c = std::make_unique<OGRMultiPolygon>();
  } else if (dimension == 1) {
    c = std::make_unique<OGRMultiLineString>();
  } else {
    c = std::make_unique<OGRMultiPoint>();
  }
  for (auto& p : parts) {
    if (auto* sub = dynamic_cast<OGRGeometryCollection*>(p.get()); sub && !mixed) {
      for (const OGRGeometry* g : *sub) c->addGeometry(g);
    } else {
      c->addGeometryDirectly(p.release());
    }
  }
  AddNote({"upload.gathered", {{"n", absl::StrCat(parts.size())}}}, out.notes, out.note_messages);
  return c;
}

// An invalid polygon (as real boundaries often are, or features that
// overlap once gathered) is not refused here: the check makes it valid, or
// refuses it with strict_geometry (geometry_input.h). Said now, in the
// file's own coordinates, so that staff know before they check.
void NoteInvalidPolygon(const OGRGeometry& site, SiteFile& out) {
  const OGRwkbGeometryType type = wkbFlatten(site.getGeometryType());
  if (type != wkbPolygon && type != wkbMultiPolygon) return;
  GeosContext& geos = ThreadGeos();
  GeomPtr g = Own(geos.get(), site.exportToGEOS(geos.get()));
  if (!g) return;  // the check will say what is wrong
  const std::string fault = PolygonFault(geos, g.get());
  if (fault.empty()) return;
  AddNote({"upload.invalid_polygon", {{"fault", fault}}}, out.notes, out.note_messages);
}

// The site in EPSG:4490 when the file declares its CRS (and the numbers fit
// it), else as written.
absl::Status ToLonLat(OGRGeometry& site, std::unique_ptr<OGRSpatialReference> source,
                      const Staged& s, const GdalErrors& errors, const MemDir& dir, SiteFile& out) {
  if (source && source->IsGeographic()) {
    OGREnvelope env;
    site.getEnvelope(&env);
    if (env.MinX < -180 || env.MaxX > 180 || env.MinY < -90 || env.MaxY > 90) {
      AddNote({"upload.not_lonlat", {{"crs", out.source_crs}}}, out.notes, out.note_messages);
      source.reset();
      out.source_crs.clear();
    }
  }
  if (!source) {
    AddNote({"upload.no_crs", {}}, out.notes, out.note_messages);
    return absl::OkStatus();
  }
  OGRSpatialReference target;
  target.importFromEPSG(4490);
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> ct(
      OGRCreateCoordinateTransformation(source.get(), &target));
  if (!ct || site.transform(ct.get()) != OGRERR_NONE) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", s.shown, "': its coordinates cannot be transformed from ", out.source_crs,
                     " to EPSG:4490: ", dir.Clean(errors.Last())));
  }
  out.crs = "EPSG:4490";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name, absl::string_view content,
                                      int64_t max_vertices) {
  SiteFileOptions options;
  options.max_vertices = max_vertices;
  return ReadSiteFile(file_name, content, options);
}

absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name, absl::string_view content,
                                      const SiteFileOptions& options) {
  const absl::Time deadline = absl::Now() + options.max_read_time;
  RegisterGdalOnce();
  GdalErrors errors;
  const std::string base = BaseName(file_name);
  if (base.empty()) return absl::InvalidArgumentError("the uploaded file has no name");
  if (content.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", base, "' is empty"));
  }
  if (static_cast<int64_t>(content.size()) > options.max_upload_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("'", base, "' is ", content.size(), " bytes; uploads of at most ",
                     options.max_upload_bytes, " bytes are accepted (max_upload_bytes)"));
  }
  absl::StatusOr<Staged> staged = site_file_internal::Stage(base, content, options);
  if (!staged.ok()) return staged.status();
  if (absl::Now() > deadline) return TooSlow(staged->shown, options);

  MemDir dir;
  std::string path;
  for (const auto& [name, bytes] : staged->files) {
    const std::string p = dir.Add(name, bytes);
    if (name == staged->main) path = p;
  }
  SiteFile out;
  out.notes = staged->notes;
  out.note_messages = staged->note_messages;
  absl::StatusOr<Opened> opened = OpenStaged(*staged, dir, path, errors, out);
  if (!opened.ok()) return opened.status();

  // The file's CRS; formats that imply WGS 84 (GeoJSON, KML) say so even
  // when the numbers are plainly metres, which ToLonLat checks.
  std::unique_ptr<OGRSpatialReference> source;
  if (const OGRSpatialReference* srs = opened->layer->GetSpatialRef()) {
    source.reset(srs->Clone());
    source->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    out.source_crs = CrsName(*source);
  }
  absl::StatusOr<std::vector<std::unique_ptr<OGRGeometry>>> parts =
      ReadParts(*opened->layer, *staged, options, deadline, out);
  if (!parts.ok()) return parts.status();

  std::unique_ptr<OGRGeometry> site;
  const bool corners = staged->format == UploadFormat::kCsv && parts->size() >= 3 &&
                       HasCornerNumbers(*opened->layer) &&
                       std::all_of(parts->begin(), parts->end(), [](const auto& p) {
                         return wkbFlatten(p->getGeometryType()) == wkbPoint;
                       });
  if (corners) {
    absl::StatusOr<std::unique_ptr<OGRGeometry>> polygons =
        CornersToPolygons(*parts, staged->shown);
    if (!polygons.ok()) return polygons.status();
    site = *std::move(polygons);
    AddNote({"upload.corners_joined",
             {{"n", absl::StrCat(parts->size())}, {"geometry", site->getGeometryName()}}},
            out.notes, out.note_messages);
  } else {
    site = Gather(*std::move(parts), out);
  }
  NoteInvalidPolygon(*site, out);
  absl::Status st = ToLonLat(*site, std::move(source), *staged, errors, dir, out);
  if (!st.ok()) return st;
  if (absl::Now() > deadline) return TooSlow(staged->shown, options);
  std::unique_ptr<char, CplFree> json(site->exportToJson());
  if (!json) {
    return absl::InternalError(
        absl::StrCat("'", staged->shown, "': cannot write the site as GeoJSON"));
  }
  out.geojson = json.get();
  return out;
}

}  // namespace redline
