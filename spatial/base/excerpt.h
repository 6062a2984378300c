// Quoting request input in error messages without echoing it whole.
//
// An error should show the client what was wrong, not hand its request
// back: a 100 kB token quoted in a gRPC status outgrew the client's metadata
// limit, so the client saw RESOURCE_EXHAUSTED instead of the real error.
// Every message that quotes input quotes an excerpt.
#ifndef REDLINE_SPATIAL_BASE_EXCERPT_H_
#define REDLINE_SPATIAL_BASE_EXCERPT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace redline {

// How much of a piece of input an error message quotes.
inline constexpr size_t kExcerptBytes = 60;

// The longest prefix of `text` of at most `max_bytes` bytes that does not
// cut a UTF-8 sequence in two (an invalid sequence counts byte by byte).
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

// `text` itself when it fits in `max_bytes`, else its first bytes (cut on a
// UTF-8 boundary), "…" and its length: "POLYGON((1 2, … (104857 bytes)".
std::string Excerpt(absl::string_view text, size_t max_bytes = kExcerptBytes);

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_EXCERPT_H_
