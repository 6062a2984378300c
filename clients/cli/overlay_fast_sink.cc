#include "clients/cli/overlay_fast_sink.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace redline::cli {
namespace {

// Buffers and row chunks waiting for their thread: enough to ride out a
// slow write, few enough to keep memory flat.
constexpr size_t kDepth = 4;

}  // namespace

FileSink::FileSink(FILE* file)
    : file_(file), writer_(kDepth, [this](std::string& buf) {
        if (status_.ok() && std::fwrite(buf.data(), 1, buf.size(), file_) != buf.size()) {
          status_ =
              absl::DataLossError(absl::StrCat("writing a row failed: ", std::strerror(errno)));
        }
        buf.clear();
      }) {}

FileSink::~FileSink() {
  writer_.Finish();
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status FileSink::Close(std::string* buf) {
  if (!buf->empty()) writer_.Push(buf);
  writer_.Finish();
  if (std::fclose(file_) != 0 && status_.ok()) {
    status_ =
        absl::DataLossError(absl::StrCat("closing the output failed: ", std::strerror(errno)));
  }
  file_ = nullptr;
  return status_;
}

SqlSink::SqlSink(sqlite3* db, std::vector<sqlite3_stmt*> statements)
    : db_(db),
      statements_(std::move(statements)),
      inserter_(kDepth, [this](SqlRows& rows) { Run(rows); }) {}

absl::Status SqlSink::Finish() {
  inserter_.Finish();
  return status_;
}

void SqlSink::Run(SqlRows& rows) {
  size_t v = 0;
  for (size_t r = 0; r < rows.size() && status_.ok(); ++r) {
    sqlite3_stmt* st = statements_[rows.statement[r]];
    for (int p = 1; v < rows.ends[r]; ++v, ++p) {
      const SqlValue& x = rows.values[v];
      const char* bytes = rows.bytes.data() + x.begin;
      switch (x.kind) {
        case SqlValue::kNull:
          sqlite3_bind_null(st, p);
          break;
        case SqlValue::kInt:
          sqlite3_bind_int64(st, p, x.i);
          break;
        case SqlValue::kReal:
          sqlite3_bind_double(st, p, x.d);
          break;
        case SqlValue::kText:
          sqlite3_bind_text(st, p, bytes, static_cast<int>(x.size), SQLITE_STATIC);
          break;
        case SqlValue::kBlob:
          sqlite3_bind_blob(st, p, bytes, static_cast<int>(x.size), SQLITE_STATIC);
      }
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
      status_ = absl::DataLossError(absl::StrCat("writing a row failed: ", sqlite3_errmsg(db_)));
    }
    sqlite3_reset(st);
  }
  rows.Clear();
}

}  // namespace redline::cli
