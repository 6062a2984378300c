#include "spatial/data/loader.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "spatial/base/day.h"
#include "spatial/base/utf8.h"
#include "spatial/coords/crs.h"
#include "spatial/coords/geodesic.h"
#include "spatial/data/gdal_util.h"
#include "spatial/geom/geos_util.h"
#include "spatial/rules/levels.h"

namespace redline {
namespace {

std::string FieldText(OGRFeature& feature, int i) {
  const OGRFieldType type = feature.GetFieldDefnRef(i)->GetType();
  if (type == OFTDate || type == OFTDateTime) {
    int y, m, d, hh, mm, tz;
    float ss;
    feature.GetFieldAsDateTime(i, &y, &m, &d, &hh, &mm, &ss, &tz);
    if (type == OFTDate) return absl::StrFormat("%04d-%02d-%02d", y, m, d);
    return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02.0f", y, m, d, hh, mm, ss);
  }
  return feature.GetFieldAsString(i);
}

}  // namespace

absl::StatusOr<double> ZoneAreaM2(const ZoneShape& shape, const std::string& working_crs,
                                  Box& lonlat_box) {
  std::vector<Point2> lonlat = shape.vertices();
  if (absl::Status st = TransformPoints(working_crs, kLonLatCrs, lonlat); !st.ok()) {
    return st;
  }
  double area = 0;
  size_t ring = 0;
  for (uint32_t rings : shape.polygon_rings()) {
    for (uint32_t k = 0; k < rings; ++k, ++ring) {
      const uint32_t b = shape.ring_begin(ring);
      const double a =
          GeodesicRingAreaM2(std::span<const Point2>(lonlat).subspan(b, shape.ring_end(ring) - b));
      area += k == 0 ? a : -a;  // holes subtract
    }
  }
  for (const Point2& p : lonlat) lonlat_box.Include(p);
  return area;
}

namespace {

class LayerLoader {
 public:
  LayerLoader(const LayerConfig& config, const std::string& working_crs, double tolerance_m)
      : config_(config), working_crs_(working_crs), tolerance_m_(tolerance_m) {}

  absl::StatusOr<LoadedLayer> Load();

 private:
  absl::Status Fail(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("layer '", config_.name, "' (", RedactSource(config_.source), "): ", what));
  }
  absl::Status Open();
  absl::Status ResolveFields();
  absl::Status SetUpTransform();
  // One feature from the reader (GDAL, one thread) to the workers and back.
  struct Job {
    Zone zone;
    std::string who;
    std::vector<LoadIssue> issues;      // in the order they arose
    std::unique_ptr<OGRGeometry> geom;  // 2D, polygonal, source CRS
    bool skipped = false;
    bool repaired = false;
    Box extent_lonlat;
    void Issue(LoadIssue::Action action, std::string reason) {
      issues.push_back({who, action, std::move(reason)});
    }
    void Skip(std::string reason) {
      skipped = true;
      geom.reset();
      Issue(LoadIssue::Action::kSkipped, std::move(reason));
    }
  };
  // Attributes and the geometry's type, on the reading thread.
  absl::Status ReadFeature(OGRFeature& feature, Job& job);
  // Transform, validity, repair, ZoneShape and area: the costly part, on any
  // thread (each has its own GEOS and PROJ contexts; `transform` is the
  // calling thread's own copy).
  void BuildZone(Job& job, OGRCoordinateTransformation* transform) const;
  // Adds a built job to the report and the zones, in feature order.
  void Collect(Job& job);
  absl::StatusOr<std::string> Text(OGRFeature& feature, int field, const std::string& who);

  const LayerConfig& config_;
  const std::string& working_crs_;
  const double tolerance_m_;
  GdalErrors errors_;
  GDALDatasetUniquePtr dataset_;
  OGRLayer* layer_ = nullptr;
  bool recode_ = false;  // convert text from config_.encoding ourselves
  int id_field_ = -1, name_field_ = -1, level_field_ = -1;
  int from_field_ = -1, to_field_ = -1;
  std::unique_ptr<OGRCoordinateTransformation> transform_;
  absl::flat_hash_set<std::string> seen_ids_;
  LoadedLayer out_;
};

absl::Status LayerLoader::Open() {
  RegisterGdalOnce();
  constexpr unsigned kFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
  dataset_.reset(GDALDataset::Open(config_.source.c_str(), kFlags));
  if (!dataset_) {
    return Fail(absl::StrCat("cannot open: ", errors_.Last()));
  }
  const std::string driver = dataset_->GetDriverName();
  if (!config_.encoding.empty()) {
    if (driver == "ESRI Shapefile") {
      // The Shapefile driver recodes the DBF itself, overriding the .cpg.
      const std::string option = absl::StrCat("ENCODING=", config_.encoding);
      const char* options[] = {option.c_str(), nullptr};
      dataset_.reset(GDALDataset::Open(config_.source.c_str(), kFlags, nullptr, options, nullptr));
      if (!dataset_) return Fail(absl::StrCat("cannot open: ", errors_.Last()));
    } else {
      recode_ = true;
    }
  }
  out_.report.driver = driver;
  if (!config_.layer.empty()) {
    layer_ = dataset_->GetLayerByName(config_.layer.c_str());
  } else if (dataset_->GetLayerCount() == 1) {
    layer_ = dataset_->GetLayer(0);
  }
  if (layer_ == nullptr) {
    std::vector<std::string> names;
    for (auto* l : dataset_->GetLayers()) names.push_back(l->GetName());
    return Fail(absl::StrCat(config_.layer.empty()
                                 ? "the source has several layers"
                                 : absl::StrCat("no layer named '", config_.layer, "'"),
                             "; set 'layer:' to one of: ", absl::StrJoin(names, ", ")));
  }
  return absl::OkStatus();
}

absl::Status LayerLoader::ResolveFields() {
  OGRFeatureDefn* defn = layer_->GetLayerDefn();
  auto find = [&](const std::string& name, int& out) -> absl::Status {
    if (name.empty()) return absl::OkStatus();
    out = defn->GetFieldIndex(name.c_str());
    if (out >= 0) return absl::OkStatus();
    std::vector<std::string> names;
    names.reserve(defn->GetFieldCount());
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
      names.push_back(defn->GetFieldDefn(i)->GetNameRef());
    }
    return Fail(
        absl::StrCat("no field named '", name, "'; the fields are: ", absl::StrJoin(names, ", ")));
  };
  if (absl::Status st = find(config_.id_field, id_field_); !st.ok()) return st;
  if (absl::Status st = find(config_.name_field, name_field_); !st.ok()) return st;
  if (absl::Status st = find(config_.effective_from_field, from_field_); !st.ok()) return st;
  if (absl::Status st = find(config_.effective_to_field, to_field_); !st.ok()) return st;
  return find(config_.level_field, level_field_);
}

absl::Status LayerLoader::SetUpTransform() {
  OGRSpatialReference source;
  if (!config_.srs.empty()) {
    if (source.SetFromUserInput(config_.srs.c_str()) != OGRERR_NONE) {
      return Fail(absl::StrCat("'srs: ", config_.srs, "' is not a CRS GDAL knows"));
    }
  } else if (const OGRSpatialReference* srs = layer_->GetSpatialRef()) {
    source = *srs;
  } else {
    return Fail(
        "the source declares no CRS; set 'srs:' in the layer config (e.g. "
        "srs: EPSG:4549)");
  }
  source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRSpatialReference target;
  target.SetFromUserInput(working_crs_.c_str());
  target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  out_.report.source_crs = CrsName(source);
  if (source.IsSame(&target)) return absl::OkStatus();
  transform_.reset(OGRCreateCoordinateTransformation(&source, &target));
  if (!transform_) {
    return Fail(absl::StrCat("cannot transform from ", out_.report.source_crs, " to ", working_crs_,
                             ": ", errors_.Last()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> LayerLoader::Text(OGRFeature& feature, int field,
                                              const std::string& who) {
  std::string text = FieldText(feature, field);
  if (recode_) {
    std::unique_ptr<char, CplFree> utf8(
        CPLRecode(text.c_str(), config_.encoding.c_str(), CPL_ENC_UTF8));
    text = utf8.get();
  }
  if (!IsValidUtf8(text)) {
    return Fail(absl::StrCat("field '", feature.GetFieldDefnRef(field)->GetNameRef(), "' of ", who,
                             " is not valid UTF-8; name the source's encoding in the layer config "
                             "(e.g. encoding: GBK)"));
  }
  return text;
}

absl::Status LayerLoader::ReadFeature(OGRFeature& feature, Job& job) {
  ++out_.report.features_read;
  Zone& zone = job.zone;
  const std::string fid = absl::StrCat("fid ", feature.GetFID());
  // Attribute issues name the feature by its fid; later ones by fid and id.
  job.who = fid;
  for (int i = 0; i < feature.GetFieldCount(); ++i) {
    if (!feature.IsFieldSetAndNotNull(i)) continue;
    absl::StatusOr<std::string> text = Text(feature, i, fid);
    if (!text.ok()) return text.status();
    if (i == id_field_) zone.id = *text;
    if (i == name_field_) zone.name = *text;
    if (i == level_field_) zone.level = *text;
    if (i == from_field_ || i == to_field_) {
      std::optional<int32_t> day = ParseDay(*text);
      if (!day) {
        // Conservative: a zone whose dates cannot be read stays in force.
        job.Issue(LoadIssue::Action::kWarning,
                  absl::StrCat("'", *text, "' in field '", feature.GetFieldDefnRef(i)->GetNameRef(),
                               "' is not a date (YYYY-MM-DD); the zone is taken as in force"));
      } else if (i == from_field_) {
        zone.effective_from_day = *day;
      } else {
        zone.effective_to_day = *day;
      }
    }
    // The fields the answer already names the zone by are not repeated
    // among its attributes: every answer carries them, and twice was about
    // a fifth of a CheckPoint answer.
    if (i == id_field_ || i == name_field_ || i == level_field_) continue;
    zone.attributes.emplace_back(feature.GetFieldDefnRef(i)->GetNameRef(), *std::move(text));
  }
  job.who = zone.id.empty() ? fid : absl::StrCat(fid, ", id ", zone.id);
  if (zone.id.empty()) {
    zone.id = fid;
    job.Issue(LoadIssue::Action::kWarning, absl::StrCat("no value in id field '", config_.id_field,
                                                        "'; the zone is named by its fid"));
  }

  const OGRGeometry* source = feature.GetGeometryRef();
  if (source == nullptr || source->IsEmpty()) {
    job.Skip("no geometry");
    return absl::OkStatus();
  }
  job.geom.reset(source->hasCurveGeometry() ? source->getLinearGeometry() : source->clone());
  job.geom->flattenTo2D();
  const OGRwkbGeometryType type = wkbFlatten(job.geom->getGeometryType());
  if (type != wkbPolygon && type != wkbMultiPolygon) {
    job.Skip(absl::StrCat("not a polygon but a ", OGRGeometryTypeToName(type),
                          "; a zone must be an area"));
  }
  return absl::OkStatus();
}

void LayerLoader::BuildZone(Job& job, OGRCoordinateTransformation* transform) const {
  if (job.skipped) return;
  std::unique_ptr<OGRGeometry> geom = std::move(job.geom);
  if (transform != nullptr && geom->transform(transform) != OGRERR_NONE) {
    const char* why = CPLGetLastErrorMsg();
    return job.Skip(absl::StrCat("cannot be transformed from ", out_.report.source_crs, " to ",
                                 working_crs_, ": ",
                                 why != nullptr && *why ? why : "no reason given"));
  }

  GeosContext& geos = ThreadGeos();
  GEOSContextHandle_t ctx = geos.get();
  GeomPtr g = Own(ctx, geom->exportToGEOS(ctx));
  geom.reset();
  if (!g) return job.Skip(absl::StrCat("unreadable geometry: ", geos.TakeError()));
  char* reason_raw = nullptr;
  GEOSGeometry* where_raw = nullptr;
  const char valid = GEOSisValidDetail_r(ctx, g.get(), 0, &reason_raw, &where_raw);
  GeosString reason(reason_raw, GeosFree{ctx});
  GeomPtr where = Own(ctx, where_raw);
  if (valid == 2) return job.Skip(absl::StrCat("validity check failed: ", geos.TakeError()));
  if (valid == 0) {
    std::string why = reason ? reason.get() : "invalid";
    if (where) {
      double x = 0, y = 0;
      GEOSGeomGetX_r(ctx, where.get(), &x);
      GEOSGeomGetY_r(ctx, where.get(), &y);
      Point2 ll{x, y};
      if (TransformPoints(working_crs_, kLonLatCrs, std::span<Point2>(&ll, 1)).ok()) {
        absl::StrAppendFormat(&why, " near %.6fE %.6fN", ll.x, ll.y);
      }
    }
    // The one repair of spatial/geom/geos_util.h, shared with request sites.
    GeomPtr polygonal = MakeValidPolygonal(ctx, g.get());
    if (!polygonal) return job.Skip(absl::StrCat(why, "; make-valid failed: ", geos.TakeError()));
    if (GEOSisEmpty_r(ctx, polygonal.get())) {
      return job.Skip(absl::StrCat(why, "; nothing polygonal remains after repair"));
    }
    job.repaired = true;
    job.Issue(LoadIssue::Action::kRepaired,
              absl::StrCat(why, "; repaired with make-valid (structure method)"));
    g = std::move(polygonal);
  }

  absl::StatusOr<ZoneShape> shape = ZoneShape::FromGeos(ctx, g.get(), tolerance_m_);
  if (!shape.ok()) return job.Skip(std::string(shape.status().message()));
  job.zone.shape = *std::move(shape);
  absl::StatusOr<double> area = ZoneAreaM2(job.zone.shape, working_crs_, job.extent_lonlat);
  if (!area.ok()) return job.Skip(std::string(area.status().message()));
  job.zone.area_m2 = *area;
}

void LayerLoader::Collect(Job& job) {
  LayerReport& report = out_.report;
  for (LoadIssue& issue : job.issues) report.issues.push_back(std::move(issue));
  if (job.skipped) {
    ++report.skipped;
    return;
  }
  if (job.repaired) ++report.repaired;
  Zone& zone = job.zone;
  auto issue = [&](std::string reason) {
    report.issues.push_back({job.who, LoadIssue::Action::kWarning, std::move(reason)});
  };
  const NormalizedLevel level = NormalizeLevel(config_.kind, zone.level);
  zone.normalized_level = level.level;
  if (!level.recognized) {
    issue(absl::StrCat("level '", zone.level, "' is not recognised; treated as ", level.level,
                       ", the strictest level of its kind"));
  }
  if (!seen_ids_.insert(zone.id).second) {
    issue(absl::StrCat("zone id '", zone.id, "' is used by an earlier feature"));
  }
  report.vertices += zone.shape.vertex_count();
  report.extent.Include(zone.shape.bbox());
  report.extent_lonlat.Include(job.extent_lonlat);
  ++report.zones_loaded;
  out_.zones.push_back(std::move(zone));
}

absl::StatusOr<LoadedLayer> LayerLoader::Load() {
  const absl::Time start = absl::Now();
  out_.report.name = config_.name;
  out_.report.kind = config_.kind;
  out_.report.source = RedactSource(config_.source);
  if (absl::Status st = Open(); !st.ok()) return st;
  if (absl::Status st = ResolveFields(); !st.ok()) return st;
  if (absl::Status st = SetUpTransform(); !st.ok()) return st;
  // GDAL reads the layer on this thread (a dataset is not to be shared)
  // while workers build the zones read so far: the per-feature work (GEOS
  // validity, PROJ, index building) then hides behind the reading instead of
  // following it. Each worker has its own GEOS and PROJ contexts, its own
  // copy of the transformation (OGR's are not thread-safe) and its own GDAL
  // error state. Jobs are collected in feature order afterwards, so the
  // result does not depend on the scheduling.
  std::vector<std::unique_ptr<Job>> jobs;
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0;
  bool reading = true;
  auto take = [&]() -> Job* {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return next < jobs.size() || !reading; });
    return next < jobs.size() ? jobs[next++].get() : nullptr;
  };
  auto work = [&] {
    GdalErrors errors;
    std::unique_ptr<OGRCoordinateTransformation> transform(transform_ ? transform_->Clone()
                                                                      : nullptr);
    while (Job* job = take()) BuildZone(*job, transform.get());
  };
  std::vector<std::thread> pool;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < std::min(cores, 4u); ++t) pool.emplace_back(work);
  // After reading, this thread helps with what is left.
  auto finish_reading = [&] {
    {
      std::lock_guard<std::mutex> lock(mu);
      reading = false;
    }
    cv.notify_all();
  };
  absl::Status read_status;
  layer_->ResetReading();
  for (auto& feature : *layer_) {
    auto job = std::make_unique<Job>();
    read_status = ReadFeature(*feature, *job);
    if (!read_status.ok()) break;
    {
      std::lock_guard<std::mutex> lock(mu);
      jobs.push_back(std::move(job));
    }
    cv.notify_one();
  }
  finish_reading();
  // Judged before this thread builds zones: a feature GDAL cannot transform
  // is skipped with its reason, on whichever thread it is built.
  const bool read_failed = CPLGetLastErrorType() == CE_Failure;
  if (read_status.ok() && !read_failed) work();
  for (std::thread& t : pool) t.join();
  if (!read_status.ok()) return read_status;
  if (read_failed) return Fail(absl::StrCat("reading failed: ", errors_.Last()));
  out_.zones.reserve(jobs.size());
  for (const std::unique_ptr<Job>& job : jobs) Collect(*job);
  if (out_.zones.empty()) {
    return Fail(absl::StrCat("no usable zones (", out_.report.features_read, " features read, ",
                             out_.report.skipped, " skipped)"));
  }
  out_.report.load_seconds = absl::ToDoubleSeconds(absl::Now() - start);
  return std::move(out_);
}

}  // namespace

absl::StatusOr<std::string> SourceVersion(const LayerConfig& layer) {
  if (layer.watch_query.empty()) return std::string();
  RegisterGdalOnce();
  GdalErrors errors;
  GDALDatasetUniquePtr ds(GDALDataset::Open(
      layer.source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR));
  if (!ds) {
    return absl::UnavailableError(absl::StrCat("layer '", layer.name, "': cannot open ",
                                               RedactSource(layer.source), ": ", errors.Last()));
  }
  OGRLayer* result = ds->ExecuteSQL(layer.watch_query.c_str(), nullptr, nullptr);
  if (result == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("layer '", layer.name, "': watch_query failed: ", errors.Last()));
  }
  std::string version;
  if (OGRFeatureUniquePtr row{result->GetNextFeature()}) {
    for (int i = 0; i < row->GetFieldCount(); ++i) {
      absl::StrAppend(&version, row->GetFieldAsString(i), "|");
    }
  }
  ds->ReleaseResultSet(result);
  return version;
}

absl::StatusOr<LoadedLayer> LoadLayer(const LayerConfig& layer, const std::string& working_crs,
                                      double tolerance_m) {
  CPLErrorReset();
  LayerLoader loader(layer, working_crs, tolerance_m);
  return loader.Load();
}

}  // namespace redline
