// Human-readable rendering of Redline responses for the terminal.
#ifndef REDLINE_CLIENTS_CLI_OUTPUT_H_
#define REDLINE_CLIENTS_CLI_OUTPUT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"
#include "spatial/base/messages.h"

namespace redline::cli {

struct Style {
  bool color = false;
  Lang lang = Lang::kEn;  // the language of everything printed (--lang)
};

// The language of the output: --lang (zh or en) when given, else the
// locale's (LC_ALL, then LC_MESSAGES, then LANG, as POSIX orders them):
// zh* is Chinese, anything else English.
Lang OutputLang(const std::optional<std::string>& flag);

std::string FormatCheck(const v1::CheckResponse& response, const Style& style);
std::string FormatLayers(const v1::ListLayersResponse& response, const Style& style);

// Terminal columns a UTF-8 string occupies (CJK characters take two).
int DisplayWidth(absl::string_view s);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OUTPUT_H_
