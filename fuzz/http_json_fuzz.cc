// Fuzzes the HTTP API's JSON request bodies: ParseJsonRequest
// (server/http/http_json.h) into each request message the API or a client could
// send, picked by the first input byte; the rest is the body. An accepted
// request then has its options checked as the handlers do (OptionsFromProto,
// ParseAsOf).
// Asserts: a refusal is INVALID_ARGUMENT or RESOURCE_EXHAUSTED; an accepted
// message, printed back as JSON, is accepted again and gives the same
// message (what the parser takes, it takes consistently); the option checks
// return an ordinary status.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "redline/v1/redline.pb.h"
#include "server/handlers/convert.h"
#include "server/http/http_json.h"

namespace redline::server {}

namespace {

// ParseJsonRequest lives in server/http/http_json.h's namespace, redline or
// redline::server: found unqualified either way.
absl::Status Parse(absl::string_view body, google::protobuf::Message* out) {
  using namespace redline;          // NOLINT(build/namespaces)
  using namespace redline::server;  // NOLINT(build/namespaces)
  return ParseJsonRequest(body, out);
}

namespace v1 = redline::v1;

// NaN is a value JSON requests may carry ("NaN"); it equals itself here.
bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  return differencer.Compare(a, b);
}

std::unique_ptr<google::protobuf::Message> NewRequest(uint8_t selector) {
  switch (selector % 6) {
    case 0:
      return std::make_unique<v1::CheckPointRequest>();
    case 1:
      return std::make_unique<v1::CheckGeometryRequest>();
    case 2:
      return std::make_unique<v1::OverlayRequest>();
    case 3:
      return std::make_unique<v1::GetZonesRequest>();
    case 4:
      return std::make_unique<v1::ReloadRequest>();
    default:
      return std::make_unique<v1::ListLayersRequest>();
  }
}

void CheckStatus(const absl::Status& status, const char* what) {
  const absl::StatusCode code = status.code();
  FUZZ_CHECK(status.ok() || code == absl::StatusCode::kInvalidArgument ||
                 code == absl::StatusCode::kOutOfRange || code == absl::StatusCode::kNotFound,
             "%s: status %s", what, status.ToString().c_str());
}

// The option checks the handlers run on an accepted request.
void CheckOptions(const google::protobuf::Message& message) {
  if (const auto* r = dynamic_cast<const v1::CheckPointRequest*>(&message)) {
    CheckStatus(redline::server::OptionsFromProto(r->options()).status(), "OptionsFromProto");
  } else if (const auto* r = dynamic_cast<const v1::CheckGeometryRequest*>(&message)) {
    CheckStatus(redline::server::OptionsFromProto(r->options()).status(), "OptionsFromProto");
  } else if (const auto* r = dynamic_cast<const v1::OverlayRequest*>(&message)) {
    CheckStatus(redline::server::OptionsFromProto(r->options()).status(), "OptionsFromProto");
  } else if (const auto* r = dynamic_cast<const v1::GetZonesRequest*>(&message)) {
    CheckStatus(redline::server::ParseAsOf(r->as_of()).status(), "ParseAsOf");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::unique_ptr<google::protobuf::Message> request = NewRequest(data[0]);
  const absl::Status parsed = Parse(body, request.get());
  if (!parsed.ok()) {
    const absl::StatusCode code = parsed.code();
    FUZZ_CHECK(
        code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kResourceExhausted,
        "%s: status %s", request->GetDescriptor()->name().c_str(), parsed.ToString().c_str());
    return 0;
  }
  CheckOptions(*request);

  std::string printed;
  FUZZ_CHECK(google::protobuf::util::MessageToJsonString(*request, &printed).ok(),
             "cannot print an accepted %s", request->GetDescriptor()->name().c_str());
  std::unique_ptr<google::protobuf::Message> again(request->New());
  const absl::Status reparsed = Parse(printed, again.get());
  FUZZ_CHECK(reparsed.ok(), "%s printed as %s is refused: %s",
             request->GetDescriptor()->name().c_str(), printed.substr(0, 200).c_str(),
             reparsed.ToString().c_str());
  // protobuf's JSON parser reads -0 back as 0 (which then prints as
  // nothing), so one round may drop a negative zero; after it, printing and
  // parsing must be a fixed point.
  if (!SameMessage(*request, *again)) {
    std::string printed_again;
    FUZZ_CHECK(google::protobuf::util::MessageToJsonString(*again, &printed_again).ok(),
               "cannot print a reparsed %s", request->GetDescriptor()->name().c_str());
    std::unique_ptr<google::protobuf::Message> third(request->New());
    FUZZ_CHECK(Parse(printed_again, third.get()).ok() && SameMessage(*again, *third),
               "%s changes when printed and parsed again: %s then %s",
               request->GetDescriptor()->name().c_str(), printed.substr(0, 200).c_str(),
               printed_again.substr(0, 200).c_str());
  }
  return 0;
}
