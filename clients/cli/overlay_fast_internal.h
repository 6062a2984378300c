// Internals of the overlay's fast path (overlay_fast.h), shared by its
// files: overlay_fast.cc (the CSV side and the entry points),
// overlay_fast_rows.cc (batches out as requests, answers back into rows,
// the stream) and overlay_fast_gpkg.cc (the GeoPackage side).
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FAST_INTERNAL_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FAST_INTERNAL_H_

#include <grpcpp/grpcpp.h>
#include <ogr_core.h>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cli/overlay.h"
#include "clients/cli/overlay_connection.h"
#include "clients/cli/overlay_fast_sink.h"
#include "clients/cli/overlay_input.h"
#include "clients/cli/overlay_row.h"
#include "clients/cli/overlay_summary.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli::fast {

// Points per request, as the GDAL path sends them (overlay.cc).
constexpr size_t kPointBatch = 4096;
// Rows without a readable point go as features, a few per message.
constexpr size_t kFeatureBatch = 64;
// Batches read ahead of their answers: memory stays flat, the server has
// several to work on.
constexpr size_t kMaxBatches = 8;

using OverlayStream = grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>;

// Rows read from the input, sent as one request: their fields (one text,
// field ends per record), points, and FIDs.
struct Batch {
  bool points = true;  // else features: rows without a readable point
  std::string text;
  std::vector<uint32_t> ends;
  std::vector<uint32_t> row_begin;  // per row: its first entry in `ends`
  std::vector<double> x, y;
  std::vector<char> has_point;  // features: GDAL read a (non-finite) point
  std::vector<int64_t> fid;
  // GeoPackage rows: `fields` values per row (text in `text`), and the
  // --id-field's text per row (empty: the FID, or CSV's id column).
  std::vector<SqlValue> values;
  std::vector<std::string> ids;

  size_t size() const { return row_begin.size(); }
  // Column `c` of row `r`; empty where the record is short.
  absl::string_view Cell(size_t r, int c) const {
    const size_t e = row_begin[r] + c;
    const size_t next = r + 1 < size() ? row_begin[r + 1] : ends.size();
    if (e >= next) return {};
    const uint32_t b = e == 0 ? 0 : ends[e - 1];
    return absl::string_view(text).substr(b, ends[e] - b);
  }
};

// The batches between the reading thread and the answers, in input order.
class BatchQueue {
 public:
  bool Push(std::unique_ptr<Batch> b) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return items_.size() < kMaxBatches || gone_; });
      if (gone_) return false;
      items_.push_back(std::move(b));
    }
    cv_.notify_all();
    return true;
  }
  // Null if the reading thread sent nothing more.
  std::unique_ptr<Batch> Pop() {
    std::unique_ptr<Batch> b;
    {
      std::lock_guard lock(mu_);
      if (items_.empty()) return nullptr;
      b = std::move(items_.front());
      items_.pop_front();
    }
    cv_.notify_all();
    return b;
  }
  void ReaderGone() {
    {
      std::lock_guard lock(mu_);
      gone_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> items_;
  bool gone_ = false;
};

// The id a row's answers carry: --id-field's text, else the FID.
std::string BatchId(const Batch& b, size_t r, int csv_id_col);

// Sends batches of rows as requests (on the reading thread), each queued
// first: its answer finds it there.
class BatchSender {
 public:
  BatchSender(const Input& in, const v1::CheckOptions& options, int csv_id_col, BatchQueue* queue,
              OverlayStream* stream)
      : in_(in), options_(options), csv_id_col_(csv_id_col), queue_(queue), stream_(stream) {}

  // False once the answers are no longer read.
  bool Send(std::unique_ptr<Batch> batch);
  void Done() { stream_->WritesDone(); }

 private:
  const Input& in_;
  const v1::CheckOptions& options_;
  int csv_id_col_;
  BatchQueue* queue_;
  OverlayStream* stream_;
};

// A zone or rule as the rows need it, from the stream's tables.
struct ZoneInfo {
  v1::ZoneEntry entry;
};
struct RuleInfo {
  std::string id;
  v1::Verdict verdict = v1::VERDICT_UNSPECIFIED;
  double setback_m = 0;
};

// Turns the answers into rows (on the calling thread): the columns of
// OverlayRow filled from the columnar answers and the stream's tables, as
// overlay_answers.cc and overlay_row.cc fill them; the format's writer
// writes each row.
class RowWriter {
 public:
  RowWriter(const Input& in, int csv_id_col) : in_(in), csv_id_col_(csv_id_col) {}
  virtual ~RowWriter() = default;

  void Write(const v1::OverlayResult& message, const struct Batch& b);
  virtual absl::Status Close() = 0;
  const Summary& summary() const { return summary_; }

 protected:
  // One output row of input row `i`: row_, at (x, y) in EPSG:4490 (no
  // geometry if `x` is null); `hit`: a zone hit's row (else a row without
  // hits or with an error).
  virtual void Row(const struct Batch& b, size_t i, const double* x, const double* y, bool hit) = 0;
  // After each batch.
  virtual void Flush() {}

  OverlayRow row_;

 private:
  void Tables(const v1::OverlayBatchResult& batch);
  void PointRow(const v1::PointResults& p, const struct Batch& b, size_t i);
  void PointNear(const v1::PointResults& p, size_t i);
  void PointHit(const v1::PointResults& p);
  void FeatureRows(const v1::OverlayResult& r, const struct Batch& b, size_t i);
  absl::string_view Id(const struct Batch& b, size_t i);
  void Transform(const struct Batch& b);

  const Input& in_;
  int csv_id_col_;
  Summary summary_;
  std::vector<std::unique_ptr<ZoneInfo>> zones_;  // by ZoneEntry.index
  std::vector<RuleInfo> rules_;                   // by RuleEntry.index
  // Per answer: texts the row points into, cursors into the columns.
  std::string id_, hit_rules_;
  std::array<std::string, std::size(kNearColumns)> near_rules_;
  OverlayRowScratch scratch_;
  size_t next_hit_ = 0, next_near_ = 0, next_hit_rule_ = 0, next_near_rule_ = 0, next_error_ = 0,
         next_inter_ = 0;
  // The batch's points in EPSG:4490 (the rows without hits).
  std::vector<double> lon_, lat_;
  std::vector<int> lonlat_ok_;
};

// Streams batches from `feed` (run on its own thread) through the Overlay
// call, the answers to `writer`; the summary, the exit status.
int StreamFast(const OverlayOptions& options, const Input& in, Connection* connection,
               int csv_id_col, const std::function<void(BatchSender*)>& feed, RowWriter* writer,
               const char* path_name);

// A GeoPackage point layer as SQLite holds it.
struct GpkgLayout {
  std::string table, fid_column, geom_column;
  std::vector<std::string> fields;  // column names, in GDAL's field order
  std::vector<OGRFieldType> types;
  int id_field = -1;  // --id-field's index in `fields`; -1: the FID
};

// The layout, or why the fast path does not apply to this layer.
absl::StatusOr<GpkgLayout> GpkgLayoutOf(const Input& in);

// The GeoPackage→GeoPackage overlay (overlay_fast_gpkg.cc).
int RunGpkg(const OverlayOptions& options, const Input& in, Connection* connection);

}  // namespace redline::cli::fast

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FAST_INTERNAL_H_
