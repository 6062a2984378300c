#include "spatial/base/excerpt.h"

#include "absl/strings/str_cat.h"

namespace redline {

absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the lead byte of the
  // sequence that would be cut, and drop that sequence if it does not fit.
  size_t lead = end;
  while (lead > 0 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80 && end - lead < 4) {
    --lead;
  }
  if (lead < end && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) end = lead;
  return text.substr(0, end);
}

std::string Excerpt(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(Utf8Prefix(text, max_bytes), "\xE2\x80\xA6 (", text.size(), " bytes)");
}

}  // namespace redline
