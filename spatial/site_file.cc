#include "spatial/site_file.h"

#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <atomic>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spatial/gdal_util.h"

namespace redline {
namespace {

constexpr unsigned kOpenFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
constexpr int kMaxLabels = 20;

// The upload as a file in GDAL's in-memory file system, removed when this
// goes: nothing touches the disk, and parallel uploads never collide.
class MemFile {
 public:
  MemFile(absl::string_view file_name, absl::string_view content) {
    static std::atomic<uint64_t> next{1};
    dir_ = absl::StrCat("/vsimem/redline_upload_", next++);
    path_ = absl::StrCat(dir_, "/", file_name);
    // GDAL reads the caller's buffer in place; it outlives this object.
    VSILFILE* f = VSIFileFromMemBuffer(
        path_.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(content.data())),
        content.size(), /*bTakeOwnership=*/FALSE);
    if (f != nullptr) VSIFCloseL(f);
  }
  ~MemFile() { VSIRmdirRecursive(dir_.c_str()); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
};

std::string Extension(absl::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) return "";
  return absl::AsciiStrToLower(name.substr(dot + 1));
}

// Inside a zip, the file GDAL should open: the first Shapefile, GeoPackage,
// GeoJSON or KML, in any folder.
absl::StatusOr<std::string> PathInZip(const std::string& zip, absl::string_view file_name) {
  const std::string root = absl::StrCat("/vsizip/", zip);
  char** entries = VSIReadDirRecursive(root.c_str());
  std::vector<std::string> names;
  for (char** e = entries; e != nullptr && *e != nullptr; ++e) names.emplace_back(*e);
  CSLDestroy(entries);
  if (names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", file_name, "' is not a readable zip archive, or it is empty"));
  }
  for (const char* wanted : {"shp", "gpkg", "geojson", "json", "kml"}) {
    for (const std::string& n : names) {
      if (Extension(n) == wanted && !absl::StartsWith(n, "__MACOSX")) {
        return absl::StrCat(root, "/", n);
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "'", file_name, "' holds no Shapefile (.shp), GeoPackage, GeoJSON or KML; it holds: ",
      absl::StrJoin(names.begin(), names.begin() + std::min<size_t>(names.size(), 10), ", ")));
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

// True when every string attribute of the layer's features is valid UTF-8.
bool TextIsUtf8(OGRLayer& layer) {
  layer.ResetReading();
  for (auto& feature : layer) {
    for (int i = 0; i < feature->GetFieldCount(); ++i) {
      if (feature->GetFieldDefnRef(i)->GetType() != OFTString || !feature->IsFieldSetAndNotNull(i)) {
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
    parts.push_back(absl::StrCat(feature.GetFieldDefnRef(i)->GetNameRef(), "=",
                                 feature.GetFieldAsString(i)));
  }
  return absl::StrJoin(parts, "; ");
}

}  // namespace

absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name, absl::string_view content,
                                      int64_t max_vertices) {
  RegisterGdalOnce();
  GdalErrors errors;
  // Only the base name: a client's path must not steer where GDAL looks.
  const size_t slash = file_name.find_last_of("/\\");
  const std::string base(slash == absl::string_view::npos ? file_name
                                                          : file_name.substr(slash + 1));
  if (base.empty()) return absl::InvalidArgumentError("the uploaded file has no name");
  if (content.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", base, "' is empty"));
  }
  const std::string ext = Extension(base);
  if (ext == "shp" || ext == "dbf" || ext == "shx") {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", base, "' is one part of a Shapefile: zip the .shp, .shx, .dbf and .prj "
        "(and .cpg if there is one) together and upload the .zip"));
  }
  MemFile file(base, content);
  std::string path = file.path();
  if (ext == "zip") {
    absl::StatusOr<std::string> inner = PathInZip(file.path(), base);
    if (!inner.ok()) return inner.status();
    path = *inner;
  }

  SiteFile out;
  GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), kOpenFlags));
  if (!ds) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot read '", base, "' as GeoJSON, KML, GeoPackage or a zipped Shapefile: ",
        errors.Last()));
  }
  out.driver = ds->GetDriverName();
  OGRLayer* layer = nullptr;
  std::vector<std::string> others;
  for (OGRLayer* l : ds->GetLayers()) {
    if (layer == nullptr && l->GetFeatureCount() != 0 && l->GetGeomType() != wkbNone) {
      layer = l;
    } else {
      others.push_back(l->GetName());
    }
  }
  if (layer == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("'", base, "' holds no features with geometry"));
  }
  if (!others.empty()) {
    out.notes.push_back(absl::StrCat("read layer '", layer->GetName(),
                                     "'; other layers ignored: ", absl::StrJoin(others, ", ")));
  }

  // A DBF without a .cpg or code page mark: GDAL cannot know its encoding.
  // Chinese GIS software writes GBK, so read it as GBK when it is not UTF-8.
  if (out.driver == "ESRI Shapefile") {
    const char* source_encoding = layer->GetMetadataItem("SOURCE_ENCODING", "SHAPEFILE");
    if ((source_encoding == nullptr || *source_encoding == '\0') && !TextIsUtf8(*layer)) {
      const char* options[] = {"ENCODING=GBK", nullptr};
      const std::string name = layer->GetName();
      ds.reset(GDALDataset::Open(path.c_str(), kOpenFlags, nullptr, options, nullptr));
      layer = ds ? ds->GetLayerByName(name.c_str()) : nullptr;
      if (layer == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot re-read '", base, "' as GBK: ", errors.Last()));
      }
      out.notes.push_back("the Shapefile names no encoding (.cpg) and its text is not "
                          "UTF-8: attributes read as GBK");
    }
  }
  out.layer = layer->GetName();

  // The file's CRS; formats that imply WGS 84 (GeoJSON, KML) say so even
  // when the numbers are plainly metres, which is checked below.
  std::unique_ptr<OGRSpatialReference> source;
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    source.reset(srs->Clone());
    source->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    out.source_crs = CrsName(*source);
  }

  std::vector<std::unique_ptr<OGRGeometry>> parts;
  int64_t null_geometries = 0;
  int dimension = -1;
  bool mixed = false;
  for (auto& feature : *layer) {
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
    if (out.vertices > max_vertices) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "'", base, "' has more than ", max_vertices,
          " vertices (max_vertices); simplify it or upload fewer features"));
    }
    std::unique_ptr<OGRGeometry> owned(feature->StealGeometry());
    if (OGR_GT_IsNonLinear(owned->getGeometryType())) {
      owned.reset(owned->getLinearGeometry());
    }
    owned->flattenTo2D();
    const int dim = owned->getDimension();
    if (dimension >= 0 && dim != dimension) mixed = true;
    dimension = dim;
    parts.push_back(std::move(owned));
  }
  if (parts.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", base, "': none of its ", out.feature_count, " features has a geometry"));
  }
  if (null_geometries > 0) {
    out.notes.push_back(absl::StrCat(null_geometries, " feature(s) without geometry ignored"));
  }

  std::unique_ptr<OGRGeometry> site;
  if (parts.size() == 1) {
    site = std::move(parts.front());
  } else {
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
      // Multi* parts are unpacked so the result is a flat Multi*.
      if (auto* sub = dynamic_cast<OGRGeometryCollection*>(p.get()); sub && !mixed) {
        for (const OGRGeometry* g : *sub) c->addGeometry(g);
      } else {
        c->addGeometryDirectly(p.release());
      }
    }
    site = std::move(c);
    out.notes.push_back(absl::StrCat(parts.size(), " features gathered into one site"));
  }

  if (source && source->IsGeographic()) {
    OGREnvelope env;
    site->getEnvelope(&env);
    if (env.MinX < -180 || env.MaxX > 180 || env.MinY < -90 || env.MaxY > 90) {
      out.notes.push_back(absl::StrCat(
          "the format implies ", out.source_crs,
          " but the coordinates are not longitude/latitude: choose their CRS"));
      source.reset();
      out.source_crs.clear();
    }
  }
  if (source) {
    OGRSpatialReference target;
    target.importFromEPSG(4490);
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(
        OGRCreateCoordinateTransformation(source.get(), &target));
    if (!ct || site->transform(ct.get()) != OGRERR_NONE) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", base, "': its coordinates cannot be transformed from ", out.source_crs,
          " to EPSG:4490: ", errors.Last()));
    }
    out.crs = "EPSG:4490";
  } else {
    out.notes.push_back("the file declares no coordinate system: coordinates kept as written");
  }
  std::unique_ptr<char, CplFree> json(site->exportToJson());
  if (!json) {
    return absl::InternalError(absl::StrCat("'", base, "': cannot write the site as GeoJSON"));
  }
  out.geojson = json.get();
  return out;
}

}  // namespace redline
