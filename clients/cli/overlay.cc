#include "clients/cli/overlay.h"

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <grpcpp/grpcpp.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/cli/flags.h"
#include "clients/cli/overlay_answers.h"
#include "clients/cli/overlay_writer.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/grpc/redline_service.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"

namespace redline::cli {
namespace {

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

using OverlayStream = grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>;

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

// The features read ahead of their answers, in input order: the feeder
// thread pushes, the reading thread pops as the answers come back.
class PendingQueue {
 public:
  // Blocks while kMaxPending features wait; false once the reader is gone.
  bool Push(Pending item) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return items_.size() < kMaxPending || reader_gone_; });
      if (reader_gone_) return false;
      items_.push_back(std::move(item));
    }
    cv_.notify_all();
    return true;
  }

  // The oldest feature; there is one for every answer.
  Pending Pop() {
    Pending item;
    {
      std::unique_lock lock(mu_);
      item = std::move(items_.front());
      items_.pop_front();
    }
    cv_.notify_all();
    return item;
  }

  std::string FrontId() {
    std::lock_guard lock(mu_);
    return items_.front().id;
  }

  // No more answers will be read: a blocked Push returns false.
  void ReaderGone() {
    {
      std::lock_guard lock(mu_);
      reader_gone_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> items_;
  bool reader_gone_ = false;
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

struct Summary {
  int64_t read = 0;
  int64_t with_hits = 0;
  int64_t errors = 0;
  std::map<std::string, int64_t> hits_by_kind;
  std::map<std::string, int64_t> by_verdict;
  std::vector<std::string> first_errors;
};

// The input: its layer (filtered), id column, CRS and the way to EPSG:4490.
struct Input {
  GDALDatasetUniquePtr dataset;
  OGRLayer* layer = nullptr;
  int id_index = -1;
  std::string crs;
  std::unique_ptr<OGRCoordinateTransformation> to_lonlat;
};

GDALDatasetUniquePtr OpenDataset(const std::string& path) {
  constexpr unsigned kFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
  GDALDatasetUniquePtr input(GDALDataset::Open(path.c_str(), kFlags));
  if (input && EQUAL(input->GetDriverName(), "CSV")) {
    // Points as lon/lat columns, or any geometry as a WKT column.
    const char* csv[] = {
        "X_POSSIBLE_NAMES=lon,longitude,lng,x,经度", "Y_POSSIBLE_NAMES=lat,latitude,y,纬度",
        "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom", "KEEP_GEOM_COLUMNS=NO", nullptr};
    input.reset(GDALDataset::Open(path.c_str(), kFlags, nullptr, csv, nullptr));
  }
  return input;
}

// False if the filter is bad.
bool ApplyWhere(OGRLayer* layer, const std::string& where) {
  // SQL-backed drivers (GeoPackage, PostGIS) accept any filter here and
  // fail only when reading: read one feature to find out now.
  CPLErrorReset();
  bool bad = layer->SetAttributeFilter(where.c_str()) != OGRERR_NONE;
  if (!bad) {
    layer->ResetReading();
    OGRFeature::DestroyFeature(layer->GetNextFeature());
    bad = CPLGetLastErrorType() >= CE_Failure;
    layer->ResetReading();
  }
  return !bad;
}

// The input's CRS and the transformation of its geometries to EPSG:4490, in
// which they go to the output.
void SettleCrs(const OverlayOptions& options, Input* in) {
  in->crs = options.crs;
  if (in->crs.empty()) in->crs = CrsOf(in->layer->GetSpatialRef());
  if (in->crs.empty()) {
    in->crs = "EPSG:4490";
    if (!options.quiet) {
      std::cerr << "redline: the input declares no CRS; reading it as EPSG:4490 "
                   "(longitude/latitude) — give --crs if that is wrong\n";
    }
  }
  OGRSpatialReference in_srs, lonlat;
  in_srs.SetFromUserInput(in->crs.c_str());
  in_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  lonlat.importFromEPSG(4490);
  lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  in->to_lonlat.reset(OGRCreateCoordinateTransformation(&in_srs, &lonlat));
}

// kOk, or kBadInput with the reason on stderr.
int OpenInput(const OverlayOptions& options, Input* in) {
  in->dataset = OpenDataset(options.input);
  if (!in->dataset) {
    std::cerr << "redline: cannot read " << options.input << ": " << CPLGetLastErrorMsg() << "\n";
    return kBadInput;
  }
  in->layer = options.input_layer.empty()
                  ? in->dataset->GetLayer(0)
                  : in->dataset->GetLayerByName(options.input_layer.c_str());
  if (in->layer == nullptr) {
    std::cerr << "redline: no layer '" << options.input_layer << "' in " << options.input << "\n";
    return kBadInput;
  }
  if (!options.where.empty() && !ApplyWhere(in->layer, options.where)) {
    std::cerr << "redline: bad --where '" << options.where << "': " << CPLGetLastErrorMsg() << "\n";
    return kBadInput;
  }
  if (!options.id_field.empty()) {
    in->id_index = in->layer->GetLayerDefn()->GetFieldIndex(options.id_field.c_str());
    if (in->id_index < 0) {
      std::cerr << "redline: no field '" << options.id_field << "' in the input\n";
      return kBadInput;
    }
  }
  SettleCrs(options, in);
  return kOk;
}

// The channel to the server, or to one serving the config in-process
// (--local): the same code path in both modes.
struct Connection {
  std::unique_ptr<server::SnapshotHolder> holder;
  std::unique_ptr<server::RedlineService> service;
  std::unique_ptr<grpc::Server> local_server;
  std::shared_ptr<grpc::Channel> channel;
};

int Connect(const OverlayOptions& options, Connection* c) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxAnswerBytes);
  if (options.local_config.empty()) {
    c->channel =
        grpc::CreateCustomChannel(options.server, grpc::InsecureChannelCredentials(), args);
    return kOk;
  }
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
  c->holder = std::make_unique<server::SnapshotHolder>(*snap);
  c->service = std::make_unique<server::RedlineService>(c->holder.get());
  grpc::ServerBuilder builder;
  builder.RegisterService(c->service.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(config->max_request_bytes));
  c->local_server = builder.BuildAndStart();
  c->channel = c->local_server->InProcessChannel(args);
  return kOk;
}

// Reads the input's features into request messages (on its own thread), each
// feature also queued to meet its answer.
class Feeder {
 public:
  Feeder(const Input& in, const v1::CheckOptions& options, PendingQueue* queue,
         OverlayStream* stream)
      : in_(in), options_(options), queue_(queue), stream_(stream) {}

  void Run() {
    in_.layer->ResetReading();
    for (auto& feature : *in_.layer) {
      std::string id = in_.id_index >= 0 ? feature->GetFieldAsString(in_.id_index)
                                         : absl::StrCat(feature->GetFID());
      const bool point = Add(*feature, id);
      if (!queue_->Push({std::unique_ptr<OGRFeature>(feature.release()), std::move(id)})) break;
      if (in_request_ >= (point ? kPointBatch : kFeatureBatch) ||
          request_bytes_ >= kFeatureBatchBytes) {
        Flush();
      }
      if (!ok_) break;
    }
    Flush();
    stream_->WritesDone();
  }

 private:
  // Adds the feature to the request; whether it went as a point.
  bool Add(const OGRFeature& feature, const std::string& id) {
    double x = 0, y = 0;
    const bool point = ColumnarPoint(feature.GetGeometryRef(), &x, &y);
    // One kind per message, so the answers come back in input order.
    if (in_request_ > 0 && point != request_.has_points()) Flush();
    if (in_request_ == 0) {
      *request_.mutable_options() = options_;
      if (point) request_.mutable_points()->set_crs(in_.crs);
    }
    if (point) {
      request_.mutable_points()->add_x(x);
      request_.mutable_points()->add_y(y);
    } else {
      v1::OverlayFeature* f = request_.add_features();
      f->set_id(id);
      v1::Geometry* g = f->mutable_geometry();
      g->set_crs(in_.crs);
      if (const OGRGeometry* geom = feature.GetGeometryRef()) {
        std::unique_ptr<OGRGeometry> flat(geom->clone());
        flat->flattenTo2D();
        std::string wkb(flat->WkbSize(), '\0');
        flat->exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
        request_bytes_ += wkb.size();
        g->set_wkb(std::move(wkb));
      }  // else: no geometry; the server names it in this feature's result
    }
    ++in_request_;
    return point;
  }

  void Flush() {
    if (in_request_ == 0) return;
    if (ok_) ok_ = stream_->Write(request_);
    request_.Clear();
    in_request_ = 0;
    request_bytes_ = 0;
  }

  const Input& in_;
  const v1::CheckOptions& options_;
  PendingQueue* queue_;
  OverlayStream* stream_;
  v1::OverlayRequest request_;
  size_t in_request_ = 0;
  size_t request_bytes_ = 0;
  bool ok_ = true;
};

// Reads the answers, pairs each with its queued feature, writes the rows.
class Reader {
 public:
  Reader(const Input& in, PendingQueue* queue, OutputWriter* out, Progress* progress)
      : in_(in), queue_(queue), out_(out), progress_(progress) {}

  void Run(OverlayStream* stream) {
    v1::OverlayResult message;
    while (stream->Read(&message)) {
      if (!message.has_batch()) {  // a one-feature answer
        Take(message);
        continue;
      }
      const v1::OverlayBatchResult& batch = message.batch();
      for (const v1::OverlayResult& r : batch.results()) {
        v1::OverlayResult one = r;
        one.set_dataset_version(message.dataset_version());
        Take(one);
      }
      if (!batch.has_points()) continue;
      answers_.AddTables(batch);
      answers_.Rewind();
      const v1::PointResults& p = batch.points();
      for (int i = 0; i < p.hit_count_size(); ++i) {
        v1::OverlayResult one;
        one.set_dataset_version(message.dataset_version());
        one.set_id(queue_->FrontId());
        answers_.Fill(p, i, &one);
        Take(one);
      }
    }
  }

  const Summary& summary() const { return summary_; }

 private:
  void Take(const v1::OverlayResult& result) {
    Pending item = queue_->Pop();
    ++summary_.read;
    std::unique_ptr<OGRGeometry> geom_lonlat;
    if (const OGRGeometry* g = item.feature->GetGeometryRef()) {
      geom_lonlat.reset(g->clone());
      if (in_.to_lonlat == nullptr || geom_lonlat->transform(in_.to_lonlat.get()) != OGRERR_NONE) {
        geom_lonlat.reset();
      }
    }
    out_->Write(*item.feature, geom_lonlat.get(), result);
    if (!result.error().empty()) {
      ++summary_.errors;
      if (summary_.first_errors.size() < 5) {
        summary_.first_errors.push_back(absl::StrCat(result.id(), ": ", result.error()));
      }
    } else {
      if (result.response().verdict() != v1::VERDICT_UNSPECIFIED) {  // unset for hits only
        ++summary_.by_verdict[v1::Verdict_Name(result.response().verdict())];
      }
      if (!result.response().hits().empty()) ++summary_.with_hits;
      for (const v1::ZoneHit& h : result.response().hits()) {
        ++summary_.hits_by_kind[v1::ZoneKind_Name(h.kind())];
      }
    }
    progress_->Update(summary_.read);
  }

  const Input& in_;
  PendingQueue* queue_;
  OutputWriter* out_;
  Progress* progress_;
  PointAnswers answers_;
  Summary summary_;
};

void PrintSummary(const Summary& summary, double secs, const std::string& output) {
  std::cout << absl::StrFormat(
      "overlay: %d features read, %d with hits, %d errors, %.1f s (%.0f features/s) -> %s\n",
      summary.read, summary.with_hits, summary.errors, secs, secs > 0 ? summary.read / secs : 0,
      output);
  for (const auto& [kind, n] : summary.hits_by_kind) {
    std::cout << "  hits " << kind << ": " << n << "\n";
  }
  for (const auto& [verdict, n] : summary.by_verdict) {
    std::cout << "  verdict " << verdict << ": " << n << "\n";
  }
  for (const std::string& e : summary.first_errors) std::cout << "  error " << e << "\n";
}

}  // namespace

int RunOverlay(const OverlayOptions& options) {
  GDALAllRegister();
  Input in;
  if (int rc = OpenInput(options, &in); rc != kOk) return rc;
  OutputWriter out;
  if (absl::Status st = out.Open(options.output, in.layer->GetLayerDefn()); !st.ok()) {
    std::cerr << "redline: " << st.message() << "\n";
    return kBadInput;
  }
  Connection connection;
  if (int rc = Connect(options, &connection); rc != kOk) return rc;
  auto stub = v1::Redline::NewStub(connection.channel);
  grpc::ClientContext context;
  std::unique_ptr<OverlayStream> stream = stub->Overlay(&context);

  PendingQueue queue;
  Progress progress(options.quiet, in.layer->GetFeatureCount(FALSE));
  Feeder feeder(in, options.request_options, &queue, stream.get());
  std::thread feeding([&feeder] { feeder.Run(); });
  Reader reader(in, &queue, &out, &progress);
  reader.Run(stream.get());
  queue.ReaderGone();
  feeding.join();
  grpc::Status status = stream->Finish();
  const absl::Status written = out.Close();
  progress.Done(reader.summary().read);
  if (connection.local_server) connection.local_server->Shutdown();

  PrintSummary(reader.summary(), progress.Seconds(), options.output);
  if (!written.ok()) {
    std::cerr << "redline: " << options.output << " is incomplete: " << written.message() << "\n";
    return kServerError;
  }
  if (!status.ok()) {
    std::cerr << "redline: the overlay stream failed after " << reader.summary().read
              << " features: " << status.error_message() << "\n";
    return kServerError;
  }
  return reader.summary().errors > 0 ? kSomeFailed : kOk;
}

}  // namespace redline::cli
