#include "clients/cli/overlay_summary.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace redline::cli {
namespace {

constexpr size_t kErrorsShown = 5;

}  // namespace

void Summary::AddError(absl::string_view id, absl::string_view error) {
  ++read;
  ++errors;
  if (first_errors.size() < kErrorsShown) first_errors.push_back(absl::StrCat(id, ": ", error));
}

void Summary::Add(const v1::OverlayResult& r) {
  if (!r.error().empty()) {
    AddError(r.id(), r.error());
    return;
  }
  ++read;
  const v1::CheckResponse& response = r.response();
  AddVerdict(response.verdict());
  if (!response.hits().empty()) ++with_hits;
  for (const v1::ZoneHit& h : response.hits()) ++hits_by_kind[h.kind()];
  if (response.site().geometry_repaired()) ++repaired;
}

namespace {

// The summary as one JSON object, named as the --json output of the other
// commands (protobuf's lowerCamelCase); kinds and verdicts by their enum names.
void PrintSummaryJson(const Summary& summary, double secs, const std::string& output) {
  google::protobuf::Struct json;
  auto& fields = *json.mutable_fields();
  fields["featuresRead"].set_number_value(static_cast<double>(summary.read));
  fields["withHits"].set_number_value(static_cast<double>(summary.with_hits));
  fields["repaired"].set_number_value(static_cast<double>(summary.repaired));
  fields["errors"].set_number_value(static_cast<double>(summary.errors));
  fields["seconds"].set_number_value(secs);
  fields["output"].set_string_value(output);
  auto& kinds = *fields["hitsByKind"].mutable_struct_value()->mutable_fields();
  for (int k = 0; k < v1::ZoneKind_ARRAYSIZE; ++k) {
    if (summary.hits_by_kind[k] > 0) {
      kinds[v1::ZoneKind_Name(static_cast<v1::ZoneKind>(k))].set_number_value(
          static_cast<double>(summary.hits_by_kind[k]));
    }
  }
  auto& verdicts = *fields["verdicts"].mutable_struct_value()->mutable_fields();
  for (int v = 0; v < v1::Verdict_ARRAYSIZE; ++v) {
    if (summary.by_verdict[v] > 0) {
      verdicts[v1::Verdict_Name(static_cast<v1::Verdict>(v))].set_number_value(
          static_cast<double>(summary.by_verdict[v]));
    }
  }
  auto* errors = fields["firstErrors"].mutable_list_value();
  for (const std::string& e : summary.first_errors) errors->add_values()->set_string_value(e);
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  std::string text;
  (void)google::protobuf::util::MessageToJsonString(json, &text, options);
  std::cout << text;
}

}  // namespace

void PrintSummary(const Summary& summary, double secs, const std::string& output, bool json) {
  if (json) {
    PrintSummaryJson(summary, secs, output);
    return;
  }
  std::cout << absl::StrFormat(
      "overlay: %d features read, %d with hits, %d repaired, %d errors, %.1f s (%.0f "
      "features/s) -> %s\n",
      summary.read, summary.with_hits, summary.repaired, summary.errors, secs,
      secs > 0 ? static_cast<double>(summary.read) / secs : 0, output);
  for (int k = 0; k < v1::ZoneKind_ARRAYSIZE; ++k) {
    if (summary.hits_by_kind[k] > 0) {
      std::cout << "  hits " << v1::ZoneKind_Name(static_cast<v1::ZoneKind>(k)) << ": "
                << summary.hits_by_kind[k] << "\n";
    }
  }
  for (int v = 0; v < v1::Verdict_ARRAYSIZE; ++v) {
    if (summary.by_verdict[v] > 0) {
      std::cout << "  verdict " << v1::Verdict_Name(static_cast<v1::Verdict>(v)) << ": "
                << summary.by_verdict[v] << "\n";
    }
  }
  if (summary.repaired > 0) {
    std::cout << "  repaired: " << summary.repaired
              << " invalid polygons made valid (geometry_repaired column; --strict refuses "
                 "them)\n";
  }
  for (const std::string& e : summary.first_errors) std::cout << "  error " << e << "\n";
}

}  // namespace redline::cli
