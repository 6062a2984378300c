// The audit trail in an SQLite file (Debian's libsqlite3).
//
// The rollback journal (journal_mode=DELETE), not WAL: every commit then
// creates and removes a journal file beside the database, so a folder that
// can no longer be written fails the next batch at once, and the server
// refuses checks (fail closed) instead of writing on into a -wal file it
// happens to hold open. synchronous=FULL: a committed batch survives a
// power cut; batches are few (one a fraction of a second), so it costs the
// checks nothing.
#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/audit/audit_store.h"

namespace redline::server {
namespace {

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS audit_records (
  id TEXT PRIMARY KEY,
  at_us INTEGER NOT NULL,
  caller_name TEXT NOT NULL,
  caller_address TEXT NOT NULL,
  method TEXT NOT NULL,
  geometry_encoding TEXT NOT NULL,
  geometry BLOB NOT NULL,
  crs TEXT NOT NULL,
  options BLOB NOT NULL,
  as_of TEXT NOT NULL,
  dataset_version TEXT NOT NULL,
  verdict TEXT NOT NULL,
  zone_ids TEXT NOT NULL,
  rule_ids TEXT NOT NULL,
  features INTEGER NOT NULL,
  with_hits INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  by_verdict TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_records_at ON audit_records (at_us);
CREATE INDEX IF NOT EXISTS audit_records_caller ON audit_records (caller_name, at_us);
CREATE TABLE IF NOT EXISTS audit_probe (x INTEGER);
CREATE TRIGGER IF NOT EXISTS audit_records_append_only BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
)sql";

constexpr char kColumns[] =
    "id, at_us, caller_name, caller_address, method, geometry_encoding, geometry, crs, options, "
    "as_of, dataset_version, verdict, zone_ids, rule_ids, features, with_hits, errors, by_verdict";

class SqliteStore final : public AuditStore {
 public:
  SqliteStore(DbPtr db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}

  absl::Status Append(absl::Span<const AuditRecord> records) override {
    std::lock_guard lock(mu_);
    if (absl::Status st = Exec("BEGIN IMMEDIATE"); !st.ok()) return st;
    StmtPtr insert;
    absl::Status st = Prepare(absl::StrCat("INSERT INTO audit_records (", kColumns,
                                           ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
                              &insert);
    for (size_t i = 0; st.ok() && i < records.size(); ++i) st = Insert(insert.get(), records[i]);
    insert.reset();
    if (st.ok()) st = Exec("COMMIT");
    if (!st.ok()) Exec("ROLLBACK").IgnoreError();  // the transaction may be gone already
    return st;
  }

  absl::StatusOr<std::optional<AuditRecord>> Get(const std::string& id) override {
    std::lock_guard lock(mu_);
    StmtPtr stmt;
    if (absl::Status st =
            Prepare(absl::StrCat("SELECT ", kColumns, " FROM audit_records WHERE id = ?"), &stmt);
        !st.ok()) {
      return st;
    }
    sqlite3_bind_text(stmt.get(), 1, id.data(), static_cast<int>(id.size()), SQLITE_TRANSIENT);
    const int rc = sqlite3_step(stmt.get());
    if (rc == SQLITE_DONE) return std::optional<AuditRecord>();
    if (rc != SQLITE_ROW) return Error("reading a record");
    return std::optional<AuditRecord>(Row(stmt.get()));
  }

  absl::StatusOr<RecordPage> List(const RecordQuery& q) override {
    std::lock_guard lock(mu_);
    StmtPtr stmt;
    if (absl::Status st = Prepare(
            absl::StrCat("SELECT ", kColumns,
                         " FROM audit_records WHERE at_us >= ? AND at_us < ? AND id > ? AND "
                         "(? = '' OR caller_name = ?) ORDER BY id LIMIT ?"),
            &stmt);
        !st.ok()) {
      return st;
    }
    sqlite3_bind_int64(stmt.get(), 1, Micros(q.from));
    sqlite3_bind_int64(stmt.get(), 2, Micros(q.to));
    BindText(stmt.get(), 3, q.after_id);
    BindText(stmt.get(), 4, q.caller_name);
    BindText(stmt.get(), 5, q.caller_name);
    // One more than asked for: whether there is a next page.
    sqlite3_bind_int64(stmt.get(), 6, static_cast<int64_t>(q.page_size) + 1);
    RecordPage page;
    int rc;
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) page.records.push_back(Row(stmt.get()));
    if (rc != SQLITE_DONE) return Error("listing records");
    if (page.records.size() > static_cast<size_t>(q.page_size)) {
      page.records.pop_back();
      page.next_after_id = page.records.back().id;
    }
    return page;
  }

  absl::Status Probe() override {
    std::lock_guard lock(mu_);
    // A row written and rolled back: the journal file is made and removed,
    // as a real batch would.
    absl::Status st = Exec("BEGIN IMMEDIATE");
    if (st.ok()) st = Exec("INSERT INTO audit_probe VALUES (1)");
    Exec("ROLLBACK").IgnoreError();
    return st;
  }

  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override {
    std::lock_guard lock(mu_);
    StmtPtr stmt;
    if (absl::Status st = Prepare("DELETE FROM audit_records WHERE at_us < ?", &stmt); !st.ok()) {
      return st;
    }
    sqlite3_bind_int64(stmt.get(), 1, Micros(cutoff));
    if (sqlite3_step(stmt.get()) != SQLITE_DONE) return Error("deleting old records");
    return static_cast<int64_t>(sqlite3_changes(db_.get()));
  }

  std::string Describe() const override { return absl::StrCat("SQLite file ", path_); }

 private:
  // Infinite bounds map to the ends of int64.
  static int64_t Micros(absl::Time t) {
    if (t == absl::InfinitePast()) return INT64_MIN;
    if (t == absl::InfiniteFuture()) return INT64_MAX;
    return absl::ToUnixMicros(t);
  }
  static void BindText(sqlite3_stmt* s, int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static std::string Text(sqlite3_stmt* s, int i) {
    const void* p = sqlite3_column_blob(s, i);
    const int n = sqlite3_column_bytes(s, i);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
  }

  absl::Status Error(absl::string_view what) {
    return absl::UnavailableError(absl::StrCat("audit store (SQLite file ", path_, "), ", what,
                                               ": ", sqlite3_errmsg(db_.get())));
  }
  absl::Status Exec(const char* sql) {
    if (sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr) == SQLITE_OK) {
      return absl::OkStatus();
    }
    return Error(sql);
  }
  absl::Status Prepare(const std::string& sql, StmtPtr* out) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      return Error("preparing a statement");
    }
    out->reset(s);
    return absl::OkStatus();
  }

  absl::Status Insert(sqlite3_stmt* s, const AuditRecord& r) {
    sqlite3_reset(s);
    BindText(s, 1, r.id);
    sqlite3_bind_int64(s, 2, absl::ToUnixMicros(r.at));
    BindText(s, 3, r.caller_name);
    BindText(s, 4, r.caller_address);
    BindText(s, 5, r.method);
    BindText(s, 6, r.geometry_encoding);
    sqlite3_bind_blob(s, 7, r.geometry.data(), static_cast<int>(r.geometry.size()),
                      SQLITE_TRANSIENT);
    BindText(s, 8, r.crs);
    sqlite3_bind_blob(s, 9, r.options.data(), static_cast<int>(r.options.size()), SQLITE_TRANSIENT);
    BindText(s, 10, r.as_of);
    BindText(s, 11, r.dataset_version);
    BindText(s, 12, r.verdict);
    BindText(s, 13, JoinLines(r.zone_ids));
    BindText(s, 14, JoinLines(r.rule_ids));
    sqlite3_bind_int64(s, 15, r.features);
    sqlite3_bind_int64(s, 16, r.with_hits);
    sqlite3_bind_int64(s, 17, r.errors);
    BindText(s, 18, JoinCounts(r.by_verdict));
    if (sqlite3_step(s) != SQLITE_DONE) return Error(absl::StrCat("inserting record ", r.id));
    return absl::OkStatus();
  }

  static AuditRecord Row(sqlite3_stmt* s) {
    AuditRecord r;
    r.id = Text(s, 0);
    r.at = absl::FromUnixMicros(sqlite3_column_int64(s, 1));
    r.caller_name = Text(s, 2);
    r.caller_address = Text(s, 3);
    r.method = Text(s, 4);
    r.geometry_encoding = Text(s, 5);
    r.geometry = Text(s, 6);
    r.crs = Text(s, 7);
    r.options = Text(s, 8);
    r.as_of = Text(s, 9);
    r.dataset_version = Text(s, 10);
    r.verdict = Text(s, 11);
    r.zone_ids = SplitLines(Text(s, 12));
    r.rule_ids = SplitLines(Text(s, 13));
    r.features = sqlite3_column_int64(s, 14);
    r.with_hits = sqlite3_column_int64(s, 15);
    r.errors = sqlite3_column_int64(s, 16);
    r.by_verdict = SplitCounts(Text(s, 17));
    return r;
  }

  // std::mutex, not absl::Mutex: ThreadSanitizer sees only pthread mutexes.
  std::mutex mu_;
  DbPtr db_;
  const std::string path_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteStore(const std::string& path) {
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  DbPtr db(raw);
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat("cannot open the audit file ", path, ": ",
                                               raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  // Another process holding the file (a backup, an analyst's query) is
  // waited for a little before a batch counts as failed.
  sqlite3_busy_timeout(db.get(), 2000);
  for (const char* sql : {"PRAGMA journal_mode=DELETE", "PRAGMA synchronous=FULL",
                          static_cast<const char*>(kSchema)}) {
    char* message = nullptr;
    if (sqlite3_exec(db.get(), sql, nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message ? message : sqlite3_errmsg(db.get());
      sqlite3_free(message);
      return absl::UnavailableError(absl::StrCat("cannot set up the audit file ", path, ": ", why));
    }
  }
  return std::unique_ptr<AuditStore>(new SqliteStore(std::move(db), path));
}

}  // namespace redline::server
