// Strict UTF-8 validation.
#ifndef REDLINE_SPATIAL_BASE_UTF8_H_
#define REDLINE_SPATIAL_BASE_UTF8_H_

#include "absl/strings/string_view.h"

namespace redline {

// Whether `s` is well-formed UTF-8 (RFC 3629, Unicode table 3-7): no
// overlong forms, no surrogates, nothing above U+10FFFF. This is what
// protobuf requires of a string field, and stricter than GDAL's CPLIsUTF8
// (which lets encoded surrogates through). Every text that can reach an
// answer (source attributes, rules, config names) passes it at load, so the
// server can write answers without checking them again.
bool IsValidUtf8(absl::string_view s);

}  // namespace redline

#endif  // REDLINE_SPATIAL_BASE_UTF8_H_
