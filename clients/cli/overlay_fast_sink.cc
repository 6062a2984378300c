#include "clients/cli/overlay_fast_sink.h"

#include <cerrno>
#include <cstdlib>
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

SqlSink::SqlSink(sqlite3* db, std::vector<SqlTable> tables)
    : db_(db),
      tables_(std::move(tables)),
      inserter_(kDepth, [this](SqlRows& rows) { Run(rows); }) {}

absl::Status SqlSink::Finish() {
  inserter_.Finish();
  return status_;
}

void SqlSink::Bind(const SqlRows& rows, size_t r, sqlite3_stmt* st, int first) {
  int p = first;
  for (uint32_t v = rows.Begin(r); v < rows.ends[r]; ++v, ++p) {
    const SqlValue& x = rows.values[v];
    const char* bytes = rows.bytes.data() + x.begin;
    switch (x.kind) {
      case SqlValue::kNull:  // cleared after the last step
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
}

void SqlSink::Step(sqlite3_stmt* st) {
  if (sqlite3_step(st) != SQLITE_DONE && status_.ok()) {
    status_ = absl::DataLossError(absl::StrCat("writing a row failed: ", sqlite3_errmsg(db_)));
  }
  sqlite3_reset(st);
  // Every parameter back to NULL in one call: a row's nulls (a third of its
  // columns, often) need no call each.
  sqlite3_clear_bindings(st);
}

void SqlSink::Run(SqlRows& rows) {
  for (size_t t = 0; t < tables_.size() && status_.ok(); ++t) {
    const SqlTable& table = tables_[t];
    pending_.clear();
    for (size_t r = 0; r < rows.size(); ++r) {
      if (rows.statement[r] == t) pending_.push_back(r);
    }
    size_t k = 0;
    if (table.many != nullptr) {
      for (; k + table.rows <= pending_.size(); k += table.rows) {
        int first = 1;
        for (int j = 0; j < table.rows; ++j) {
          const size_t r = pending_[k + j];
          Bind(rows, r, table.many, first);
          first += static_cast<int>(rows.ends[r] - rows.Begin(r));
        }
        Step(table.many);
      }
    }
    for (; k < pending_.size(); ++k) {
      Bind(rows, pending_[k], table.one, 1);
      Step(table.one);
    }
  }
  rows.Clear();
}

PhaseTrace::PhaseTrace() {
  const char* v = std::getenv("REDLINE_OVERLAY_TRACE");
  on_ = v != nullptr && *v != '\0' && std::string(v) != "0";
  start_ = last_ = std::chrono::steady_clock::now();
}

void PhaseTrace::Lap(const char* phase) {
  if (!on_) return;
  const auto now = std::chrono::steady_clock::now();
  Add(phase, std::chrono::duration<double>(now - last_).count());
  last_ = now;
}

void PhaseTrace::Add(const char* phase, double seconds) {
  if (!on_) return;
  for (auto& [name, s] : phases_) {
    if (name == phase) {
      s += seconds;
      return;
    }
  }
  phases_.emplace_back(phase, seconds);
}

void PhaseTrace::Print() const {
  if (!on_) return;
  for (const auto& [name, s] : phases_)
    std::fprintf(stderr, "trace: %-40s %8.3f s\n", name.c_str(), s);
  std::fprintf(stderr, "trace: %-40s %8.3f s\n", "wall (stream start to close)", Since(start_));
}

}  // namespace redline::cli
