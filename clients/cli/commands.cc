#include "clients/cli/commands.h"

#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/channel.h"
#include "clients/cli/file_errors.h"
#include "clients/cli/output.h"
#include "clients/cli/overlay.h"
#include "redline/v1/redline.grpc.pb.h"
#include "report/report_html.h"
#include "spatial/input/coordinate_table.h"

namespace redline::cli {
namespace {

using report::AddResponseGeometry;
using report::ContextForGeometry;
using report::ContextForPoint;
using report::ReportContext;
using report::WriteReportFile;

// Every option of a check, from its flags, in this one place.
absl::Status FillCheckOptions(const CheckFlags& flags, v1::CheckOptions* options) {
  absl::StatusOr<std::optional<double>> radius = ParseFlagNumber("radius", flags.siting.radius);
  if (!radius.ok()) return radius.status();
  options->set_search_radius_m(radius->value_or(0));
  if (absl::Status st = FillSiting(flags.siting, options->mutable_siting()); !st.ok()) return st;
  options->set_as_of(flags.as_of);
  options->set_include_zone_geometry(flags.report.has_value());
  for (const std::string& layer : flags.layers) options->add_layers(layer);
  options->set_strict_geometry(flags.strict);
  options->set_require_version(flags.require_version);
  return absl::OkStatus();
}

// Every option of an overlay's requests, from its flags, in this one place.
absl::Status FillOverlayOptions(const OverlayFlags& flags, v1::CheckOptions* options) {
  if (absl::Status st = FillSiting(flags.siting, options->mutable_siting()); !st.ok()) return st;
  absl::StatusOr<std::optional<double>> radius = ParseFlagNumber("radius", flags.siting.radius);
  if (!radius.ok()) return radius.status();
  options->set_search_radius_m(radius->value_or(0));
  for (const std::string& layer : flags.zone_layers) options->add_layers(layer);
  options->set_include_intersection(true);
  options->set_hits_only(flags.hits_only);
  options->set_strict_geometry(flags.strict);
  options->set_require_version(flags.require_version);
  return absl::OkStatus();
}

// The geometry of check-site: --wkt, else --file (WKT, GeoJSON or WKB, told
// apart by their first byte), else --table.
absl::Status ReadSiteGeometry(const CheckSiteFlags& flags, v1::Geometry* g) {
  if (flags.wkt) {
    g->set_wkt(*flags.wkt);
  } else if (flags.file) {
    if (absl::Status st = CheckInputExists(*flags.file); !st.ok()) return st;
    std::ifstream in(*flags.file, std::ios::binary);
    if (!in || std::filesystem::is_directory(*flags.file)) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", *flags.file, ": not a file of WKT, GeoJSON or WKB"));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(text);
    if (!trimmed.empty() && trimmed[0] == '{') {
      g->set_geojson(text);
    } else if (!text.empty() && (text[0] == '\0' || text[0] == '\1')) {
      g->set_wkb(text);  // WKB starts with its byte-order byte
    } else {
      g->set_wkt(text);
    }
  } else if (flags.table) {
    std::stringstream buffer;
    if (*flags.table == "-") {
      buffer << std::cin.rdbuf();
    } else {
      if (absl::Status st = CheckInputExists(*flags.table); !st.ok()) return st;
      std::ifstream in(*flags.table, std::ios::binary);
      if (!in || std::filesystem::is_directory(*flags.table)) {
        return absl::InvalidArgumentError(
            absl::StrCat("cannot read ", *flags.table, ": not a coordinate table"));
      }
      buffer << in.rdbuf();
    }
    g->set_coordinate_table(buffer.str());
  } else {
    return absl::InvalidArgumentError("check-site needs --wkt TEXT, --file PATH or --table PATH");
  }
  g->set_crs(flags.check.crs);
  return absl::OkStatus();
}

// --lon or --lat: a number, or degrees-minutes-seconds as a survey table
// takes them (120°30'15.2"E, 30d15m20s, 北纬30°15′): the table's own parser.
// A value marked with the other axis's hemisphere is refused, not swapped.
absl::StatusOr<double> ParseCoordinateFlag(absl::string_view flag, const std::string& text,
                                           char axis) {
  double value = 0;
  if (absl::SimpleAtod(text, &value)) return value;
  absl::StatusOr<TypedCoordinate> typed = ParseTypedCoordinate(text);
  if (!typed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " '", text, "' ", typed.status().message()));
  }
  if (typed->axis != 0 && typed->axis != axis) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " '", text, "' is marked as a ", axis == 'N' ? "longitude" : "latitude",
        " (its hemisphere letter); give it as --", axis == 'N' ? "lon" : "lat"));
  }
  return typed->value;
}

int Report(const grpc::Status& status, const GlobalFlags& global) {
  const std::string& server = global.server;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::NOT_FOUND:
      std::cerr << "redline: invalid input: " << status.error_message() << "\n";
      return kBadInput;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      // The server may well be up: a deadline shorter than the check
      // takes ends here too, and "cannot reach" would send people looking
      // for a network fault.
      std::cerr << "redline: no answer from " << server << " within "
                << global.timeout.value_or("30") << " s; raise --timeout\n";
      return kServerError;
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "redline: cannot reach the server at " << server << ": "
                << status.error_message() << "\n";
      return kServerError;
    default:
      std::cerr << "redline: server error (" << status.error_code()
                << "): " << status.error_message() << "\n";
      return kServerError;
  }
}

template <typename Message>
void Print(const Message& m, const GlobalFlags& global,
           std::string (*format)(const Message&, const Style&)) {
  if (global.json) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    // lowerCamelCase names, as the HTTP API prints them: one spelling of
    // every field for scripts that use both.
    options.always_print_primitive_fields = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(m, &json, options);
    std::cout << json;
    return;
  }
  Style style;
  style.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && !global.no_color;
  style.lang = OutputLang(global.lang);
  std::cout << format(m, style);
}

// Writes the --report page, if asked for, after a successful check.
int WriteReport(const CheckFlags& flags, const v1::CheckResponse& response, ReportContext context) {
  if (!flags.report) return kOk;
  AddResponseGeometry(response, &context);
  absl::Status st = WriteReportFile(*flags.report, response, context);
  if (!st.ok()) {
    std::cerr << "redline: " << st.message() << "\n";
    return kBadInput;
  }
  return kOk;
}

// A stub for --server, and a context with the --timeout deadline (checked
// to be a number before any command runs).
class Call {
 public:
  explicit Call(const GlobalFlags& global)
      : stub_(v1::Redline::NewStub(OpenChannel(global.server, global.security))) {
    absl::StatusOr<std::optional<double>> timeout = ParseFlagNumber("timeout", global.timeout);
    const double timeout_s = timeout.ok() && *timeout ? **timeout : 30;
    context_.set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
  }
  v1::Redline::Stub& stub() { return *stub_; }
  grpc::ClientContext* context() { return &context_; }

 private:
  std::unique_ptr<v1::Redline::Stub> stub_;
  grpc::ClientContext context_;
};

}  // namespace

int RunCheckPoint(const GlobalFlags& global, const CheckPointFlags& flags) {
  if (!flags.lon || !flags.lat) {
    return UsageError(Command::kCheckPoint, "check-point needs --lon X --lat Y");
  }
  absl::StatusOr<double> x = ParseCoordinateFlag("lon", *flags.lon, 'E');
  if (!x.ok()) return UsageError(Command::kCheckPoint, x.status().message());
  absl::StatusOr<double> y = ParseCoordinateFlag("lat", *flags.lat, 'N');
  if (!y.ok()) return UsageError(Command::kCheckPoint, y.status().message());
  v1::CheckPointRequest request;
  request.set_x(*x);
  request.set_y(*y);
  request.set_crs(flags.check.crs);
  if (absl::Status st = FillCheckOptions(flags.check, request.mutable_options()); !st.ok()) {
    return UsageError(Command::kCheckPoint, st.message());
  }
  Call call(global);
  v1::CheckResponse response;
  grpc::Status status = call.stub().CheckPoint(call.context(), request, &response);
  if (!status.ok()) return Report(status, global);
  Print(response, global, &FormatCheck);
  ReportContext context = ContextForPoint(request, global.server);
  context.lang = OutputLang(global.lang);
  return WriteReport(flags.check, response, std::move(context));
}

int RunCheckSite(const GlobalFlags& global, const CheckSiteFlags& flags) {
  v1::CheckGeometryRequest request;
  if (absl::Status st = ReadSiteGeometry(flags, request.mutable_geometry()); !st.ok()) {
    return UsageError(Command::kCheckSite, st.message());
  }
  if (absl::Status st = FillCheckOptions(flags.check, request.mutable_options()); !st.ok()) {
    return UsageError(Command::kCheckSite, st.message());
  }
  Call call(global);
  v1::CheckResponse response;
  grpc::Status status = call.stub().CheckGeometry(call.context(), request, &response);
  if (!status.ok()) return Report(status, global);
  Print(response, global, &FormatCheck);
  ReportContext context = ContextForGeometry(request, global.server);
  context.lang = OutputLang(global.lang);
  return WriteReport(flags.check, response, std::move(context));
}

int RunLayers(const GlobalFlags& global) {
  Call call(global);
  v1::ListLayersResponse response;
  grpc::Status status = call.stub().ListLayers(call.context(), v1::ListLayersRequest(), &response);
  if (!status.ok()) return Report(status, global);
  Print(response, global, &FormatLayers);
  return kOk;
}

int RunOverlayCommand(const GlobalFlags& global, const OverlayFlags& flags) {
  if (flags.input.empty() || flags.output.empty()) {
    return UsageError(Command::kOverlay,
                      "overlay needs --input FILE and --output OUT(.gpkg|.csv|.geojson|.fgb)");
  }
  OverlayOptions o;
  o.input = flags.input;
  o.output = flags.output;
  o.overwrite = flags.overwrite;
  o.input_layer = flags.input_layer;
  o.id_field = flags.id_field;
  o.where = flags.where;
  o.crs = flags.crs;
  o.server = global.server;
  o.security = global.security;
  o.quiet = flags.quiet;
  o.json = global.json;
  if (flags.local) {
    if (flags.config.empty()) {
      return UsageError(Command::kOverlay, "overlay --local needs --config FILE");
    }
    o.local_config = flags.config;
  }
  if (absl::Status st = FillOverlayOptions(flags, &o.request_options); !st.ok()) {
    return UsageError(Command::kOverlay, st.message());
  }
  return RunOverlay(o);
}

}  // namespace redline::cli
