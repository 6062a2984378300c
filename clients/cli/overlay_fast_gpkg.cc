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

namespace redline::cli::fast {
namespace {

// GeoPackage rows per INSERT statement (SqlSink).
constexpr int kRowsPerInsert = 64;

std::string Quoted(absl::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace redline::cli::fast
