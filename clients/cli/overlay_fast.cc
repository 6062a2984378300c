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
#include "clients/cli/overlay_fast_internal.h"
#include "clients/cli/overlay_fast_sink.h"
#include "clients/cli/overlay_progress.h"
#include "clients/cli/overlay_row.h"
#include "clients/cli/overlay_summary.h"
#include "clients/cli/overlay_writer.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli {
namespace fast {
namespace {

// Output bytes gathered before one fwrite.
constexpr size_t kFlushBytes = 1 << 20;

// The names GDAL's CSV driver takes for point columns (overlay_input.cc).
constexpr const char* kXNames[] = {"lon", "longitude", "lng", "x", "经度"};
constexpr const char* kYNames[] = {"lat", "latitude", "y", "纬度"};
constexpr const char* kGeomNames[] = {"wkt", "geometry", "geom", "the_geom"};

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

void CsvRowWriter::Flush() {
  if (buf_.size() < kFlushBytes) return;
  out_.Write(&buf_);
  if (buf_.capacity() < 2 * kFlushBytes) buf_.reserve(2 * kFlushBytes);
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

bool GdalOnly() {
  const char* v = std::getenv("REDLINE_OVERLAY_GDAL_ONLY");
  return v != nullptr && *v != '\0' && std::string(v) != "0";
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

}  // namespace
}  // namespace fast

bool FastPathApplies(const OverlayOptions& options, const Input& in) {
  if (fast::GdalOnly() || !options.where.empty()) return false;
  const std::string out = OutputDriverFor(options.output);
  if (out == "GPKG" && EQUAL(in.dataset->GetDriverName(), "GPKG")) {
    std::error_code ec;
    return std::filesystem::is_regular_file(options.input, ec) && fast::GpkgLayoutOf(in).ok();
  }
  if (out != "CSV") return false;
  if (!EQUAL(in.dataset->GetDriverName(), "CSV") ||
      wkbFlatten(in.layer->GetGeomType()) != wkbPoint) {
    return false;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.input, ec)) return false;  // /vsi..., a folder
  if (std::filesystem::exists(CPLResetExtension(options.input.c_str(), "csvt"), ec)) return false;
  return fast::ReadLayout(options.input, in).ok();
}

int RunFastOverlay(const OverlayOptions& options, const Input& in, Connection* connection) {
  if (EQUAL(in.dataset->GetDriverName(), "GPKG")) return fast::RunGpkg(options, in, connection);
  return fast::RunCsv(options, in, connection);
}

}  // namespace redline::cli
