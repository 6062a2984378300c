#include "server/http/http_json.h"

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/http/http_request_reader.h"

namespace redline::server {
namespace {

// Longest protobuf parser message passed on: its messages quote the input
// around the error, and a field value can be megabytes long.
constexpr size_t kMaxParserMessage = 300;

absl::Status At(size_t offset, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("at byte ", offset, ": ", problem));
}

bool IsNumberChar(char c) {
  return absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' ||
         c == 'e' || c == 'E';
}

}  // namespace

absl::Status ScanJson(absl::string_view body, int max_depth) {
  int depth = 0;
  size_t i = 0;
  const size_t n = body.size();
  while (i < n) {
    const char c = body[i];
    switch (c) {
      case '{':
      case '[':
        if (++depth > max_depth) {
          return At(i, absl::StrCat("JSON nested deeper than ", max_depth, " levels"));
        }
        ++i;
        break;
      case '}':
      case ']':
        if (--depth < 0) return At(i, absl::StrCat("'", std::string(1, c), "' closes nothing"));
        ++i;
        break;
      case '"': {
        // A string: skip to its closing quote, escapes included.
        const size_t start = i++;
        for (;;) {
          if (i >= n) return At(start, "a string is not closed");
          const auto u = static_cast<unsigned char>(body[i]);
          if (u == '"') break;
          if (u < 0x20) return At(i, "a control character inside a string (escape it)");
          i += u == '\\' ? 2 : 1;
        }
        ++i;
        break;
      }
      default:
        if (IsNumberChar(c)) {
          const size_t start = i;
          while (i < n && IsNumberChar(body[i])) ++i;
          if (i - start > kMaxJsonNumberChars) {
            return At(start,
                      absl::StrCat("a number longer than ", kMaxJsonNumberChars, " characters"));
          }
        } else {
          ++i;  // whitespace, ',', ':', literals; protobuf checks the grammar
        }
    }
  }
  if (depth > 0) return At(n, "the JSON ends inside an object or array");
  return absl::OkStatus();
}

absl::Status ParseJsonRequest(absl::string_view body, google::protobuf::Message* out) {
  out->Clear();
  const std::string type = out->GetDescriptor()->name();
  if (absl::StripAsciiWhitespace(body).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is empty: send a ", type, " as JSON"));
  }
  if (absl::Status st = ScanJson(body); !st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is not a valid ", type, " in JSON: ", st.message()));
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;  // a misspelt field is an error, not a default
  const auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), out, options);
  if (!st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request body is not a valid ", type,
                     " in JSON: ", PrintableExcerpt(std::string(st.message()), kMaxParserMessage)));
  }
  return absl::OkStatus();
}

}  // namespace redline::server
