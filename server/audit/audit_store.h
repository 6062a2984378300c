// Where audit records are kept: an SQLite file (the default) or a
// PostgreSQL database. Append-only: records are inserted, read, and deleted
// only by retention (DeleteBefore); nothing updates them (the SQLite table
// refuses UPDATE with a trigger, PostgreSQL's too).
//
// Thread safety: every method may be called from any thread; a store
// serializes its calls on one connection (the writer thread appends in
// batches; reads are rare administrative calls).
#ifndef REDLINE_SERVER_AUDIT_AUDIT_STORE_H_
#define REDLINE_SERVER_AUDIT_AUDIT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/audit/audit_record.h"

namespace redline::server {

class AuditStore {
 public:
  virtual ~AuditStore() = default;
  // Inserts `records` in one transaction: all of them or none.
  virtual absl::Status Append(absl::Span<const AuditRecord> records) = 0;
  // The record with this id; nullopt when there is none.
  virtual absl::StatusOr<std::optional<AuditRecord>> Get(const std::string& id) = 0;
  virtual absl::StatusOr<RecordPage> List(const RecordQuery& query) = 0;
  // Whether a write would succeed now, without keeping anything (a write
  // rolled back): how a failing store is found healthy again while no
  // record waits (fail closed, checks are refused and queue none).
  virtual absl::Status Probe() = 0;
  // Retention: deletes the records made before `cutoff`; returns how many.
  virtual absl::StatusOr<int64_t> DeleteBefore(absl::Time cutoff) = 0;
  // For the log: "SQLite file /var/lib/redline/audit.db", "PostgreSQL host/db".
  virtual std::string Describe() const = 0;
};

// `where` is a file path (SQLite; created with its table when missing) or
// a "postgresql://" / "postgres://" URL (libpq; the table created when
// missing). An error says why it cannot be opened or written.
absl::StatusOr<std::unique_ptr<AuditStore>> OpenAuditStore(const std::string& where);

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteStore(const std::string& path);
absl::StatusOr<std::unique_ptr<AuditStore>> OpenPostgresStore(const std::string& url);

// How lists of ids and counts are kept in one text column: one per line
// ("layer/zone", "CLEAR=3"). Zone ids, rule ids and verdict names hold no
// newline in practice; one that did would be split, never lost.
std::string JoinLines(absl::Span<const std::string> items);
std::vector<std::string> SplitLines(const std::string& text);
std::string JoinCounts(absl::Span<const std::pair<std::string, int64_t>> counts);
std::vector<std::pair<std::string, int64_t>> SplitCounts(const std::string& text);

}  // namespace redline::server

#endif  // REDLINE_SERVER_AUDIT_AUDIT_STORE_H_
