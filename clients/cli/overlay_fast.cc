#include "clients/cli/overlay_fast.h"

#include <cpl_conv.h>
#include <grpcpp/grpcpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/types/span.h"
#include "clients/cli/gpkg_blob.h"
#include "clients/cli/overlay_fast_csv.h"
#include "clients/cli/overlay_fast_sink.h"
#include "clients/cli/overlay_progress.h"
#include "clients/cli/overlay_row.h"
#include "clients/cli/overlay_summary.h"
#include "clients/cli/overlay_writer.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli {
namespace {

// Points per request, as the GDAL path sends them (overlay.cc).
constexpr size_t kPointBatch = 4096;
// Rows without a readable point go as features, a few per message.
constexpr size_t kFeatureBatch = 64;
// Batches read ahead of their answers: memory stays flat, the server has
// several to work on.
constexpr size_t kMaxBatches = 8;
// GeoPackage rows per INSERT statement (SqlSink).
constexpr int kRowsPerInsert = 64;
// Output bytes gathered before one fwrite.
constexpr size_t kFlushBytes = 1 << 20;

// The names GDAL's CSV driver takes for point columns (overlay_input.cc).
constexpr const char* kXNames[] = {"lon", "longitude", "lng", "x", "经度"};
constexpr const char* kYNames[] = {"lat", "latitude", "y", "纬度"};
constexpr const char* kGeomNames[] = {"wkt", "geometry", "geom", "the_geom"};

using OverlayStream = grpc::ClientReaderWriter<v1::OverlayRequest, v1::OverlayResult>;

bool NameIn(const std::string& name, absl::Span<const char* const> names) {
  for (const char* n : names) {
    if (absl::EqualsIgnoreCase(name, n)) return true;
  }
  return false;
}

// Where the input's columns are: the header's positions of the point and of
// each field GDAL gives the layer, in GDAL's order.
struct CsvLayout {
  int x_col = -1, y_col = -1;
  std::vector<int> field_cols;  // per layer field: its header column
  int id_col = -1;              // --id-field's column; -1: the FID
};

// The layout, or why the fast path does not apply (the GDAL path then
// reads the file as it always has).
absl::StatusOr<CsvLayout> ReadLayout(const std::string& path, const Input& in) {
  CsvRecordReader reader;
  if (absl::Status st = reader.Open(path); !st.ok()) return st;
  std::string text;
  std::vector<uint32_t> ends;
  if (!reader.Next(&text, &ends)) return absl::FailedPreconditionError("no header");
  // GDAL takes a semicolon or tab separator from the header: not ours.
  if (text.find_first_of(";\t") != std::string::npos) {
    return absl::FailedPreconditionError("not comma-separated");
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < ends.size(); ++i) {
    names.push_back(text.substr(i == 0 ? 0 : ends[i - 1], ends[i] - (i == 0 ? 0 : ends[i - 1])));
  }
  CsvLayout layout;
  OGRFeatureDefn* defn = in.layer->GetLayerDefn();
  for (int c = 0; c < static_cast<int>(names.size()); ++c) {
    if (NameIn(names[c], kGeomNames)) return absl::FailedPreconditionError("a WKT column");
    const bool x = NameIn(names[c], kXNames), y = NameIn(names[c], kYNames);
    if ((x && layout.x_col >= 0) || (y && layout.y_col >= 0)) {
      return absl::FailedPreconditionError("several point columns");
    }
    if (x) layout.x_col = c;
    if (y) layout.y_col = c;
    if (x || y) continue;
    const int f = static_cast<int>(layout.field_cols.size());
    if (f >= defn->GetFieldCount() || names[c] != defn->GetFieldDefn(f)->GetNameRef() ||
        defn->GetFieldDefn(f)->GetType() != OFTString) {
      return absl::FailedPreconditionError("fields other than GDAL's");
    }
    layout.field_cols.push_back(c);
    if (f == in.id_index) layout.id_col = c;
  }
  if (layout.x_col < 0 || layout.y_col < 0 ||
      static_cast<int>(layout.field_cols.size()) != defn->GetFieldCount()) {
    return absl::FailedPreconditionError("fields other than GDAL's");
  }
  return layout;
}

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
std::string BatchId(const Batch& b, size_t r, int csv_id_col) {
  if (!b.ids.empty()) return b.ids[r];
  return csv_id_col >= 0 ? std::string(b.Cell(r, csv_id_col)) : absl::StrCat(b.fid[r]);
}

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

bool BatchSender::Send(std::unique_ptr<Batch> batch) {
  v1::OverlayRequest request;
  *request.mutable_options() = options_;
  const Batch& b = *batch;
  if (b.points) {
    v1::PointColumns* p = request.mutable_points();
    p->set_crs(in_.crs);
    p->mutable_x()->Add(b.x.begin(), b.x.end());
    p->mutable_y()->Add(b.y.begin(), b.y.end());
  } else {
    // As the GDAL path sends them, for the same error texts.
    for (size_t r = 0; r < b.size(); ++r) {
      v1::OverlayFeature* f = request.add_features();
      f->set_id(BatchId(b, r, csv_id_col_));
      f->mutable_geometry()->set_crs(in_.crs);
      if (b.has_point[r]) {
        std::string wkb(21, '\0');
        wkb[0] = 1;
        const uint32_t type = 1;
        std::memcpy(&wkb[1], &type, 4);
        std::memcpy(&wkb[5], &b.x[r], 8);
        std::memcpy(&wkb[13], &b.y[r], 8);
        f->mutable_geometry()->set_wkb(std::move(wkb));
      }
    }
  }
  return queue_->Push(std::move(batch)) && stream_->Write(request);
}

// Reads the records into batches and requests (on its own thread).
class CsvFeeder {
 public:
  CsvFeeder(const CsvLayout& layout, CsvRecordReader* reader, BatchSender* sender)
      : layout_(layout), reader_(reader), sender_(sender) {}

  void Run() {
    batch_ = std::make_unique<Batch>();
    int64_t fid = 0;
    while (ok_) {
      const uint32_t begin = static_cast<uint32_t>(batch_->ends.size());
      const size_t text_size = batch_->text.size();
      if (!reader_->Next(&batch_->text, &batch_->ends)) break;
      ++fid;
      batch_->row_begin.push_back(begin);
      const size_t r = batch_->size() - 1;
      const std::optional<double> x = ParseCsvCoordinate(batch_->Cell(r, layout_.x_col));
      const std::optional<double> y = ParseCsvCoordinate(batch_->Cell(r, layout_.y_col));
      const bool point = x && y && std::isfinite(*x) && std::isfinite(*y);
      if (r > 0 && point != batch_->points) {
        // One kind per message: move this row to a batch of its own kind.
        auto next = std::make_unique<Batch>();
        next->text = batch_->text.substr(text_size);
        for (size_t e = begin; e < batch_->ends.size(); ++e) {
          next->ends.push_back(batch_->ends[e] - static_cast<uint32_t>(text_size));
        }
        batch_->text.resize(text_size);
        batch_->ends.resize(begin);
        batch_->row_begin.pop_back();
        Flush();
        batch_ = std::move(next);
        batch_->row_begin.push_back(0);
      }
      batch_->points = point;
      batch_->x.push_back(x.value_or(0));
      batch_->y.push_back(y.value_or(0));
      batch_->has_point.push_back(x && y);
      batch_->fid.push_back(fid);
      if (batch_->size() >= (point ? kPointBatch : kFeatureBatch)) Flush();
    }
    if (batch_->size() > 0) Flush();
    sender_->Done();
  }

 private:
  void Flush() {
    ok_ = sender_->Send(std::move(batch_)) && ok_;
    batch_ = std::make_unique<Batch>();
  }

  const CsvLayout& layout_;
  CsvRecordReader* reader_;
  BatchSender* sender_;
  std::unique_ptr<Batch> batch_;
  bool ok_ = true;
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
  std::array<std::string, 3> near_rules_;
  OverlayRowScratch scratch_;
  size_t next_hit_ = 0, next_near_ = 0, next_hit_rule_ = 0, next_near_rule_ = 0, next_error_ = 0,
         next_inter_ = 0;
  // The batch's points in EPSG:4490 (the rows without hits).
  std::vector<double> lon_, lat_;
  std::vector<int> lonlat_ok_;
};

// Writes the rows as GDAL's CSV writer does, through a big buffer.
class CsvRowWriter : public RowWriter {
 public:
  CsvRowWriter(const CsvLayout& layout, const Input& in, FILE* out)
      : RowWriter(in, layout.id_col), layout_(layout), out_(out) {
    buf_.reserve(2 * kFlushBytes);
  }
  void Header(OGRFeatureDefn* defn);
  absl::Status Close() override;

 private:
  void Row(const struct Batch& b, size_t i, const double* x, const double* y, bool hit) override;
  void Flush() override;

  const CsvLayout& layout_;
  FileSink out_;
  std::string buf_;
};

void CsvRowWriter::Header(OGRFeatureDefn* defn) {
  buf_.append("WKT");
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    buf_.push_back(',');
    const char* name = defn->GetFieldDefn(i)->GetNameRef();
    bool ours = false;
    for (const OverlayColumnSpec& c : kOverlayColumns) ours = ours || EQUAL(c.name, name);
    AppendCsvText(ours ? absl::StrCat("in_", name) : std::string(name), &buf_);
  }
  for (const OverlayColumnSpec& c : kOverlayColumns) {
    buf_.push_back(',');
    AppendCsvText(c.name, &buf_);
  }
  buf_.push_back('\n');
}

void RowWriter::Tables(const v1::OverlayBatchResult& batch) {
  for (const v1::ZoneEntry& z : batch.zones()) {
    if (z.index() >= zones_.size()) zones_.resize(z.index() + 1);
    zones_[z.index()] = std::make_unique<ZoneInfo>(ZoneInfo{z});
  }
  for (const v1::RuleEntry& r : batch.rules()) {
    if (r.index() >= rules_.size()) rules_.resize(r.index() + 1);
    rules_[r.index()] = RuleInfo{r.rule().rule_id(), r.rule().verdict(), r.rule().setback_m()};
  }
}

void RowWriter::Transform(const struct Batch& b) {
  lon_ = b.x;
  lat_ = b.y;
  lonlat_ok_.assign(b.size(), 0);
  if (in_.to_lonlat == nullptr || b.size() == 0) return;
  in_.to_lonlat->Transform(b.size(), lon_.data(), lat_.data(), nullptr, lonlat_ok_.data());
}

absl::string_view RowWriter::Id(const struct Batch& b, size_t i) {
  if (!b.ids.empty()) return b.ids[i];
  if (csv_id_col_ >= 0) return b.Cell(i, csv_id_col_);
  id_ = absl::StrCat(b.fid[i]);
  return id_;
}

void RowWriter::Write(const v1::OverlayResult& message, const struct Batch& b) {
  const v1::OverlayBatchResult& batch = message.batch();
  Tables(batch);
  Transform(b);
  if (!b.points) {
    for (int i = 0; i < batch.results_size() && static_cast<size_t>(i) < b.size(); ++i) {
      v1::OverlayResult one = batch.results(i);
      one.set_dataset_version(message.dataset_version());
      FeatureRows(one, b, i);
    }
  } else {
    next_hit_ = next_near_ = next_hit_rule_ = next_near_rule_ = next_error_ = next_inter_ = 0;
    const v1::PointResults& p = batch.points();
    for (size_t i = 0; i < b.size() && static_cast<int>(i) < p.hit_count_size(); ++i) {
      row_.Clear();
      row_.Set(kDatasetVersion, message.dataset_version());
      PointRow(p, b, i);
    }
  }
  Flush();
}

void CsvRowWriter::Flush() {
  if (buf_.size() < kFlushBytes) return;
  out_.Write(&buf_);
  if (buf_.capacity() < 2 * kFlushBytes) buf_.reserve(2 * kFlushBytes);
}

// Point `i`'s rows, from the columns (as overlay_answers.cc reads them).
void RowWriter::PointRow(const v1::PointResults& p, const struct Batch& b, size_t i) {
  const absl::string_view id = Id(b, i);
  row_.Set(kInputId, id);
  if (next_error_ < static_cast<size_t>(p.error_index_size()) && p.error_index(next_error_) == i) {
    row_.Set(kError, p.error(next_error_));
    summary_.AddError(id, p.error(next_error_));
    ++next_error_;
    Row(b, i, lonlat_ok_[i] ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  ++summary_.read;
  const bool whole = p.verdict_size() > 0;
  if (whole) {
    const auto verdict = static_cast<v1::Verdict>(p.verdict(i));
    summary_.AddVerdict(verdict);
    if (verdict != v1::VERDICT_UNSPECIFIED) row_.Set(kVerdict, VerdictText(verdict));
    row_.Set(kVerdictReason, p.reasons(static_cast<int>(p.reason(i))));
    PointNear(p, i);
  }
  const uint32_t hits = p.hit_count(i);
  if (hits == 0) {
    Row(b, i, lonlat_ok_[i] ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  ++summary_.with_hits;
  double ix = 0, iy = 0;
  const bool inter = next_inter_ < static_cast<size_t>(p.intersection_lon_size());
  if (inter) {
    ix = p.intersection_lon(next_inter_);
    iy = p.intersection_lat(next_inter_);
    ++next_inter_;
  }
  for (uint32_t k = 0; k < hits; ++k) {
    PointHit(p);
    Row(b, i, inter ? &ix : nullptr, &iy, true);
  }
}

// The nearest zone of each kind (nearest first in the columns).
void RowWriter::PointNear(const v1::PointResults& p, size_t i) {
  struct Cols {
    v1::ZoneKind kind;
    OverlayColumn id, metres, rules, setback, level;
  };
  static constexpr Cols kNear[] = {
      {v1::ECOLOGICAL_RED_LINE, kNearRedLineId, kNearRedLineM, kNearRedLineRules,
       kNearRedLineSetbackM, kOverlayColumnCount},
      {v1::WATER_SOURCE_PROTECTION, kNearWaterSourceId, kNearWaterSourceM, kNearWaterSourceRules,
       kNearWaterSourceSetbackM, kNearWaterSourceLevel},
      {v1::ZERO_DISCHARGE_ZONE, kNearZeroDischargeId, kNearZeroDischargeM, kNearZeroDischargeRules,
       kNearZeroDischargeSetbackM, kOverlayColumnCount},
  };
  for (uint32_t n = p.near_count(i); n > 0; --n, ++next_near_) {
    const v1::ZoneEntry& z = zones_[p.near_zone(next_near_)]->entry;
    const uint32_t rules = p.near_rule_count(next_near_);
    size_t k = 0;
    while (k < std::size(kNear) && kNear[k].kind != z.kind()) ++k;
    if (k == std::size(kNear) || row_[kNear[k].id].kind != OverlayValue::kNull) {
      next_near_rule_ += rules;
      continue;
    }
    const Cols& c = kNear[k];
    row_.Set(c.id, z.zone_id());
    row_.Set(c.metres, p.near_distance_m(next_near_));
    if (c.level != kOverlayColumnCount) row_.Set(c.level, z.normalized_level());
    std::string& text = near_rules_[k];
    text.clear();
    double setback = 0;
    for (uint32_t m = 0; m < rules; ++m) {
      const RuleInfo& rule = rules_[p.near_rule(next_near_rule_++)];
      if (!text.empty()) text.push_back(',');
      text.append(rule.id);
      if (rule.setback_m > setback) setback = rule.setback_m;
    }
    row_.Set(c.rules, text);
    if (setback > 0) row_.Set(c.setback, setback);
  }
}

// The next hit's columns.
void RowWriter::PointHit(const v1::PointResults& p) {
  const v1::ZoneEntry& z = zones_[p.hit_zone(next_hit_)]->entry;
  row_.Set(kZoneLayer, z.layer());
  row_.Set(kZoneKind, KindText(z.kind()));
  row_.Set(kZoneId, z.zone_id());
  row_.Set(kZoneName, z.zone_name());
  row_.Set(kZoneLevel, z.level());
  row_.Set(kZoneLevelNormalized, z.normalized_level());
  row_.Set(kRelation, RelationText(static_cast<v1::ZoneHit::Relation>(p.hit_relation(next_hit_))));
  ++summary_.hits_by_kind[z.kind()];
  hit_rules_.clear();
  v1::Verdict strictest = v1::VERDICT_UNSPECIFIED;
  const uint32_t rules = p.hit_rule_count_size() > 0 ? p.hit_rule_count(next_hit_) : 0;
  for (uint32_t m = 0; m < rules; ++m) {
    const RuleInfo& rule = rules_[p.hit_rule(next_hit_rule_++)];
    if (!hit_rules_.empty()) hit_rules_.push_back(',');
    hit_rules_.append(rule.id);
    if (rule.verdict > strictest) strictest = rule.verdict;
  }
  row_.Set(kZoneVerdict, strictest != v1::VERDICT_UNSPECIFIED ? VerdictText(strictest) : "");
  row_.Set(kRules, hit_rules_);
  ++next_hit_;
}

// A row read without a point: its one-feature answer, as OutputWriter
// writes it.
void RowWriter::FeatureRows(const v1::OverlayResult& r, const struct Batch& b, size_t i) {
  summary_.Add(r);
  row_.Clear();
  FillFeatureColumns(r, &scratch_, &row_);
  const bool has = b.has_point[i] && lonlat_ok_[i];
  if (!r.error().empty() || r.response().hits().empty()) {
    Row(b, i, has ? &lon_[i] : nullptr, &lat_[i], false);
    return;
  }
  for (const v1::ZoneHit& h : r.response().hits()) {
    FillHitColumns(r.response(), h, &scratch_, &row_);
    double x = 0, y = 0;
    const std::string& wkb = h.intersection_wkb();
    const bool point = wkb.size() == 21 && wkb[0] == 1 && wkb[1] == 1;
    if (point) {
      std::memcpy(&x, &wkb[5], 8);
      std::memcpy(&y, &wkb[13], 8);
    }
    Row(b, i, point ? &x : nullptr, &y, true);
  }
}

// One output line: the geometry (none if `x` is null), the input's fields,
// then ours.
void CsvRowWriter::Row(const struct Batch& b, size_t i, const double* x, const double* y,
                       bool hit) {
  if (x != nullptr) AppendCsvWktPoint(*x, *y, &buf_);
  for (int c : layout_.field_cols) {
    buf_.push_back(',');
    AppendCsvText(b.Cell(i, c), &buf_);
  }
  for (int c = 0; c < kOverlayColumnCount; ++c) {
    buf_.push_back(',');
    const OverlayValue& v = row_[c];
    if (v.kind == OverlayValue::kText) {
      AppendCsvText(v.text, &buf_);
    } else if (v.kind == OverlayValue::kReal) {
      AppendCsvReal(v.real, &buf_);
    }
  }
  buf_.push_back('\n');
}

absl::Status CsvRowWriter::Close() { return out_.Close(&buf_); }

// --- GeoPackage ---

// A GeoPackage point layer as SQLite holds it.
struct GpkgLayout {
  std::string table, fid_column, geom_column;
  std::vector<std::string> fields;  // column names, in GDAL's field order
  std::vector<OGRFieldType> types;
  int id_field = -1;  // --id-field's index in `fields`; -1: the FID
};

std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

// The layout, or why the fast path does not apply to this layer.
absl::StatusOr<GpkgLayout> GpkgLayoutOf(const Input& in) {
  GpkgLayout layout;
  layout.table = in.layer->GetName();
  layout.fid_column = in.layer->GetFIDColumn();
  layout.geom_column = in.layer->GetGeometryColumn();
  if (layout.fid_column.empty() || layout.geom_column.empty() ||
      in.layer->GetGeomType() != wkbPoint) {
    return absl::FailedPreconditionError("not a 2D point table");
  }
  OGRFeatureDefn* defn = in.layer->GetLayerDefn();
  for (int i = 0; i < defn->GetFieldCount(); ++i) {
    const OGRFieldDefn* f = defn->GetFieldDefn(i);
    const OGRFieldType t = f->GetType();
    if (t != OFTInteger && t != OFTInteger64 && t != OFTReal && t != OFTString && t != OFTDate) {
      return absl::FailedPreconditionError("a field type left to GDAL");
    }
    if (i == in.id_index && t != OFTInteger && t != OFTInteger64 && t != OFTString) {
      return absl::FailedPreconditionError("an id field type left to GDAL");
    }
    layout.fields.push_back(f->GetNameRef());
    layout.types.push_back(t);
  }
  layout.id_field = in.id_index;
  return layout;
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A connection used by one thread at a time: without SQLite's per-call
// mutex (a quarter of the GeoPackage path's time with it).
absl::StatusOr<SqlitePtr> OpenSqlite(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  SqlitePtr owned(db);
  if (rc != SQLITE_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot open ", path, ": ", db ? sqlite3_errmsg(db) : "out of memory"));
  }
  return owned;
}

absl::StatusOr<StmtPtr> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    return absl::InternalError(absl::StrCat(sqlite3_errmsg(db), " in ", sql));
  }
  return StmtPtr(st);
}

// Reads the table with SQLite into batches (on its own thread).
class GpkgFeeder {
 public:
  GpkgFeeder(const GpkgLayout& layout, sqlite3_stmt* select, BatchSender* sender)
      : layout_(layout), select_(select), sender_(sender) {}

  void Run() {
    batch_ = std::make_unique<Batch>();
    int rc = SQLITE_ROW;
    while (ok_ && (rc = sqlite3_step(select_)) == SQLITE_ROW) {
      double x = 0, y = 0;
      const bool has =
          GpkgBlobPoint(static_cast<const unsigned char*>(sqlite3_column_blob(select_, 1)),
                        sqlite3_column_bytes(select_, 1), &x, &y);
      const bool point = has && std::isfinite(x) && std::isfinite(y);
      if (batch_->size() > 0 && point != batch_->points) Flush();
      Batch& b = *batch_;
      b.points = point;
      b.row_begin.push_back(0);
      b.fid.push_back(sqlite3_column_int64(select_, 0));
      b.x.push_back(x);
      b.y.push_back(y);
      b.has_point.push_back(has);
      Values(&b);
      if (b.size() >= (point ? kPointBatch : kFeatureBatch)) Flush();
    }
    if (ok_ && rc != SQLITE_DONE) {
      error_ = sqlite3_errmsg(sqlite3_db_handle(select_));
      // The rows read so far are still answered and written.
    }
    if (batch_->size() > 0) Flush();
    sender_->Done();
  }

  // Why reading stopped early; empty if it did not.
  const std::string& error() const { return error_; }

 private:
  void Values(Batch* b) {
    for (size_t f = 0; f < layout_.fields.size(); ++f) {
      const int c = static_cast<int>(f) + 2;
      SqlValue v;
      if (sqlite3_column_type(select_, c) != SQLITE_NULL) {
        switch (layout_.types[f]) {
          case OFTInteger:
          case OFTInteger64:
            v.kind = SqlValue::kInt;
            v.i = sqlite3_column_int64(select_, c);
            break;
          case OFTReal:
            v.kind = SqlValue::kReal;
            v.d = sqlite3_column_double(select_, c);
            break;
          default:
            v.kind = SqlValue::kText;
            v.begin = static_cast<uint32_t>(b->text.size());
            b->text.append(reinterpret_cast<const char*>(sqlite3_column_text(select_, c)),
                           sqlite3_column_bytes(select_, c));
            v.size = static_cast<uint32_t>(b->text.size() - v.begin);
        }
      }
      b->values.push_back(v);
      if (static_cast<int>(f) == layout_.id_field) {
        b->ids.push_back(v.kind == SqlValue::kInt    ? absl::StrCat(v.i)
                         : v.kind == SqlValue::kText ? b->text.substr(v.begin, v.size)
                                                     : std::string());
      }
    }
  }

  void Flush() {
    ok_ = sender_->Send(std::move(batch_)) && ok_;
    batch_ = std::make_unique<Batch>();
  }

  const GpkgLayout& layout_;
  sqlite3_stmt* select_;
  BatchSender* sender_;
  std::unique_ptr<Batch> batch_;
  bool ok_ = true;
  std::string error_;
};

// Fills the tables GDAL created (OutputWriter, without R-trees) with SQLite
// in one transaction, as ogr2ogr writes a GeoPackage without a spatial
// index. GDAL's feature-count
// triggers are dropped while inserting and made again after, with the
// counts and extents set once.
class GpkgRowWriter : public RowWriter {
 public:
  GpkgRowWriter(const Input& in, size_t input_fields) : RowWriter(in, -1), nf_(input_fields) {}
  absl::Status Open(const std::string& path);
  absl::Status Close() override;

 private:
  struct Table {
    std::string name, geom;
    int srs_id = 0;
    StmtPtr insert, insert_many;
    int rows_per_insert = 0;  // insert_many's
    int64_t rows = 0;
    double min_x = HUGE_VAL, min_y = HUGE_VAL, max_x = -HUGE_VAL, max_y = -HUGE_VAL;
  };
  absl::Status OpenTable(Table* t);
  absl::Status PrepareInserts(Table* t, const std::vector<std::string>& columns);
  absl::Status Exec(const std::string& sql);
  void Row(const struct Batch& b, size_t i, const double* x, const double* y, bool hit) override;
  void Flush() override;

  size_t nf_;
  SqlitePtr db_;
  Table hits_{"overlay"}, no_hits_{"no_hits"};
  std::vector<std::string> triggers_;  // their SQL, made again on Close
  SqlRows rows_;                       // filled here, inserted by sink_
  std::unique_ptr<SqlSink> sink_;
  absl::Status status_;
};

absl::Status GpkgRowWriter::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    absl::Status st = absl::DataLossError(absl::StrCat(err ? err : "?", " in ", sql));
    sqlite3_free(err);
    return st;
  }
  return absl::OkStatus();
}

absl::Status GpkgRowWriter::Open(const std::string& path) {
  absl::StatusOr<SqlitePtr> db = OpenSqlite(path, SQLITE_OPEN_READWRITE);
  if (!db.ok()) return db.status();
  db_ = std::move(*db);
  // A new file, written in one transaction: a crash leaves an unusable
  // output either way, so no journal and no syncs until the end. Pages of
  // 64 KiB instead of GDAL's 4 KiB (VACUUM applies it to the file GDAL left,
  // which holds only the schema yet): a quarter less of SQLite's time for
  // 1M points, and a smaller file.
  for (const char* pragma : {"PRAGMA page_size = 65536", "VACUUM", "PRAGMA journal_mode = OFF",
                             "PRAGMA synchronous = OFF", "PRAGMA cache_size = -65536"}) {
    if (absl::Status st = Exec(pragma); !st.ok()) return st;
  }
  if (absl::Status st = Exec("BEGIN"); !st.ok()) return st;
  for (Table* t : {&hits_, &no_hits_}) {
    if (absl::Status st = OpenTable(t); !st.ok()) return st;
  }
  std::vector<SqlTable> tables;
  for (Table* t : {&hits_, &no_hits_}) {
    tables.push_back(SqlTable{t->insert.get(), t->insert_many.get(), t->rows_per_insert});
  }
  sink_ = std::make_unique<SqlSink>(db_.get(), std::move(tables));
  return absl::OkStatus();
}

absl::Status GpkgRowWriter::OpenTable(Table* t) {
  absl::StatusOr<StmtPtr> q =
      Prepare(db_.get(), absl::StrCat("SELECT column_name, srs_id FROM gpkg_geometry_columns WHERE "
                                      "table_name = '",
                                      t->name, "'"));
  if (!q.ok()) return q.status();
  if (sqlite3_step(q->get()) != SQLITE_ROW) return absl::InternalError("no geometry column");
  t->geom = reinterpret_cast<const char*>(sqlite3_column_text(q->get(), 0));
  t->srs_id = sqlite3_column_int(q->get(), 1);
  q = Prepare(db_.get(), absl::StrCat("SELECT name, sql FROM sqlite_master WHERE type = "
                                      "'trigger' AND name = 'trigger_insert_feature_count_",
                                      t->name, "'"));
  if (!q.ok()) return q.status();
  while (sqlite3_step(q->get()) == SQLITE_ROW) {
    triggers_.push_back(reinterpret_cast<const char*>(sqlite3_column_text(q->get(), 1)));
    const std::string drop = absl::StrCat(
        "DROP TRIGGER ", Quoted(reinterpret_cast<const char*>(sqlite3_column_text(q->get(), 0))));
    if (absl::Status st = Exec(drop); !st.ok()) return st;
  }
  q = Prepare(db_.get(), absl::StrCat("PRAGMA table_info(", Quoted(t->name), ")"));
  if (!q.ok()) return q.status();
  std::vector<std::string> columns;
  while (sqlite3_step(q->get()) == SQLITE_ROW) {
    columns.push_back(reinterpret_cast<const char*>(sqlite3_column_text(q->get(), 1)));
  }
  return PrepareInserts(t, columns);
}

// The table's INSERT of one row, and of kRowsPerInsert rows where SQLite
// takes that many parameters.
absl::Status GpkgRowWriter::PrepareInserts(Table* t, const std::vector<std::string>& columns) {
  std::string names, params;
  for (size_t c = 1; c < columns.size(); ++c) {  // all but the fid
    absl::StrAppend(&names, c > 1 ? "," : "", Quoted(columns[c]));
    absl::StrAppend(&params, c > 1 ? ",?" : "(?");
  }
  params.push_back(')');
  const std::string insert =
      absl::StrCat("INSERT INTO ", Quoted(t->name), " (", names, ") VALUES ");
  absl::StatusOr<StmtPtr> one = Prepare(db_.get(), insert + params);
  if (!one.ok()) return one.status();
  t->insert = std::move(*one);
  const int per_row = static_cast<int>(columns.size()) - 1;
  t->rows_per_insert =
      std::min(kRowsPerInsert,
               sqlite3_limit(db_.get(), SQLITE_LIMIT_VARIABLE_NUMBER, -1) / std::max(per_row, 1));
  if (t->rows_per_insert < 2) return absl::OkStatus();
  std::string many = insert;
  for (int r = 0; r < t->rows_per_insert; ++r) absl::StrAppend(&many, r > 0 ? "," : "", params);
  absl::StatusOr<StmtPtr> st = Prepare(db_.get(), many);
  if (!st.ok()) return st.status();
  t->insert_many = std::move(*st);
  return absl::OkStatus();
}

void GpkgRowWriter::Row(const struct Batch& b, size_t i, const double* x, const double* y,
                        bool hit) {
  Table& t = hit ? hits_ : no_hits_;
  if (x != nullptr) {
    // GeoPackage's header (little-endian, no envelope), then WKB.
    char blob[29] = {'G', 'P', 0, 1};
    std::memcpy(blob + 4, &t.srs_id, 4);
    std::memcpy(blob + 8, "\x01\x01\x00\x00\x00", 5);
    std::memcpy(blob + 13, x, 8);
    std::memcpy(blob + 21, y, 8);
    rows_.AddText(blob, sizeof blob, SqlValue::kBlob);
    if (std::isfinite(*x) && std::isfinite(*y)) {
      t.min_x = std::min(t.min_x, *x), t.max_x = std::max(t.max_x, *x);
      t.min_y = std::min(t.min_y, *y), t.max_y = std::max(t.max_y, *y);
    }
  } else {
    rows_.values.emplace_back();
  }
  for (size_t f = 0; f < nf_; ++f) rows_.Add(b.values[i * nf_ + f], b.text.data());
  for (int c = 0; c < kOverlayColumnCount; ++c) {
    if (!hit && !kOverlayColumns[c].feature_col) continue;
    const OverlayValue& v = row_[c];
    if (v.kind == OverlayValue::kText) {
      rows_.AddText(v.text.data(), v.text.size());
    } else if (v.kind == OverlayValue::kReal) {
      SqlValue real;
      real.kind = SqlValue::kReal;
      real.d = v.real;
      rows_.values.push_back(real);
    } else {
      rows_.values.emplace_back();
    }
  }
  rows_.EndRow(hit ? 0 : 1);
  ++t.rows;
}

void GpkgRowWriter::Flush() {
  if (rows_.size() > 0) sink_->Insert(&rows_);
}

absl::Status GpkgRowWriter::Close() {
  if (!db_ || !sink_) return status_;
  Flush();
  status_ = sink_->Finish();
  for (Table* t : {&hits_, &no_hits_}) {
    t->insert.reset();
    t->insert_many.reset();
    std::string sql = absl::StrCat("UPDATE gpkg_ogr_contents SET feature_count = ", t->rows,
                                   " WHERE lower(table_name) = lower('", t->name, "')");
    absl::Status st = Exec(sql);
    if (st.ok() && t->rows > 0 && t->min_x <= t->max_x) {
      st = Exec(absl::StrFormat(
          "UPDATE gpkg_contents SET min_x = %.17g, min_y = %.17g, max_x = %.17g, max_y = "
          "%.17g WHERE lower(table_name) = lower('%s')",
          t->min_x, t->min_y, t->max_x, t->max_y, t->name));
    }
    if (status_.ok()) status_ = st;
  }
  for (const std::string& trigger : triggers_) {
    if (absl::Status st = Exec(trigger); status_.ok()) status_ = st;
  }
  if (absl::Status st = Exec("COMMIT"); status_.ok()) status_ = st;
  db_.reset();
  // No R-tree: GDAL builds one a row at a time (measured here: over 30 s
  // for 1M points, longer than the whole overlay); `ogrinfo OUT.gpkg -sql
  // "SELECT CreateSpatialIndex('overlay', 'geom')"` adds it when wanted.
  return status_;
}

bool GdalOnly() {
  const char* v = std::getenv("REDLINE_OVERLAY_GDAL_ONLY");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

}  // namespace

bool FastPathApplies(const OverlayOptions& options, const Input& in) {
  if (GdalOnly() || !options.where.empty()) return false;
  const std::string out = OutputDriverFor(options.output);
  if (out == "GPKG" && EQUAL(in.dataset->GetDriverName(), "GPKG")) {
    std::error_code ec;
    return std::filesystem::is_regular_file(options.input, ec) && GpkgLayoutOf(in).ok();
  }
  if (out != "CSV") return false;
  if (!EQUAL(in.dataset->GetDriverName(), "CSV") ||
      wkbFlatten(in.layer->GetGeomType()) != wkbPoint) {
    return false;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.input, ec)) return false;  // /vsi..., a folder
  if (std::filesystem::exists(CPLResetExtension(options.input.c_str(), "csvt"), ec)) return false;
  return ReadLayout(options.input, in).ok();
}

namespace {

// Streams batches from `feed` (run on its own thread) through the Overlay
// call, the answers to `writer`; the summary, the exit status.
int StreamFast(const OverlayOptions& options, const Input& in, Connection* connection,
               int csv_id_col, const std::function<void(BatchSender*)>& feed, RowWriter* writer,
               const char* path_name) {
  auto stub = v1::Redline::NewStub(connection->channel);
  grpc::ClientContext context;
  std::unique_ptr<OverlayStream> stream = stub->Overlay(&context);
  BatchQueue queue;
  Progress progress(options.quiet, in.feature_count);
  BatchSender sender(in, options.request_options, csv_id_col, &queue, stream.get());
  PhaseTrace trace;
  double feeding_s = 0;
  std::thread feeding([&] {
    const auto t = std::chrono::steady_clock::now();
    feed(&sender);
    feeding_s = PhaseTrace::Since(t);
  });
  v1::OverlayResult message;
  for (bool first = true; stream->Read(&message); first = false) {
    trace.Lap(first ? "until the first answer" : "waiting for answers");
    std::unique_ptr<Batch> b = queue.Pop();
    if (b == nullptr || !message.has_batch()) {
      context.TryCancel();  // not an answer to our requests: end the call
      break;
    }
    writer->Write(message, *b);
    progress.Update(writer->summary().read);
    trace.Lap("rows from answers, handed to the writer");
  }
  queue.ReaderGone();
  feeding.join();
  const grpc::Status status = stream->Finish();
  trace.Lap("end of the stream");
  const absl::Status written = writer->Close();
  trace.Lap("last writes, close");
  trace.Add("(reading thread: read, parse, send)", feeding_s);
  trace.Print();
  const Summary& summary = writer->summary();
  progress.Done(summary.read);
  std::error_code ec;
  if (!status.ok() && summary.read == 0) {
    std::filesystem::remove(options.output, ec);
    std::cerr << "redline: the overlay stream failed before any answer (" << options.output
              << " not written): " << status.error_message() << "\n";
    return kServerError;
  }
  PrintSummary(summary, progress.Seconds(), options.output);
  std::cout << "  (fast path: " << path_name << ")\n";
  if (!written.ok()) {
    std::cerr << "redline: " << options.output << " is incomplete: " << written.message() << "\n";
    return kServerError;
  }
  if (!status.ok()) {
    std::cerr << "redline: the overlay stream failed after " << summary.read
              << " features: " << status.error_message() << "; " << options.output
              << " holds those only\n";
    return kServerError;
  }
  return summary.errors > 0 ? kSomeFailed : kOk;
}

int RunCsv(const OverlayOptions& options, const Input& in, Connection* connection) {
  absl::StatusOr<CsvLayout> layout = ReadLayout(options.input, in);
  CsvRecordReader reader;
  absl::Status opened = layout.ok() ? reader.Open(options.input) : layout.status();
  std::string header_text;
  std::vector<uint32_t> header_ends;
  if (opened.ok()) reader.Next(&header_text, &header_ends);
  std::error_code ec;
  std::filesystem::remove(options.output, ec);  // CheckOutputPath allowed it
  FILE* file = opened.ok() ? std::fopen(options.output.c_str(), "wb") : nullptr;
  if (file == nullptr) {
    std::cerr << "redline: cannot create " << options.output << ": "
              << (opened.ok() ? std::strerror(errno) : opened.message()) << "\n";
    return kBadInput;
  }
  CsvRowWriter writer(*layout, in, file);
  writer.Header(in.layer->GetLayerDefn());
  const int rc = StreamFast(
      options, in, connection, layout->id_col,
      [&](BatchSender* sender) { CsvFeeder(*layout, &reader, sender).Run(); }, &writer, "csv→csv");
  if (rc != kServerError && !reader.status().ok()) {
    std::cerr << "redline: " << options.input << ": " << reader.status().message() << "\n";
    return kBadInput;
  }
  return rc;
}

int RunGpkg(const OverlayOptions& options, const Input& in, Connection* connection) {
  absl::StatusOr<GpkgLayout> layout = GpkgLayoutOf(in);
  absl::StatusOr<SqlitePtr> db =
      layout.ok() ? OpenSqlite(options.input, SQLITE_OPEN_READONLY) : layout.status();
  absl::StatusOr<StmtPtr> select = absl::InternalError("");
  if (db.ok()) {
    std::string sql =
        absl::StrCat("SELECT ", Quoted(layout->fid_column), ",", Quoted(layout->geom_column));
    for (const std::string& f : layout->fields) absl::StrAppend(&sql, ",", Quoted(f));
    absl::StrAppend(&sql, " FROM ", Quoted(layout->table));
    select = Prepare(db->get(), sql);
  }
  OutputWriter schema;  // GDAL makes the tables, as the GDAL path has them
  absl::Status st = select.ok() ? schema.Open(options.output, in.layer->GetLayerDefn(),
                                              in.layer->GetGeomType(), /*spatial_index=*/false)
                                : select.status();
  if (st.ok()) st = schema.Close();
  GpkgRowWriter writer(in, layout.ok() ? layout->fields.size() : 0);
  if (st.ok()) st = writer.Open(options.output);
  if (!st.ok()) {
    std::cerr << "redline: cannot write " << options.output << ": " << st.message() << "\n";
    return kBadInput;
  }
  std::string read_error;
  const int rc = StreamFast(
      options, in, connection, -1,
      [&](BatchSender* sender) {
        GpkgFeeder feeder(*layout, select->get(), sender);
        feeder.Run();
        read_error = feeder.error();
      },
      &writer, "gpkg→gpkg");
  if (rc != kServerError && !read_error.empty()) {
    std::cerr << "redline: reading " << options.input << " stopped early: " << read_error << "; "
              << options.output << " holds the rows before\n";
    return kBadInput;
  }
  return rc;
}

}  // namespace

int RunFastOverlay(const OverlayOptions& options, const Input& in, Connection* connection) {
  if (EQUAL(in.dataset->GetDriverName(), "GPKG")) return RunGpkg(options, in, connection);
  return RunCsv(options, in, connection);
}

}  // namespace redline::cli
