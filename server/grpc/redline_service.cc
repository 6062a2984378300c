#include "server/grpc/redline_service.h"

#include <deque>
#include <functional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/answer_encoder.h"
#include "server/grpc/convert.h"
#include "server/grpc/status_map.h"

namespace redline::server {
namespace {

// Ends a unary call: counted as handled, then sent.
grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context, Metrics::Call* call,
                                grpc::Status status) {
  call->Finish(status.error_code());
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(std::move(status));
  return reactor;
}

// The typed form of an encoded answer, for callers that want a message.
grpc::Status DecodeAnswer(const std::string& answer, v1::CheckResponse* response) {
  if (response->ParseFromString(answer)) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::INTERNAL, "the answer was not a valid CheckResponse");
}

}  // namespace

grpc::Status AnswerCheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                              std::string* answer) {
  absl::StatusOr<CheckOptions> options = OptionsFromProto(request.options());
  if (!options.ok()) return ToGrpcStatus(options.status());
  absl::StatusOr<CheckResult> result =
      snapshot.CheckPoint({request.x(), request.y()}, request.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  EncodeCheckResponse(snapshot, *result, options->siting, absl::Now(), answer);
  return grpc::Status::OK;
}

grpc::Status AnswerCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 std::string* answer) {
  absl::StatusOr<CheckOptions> options = OptionsFromProto(request.options());
  if (!options.ok()) return ToGrpcStatus(options.status());
  const v1::Geometry& g = request.geometry();
  GeometryEncoding encoding;
  absl::string_view data;
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      encoding = GeometryEncoding::kWkt;
      data = g.wkt();
      break;
    case v1::Geometry::kWkb:
      encoding = GeometryEncoding::kWkb;
      data = g.wkb();
      break;
    case v1::Geometry::kGeojson:
      encoding = GeometryEncoding::kGeoJson;
      data = g.geojson();
      break;
    case v1::Geometry::kCoordinateTable:
      encoding = GeometryEncoding::kCoordinateTable;
      data = g.coordinate_table();
      break;
    default:
      return grpc::Status(
          grpc::StatusCode::INVALID_ARGUMENT,
          "geometry is missing: set one of wkt, wkb, geojson or coordinate_table");
  }
  absl::StatusOr<CheckResult> result =
      snapshot.CheckGeometry(encoding, data, g.crs(), *options);
  if (!result.ok()) return ToGrpcStatus(result.status());
  EncodeCheckResponse(snapshot, *result, options->siting, absl::Now(), answer);
  return grpc::Status::OK;
}

grpc::Status HandleCheckPoint(const Snapshot& snapshot, const v1::CheckPointRequest& request,
                              v1::CheckResponse* response) {
  std::string answer;
  grpc::Status status = AnswerCheckPoint(snapshot, request, &answer);
  return status.ok() ? DecodeAnswer(answer, response) : status;
}

grpc::Status HandleCheckGeometry(const Snapshot& snapshot,
                                 const v1::CheckGeometryRequest& request,
                                 v1::CheckResponse* response) {
  std::string answer;
  grpc::Status status = AnswerCheckGeometry(snapshot, request, &answer);
  return status.ok() ? DecodeAnswer(answer, response) : status;
}

void HandleListLayers(const Snapshot& snapshot, const Reloader* reloader,
                      v1::ListLayersResponse* response) {
  LayersToProto(snapshot, response);
  if (reloader != nullptr) {
    if (std::optional<ReloadOutcome> last = reloader->last()) {
      OutcomeToProto(*last, response->mutable_last_reload());
    }
  }
}

grpc::Status HandleGetZones(const Snapshot& snapshot, const v1::GetZonesRequest& request,
                            v1::GetZonesResponse* response) {
  absl::StatusOr<DisplayQuery> query = DisplayQueryFromProto(request, GeometryFormat::kWkb);
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<DisplayZones> zones = snapshot.ZonesForDisplay(*query);
  if (!zones.ok()) return ToGrpcStatus(zones.status());
  response->set_dataset_version(snapshot.version());
  response->set_truncated(zones->truncated);
  response->set_resolution_m(zones->resolution_m);
  for (const DisplayZone& z : zones->zones) {
    DisplayZoneToProto(snapshot, z, GeometryFormat::kWkb, response->add_zones());
  }
  return grpc::Status::OK;
}

void HandleOverlayFeature(const Snapshot& snapshot,
                          const v1::OverlayRequest& request,
                          v1::OverlayResult* result) {
  result->set_id(request.id());
  result->set_dataset_version(snapshot.version());
  if (request.geometry().encoding_case() == v1::Geometry::ENCODING_NOT_SET) {
    result->set_error("the feature has no geometry (null, or coordinates that could not be read)");
    result->set_error_code(grpc::StatusCode::INVALID_ARGUMENT);
    return;
  }
  v1::CheckGeometryRequest check;
  *check.mutable_geometry() = request.geometry();
  *check.mutable_options() = request.options();
  grpc::Status status = HandleCheckGeometry(snapshot, check, result->mutable_response());
  if (!status.ok()) {
    result->clear_response();
    result->set_error(status.error_message());
    result->set_error_code(status.error_code());
  }
}

namespace {

void SetError(const absl::Status& status, v1::OverlayResult* result) {
  const grpc::Status grpc_status = ToGrpcStatus(status);
  result->set_error(grpc_status.error_message());
  result->set_error_code(grpc_status.error_code());
}

int64_t EstimateGeometryBytes(const v1::Geometry& g) {
  switch (g.encoding_case()) {
    case v1::Geometry::kWkt:
      return EstimateWorkingBytes(g.wkt().size(), RequestEncoding::kWkt);
    case v1::Geometry::kWkb:
      return EstimateWorkingBytes(g.wkb().size(), RequestEncoding::kWkb);
    case v1::Geometry::kGeojson:
      return EstimateWorkingBytes(g.geojson().size(), RequestEncoding::kJson);
    case v1::Geometry::kCoordinateTable:
      return EstimateWorkingBytes(g.coordinate_table().size(), RequestEncoding::kWkt);
    default:
      return 0;
  }
}

}  // namespace

int64_t EstimateOverlayBytes(const v1::OverlayRequest& request) {
  int64_t bytes = EstimateGeometryBytes(request.geometry());
  for (const v1::OverlayFeature& feature : request.features()) {
    bytes += EstimateGeometryBytes(feature.geometry());
  }
  if (request.has_points()) {
    const int64_t coordinates = request.points().x_size() + request.points().y_size();
    bytes += EstimateWorkingBytes(coordinates * sizeof(double), RequestEncoding::kWkb);
  }
  return bytes;
}

void HandleOverlayMessage(const Snapshot& snapshot, const v1::OverlayRequest& request,
                          PointBatch* scratch, v1::OverlayResult* result,
                          const absl::Status& refused) {
  if (request.features_size() == 0 && !request.has_points()) {
    if (refused.ok()) {
      HandleOverlayFeature(snapshot, request, result);
    } else {
      result->set_id(request.id());
      result->set_dataset_version(snapshot.version());
      SetError(refused, result);
    }
    return;
  }
  result->set_dataset_version(snapshot.version());
  v1::OverlayBatchResult* batch = result->mutable_batch();
  absl::StatusOr<CheckOptions> options =
      refused.ok() ? OptionsFromProto(request.options()) : absl::StatusOr<CheckOptions>(refused);

  // Features: each exactly as the one-feature form with these options.
  v1::OverlayRequest one;
  *one.mutable_options() = request.options();
  for (const v1::OverlayFeature& feature : request.features()) {
    v1::OverlayResult* r = batch->add_results();
    if (!refused.ok()) {
      r->set_id(feature.id());
      SetError(refused, r);
      continue;
    }
    one.set_id(feature.id());
    if (feature.has_geometry()) {
      *one.mutable_geometry() = feature.geometry();
    } else {
      one.clear_geometry();
    }
    HandleOverlayFeature(snapshot, one, r);
    r->clear_dataset_version();  // on the enclosing result
  }
  if (!request.has_points()) return;

  // Points: the batch path of the core, answered in columns.
  const v1::PointColumns& columns = request.points();
  const int n = columns.x_size();
  std::vector<Point2> points(n);
  for (int i = 0; i < n && i < columns.y_size(); ++i) points[i] = {columns.x(i), columns.y(i)};
  if (options.ok() && columns.y_size() != n) {
    options = absl::InvalidArgumentError(absl::StrCat(
        "points has ", n, " x and ", columns.y_size(), " y values: give one of each per point"));
  }
  if (options.ok() && options->include_zone_geometry) {
    options = absl::InvalidArgumentError(
        "include_zone_geometry is not available for OverlayRequest.points: the point columns "
        "carry no zone outlines; send the points as features, or leave it unset");
  }
  if (!options.ok()) {
    // Every point gets the error, as one-feature messages would.
    scratch->Clear();
    scratch->points.resize(n);
    for (int i = 0; i < n; ++i) {
      scratch->points[i].error = i;
      scratch->errors.emplace_back(i, options.status());
    }
  } else {
    snapshot.CheckPoints(points, columns.crs(), *options, scratch);
  }
  PointBatchToProto(snapshot, *scratch, batch->mutable_points());
}

// The open Overlay streams, to stop them at shutdown.
class OverlayStreams {
 public:
  class Stream {
   public:
    virtual ~Stream() = default;
    virtual void Stop() = 0;
  };
  void Add(const std::shared_ptr<Stream>& stream) {
    absl::MutexLock lock(&mu_);
    open_.insert(stream);
  }
  void Remove(const std::shared_ptr<Stream>& stream) {
    absl::MutexLock lock(&mu_);
    open_.erase(stream);
  }
  int StopAll() {
    std::vector<std::shared_ptr<Stream>> open;
    {
      absl::MutexLock lock(&mu_);
      open.assign(open_.begin(), open_.end());
    }
    // Not under mu_: Stop may end a stream, and its OnDone removes it.
    for (const std::shared_ptr<Stream>& stream : open) stream->Stop();
    return static_cast<int>(open.size());
  }

 private:
  absl::Mutex mu_;
  std::unordered_set<std::shared_ptr<Stream>> open_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Runs work off gRPC's threads: one worker per core, shared by all Overlay
// streams and the unary calls that may take long (and, while the server
// shuts down, all of them: RedlineService::BeginDrain). Never destroyed, so
// no call can outlive it.
class Workers {
 public:
  static Workers& Get() {
    static Workers* workers = new Workers(
        std::max(2u, std::thread::hardware_concurrency()));
    return *workers;
  }
  void Submit(std::function<void()> task) {
    {
      absl::MutexLock lock(&mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.Signal();
  }

 private:
  explicit Workers(unsigned n) {
    for (unsigned i = 0; i < n; ++i) std::thread([this] { Run(); }).detach();
  }
  void Run() {
    for (;;) {
      std::function<void()> task;
      {
        absl::MutexLock lock(&mu_);
        while (tasks_.empty()) cv_.Wait(&mu_);
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }
  absl::Mutex mu_;
  absl::CondVar cv_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
};

// One Overlay stream. Up to kMaxInFlight request messages are read ahead of
// their answers; the workers answer them in parallel (two batches keep both
// cores busy) and the answers are written strictly in request order, one
// write at a time. When kMaxInFlight messages wait for their answers to be
// written, nothing more is read: a slow reader holds the server's memory to
// a few messages. The snapshot is fixed when the stream opens.
//
// At shutdown (Stop) a stream stops reading, writes the answers it owes for
// the messages already read, and ends UNAVAILABLE saying how many results
// were sent: the client knows where to resume, rather than losing the
// stream to gRPC's cancellation at the end of the grace period.
class OverlayReactor final
    : public grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult> {
 public:
  static constexpr size_t kMaxInFlight = 4;

  OverlayReactor(std::shared_ptr<const Snapshot> snapshot, Metrics* metrics,
                 const std::atomic<bool>* draining, OverlayStreams* streams,
                 MemoryBudget* budget)
      : call_(metrics, Rpc::kOverlay),
        state_(std::make_shared<State>(std::move(snapshot), budget)),
        draining_(draining),
        streams_(streams) {
    Actions act;
    {
      absl::MutexLock lock(&state_->mu);
      state_->reactor = this;
      act = state_->NextLocked();
    }
    streams_->Add(state_);
    Act(act);
  }

  void OnReadDone(bool ok) override {
    Actions act;
    Slot* inline_slot = nullptr;
    std::shared_ptr<State> state = state_;  // Answer below may let the reactor go
    {
      absl::MutexLock lock(&state->mu);
      state->reading = false;
      if (!ok) {
        state->reads_done = true;  // the client finished sending (or went away)
      } else if (state->stopping || state->finished) {
        // Read after Stop: not owed, and not counted as answered.
      } else {
        const v1::OverlayRequest& request = *state->read_buffer;
        const bool one_feature = request.features_size() == 0 && !request.has_points();
        const int64_t items =
            one_feature ? 1 : request.features_size() + request.points().x_size();
        state->slots.push_back({std::move(state->read_buffer), {}, false, items});
        Slot* slot = &state->slots.back();
        if (one_feature && !draining_->load(std::memory_order_relaxed)) {
          // One feature: answered here, as before batches existed; a hop to
          // a worker would cost more than it saves. The next read is
          // started first, so other gRPC threads can answer the next ones.
          // While draining, gRPC's threads are left free (BeginDrain).
          inline_slot = slot;
        } else {
          Workers::Get().Submit([state, slot] { state->Answer(slot); });
        }
      }
      act = state->NextLocked();
    }
    Act(act);
    if (inline_slot != nullptr) state->Answer(inline_slot);
  }

  void OnWriteDone(bool ok) override {
    Actions act;
    {
      absl::MutexLock lock(&state_->mu);
      state_->writing = false;
      if (ok) {
        state_->sent_messages += 1;
        state_->sent_items += state_->slots.front().items;
      } else {
        state_->failed = true;
      }
      state_->slots.pop_front();
      act = state_->NextLocked();
    }
    Act(act);
  }

  void OnDone() override {
    streams_->Remove(state_);
    delete this;
  }

 private:
  struct Slot {
    std::unique_ptr<v1::OverlayRequest> request;
    v1::OverlayResult result;
    bool answered = false;
    int64_t items = 0;  // input items (features and points) it answers
  };
  // What to start once the lock is released (gRPC calls are not made under it).
  struct Actions {
    v1::OverlayRequest* read = nullptr;
    const v1::OverlayResult* write = nullptr;
    bool finish = false;
    grpc::Status status;
  };
  // Shared with the workers, so that a worker finishing its last unlock
  // never touches a reactor that gRPC has already deleted.
  struct State final : OverlayStreams::Stream {
    State(std::shared_ptr<const Snapshot> s, MemoryBudget* b)
        : snapshot(std::move(s)), budget(b), tables(*snapshot) {}

    // On a worker: answer one message, then let the stream go on.
    void Answer(Slot* slot) {
      thread_local PointBatch scratch;
      {
        // Held while the message is answered; its features get
        // RESOURCE_EXHAUSTED when the budget cannot take it.
        absl::StatusOr<MemoryBudget::Lease> lease =
            budget == nullptr ? absl::StatusOr<MemoryBudget::Lease>(MemoryBudget::Lease())
                              : budget->Acquire(EstimateOverlayBytes(*slot->request),
                                                "an Overlay message");
        HandleOverlayMessage(*snapshot, *slot->request, &scratch, &slot->result,
                             lease.status());
      }
      Actions act;
      OverlayReactor* r;
      {
        absl::MutexLock lock(&mu);
        slot->request.reset();  // its memory back before the write
        slot->answered = true;
        act = NextLocked();
        r = reactor;
      }
      // With nothing to start, the reactor may already be gone.
      if (act.read != nullptr || act.write != nullptr || act.finish) r->Act(act);
    }

    // Shutdown: read nothing more, write what is owed, then end.
    void Stop() override {
      Actions act;
      OverlayReactor* r;
      {
        absl::MutexLock lock(&mu);
        if (stopping || finished) return;
        stopping = true;
        act = NextLocked();
        r = reactor;
      }
      // As in Answer: something to start means the reactor is still there.
      if (act.read != nullptr || act.write != nullptr || act.finish) r->Act(act);
    }

    // The next steps, decided under the lock.
    Actions NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      Actions act;
      if (finished) return act;  // a read still out after Stop ends here
      if (failed) {
        // The client stopped reading: drop answers as they come.
        while (!writing && !slots.empty() && slots.front().answered) slots.pop_front();
      } else if (!writing && !slots.empty() && slots.front().answered) {
        v1::OverlayResult& result = slots.front().result;
        if (result.has_batch()) tables.Add(result.mutable_batch());
        writing = true;
        act.write = &result;
      }
      if (!reading && !reads_done && !failed && !stopping && slots.size() < kMaxInFlight) {
        reading = true;
        read_buffer = std::make_unique<v1::OverlayRequest>();
        act.read = read_buffer.get();
      }
      // Stopping, a read may still be out: the stream ends without it (gRPC
      // then fails the read).
      const bool all_read = reads_done && !reading;
      if (!writing && slots.empty() && (all_read || (failed && !reading) || stopping)) {
        finished = true;
        act.finish = true;
        if (failed) {
          act.status = grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading");
        } else if (!all_read) {
          act.status = grpc::Status(
              grpc::StatusCode::UNAVAILABLE,
              absl::StrCat("the server is shutting down: ", sent_items, " results sent (",
                           sent_messages, " messages, every one read answered); resume from ",
                           "input index ", sent_items, " on another server"));
        }
      }
      return act;
    }

    absl::Mutex mu;
    const std::shared_ptr<const Snapshot> snapshot;
    MemoryBudget* const budget;  // may be null
    OverlayReactor* reactor = nullptr;
    StreamTables tables ABSL_GUARDED_BY(mu);
    // Read, in request order, until written; deque keeps slots in place.
    std::deque<Slot> slots ABSL_GUARDED_BY(mu);
    std::unique_ptr<v1::OverlayRequest> read_buffer ABSL_GUARDED_BY(mu);
    bool reading ABSL_GUARDED_BY(mu) = false;
    bool writing ABSL_GUARDED_BY(mu) = false;
    bool reads_done ABSL_GUARDED_BY(mu) = false;
    bool failed ABSL_GUARDED_BY(mu) = false;
    bool stopping ABSL_GUARDED_BY(mu) = false;  // Stop: no more reads
    bool finished ABSL_GUARDED_BY(mu) = false;
    // Written so far: messages, and the input items they answered.
    int64_t sent_messages ABSL_GUARDED_BY(mu) = 0;
    int64_t sent_items ABSL_GUARDED_BY(mu) = 0;
  };

  // Finish last: after it gRPC may delete the reactor at any time.
  void Act(const Actions& act) {
    if (act.write != nullptr) StartWrite(act.write);
    if (act.read != nullptr) StartRead(act.read);
    if (act.finish) {
      call_.Finish(act.status.error_code());
      Finish(act.status);
    }
  }

  Metrics::Call call_;  // handled when Act finishes the stream
  std::shared_ptr<State> state_;
  const std::atomic<bool>* const draining_;
  OverlayStreams* const streams_;
};

}  // namespace

grpc::ServerBidiReactor<v1::OverlayRequest, v1::OverlayResult>*
RedlineService::Overlay(grpc::CallbackServerContext*) {
  return new OverlayReactor(holder_->Get(), metrics_, &draining_, streams_.get(), budget_);
}

void RedlineService::BeginDrain() { draining_.store(true, std::memory_order_relaxed); }

int RedlineService::StopOverlayStreams() { return streams_->StopAll(); }

absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(
    const SnapshotHolder& holder, const std::string& as_of) {
  absl::StatusOr<std::optional<int32_t>> day = ParseAsOf(as_of);
  if (!day.ok()) return day.status();
  if (!day->has_value()) return holder.Get();
  return holder.GetAsOf(**day);
}

RedlineService::RedlineService(const SnapshotHolder* holder, const Reloader* reloader,
                               Metrics* metrics, MemoryBudget* budget)
    : holder_(holder),
      reloader_(reloader),
      metrics_(metrics),
      budget_(budget),
      streams_(std::make_unique<OverlayStreams>()) {}

RedlineService::~RedlineService() = default;

namespace {

// A unary call answered by `handle` from the snapshot its request's as_of
// names (the current one when unset).
template <typename Request, typename Response, typename Handle>
grpc::Status AnswerAsOf(const SnapshotHolder& holder, const Request& request,
                        Response* response, Handle handle) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot =
      SnapshotFor(holder, RequestAsOf(request));
  if (!snapshot.ok()) return ToGrpcStatus(snapshot.status());
  return handle(**snapshot, request, response);
}

// The answer for gRPC to send. Answers are encoded into a buffer each
// thread keeps, so a call allocates only the slice gRPC sends from (and
// frees after sending); an answer bigger than kKeptBuffer (zone outlines)
// is handed over whole instead, and the thread starts a fresh buffer.
constexpr size_t kKeptBuffer = 64 * 1024;

grpc::ByteBuffer TakeAnswer(std::string& buffer) {
  if (buffer.size() <= kKeptBuffer) {
    grpc::Slice slice(buffer.data(), buffer.size());  // copies
    return grpc::ByteBuffer(&slice, 1);
  }
  auto* owned = new std::string(std::move(buffer));
  buffer = std::string();
  grpc::Slice slice(
      owned->data(), owned->size(), [](void* s) { delete static_cast<std::string*>(s); },
      owned);
  return grpc::ByteBuffer(&slice, 1);
}

// A check call, raw: the request parsed here, the answer encoded by
// `answer` (see answer_encoder.h) and sent as it is.
template <typename Request, typename Answer>
grpc::Status AnswerCheck(const SnapshotHolder& holder, const grpc::ByteBuffer& request_bytes,
                         grpc::ByteBuffer* response, Answer answer, MemoryBudget* budget,
                         RequestEncoding encoding) {
  // Leased before the parse, from the bytes alone: the parsed copy is part
  // of what the estimate covers. A geometry's encoding is not known yet, so
  // CheckGeometry is sized as the most expansive one (GeoJSON).
  absl::StatusOr<MemoryBudget::Lease> lease = MemoryBudget::Lease();
  if (budget != nullptr) {
    const int64_t size = static_cast<int64_t>(request_bytes.Length());
    lease = budget->Acquire(EstimateWorkingBytes(size, encoding),
                            Request::descriptor()->name(), size);
    if (!lease.ok()) return ToGrpcStatus(lease.status());
  }
  Request request;
  grpc::ByteBuffer shared(request_bytes);  // the reader wants it mutable; shares the slices
  grpc::ProtoBufferReader reader(&shared);
  if (!request.ParseFromZeroCopyStream(&reader)) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("the request is not a valid ", Request::descriptor()->full_name()));
  }
  return AnswerAsOf(holder, request, response,
                    [&answer](const Snapshot& snapshot, const Request& request,
                              grpc::ByteBuffer* response) {
                      thread_local std::string buffer;
                      buffer.clear();
                      grpc::Status status = answer(snapshot, request, &buffer);
                      if (status.ok()) *response = TakeAnswer(buffer);
                      return status;
                    });
}

// Answers a unary call with `answer()` (a grpc::Status; it fills the
// response): here, on gRPC's thread, when `here`, else on a worker.
//
// Why not always here: gRPC's callback threads (about one per core) also
// take the next calls in. While every one of them is busy with a long
// answer, new calls wait inside gRPC unmatched, and Server::Shutdown cancels
// those outright, whatever its deadline (they came back CANCELLED a fraction
// of a second after SIGTERM). Why not always a worker: the hop costs a
// point check a good part of its latency. So the calls that can take long
// (a site, zone outlines) always go to a worker, and every call does while
// the server shuts down (BeginDrain).
template <typename Answer>
grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* context, Metrics* metrics,
                                   Rpc rpc, bool here, Answer answer) {
  if (here) {
    Metrics::Call call(metrics, rpc);
    return Reply(context, &call, answer());
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto call = std::make_shared<Metrics::Call>(metrics, rpc);
  Workers::Get().Submit([context, reactor, call, answer = std::move(answer)]() mutable {
    // Cancelled while queued (the client gave up, or the grace period
    // ended): no use computing the answer.
    grpc::Status status = context->IsCancelled()
                              ? grpc::Status(grpc::StatusCode::CANCELLED, "the call was cancelled")
                              : answer();
    call->Finish(status.error_code());
    reactor->Finish(std::move(status));
  });
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* RedlineService::CheckPoint(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer* request,
                                                     grpc::ByteBuffer* response) {
  return Dispatch(context, metrics_, Rpc::kCheckPoint,
                  /*here=*/!draining_.load(std::memory_order_relaxed),
                  [holder = holder_, budget = budget_, request, response] {
                    return AnswerCheck<v1::CheckPointRequest>(*holder, *request, response,
                                                              AnswerCheckPoint, budget,
                                                              RequestEncoding::kSmall);
                  });
}

grpc::ServerUnaryReactor* RedlineService::CheckGeometry(grpc::CallbackServerContext* context,
                                                        const grpc::ByteBuffer* request,
                                                        grpc::ByteBuffer* response) {
  return Dispatch(context, metrics_, Rpc::kCheckGeometry, /*here=*/false,
                  [holder = holder_, budget = budget_, request, response] {
                    return AnswerCheck<v1::CheckGeometryRequest>(
                        *holder, *request, response,
                        [](const Snapshot& snapshot, const v1::CheckGeometryRequest& request,
                           std::string* answer) {
                          return AnswerCheckGeometry(snapshot, request, answer);
                        },
                        budget, RequestEncoding::kJson);
                  });
}

grpc::ServerUnaryReactor* RedlineService::GetZones(grpc::CallbackServerContext* context,
                                                   const v1::GetZonesRequest* request,
                                                   v1::GetZonesResponse* response) {
  return Dispatch(context, metrics_, Rpc::kGetZones, /*here=*/false,
                  [holder = holder_, request, response] {
                    return AnswerAsOf(*holder, *request, response, HandleGetZones);
                  });
}

grpc::ServerUnaryReactor* RedlineService::ListLayers(
    grpc::CallbackServerContext* context, const v1::ListLayersRequest*,
    v1::ListLayersResponse* response) {
  Metrics::Call call(metrics_, Rpc::kListLayers);
  HandleListLayers(*holder_->Get(), reloader_, response);
  return Reply(context, &call, grpc::Status::OK);
}

}  // namespace redline::server
