#include "clients/cli/overlay.h"

#include <cpl_conv.h>
#include <gdal_priv.h>
#include <grpcpp/grpcpp.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <cmath>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/flags.h"
#include "clients/cli/overlay_answers.h"
#include "clients/cli/overlay_connection.h"
#include "clients/cli/overlay_fast.h"
#include "clients/cli/overlay_input.h"
#include "clients/cli/overlay_progress.h"
#include "clients/cli/overlay_summary.h"
#include "clients/cli/overlay_writer.h"
#include "redline/v1/redline.grpc.pb.h"

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
// Features read ahead of their answers; bounds the client's memory while
// keeping several batches in flight (the server works on up to 4 at once).
constexpr size_t kMaxPending = 8 * kPointBatch;

using OverlayStream = grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>;

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
    std::unique_ptr<OGRGeometry> geom_lonlat;
    if (const OGRGeometry* g = item.feature->GetGeometryRef()) {
      geom_lonlat.reset(g->clone());
      if (in_.to_lonlat == nullptr || geom_lonlat->transform(in_.to_lonlat.get()) != OGRERR_NONE) {
        geom_lonlat.reset();
      }
    }
    out_->Write(*item.feature, geom_lonlat.get(), result);
    summary_.Add(result);
    progress_->Update(summary_.read);
  }

  const Input& in_;
  PendingQueue* queue_;
  OutputWriter* out_;
  Progress* progress_;
  PointAnswers answers_;
  Summary summary_;
};

// What an exit status says, and its message on stderr.
int Fail(const absl::Status& status) {
  std::cerr << "redline: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kBadInput : kServerError;
}

// Streams the features of `in` through `connection` to `out`.
int StreamOverlay(const OverlayOptions& options, const Input& in, Connection* connection,
                  OutputWriter* out) {
  auto stub = v1::Redline::NewStub(connection->channel);
  grpc::ClientContext context;
  std::unique_ptr<OverlayStream> stream = stub->Overlay(&context);
  PendingQueue queue;
  Progress progress(options.quiet, in.feature_count);
  Feeder feeder(in, options.request_options, &queue, stream.get());
  std::thread feeding([&feeder] { feeder.Run(); });
  Reader reader(in, &queue, out, &progress);
  reader.Run(stream.get());
  queue.ReaderGone();
  feeding.join();
  grpc::Status status = stream->Finish();
  const absl::Status written = out->Close();
  progress.Done(reader.summary().read);
  const int64_t read = reader.summary().read;
  if (!status.ok() && read == 0) {
    // Nothing was checked: no file that looks like an answer.
    std::error_code ec;
    std::filesystem::remove(options.output, ec);
    std::cerr << "redline: the overlay stream failed before any answer (" << options.output
              << " not written): " << status.error_message() << "\n";
    return kServerError;
  }
  PrintSummary(reader.summary(), progress.Seconds(), options.output, options.json);
  if (!written.ok()) {
    std::cerr << "redline: " << options.output << " is incomplete: " << written.message() << "\n";
    return kServerError;
  }
  if (!status.ok()) {
    std::cerr << "redline: the overlay stream failed after " << read
              << " features: " << status.error_message() << "; " << options.output
              << " holds those only\n";
    return kServerError;
  }
  return reader.summary().errors > 0 ? kSomeFailed : kOk;
}

}  // namespace

int RunOverlay(const OverlayOptions& options) {
  GDALAllRegister();
  // Everything that would fail on every row is checked before the first
  // row is read and before the output exists.
  if (absl::Status st = CheckOutputPath(options.output, options.overwrite); !st.ok()) {
    return Fail(st);
  }
  Input in;
  if (absl::Status st = OpenInput(options, &in); !st.ok()) return Fail(st);
  Connection connection;
  if (absl::Status st = Connect(options, &connection); !st.ok()) return Fail(st);
  if (absl::Status st = Preflight(options, in, &connection); !st.ok()) return Fail(st);
  // Point files in and out without OGR per row (REDLINE_OVERLAY_GDAL_ONLY=1
  // in the environment keeps every overlay on the GDAL path below).
  if (FastPathApplies(options, in)) return RunFastOverlay(options, in, &connection);
  OutputWriter out;
  if (absl::Status st = out.Open(options.output, in.layer->GetLayerDefn(), in.layer->GetGeomType());
      !st.ok()) {
    return Fail(st);
  }
  return StreamOverlay(options, in, &connection, &out);
}

}  // namespace redline::cli
