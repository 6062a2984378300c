// A check's answer written straight to protobuf wire format.
//
// A CheckPoint answer is one to three kilobytes, most of it zone names and
// quoted law, in some forty strings. Built as protobuf messages and then
// serialized, it cost the server more CPU than the spatial check itself:
// every string copied onto an arena, a map per hit, a pass to size it all,
// and proto3's byte-by-byte UTF-8 check of every Chinese string on the way
// out. Under load that was a fifth of CheckPoint's throughput. Here each
// field is written once, in field-number order and canonical form, exactly
// as protobuf would write it; the UTF-8 check is not repeated because every
// string is already known to be valid (from a parsed request, from the
// loader and the rules loader, which refuse invalid UTF-8, or from Redline).
//
// Callers that want a message (the HTTP API, Overlay's features: see
// handlers::CheckPoint and handlers::CheckGeometry) parse these bytes, so
// there is one encoding of an answer, not two to keep in step.
#ifndef REDLINE_SERVER_HANDLERS_ANSWER_ENCODER_H_
#define REDLINE_SERVER_HANDLERS_ANSWER_ENCODER_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "spatial/snapshot.h"

namespace redline::server {

// Appends the redline.v1.CheckResponse for `result` to `out`; `record_id`
// (the audit trail's record of it) may be empty.
void EncodeCheckResponse(const Snapshot& snapshot, const CheckResult& result, const Siting& siting,
                         absl::Time checked_at, std::string* out, absl::string_view record_id = {});

}  // namespace redline::server

#endif  // REDLINE_SERVER_HANDLERS_ANSWER_ENCODER_H_
