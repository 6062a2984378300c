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
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/flags.h"
#include "clients/cli/overlay_answers.h"
#include "clients/cli/overlay_connection.h"
#include "clients/cli/overlay_fanout.h"
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
// feature also queued to meet its answer. Message b goes to stream
// b % streams.size(): round-robin, so that the answers, read in the same
// order, come back in input order. A message to any stream but the first
// waits for the pinned version and carries it (require_version), as does
// every message once it is known.
class Feeder {
 public:
  Feeder(const Input& in, const v1::CheckOptions& options, PendingQueue* queue,
         std::vector<OverlayStream*> streams, VersionPin* pin)
      : in_(in), options_(options), queue_(queue), streams_(std::move(streams)), pin_(pin) {}

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
    for (OverlayStream* stream : streams_) stream->WritesDone();
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
    const size_t k = sent_++ % streams_.size();
    std::string pinned = pin_->Current();
    if (pinned.empty() && k != 0) {
      // Another server: only once the first answer said which data.
      std::optional<std::string> known = pin_->Wait();
      if (!known) ok_ = false;  // the job is ending
      pinned = known.value_or("");
    }
    if (!pinned.empty()) request_.mutable_options()->set_require_version(pinned);
    if (ok_) ok_ = streams_[k]->Write(request_);
    request_.Clear();
    in_request_ = 0;
    request_bytes_ = 0;
  }

  const Input& in_;
  const v1::CheckOptions& options_;
  PendingQueue* queue_;
  const std::vector<OverlayStream*> streams_;
  VersionPin* pin_;
  v1::OverlayRequest request_;
  size_t sent_ = 0;  // messages written, over all streams
  size_t in_request_ = 0;
  size_t request_bytes_ = 0;
  bool ok_ = true;
};

// Reads the answers, pairs each with its queued feature, writes the rows.
class Reader {
 public:
  Reader(const Input& in, PendingQueue* queue, OutputWriter* out, Progress* progress)
      : in_(in), queue_(queue), out_(out), progress_(progress) {}

  // Reads answer b from stream b % streams.size(), until a stream has no
  // more (ended(): which). Every answer is held to `pin`; the first one
  // that is not stops the reading with the pin's error.
  absl::Status Run(const std::vector<OverlayStream*>& streams,
                   const std::vector<std::string>& addresses, VersionPin* pin) {
    v1::OverlayResult message;
    for (size_t b = 0;; ++b) {
      const size_t k = b % streams.size();
      if (!streams[k]->Read(&message)) {
        ended_ = k;
        return absl::OkStatus();
      }
      if (absl::Status st = pin->Hold(message.dataset_version(), addresses[k]); !st.ok()) {
        ended_ = k;
        return st;
      }
      // Rows from several replicas name one version, the pinned one: the
      // same content (held above), loaded there at another moment.
      if (streams.size() > 1) message.set_dataset_version(pin->Current());
      // Each stream sends its zone and rule tables once: a stream's own.
      Answer(message, &answers_[k]);
    }
  }

  size_t ended() const { return ended_; }
  const Summary& summary() const { return summary_; }

 private:
  void Answer(const v1::OverlayResult& message, PointAnswers* answers) {
    if (!message.has_batch()) {  // a one-feature answer
      Take(message);
      return;
    }
    const v1::OverlayBatchResult& batch = message.batch();
    for (const v1::OverlayResult& r : batch.results()) {
      v1::OverlayResult one = r;
      one.set_dataset_version(message.dataset_version());
      Take(one);
    }
    if (!batch.has_points()) return;
    answers->AddTables(batch);
    answers->Rewind();
    const v1::PointResults& p = batch.points();
    for (int i = 0; i < p.hit_count_size(); ++i) {
      v1::OverlayResult one;
      one.set_dataset_version(message.dataset_version());
      one.set_id(queue_->FrontId());
      answers->Fill(p, i, &one);
      Take(one);
    }
  }

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
  // Per stream: the tables its answers refer to by index.
  std::map<size_t, PointAnswers> answers_;
  Summary summary_;
  size_t ended_ = 0;
};

// What an exit status says, and its message on stderr.
int Fail(const absl::Status& status) {
  std::cerr << "redline: " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kBadInput : kServerError;
}

// One Overlay call per server.
struct Streams {
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<OverlayStream>> owned;
  std::vector<OverlayStream*> streams;

  explicit Streams(const Connection& connection) {
    for (const std::shared_ptr<grpc::Channel>& channel : connection.channels) {
      auto stub = v1::Redline::NewStub(channel);
      contexts.push_back(std::make_unique<grpc::ClientContext>());
      owned.push_back(stub->Overlay(contexts.back().get()));
      streams.push_back(owned.back().get());
    }
  }

  // Every call's status once the reading is over. `read` is the reader's:
  // OK when stream `ended` simply had no more answers. Anything else (a
  // stream that failed, an answer from other data) cancels all the calls,
  // so that the feeding thread's writes return. The status that stopped the
  // job comes first: the failing stream's, not the cancellations it caused.
  grpc::Status End(const absl::Status& read, size_t ended, const std::vector<std::string>& where,
                   PendingQueue* queue, VersionPin* pin, std::thread* feeding) {
    grpc::Status first = read.ok() ? streams[ended]->Finish() : grpc::Status::OK;
    if (!first.ok() && where.size() > 1) {  // which of the servers
      first = grpc::Status(first.error_code(), absl::StrCat("the server at ", where[ended], ": ",
                                                            first.error_message()));
    }
    if (!read.ok() || !first.ok()) {
      for (auto& context : contexts) context->TryCancel();
    }
    queue->ReaderGone();
    pin->Abandon();
    feeding->join();
    for (size_t k = 0; k < streams.size(); ++k) {
      if (read.ok() && k == ended) continue;
      grpc::Status st = streams[k]->Finish();
      if (first.ok() && st.error_code() != grpc::StatusCode::CANCELLED) first = st;
    }
    if (!read.ok()) {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, std::string(read.message()));
    }
    return first;
  }
};

// Where the servers' answers came from, after the summary.
void PrintServers(const Connection& connection, VersionPin* pin) {
  if (connection.addresses.size() < 2) return;
  std::cout << "  spread over " << connection.addresses.size() << " servers ("
            << absl::StrJoin(connection.addresses, ", ") << "), one stream each; dataset "
            << pin->Current() << "\n";
}

// Streams the features of `in` through `connection` (one stream per
// server, the messages round-robin) to `out`.
int StreamOverlay(const OverlayOptions& options, const Input& in, Connection* connection,
                  OutputWriter* out) {
  Streams calls(*connection);
  PendingQueue queue;
  VersionPin pin(options.request_options.require_version());
  Progress progress(options.quiet, in.feature_count);
  Feeder feeder(in, options.request_options, &queue, calls.streams, &pin);
  std::thread feeding([&feeder] { feeder.Run(); });
  Reader reader(in, &queue, out, &progress);
  const absl::Status held = reader.Run(calls.streams, connection->addresses, &pin);
  const grpc::Status status =
      calls.End(held, reader.ended(), connection->addresses, &queue, &pin, &feeding);
  const absl::Status written = out->Close();
  progress.Done(reader.summary().read);
  const int64_t read = reader.summary().read;
  std::error_code ec;
  if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    // Another dataset than the one pinned (refused by a server, or seen
    // here): rows from the pinned one only would look like the whole job.
    std::filesystem::remove(options.output, ec);
    std::cerr << "redline: the overlay stopped (" << options.output
              << " not written): " << status.error_message() << "\n";
    return kServerError;
  }
  if (!status.ok() && read == 0) {
    // Nothing was checked: no file that looks like an answer.
    std::filesystem::remove(options.output, ec);
    std::cerr << "redline: the overlay stream failed before any answer (" << options.output
              << " not written): " << status.error_message() << "\n";
    return kServerError;
  }
  PrintSummary(reader.summary(), progress.Seconds(), options.output, options.json);
  if (!options.json) PrintServers(*connection, &pin);
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
  if (FastPathApplies(options, in)) {
    const int rc = RunFastOverlay(options, in, &connection);
    if (connection.addresses.size() > 1) {
      // The fast path keeps one stream; spreading is the GDAL path's.
      std::cout << "  (fast path: on the first server only, " << connection.addresses.front()
                << "; REDLINE_OVERLAY_GDAL_ONLY=1 spreads over all " << connection.addresses.size()
                << ")\n";
    }
    return rc;
  }
  OutputWriter out;
  if (absl::Status st = out.Open(options.output, in.layer->GetLayerDefn(), in.layer->GetGeomType());
      !st.ok()) {
    return Fail(st);
  }
  return StreamOverlay(options, in, &connection, &out);
}

}  // namespace redline::cli
