#include "clients/cli/overlay.h"

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/grpc/redline_service.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"

namespace redline::cli {
namespace {

constexpr int kOk = 0;
constexpr int kServerError = 1;
constexpr int kBadInput = 2;
constexpr int kSomeFailed = 3;
// Features per request message: points go in columns (cheap per point),
// other geometries as WKB features (GEOS work dominates, so fewer).
constexpr size_t kPointBatch = 4096;
constexpr size_t kFeatureBatch = 64;
// A feature message is sent early once its geometries reach this size, far
// below the server's limit on a request (max_request_bytes, 64 MiB by
// default; a server may set it lower).
constexpr size_t kFeatureBatchBytes = 1 << 20;
// Answers to a batch of large features can be large too.
constexpr int kMaxAnswerBytes = 256 << 20;
// Features read ahead of their answers; bounds the client's memory while
// keeping several batches in flight (the server works on up to 4 at once).
constexpr size_t kMaxPending = 8 * kPointBatch;

struct HitColumn {
  const char* name;
  OGRFieldType type;
};
// Columns the overlay adds after the input's own attributes.
constexpr HitColumn kHitColumns[] = {
    {"input_id", OFTString},       {"zone_layer", OFTString},     {"zone_kind", OFTString},
    {"zone_id", OFTString},        {"zone_name", OFTString},      {"zone_level", OFTString},
    {"relation", OFTString},       {"overlap_area_m2", OFTReal},  {"overlap_ratio", OFTReal},
    {"overlap_length_m", OFTReal}, {"zone_verdict", OFTString},   {"rules", OFTString},
    {"verdict", OFTString},        {"verdict_reason", OFTString}, {"dataset_version", OFTString},
    {"error", OFTString}};

std::string Lower(std::string s) { return absl::AsciiStrToLower(s); }

std::string DriverFor(const std::string& path) {
  const std::string ext = Lower(std::filesystem::path(path).extension().string());
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".csv") return "CSV";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  return "";
}

std::string CrsOf(const OGRSpatialReference* srs) {
  if (srs == nullptr) return "";
  OGRSpatialReference copy(*srs);
  if (copy.GetAuthorityCode(nullptr) == nullptr) copy.AutoIdentifyEPSG();
  const char* auth = copy.GetAuthorityName(nullptr);
  const char* code = copy.GetAuthorityCode(nullptr);
  if (auth != nullptr && code != nullptr) return absl::StrCat(auth, ":", code);
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2019", nullptr};
  copy.exportToWkt(&wkt, options);
  std::string out = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return out;
}

// Everything written for one input feature: its attributes and geometry.
struct Pending {
  std::unique_ptr<OGRFeature> feature;
  std::string id;
};

// A plain 2D point goes in the columnar form; anything else (no geometry, an
// empty or non-finite point, lines, polygons, multi-geometries) as a feature,
// so that each gets exactly the answer or error of the one-feature form.
bool ColumnarPoint(const OGRGeometry* g, double* x, double* y) {
  if (g == nullptr || wkbFlatten(g->getGeometryType()) != wkbPoint || g->IsEmpty()) {
    return false;
  }
  const OGRPoint* p = g->toPoint();
  *x = p->getX();
  *y = p->getY();
  return std::isfinite(*x) && std::isfinite(*y);
}

// What a point's part in a zone looks like as WKB (little-endian 2D Point),
// as the one-feature answer carries it in ZoneHit.intersection_wkb.
std::string PointWkb(double x, double y) {
  std::string wkb(21, '\0');
  wkb[0] = 1;
  const uint32_t type = 1;
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &x, 8);
  std::memcpy(&wkb[13], &y, 8);
  return wkb;
}

// Turns columnar point answers back into per-point OverlayResults, with the
// stream's zone and rule tables.
class PointAnswers {
 public:
  void AddTables(const v1::OverlayBatchResult& batch) {
    for (const v1::ZoneEntry& z : batch.zones()) zones_[z.index()] = z;
    for (const v1::RuleEntry& r : batch.rules()) rules_[r.index()] = r.rule();
  }

  // Point `i` of `p` (hits and nearby zones from the cursors, which advance).
  void Fill(const v1::PointResults& p, int i, v1::OverlayResult* out) {
    if (next_error_ < p.error_index_size() &&
        static_cast<int>(p.error_index(next_error_)) == i) {
      out->set_error(p.error(next_error_));
      out->set_error_code(p.error_code(next_error_));
      ++next_error_;
      return;
    }
    v1::CheckResponse* r = out->mutable_response();
    r->set_dataset_version(out->dataset_version());
    // A hits-only batch has the hit columns alone.
    const bool whole = p.verdict_size() > 0;
    if (whole) {
      r->set_verdict(static_cast<v1::Verdict>(p.verdict(i)));
      r->set_verdict_reason(p.reasons(static_cast<int>(p.reason(i))));
    }
    r->set_search_radius_m(p.search_radius_m());
    r->set_as_of(p.as_of());
    const uint32_t hits = p.hit_count(i);
    std::string wkb;
    if (hits > 0 && next_intersection_ < p.intersection_lon_size()) {
      wkb = PointWkb(p.intersection_lon(next_intersection_),
                     p.intersection_lat(next_intersection_));
      ++next_intersection_;
    }
    for (uint32_t k = 0; k < hits; ++k, ++next_hit_) {
      const v1::ZoneEntry& z = zones_[p.hit_zone(next_hit_)];
      v1::ZoneHit* h = r->add_hits();
      h->set_layer(z.layer());
      h->set_kind(z.kind());
      h->set_zone_id(z.zone_id());
      h->set_zone_name(z.zone_name());
      h->set_level(z.level());
      h->set_normalized_level(z.normalized_level());
      h->set_relation(static_cast<v1::ZoneHit::Relation>(p.hit_relation(next_hit_)));
      for (uint32_t n = whole ? p.hit_rule_count(next_hit_) : 0; n > 0; --n) {
        *h->add_rules() = rules_[p.hit_rule(next_hit_rule_++)];
        h->mutable_rules()->rbegin()->clear_setback_m();
      }
      if (!wkb.empty()) h->set_intersection_wkb(wkb);
    }
    for (uint32_t k = whole ? p.near_count(i) : 0; k > 0; --k, ++next_near_) {
      const v1::ZoneEntry& z = zones_[p.near_zone(next_near_)];
      v1::NearZone* n = r->add_nearest();
      n->set_layer(z.layer());
      n->set_kind(z.kind());
      n->set_zone_id(z.zone_id());
      n->set_zone_name(z.zone_name());
      n->set_level(z.level());
      n->set_normalized_level(z.normalized_level());
      n->set_distance_m(p.near_distance_m(next_near_));
      for (uint32_t m = p.near_rule_count(next_near_); m > 0; --m) {
        *n->add_rules() = rules_[p.near_rule(next_near_rule_++)];
      }
    }
  }

  // Cursors back to the start of the next message's columns.
  void Rewind() { next_hit_ = next_near_ = next_hit_rule_ = next_near_rule_ = next_error_ =
                      next_intersection_ = 0; }

 private:
  std::map<uint32_t, v1::ZoneEntry> zones_;
  std::map<uint32_t, v1::RuleApplication> rules_;
  int next_hit_ = 0, next_near_ = 0, next_hit_rule_ = 0, next_near_rule_ = 0, next_error_ = 0,
      next_intersection_ = 0;
};

class Progress {
 public:
  Progress(bool quiet, GIntBig total) : quiet_(quiet), total_(total), tty_(isatty(2)) {}
  void Update(int64_t done, bool force = false) {
    if (quiet_) return;
    const absl::Time now = absl::Now();
    const absl::Duration every = tty_ ? absl::Milliseconds(200) : absl::Seconds(5);
    if (!force && now - last_ < every) return;
    last_ = now;
    const double secs = absl::ToDoubleSeconds(now - start_);
    const double rate = secs > 0 ? done / secs : 0;
    std::string line;
    if (total_ > 0) {
      const double frac = std::min(1.0, static_cast<double>(done) / total_);
      const double eta = rate > 0 ? (total_ - done) / rate : 0;
      const int width = 30;
      const int filled = static_cast<int>(frac * width);
      line = absl::StrFormat("[%s%s] %d/%d %5.1f%% %8.0f/s ETA %.0fs", std::string(filled, '#'),
                             std::string(width - filled, '.'), done, total_, 100 * frac, rate, eta);
    } else {
      line = absl::StrFormat("%d features, %.0f/s", done, rate);
    }
    if (tty_) {
      std::fprintf(stderr, "\r%s", line.c_str());
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }
  void Done(int64_t done) {
    Update(done, true);
    if (!quiet_ && tty_) std::fprintf(stderr, "\n");
  }
  double Seconds() const { return absl::ToDoubleSeconds(absl::Now() - start_); }

 private:
  bool quiet_;
  GIntBig total_;
  bool tty_;
  absl::Time start_ = absl::Now();
  absl::Time last_ = absl::InfinitePast();
};

class OutputWriter {
 public:
  absl::Status Open(const std::string& path, OGRFeatureDefn* input_defn) {
    driver_name_ = DriverFor(path);
    if (driver_name_.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cannot tell the output format of ", path, ": use .gpkg, .csv or .geojson"));
    }
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name_.c_str());
    std::error_code ec;
    std::filesystem::remove(path, ec);
    dataset_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset_) {
      return absl::InvalidArgumentError(absl::StrCat("cannot create ", path, ": ", CPLGetLastErrorMsg()));
    }
    lonlat_.importFromEPSG(4490);
    lonlat_.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const char* csv_options[] = {"GEOMETRY=AS_WKT", nullptr};
    char** options = driver_name_ == "CSV" ? const_cast<char**>(csv_options) : nullptr;
    hits_ = dataset_->CreateLayer("overlay", &lonlat_, wkbUnknown, options);
    if (driver_name_ == "GPKG") {
      no_hits_ = dataset_->CreateLayer("no_hits", &lonlat_, wkbUnknown, nullptr);
    }
    for (OGRLayer* layer : {hits_, no_hits_}) {
      if (layer == nullptr) continue;
      for (int i = 0; i < input_defn->GetFieldCount(); ++i) {
        OGRFieldDefn field(input_defn->GetFieldDefn(i));
        if (IsOurs(field.GetNameRef())) field.SetName(absl::StrCat("in_", field.GetNameRef()).c_str());
        layer->CreateField(&field);
      }
      for (const HitColumn& c : kHitColumns) {
        if (layer == no_hits_ && !IsNoHitColumn(c.name)) continue;
        OGRFieldDefn field(c.name, c.type);
        layer->CreateField(&field);
      }
    }
    input_fields_ = input_defn->GetFieldCount();
    // One transaction for the whole output (GeoPackage); formats without
    // transactions (CSV, GeoJSON) write as they go.
    in_transaction_ = dataset_->StartTransaction() == OGRERR_NONE;
    return absl::OkStatus();
  }

  // Rows for one input feature: one per zone hit, or one without a hit.
  void Write(OGRFeature& input, const OGRGeometry* input_lonlat, const v1::OverlayResult& r) {
    const v1::CheckResponse& resp = r.response();
    auto fill_common = [&](OGRFeature& f) {
      for (int i = 0; i < input_fields_; ++i) {
        if (input.IsFieldSetAndNotNull(i)) f.SetField(i, input.GetRawFieldRef(i));
      }
      f.SetField("input_id", r.id().c_str());
      if (r.error().empty()) {
        if (resp.verdict() != v1::VERDICT_UNSPECIFIED) {  // unset for hits only
          f.SetField("verdict", v1::Verdict_Name(resp.verdict()).c_str());
          f.SetField("verdict_reason", resp.verdict_reason().c_str());
        }
      } else {
        f.SetField("error", r.error().c_str());
      }
      f.SetField("dataset_version", r.dataset_version().c_str());
    };
    if (!r.error().empty() || resp.hits().empty()) {
      OGRLayer* layer = no_hits_ != nullptr ? no_hits_ : hits_;
      OGRFeature f(layer->GetLayerDefn());
      fill_common(f);
      if (input_lonlat != nullptr) f.SetGeometry(input_lonlat);
      Check(layer->CreateFeature(&f));
      return;
    }
    for (const v1::ZoneHit& h : resp.hits()) {
      OGRFeature f(hits_->GetLayerDefn());
      fill_common(f);
      f.SetField("zone_layer", h.layer().c_str());
      f.SetField("zone_kind", v1::ZoneKind_Name(h.kind()).c_str());
      f.SetField("zone_id", h.zone_id().c_str());
      f.SetField("zone_name", h.zone_name().c_str());
      f.SetField("zone_level", h.level().c_str());
      f.SetField("relation", v1::ZoneHit::Relation_Name(h.relation()).c_str());
      f.SetField("overlap_area_m2", h.overlap_area_m2());
      f.SetField("overlap_ratio", h.overlap_ratio());
      f.SetField("overlap_length_m", h.overlap_length_m());
      v1::Verdict strictest = v1::VERDICT_UNSPECIFIED;
      std::vector<std::string> ids;
      for (const v1::RuleApplication& rule : h.rules()) {
        ids.push_back(rule.rule_id());
        if (rule.verdict() > strictest) strictest = rule.verdict();
      }
      if (strictest != v1::VERDICT_UNSPECIFIED) {
        f.SetField("zone_verdict", v1::Verdict_Name(strictest).c_str());
      }
      f.SetField("rules", absl::StrJoin(ids, ",").c_str());
      if (!h.intersection_wkb().empty()) {
        OGRGeometry* g = nullptr;
        if (OGRGeometryFactory::createFromWkb(h.intersection_wkb().data(), &lonlat_, &g,
                                              h.intersection_wkb().size()) == OGRERR_NONE) {
          f.SetGeometryDirectly(g);
        }
      }
      Check(hits_->CreateFeature(&f));
    }
  }

  // Commits and closes; the first write that failed (a full disk, a
  // value the format refuses), if any: the output is then incomplete.
  absl::Status Close() {
    if (dataset_) {
      if (in_transaction_ && dataset_->CommitTransaction() != OGRERR_NONE && status_.ok()) {
        status_ = absl::DataLossError(CPLGetLastErrorMsg());
      }
      dataset_.reset();
    }
    return status_;
  }

 private:
  void Check(OGRErr err) {
    if (err != OGRERR_NONE && status_.ok()) {
      status_ = absl::DataLossError(absl::StrCat("writing a row failed: ", CPLGetLastErrorMsg()));
    }
  }

  static bool IsOurs(const char* name) {
    for (const HitColumn& c : kHitColumns) {
      if (EQUAL(c.name, name)) return true;
    }
    return false;
  }
  static bool IsNoHitColumn(absl::string_view name) {
    return name == "input_id" || name == "verdict" || name == "verdict_reason" ||
           name == "dataset_version" || name == "error";
  }

  std::string driver_name_;
  GDALDatasetUniquePtr dataset_;
  OGRSpatialReference lonlat_;
  OGRLayer* hits_ = nullptr;
  OGRLayer* no_hits_ = nullptr;
  bool in_transaction_ = false;
  absl::Status status_;  // the first write that failed
  int input_fields_ = 0;
};

struct Summary {
  int64_t read = 0;
  int64_t with_hits = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> hits_by_kind;
  std::map<std::string, int64_t> by_verdict;
  std::vector<std::string> first_errors;
};

}  // namespace

int RunOverlay(const OverlayOptions& options) {
  GDALAllRegister();
  constexpr unsigned kFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
  GDALDatasetUniquePtr input(GDALDataset::Open(options.input.c_str(), kFlags));
  if (input && EQUAL(input->GetDriverName(), "CSV")) {
    // Points as lon/lat columns, or any geometry as a WKT column.
    const char* csv[] = {"X_POSSIBLE_NAMES=lon,longitude,lng,x,经度",
                         "Y_POSSIBLE_NAMES=lat,latitude,y,纬度",
                         "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom",
                         "KEEP_GEOM_COLUMNS=NO", nullptr};
    input.reset(GDALDataset::Open(options.input.c_str(), kFlags, nullptr, csv, nullptr));
  }
  if (!input) {
    std::cerr << "redline: cannot read " << options.input << ": " << CPLGetLastErrorMsg() << "\n";
    return kBadInput;
  }
  OGRLayer* layer = options.input_layer.empty() ? input->GetLayer(0)
                                                : input->GetLayerByName(options.input_layer.c_str());
  if (layer == nullptr) {
    std::cerr << "redline: no layer '" << options.input_layer << "' in " << options.input << "\n";
    return kBadInput;
  }
  if (!options.where.empty()) {
    // SQL-backed drivers (GeoPackage, PostGIS) accept any filter here and
    // fail only when reading: read one feature to find out now.
    CPLErrorReset();
    bool bad = layer->SetAttributeFilter(options.where.c_str()) != OGRERR_NONE;
    if (!bad) {
      layer->ResetReading();
      OGRFeature::DestroyFeature(layer->GetNextFeature());
      bad = CPLGetLastErrorType() >= CE_Failure;
      layer->ResetReading();
    }
    if (bad) {
      std::cerr << "redline: bad --where '" << options.where << "': " << CPLGetLastErrorMsg()
                << "\n";
      return kBadInput;
    }
  }
  const int id_index = options.id_field.empty()
                           ? -1
                           : layer->GetLayerDefn()->GetFieldIndex(options.id_field.c_str());
  if (!options.id_field.empty() && id_index < 0) {
    std::cerr << "redline: no field '" << options.id_field << "' in the input\n";
    return kBadInput;
  }
  std::string crs = options.crs;
  if (crs.empty()) crs = CrsOf(layer->GetSpatialRef());
  if (crs.empty()) {
    crs = "EPSG:4490";
    if (!options.quiet) {
      std::cerr << "redline: the input declares no CRS; reading it as EPSG:4490 "
                   "(longitude/latitude) — give --crs if that is wrong\n";
    }
  }
  // Input geometries go to the output in EPSG:4490 too.
  OGRSpatialReference in_srs, lonlat;
  in_srs.SetFromUserInput(crs.c_str());
  in_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  lonlat.importFromEPSG(4490);
  lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> to_lonlat(
      OGRCreateCoordinateTransformation(&in_srs, &lonlat));

  OutputWriter out;
  if (absl::Status st = out.Open(options.output, layer->GetLayerDefn()); !st.ok()) {
    std::cerr << "redline: " << st.message() << "\n";
    return kBadInput;
  }

  // The same code path in both modes: --local serves the config in-process.
  std::unique_ptr<server::SnapshotHolder> holder;
  std::unique_ptr<server::RedlineService> service;
  std::unique_ptr<grpc::Server> local_server;
  std::shared_ptr<grpc::Channel> channel;
  if (!options.local_config.empty()) {
    absl::StatusOr<Config> config = Config::LoadFile(options.local_config);
    if (!config.ok()) {
      std::cerr << "redline: " << config.status().message() << "\n";
      return kBadInput;
    }
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
    if (!snap.ok()) {
      std::cerr << "redline: " << snap.status().message() << "\n";
      return kServerError;
    }
    holder = std::make_unique<server::SnapshotHolder>(*snap);
    service = std::make_unique<server::RedlineService>(holder.get());
    grpc::ServerBuilder builder;
    builder.RegisterService(service.get());
    builder.SetMaxReceiveMessageSize(static_cast<int>(config->max_request_bytes));
    local_server = builder.BuildAndStart();
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
    channel = local_server->InProcessChannel(args);
  } else {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
    channel = grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), args);
  }
  auto stub = v1::Redline::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Overlay(&context);

  std::mutex mu;
  std::condition_variable cv;
  std::deque<Pending> pending;
  bool reader_gone = false;
  Progress progress(options.quiet, layer->GetFeatureCount(FALSE));

  std::thread feeder([&] {
    v1::CheckOptions batch_options;
    *batch_options.mutable_siting() = options.siting;
    batch_options.set_search_radius_m(options.search_radius_m);
    for (const auto& l : options.zone_layers) batch_options.add_layers(l);
    batch_options.set_include_intersection(true);
    batch_options.set_hits_only(options.hits_only);
    v1::OverlayRequest request;
    size_t in_request = 0, request_bytes = 0;
    bool ok = true;
    auto flush = [&] {
      if (in_request == 0) return;
      if (ok) ok = stream->Write(request);
      request.Clear();
      in_request = 0;
      request_bytes = 0;
    };
    auto start = [&](bool points) {
      if (in_request == 0) {
        *request.mutable_options() = batch_options;
        if (points) request.mutable_points()->set_crs(crs);
      }
    };
    layer->ResetReading();
    for (auto& feature : *layer) {
      std::string id = id_index >= 0 ? feature->GetFieldAsString(id_index)
                                     : absl::StrCat(feature->GetFID());
      double x = 0, y = 0;
      const bool point = ColumnarPoint(feature->GetGeometryRef(), &x, &y);
      // One kind per message, so the answers come back in input order.
      if (in_request > 0 && point != request.has_points()) flush();
      start(point);
      if (point) {
        request.mutable_points()->add_x(x);
        request.mutable_points()->add_y(y);
      } else {
        v1::OverlayFeature* f = request.add_features();
        f->set_id(id);
        v1::Geometry* g = f->mutable_geometry();
        g->set_crs(crs);
        if (const OGRGeometry* geom = feature->GetGeometryRef()) {
          std::unique_ptr<OGRGeometry> flat(geom->clone());
          flat->flattenTo2D();
          std::string wkb(flat->WkbSize(), '\0');
          flat->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()),
                            wkbVariantIso);
          request_bytes += wkb.size();
          g->set_wkb(std::move(wkb));
        }  // else: no geometry; the server names it in this feature's result
      }
      ++in_request;
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return pending.size() < kMaxPending || reader_gone; });
        if (reader_gone) break;
        pending.push_back({std::unique_ptr<OGRFeature>(feature.release()), std::move(id)});
      }
      cv.notify_all();
      if (in_request >= (point ? kPointBatch : kFeatureBatch) ||
          request_bytes >= kFeatureBatchBytes) {
        flush();
      }
      if (!ok) break;
    }
    flush();
    stream->WritesDone();
  });

  Summary summary;
  PointAnswers answers;
  v1::OverlayResult message;
  auto take = [&](const v1::OverlayResult& result) {
    Pending item;
    {
      std::unique_lock lock(mu);
      item = std::move(pending.front());
      pending.pop_front();
    }
    cv.notify_all();
    ++summary.read;
    std::unique_ptr<OGRGeometry> geom_lonlat;
    if (const OGRGeometry* g = item.feature->GetGeometryRef()) {
      geom_lonlat.reset(g->clone());
      if (to_lonlat == nullptr || geom_lonlat->transform(to_lonlat.get()) != OGRERR_NONE) {
        geom_lonlat.reset();
      }
    }
    out.Write(*item.feature, geom_lonlat.get(), result);
    if (!result.error().empty()) {
      ++summary.errors;
      if (summary.first_errors.size() < 5) {
        summary.first_errors.push_back(absl::StrCat(result.id(), ": ", result.error()));
      }
    } else {
      if (result.response().verdict() != v1::VERDICT_UNSPECIFIED) {  // unset for hits only
        ++summary.by_verdict[v1::Verdict_Name(result.response().verdict())];
      }
      if (!result.response().hits().empty()) ++summary.with_hits;
      for (const v1::ZoneHit& h : result.response().hits()) {
        ++summary.hits_by_kind[v1::ZoneKind_Name(h.kind())];
      }
    }
    progress.Update(summary.read);
    return item.id;
  };
  while (stream->Read(&message)) {
    if (!message.has_batch()) {  // a one-feature answer
      take(message);
      continue;
    }
    const v1::OverlayBatchResult& batch = message.batch();
    for (const v1::OverlayResult& r : batch.results()) {
      v1::OverlayResult one = r;
      one.set_dataset_version(message.dataset_version());
      take(one);
    }
    if (!batch.has_points()) continue;
    answers.AddTables(batch);
    answers.Rewind();
    const v1::PointResults& p = batch.points();
    for (int i = 0; i < p.hit_count_size(); ++i) {
      v1::OverlayResult one;
      one.set_dataset_version(message.dataset_version());
      {
        std::lock_guard lock(mu);
        one.set_id(pending.front().id);
      }
      answers.Fill(p, i, &one);
      take(one);
    }
  }
  {
    std::lock_guard lock(mu);
    reader_gone = true;
  }
  cv.notify_all();
  feeder.join();
  grpc::Status status = stream->Finish();
  const absl::Status written = out.Close();
  progress.Done(summary.read);
  if (local_server) local_server->Shutdown();

  const double secs = progress.Seconds();
  std::cout << absl::StrFormat(
      "overlay: %d features read, %d with hits, %d errors, %.1f s (%.0f features/s) -> %s\n",
      summary.read, summary.with_hits, summary.errors, secs, secs > 0 ? summary.read / secs : 0,
      options.output);
  for (const auto& [kind, n] : summary.hits_by_kind) {
    std::cout << "  hits " << kind << ": " << n << "\n";
  }
  for (const auto& [verdict, n] : summary.by_verdict) {
    std::cout << "  verdict " << verdict << ": " << n << "\n";
  }
  for (const std::string& e : summary.first_errors) std::cout << "  error " << e << "\n";
  if (!written.ok()) {
    std::cerr << "redline: " << options.output << " is incomplete: " << written.message() << "\n";
    return kServerError;
  }
  if (!status.ok()) {
    std::cerr << "redline: the overlay stream failed after " << summary.read
              << " features: " << status.error_message() << "\n";
    return kServerError;
  }
  return summary.errors > 0 ? kSomeFailed : kOk;
}

}  // namespace redline::cli
