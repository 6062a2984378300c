// The overlay fast path's outputs, each written on a thread of its own so
// that writing (fwrite's copy into the page cache for CSV, SQLite's inserts
// for GeoPackage: most of the fast path's time) overlaps with turning the
// answers into rows. Memory stays flat: a few chunks in flight, recycled.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FAST_SINK_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FAST_SINK_H_

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace redline::cli {

// Runs `consume` on its own thread for each pushed item, in push order; at
// most `depth` items wait. Consumed items come back through Push's swap, so
// their buffers are reused.
template <typename T>
class HandOff {
 public:
  HandOff(size_t depth, std::function<void(T&)> consume)
      : depth_(depth), consume_(std::move(consume)), thread_([this] { Loop(); }) {}
  ~HandOff() { Finish(); }
  HandOff(const HandOff&) = delete;
  HandOff& operator=(const HandOff&) = delete;

  // Queues `*item`; leaves in `*item` a consumed (or fresh) one to refill.
  void Push(T* item) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return full_.size() < depth_; });
    full_.push_back(std::move(*item));
    if (!free_.empty()) {
      *item = std::move(free_.back());
      free_.pop_back();
    } else {
      *item = T();
    }
    cv_.notify_all();
  }
  // Waits until every pushed item is consumed; ends the thread.
  void Finish() {
    {
      std::lock_guard lock(mu_);
      if (done_) return;
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock lock(mu_);
    while (true) {
      cv_.wait(lock, [&] { return !full_.empty() || done_; });
      if (full_.empty()) return;
      T item = std::move(full_.front());
      lock.unlock();
      consume_(item);
      lock.lock();
      full_.pop_front();
      if (free_.size() < depth_) free_.push_back(std::move(item));
      cv_.notify_all();
    }
  }

  const size_t depth_;
  std::function<void(T&)> consume_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> full_;
  std::vector<T> free_;
  bool done_ = false;
  std::thread thread_;  // last: starts once the rest exists
};

// Writes buffers to a file on its own thread. Owns the FILE.
class FileSink {
 public:
  explicit FileSink(FILE* file);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  // Hands `*buf` over to be written; leaves an empty buffer to fill next.
  void Write(std::string* buf) { writer_.Push(buf); }
  // Writes what is left of `buf`, closes the file: the first error.
  absl::Status Close(std::string* buf);

 private:
  FILE* file_;
  absl::Status status_;  // the writing thread's until Close
  HandOff<std::string> writer_;
};

// A SQLite value as the fast path binds it; texts and blobs in a side
// buffer (`begin`, `size`).
struct SqlValue {
  enum Kind : unsigned char { kNull, kInt, kReal, kText, kBlob } kind = kNull;
  int64_t i = 0;
  double d = 0;
  uint32_t begin = 0, size = 0;
};

// Rows for SqlSink: their values in order, each row's statement.
struct SqlRows {
  std::string bytes;
  std::vector<SqlValue> values;
  std::vector<uint32_t> ends;  // per row: the end of its values
  // Row r's values: [Begin(r), ends[r]).
  uint32_t Begin(size_t r) const { return r == 0 ? 0 : ends[r - 1]; }
  std::vector<unsigned char> statement;

  size_t size() const { return ends.size(); }
  void Clear() {
    bytes.clear();
    values.clear();
    ends.clear();
    statement.clear();
  }
  // Appends `v`, whose text (if any) is in `text`.
  void Add(const SqlValue& v, const char* text) {
    values.push_back(v);
    if (v.kind == SqlValue::kText || v.kind == SqlValue::kBlob) {
      values.back().begin = static_cast<uint32_t>(bytes.size());
      bytes.append(text + v.begin, v.size);
    }
  }
  void AddText(const char* text, size_t n, SqlValue::Kind kind = SqlValue::kText) {
    SqlValue v;
    v.kind = kind;
    v.begin = static_cast<uint32_t>(bytes.size());
    v.size = static_cast<uint32_t>(n);
    values.push_back(v);
    bytes.append(text, n);
  }
  void EndRow(unsigned char stmt) {
    ends.push_back(static_cast<uint32_t>(values.size()));
    statement.push_back(stmt);
  }
};

// A table's prepared INSERTs: `one` takes a row's values as parameters
// 1..n; `many` (if set) takes `rows` rows at once, the first row's values
// as parameters 1..n, the next's n+1..2n, ... One statement for many rows
// saves SQLite's per-statement work (cursors, AUTOINCREMENT's
// sqlite_sequence update: GDAL's tables have it), a good part of a row's.
struct SqlTable {
  sqlite3_stmt* one = nullptr;
  sqlite3_stmt* many = nullptr;
  int rows = 0;
};

// Runs the INSERTs on its own thread, each table's rows in their order
// (SqlRows::statement: the index of the table). The connection is used by
// that thread alone until Finish.
class SqlSink {
 public:
  SqlSink(sqlite3* db, std::vector<SqlTable> tables);
  ~SqlSink() { inserter_.Finish(); }
  SqlSink(const SqlSink&) = delete;
  SqlSink& operator=(const SqlSink&) = delete;

  // Hands `*rows` over to be inserted; leaves empty rows to fill next.
  void Insert(SqlRows* rows) { inserter_.Push(rows); }
  // Waits for the inserts: the first error.
  absl::Status Finish();

 private:
  void Run(SqlRows& rows);
  // Binds row `r`'s values from parameter `first`.
  void Bind(const SqlRows& rows, size_t r, sqlite3_stmt* st, int first);
  void Step(sqlite3_stmt* st);

  sqlite3* db_;
  std::vector<SqlTable> tables_;
  std::vector<size_t> pending_;  // Run: one table's rows
  absl::Status status_;          // the inserting thread's until Finish
  HandOff<SqlRows> inserter_;
};

// With REDLINE_OVERLAY_TRACE=1 in the environment, where the fast path's
// time goes: seconds per phase of the calling thread (each Lap adds the
// time since the previous one to its phase), printed to stderr at the end.
class PhaseTrace {
 public:
  PhaseTrace();
  bool on() const { return on_; }
  void Lap(const char* phase);
  // Adds `seconds` measured elsewhere (another thread) to `phase`.
  void Add(const char* phase, double seconds);
  static double Since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }
  void Print() const;

 private:
  bool on_;
  std::chrono::steady_clock::time_point start_, last_;
  std::vector<std::pair<std::string, double>> phases_;
};

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FAST_SINK_H_
