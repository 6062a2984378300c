// Fuzzes the token file (server/runtime/tokens.h: TokenTable::Parse, one
// "ROLE SHA256-HEX NAME" a line) and the Authorization header's reading
// (access.h: BearerToken). Asserts: a refusal is INVALID_ARGUMENT, names a
// line and never quotes a digest (a 64-hex run of the input); a table holds
// no more entries than the input has lines; Find answers for any token; a
// bearer token is a part of the header without surrounding blanks.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "server/runtime/access.h"
#include "server/runtime/tokens.h"

namespace {

// The first run of 64 hex digits in `text`, or "".
absl::string_view FirstDigest(absl::string_view text) {
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    run = absl::ascii_isxdigit(static_cast<unsigned char>(text[i])) ? run + 1 : 0;
    if (run == 64) return text.substr(i - 63, 64);
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<redline::server::TokenTable> table =
      redline::server::TokenTable::Parse(text, "fuzz");
  if (!table.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(table.status()), "refused with %s",
               table.status().ToString().c_str());
    FUZZ_CHECK(absl::StartsWith(table.status().message(), "fuzz:"), "no line named: %s",
               std::string(table.status().message()).c_str());
    const absl::string_view digest = FirstDigest(text);
    FUZZ_CHECK(digest.empty() || !absl::StrContains(table.status().message(), digest),
               "the message quotes a digest: %s", std::string(table.status().message()).c_str());
  } else {
    const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    FUZZ_CHECK(table->size() <= lines, "%zu entries from %zu lines", table->size(), lines);
    (void)table->Find(text);
    (void)table->Find("");
  }
  const absl::string_view token = redline::server::BearerToken(text);
  if (!token.empty()) {
    FUZZ_CHECK(token.data() >= text.data() && token.data() + token.size() <= text.data() + size,
               "the token is not a part of the header");
    FUZZ_CHECK(!absl::ascii_isspace(static_cast<unsigned char>(token.front())) &&
                   !absl::ascii_isspace(static_cast<unsigned char>(token.back())),
               "blanks around the token");
  }
  return 0;
}
