// One answered check as the audit trail keeps it (issue 21, item 4): who
// asked, when, what, against which data, and what the answer was. Plain
// values, free of gRPC and protobuf, so the stores (audit_store.h) and the
// writer (audit_log.h) stay transport-free; server/handlers fills it from a
// request and its answer and turns it back into redline.v1.AuditRecord.
#ifndef REDLINE_SERVER_AUDIT_AUDIT_RECORD_H_
#define REDLINE_SERVER_AUDIT_AUDIT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace redline::server {

struct AuditRecord {
  std::string id;  // NewRecordId(): "R" + time + random, sortable by time
  absl::Time at;   // when the answer was made (microseconds are kept)
  std::string caller_name;
  std::string caller_address;
  // "CheckPoint", "CheckGeometry", "Overlay" (gRPC) or the HTTP route,
  // "POST /v1/check-point".
  std::string method;
  // The request's geometry as given: "point" (WKB of the point, in `crs`),
  // "wkb", "wkt", "geojson" or "coordinate_table" (the text as given);
  // empty for an Overlay stream (its features are the client's file).
  std::string geometry_encoding;
  std::string geometry;
  std::string crs;  // as the request gave it ("" means EPSG:4490)
  // redline.v1.CheckOptions, serialized (protobuf bytes: a check cannot
  // afford printing JSON; GetRecord gives it as a message).
  std::string options;
  std::string as_of;  // the day whose zones answered, YYYY-MM-DD
  std::string dataset_version;
  std::string verdict;  // a redline.v1.Verdict name; "" when none was reached (hits_only)
  std::vector<std::string> zone_ids;  // "layer/zone_id" of each zone hit
  std::vector<std::string> rule_ids;  // the rules that applied (hits and setbacks)
  // An Overlay stream's counts: features (and points) answered, those with
  // at least one hit, those answered with an error, and per verdict name.
  int64_t features = 0;
  int64_t with_hits = 0;
  int64_t errors = 0;
  std::vector<std::pair<std::string, int64_t>> by_verdict;
};

// Which records ListRecords returns: [from, to) and, when set, one caller;
// in id order (time order), `page_size` at most, after `after_id`.
struct RecordQuery {
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  std::string caller_name;  // empty: any caller
  int page_size = 100;
  std::string after_id;  // the previous page's last id (its next_page_token)
};

struct RecordPage {
  std::vector<AuditRecord> records;
  std::string next_after_id;  // empty when this was the last page
};

// A fresh record id for a record made at `at`: "R", 10 characters of the
// time in milliseconds and 16 random ones (80 bits), in Crockford's base32
// (ULID's alphabet), so ids sort by time and cannot be guessed from one
// another. Ids made by this process sort in the order they were made, in
// the same millisecond too. Thread-safe.
std::string NewRecordId(absl::Time at);

// Whether `id` has the form NewRecordId gives (27 characters of the alphabet).
bool IsRecordId(std::string_view id);

}  // namespace redline::server

#endif  // REDLINE_SERVER_AUDIT_AUDIT_RECORD_H_
