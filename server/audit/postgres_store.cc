// The audit trail in PostgreSQL (Debian's libpq), for sites that keep their
// records with their other data. The same table as the SQLite file's, the
// same append-only trigger. One connection, re-established when it broke.
#include <libpq-fe.h>

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/audit/audit_store.h"

namespace redline::server {
namespace {

struct ConnFinish {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClear {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnFinish>;
using ResultPtr = std::unique_ptr<PGresult, ResultClear>;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS audit_records (
  id TEXT PRIMARY KEY,
  at_us BIGINT NOT NULL,
  caller_name TEXT NOT NULL,
  caller_address TEXT NOT NULL,
  method TEXT NOT NULL,
  geometry_encoding TEXT NOT NULL,
  geometry BYTEA NOT NULL,
  crs TEXT NOT NULL,
  options BYTEA NOT NULL,
  as_of TEXT NOT NULL,
  dataset_version TEXT NOT NULL,
  verdict TEXT NOT NULL,
  zone_ids TEXT NOT NULL,
  rule_ids TEXT NOT NULL,
  features BIGINT NOT NULL,
  with_hits BIGINT NOT NULL,
  errors BIGINT NOT NULL,
  by_verdict TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_records_at ON audit_records (at_us);
CREATE INDEX IF NOT EXISTS audit_records_caller ON audit_records (caller_name, at_us);
CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
CREATE OR REPLACE TRIGGER audit_records_append_only BEFORE UPDATE ON audit_records
  FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
)sql";

constexpr char kColumns[] =
    "id, at_us, caller_name, caller_address, method, geometry_encoding, geometry, crs, options, "
    "as_of, dataset_version, verdict, zone_ids, rule_ids, features, with_hits, errors, by_verdict";
constexpr int kColumnCount = 18;

// A URL as the log may show it: without its password.
std::string Redacted(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  const size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return absl::StrCat(url.substr(0, colon), ":***", url.substr(at));
}

class PostgresStore final : public AuditStore {
 public:
  PostgresStore(ConnPtr conn, std::string url) : conn_(std::move(conn)), url_(std::move(url)) {}

  absl::Status Append(absl::Span<const AuditRecord> records) override {
    std::lock_guard lock(mu_);
    if (absl::Status st = Connected(); !st.ok()) return st;
    if (absl::Status st = Command("BEGIN", {}); !st.ok()) return st;
    absl::Status st;
    const std::string sql =
        absl::StrCat("INSERT INTO audit_records (", kColumns,
                     ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)");
    for (size_t i = 0; st.ok() && i < records.size(); ++i) {
      const AuditRecord& r = records[i];
      st = Command(
          sql,
          {r.id, absl::StrCat(absl::ToUnixMicros(r.at)), r.caller_name, r.caller_address, r.method,
           r.geometry_encoding, r.geometry, r.crs, r.options, r.as_of, r.dataset_version, r.verdict,
           JoinLines(r.zone_ids), JoinLines(r.rule_ids), absl::StrCat(r.features),
           absl::StrCat(r.with_hits), absl::StrCat(r.errors), JoinCounts(r.by_verdict)},
          /*binary={geometry, options}*/ {6, 8});
    }
    if (st.ok()) st = Command("COMMIT", {});
    if (!st.ok()) Command("ROLLBACK", {}).IgnoreError();
    return st;
  }

  absl::StatusOr<std::optional<AuditRecord>> Get(const std::string& id) override {
    std::lock_guard lock(mu_);
    absl::StatusOr<ResultPtr> res =
        Query(absl::StrCat("SELECT ", kColumns, " FROM audit_records WHERE id = $1"), {id});
    if (!res.ok()) return res.status();
    if (PQntuples(res->get()) == 0) return std::optional<AuditRecord>();
    return std::optional<AuditRecord>(Row(res->get(), 0));
  }

  absl::StatusOr<RecordPage> List(const RecordQuery& q) override {
    std::lock_guard lock(mu_);
    absl::StatusOr<ResultPtr> res =
        Query(absl::StrCat("SELECT ", kColumns,
                           " FROM audit_records WHERE at_us >= $1 AND at_us < $2 AND id > $3 AND "
                           "($4 = '' OR caller_name = $4) ORDER BY id LIMIT $5"),
              {absl::StrCat(Micros(q.from)), absl::StrCat(Micros(q.to)), q.after_id, q.caller_name,
               absl::StrCat(q.page_size + 1)});
    if (!res.ok()) return res.status();
    RecordPage page;
    for (int i = 0; i < PQntuples(res->get()); ++i) page.records.push_back(Row(res->get(), i));
    if (page.records.size() > static_cast<size_t>(q.page_size)) {
      page.records.pop_back();
      page.next_after_id = page.records.back().id;
    }
    return page;
  }

  absl::Status Probe() override {
    std::lock_guard lock(mu_);
    if (absl::Status st = Connected(); !st.ok()) return st;
    return Command("SELECT 1 FROM audit_records LIMIT 1", {});
  }

  absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) override {
    std::lock_guard lock(mu_);
    absl::StatusOr<ResultPtr> res =
        Query("DELETE FROM audit_records WHERE at_us < $1", {absl::StrCat(Micros(cutoff))});
    if (!res.ok()) return res.status();
    int64_t n = 0;
    if (!absl::SimpleAtoi(PQcmdTuples(res->get()), &n)) n = 0;
    return n;
  }

  std::string Describe() const override { return absl::StrCat("PostgreSQL ", Redacted(url_)); }

 private:
  static int64_t Micros(absl::Time t) {
    if (t == absl::InfinitePast()) return INT64_MIN;
    if (t == absl::InfiniteFuture()) return INT64_MAX;
    return absl::ToUnixMicros(t);
  }

  absl::Status Error(absl::string_view what) {
    return absl::UnavailableError(absl::StrCat("audit store (PostgreSQL ", Redacted(url_), "), ",
                                               what, ": ", PQerrorMessage(conn_.get())));
  }
  // A broken connection (the server restarted) is made again.
  absl::Status Connected() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return absl::OkStatus();
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) == CONNECTION_OK) return absl::OkStatus();
    return Error("connecting");
  }
  // `binary`: the indexes of the bytea parameters, sent as bytes.
  absl::StatusOr<ResultPtr> Query(const std::string& sql, const std::vector<std::string>& params,
                                  std::initializer_list<int> binary = {}) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (size_t i = 0; i < params.size(); ++i) {
      values.push_back(params[i].c_str());
      lengths.push_back(static_cast<int>(params[i].size()));
      formats.push_back(std::find(binary.begin(), binary.end(), static_cast<int>(i)) !=
                        binary.end());
    }
    ResultPtr res(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), lengths.data(), formats.data(), 0));
    const ExecStatusType status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Error(absl::StrCat(sql.substr(0, sql.find(' ')), " failed"));
    }
    return res;
  }
  absl::Status Command(const std::string& sql, const std::vector<std::string>& params,
                       std::initializer_list<int> binary = {}) {
    return Query(sql, params, binary).status();
  }

  static std::string Text(PGresult* r, int row, int col) {
    return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
  }
  static int64_t Int(PGresult* r, int row, int col) {
    int64_t n = 0;
    return absl::SimpleAtoi(Text(r, row, col), &n) ? n : 0;
  }
  static std::string Bytes(PGresult* r, int row, int col) {
    size_t n = 0;
    unsigned char* raw =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col)), &n);
    if (raw == nullptr) return std::string();
    std::string out(reinterpret_cast<const char*>(raw), n);
    PQfreemem(raw);
    return out;
  }

  static AuditRecord Row(PGresult* res, int i) {
    static_assert(kColumnCount == 18);
    AuditRecord r;
    r.id = Text(res, i, 0);
    r.at = absl::FromUnixMicros(Int(res, i, 1));
    r.caller_name = Text(res, i, 2);
    r.caller_address = Text(res, i, 3);
    r.method = Text(res, i, 4);
    r.geometry_encoding = Text(res, i, 5);
    r.geometry = Bytes(res, i, 6);
    r.crs = Text(res, i, 7);
    r.options = Bytes(res, i, 8);
    r.as_of = Text(res, i, 9);
    r.dataset_version = Text(res, i, 10);
    r.verdict = Text(res, i, 11);
    r.zone_ids = SplitLines(Text(res, i, 12));
    r.rule_ids = SplitLines(Text(res, i, 13));
    r.features = Int(res, i, 14);
    r.with_hits = Int(res, i, 15);
    r.errors = Int(res, i, 16);
    r.by_verdict = SplitCounts(Text(res, i, 17));
    return r;
  }

  // std::mutex, not absl::Mutex: ThreadSanitizer sees only pthread mutexes.
  std::mutex mu_;
  ConnPtr conn_;
  const std::string url_;
};

// Quiets libpq's NOTICEs ("relation already exists, skipping") on stderr.
void IgnoreNotice(void*, const char*) {}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenPostgresStore(const std::string& url) {
  ConnPtr conn(PQconnectdb(url.c_str()));
  if (conn == nullptr || PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the audit database ", Redacted(url), ": ",
                     conn ? PQerrorMessage(conn.get()) : "out of memory"));
  }
  PQsetNoticeProcessor(conn.get(), IgnoreNotice, nullptr);
  ResultPtr res(PQexec(conn.get(), kSchema));
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
    return absl::UnavailableError(absl::StrCat("cannot set up the audit table in ", Redacted(url),
                                               ": ", PQerrorMessage(conn.get())));
  }
  return std::unique_ptr<AuditStore>(new PostgresStore(std::move(conn), url));
}

}  // namespace redline::server
