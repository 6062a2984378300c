// Request bodies of the HTTP API (JSON in protobuf's mapping) into protobuf
// messages, with the input bounded before protobuf's JSON parser sees it.
//
// protobuf 3.21's JSON parser keeps a large frame per nesting level: 400 kB
// of "[[[[…" cost 61 MB per request and 1.09 GB at peak (issue 18, finding
// 5), and its messages can quote the input at length (finding 7). So one
// iterative pass first rejects nesting deeper than kMaxJsonDepth, number
// literals longer than kMaxJsonNumberChars and control characters in
// strings, in constant stack and no allocation; only then does protobuf
// parse. A pure function (no I/O, no globals), so a fuzzer can drive it.
#ifndef REDLINE_SERVER_HTTP_HTTP_JSON_H_
#define REDLINE_SERVER_HTTP_HTTP_JSON_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace google::protobuf {
class Message;
}

namespace redline::server {

// Deeper than any request message needs (a GeoJSON polygon is 5 levels
// inside its request).
inline constexpr int kMaxJsonDepth = 64;
inline constexpr size_t kMaxJsonNumberChars = 64;

// Checks `body` against the limits above in one pass; the error names the
// byte offset and the problem. Does not check the full grammar (protobuf's
// parser does).
absl::Status ScanJson(absl::string_view body, int max_depth = kMaxJsonDepth);

// Parses `body`, a JSON object in protobuf's JSON mapping, into `out`
// (cleared first). Unknown fields are errors. INVALID_ARGUMENT naming the
// message type and the problem, quoting at most a short excerpt of the body.
absl::Status ParseJsonRequest(absl::string_view body, google::protobuf::Message* out);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_JSON_H_
