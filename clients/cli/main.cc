// redline: the command-line client of a Redline server.
//
//   redline [--server HOST:PORT] [--json] check-point --lon X --lat Y [--crs EPSG:N]
//   redline check-site (--wkt TEXT | --file PATH | --table PATH) [--crs EPSG:N]
//   redline layers
//
// Exit status: 0 success, 2 invalid input (refused by the CLI or the server),
// 1 server unreachable or failing.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "clients/cli/output.h"
#include "clients/cli/overlay.h"
#include "report/report_html.h"
#include "redline/v1/redline.grpc.pb.h"

namespace redline::cli {
namespace {

using report::AddResponseGeometry;
using report::ContextForGeometry;
using report::ContextForPoint;
using report::ReportContext;
using report::WriteReportFile;

constexpr int kOk = 0;
constexpr int kServerError = 1;
constexpr int kBadInput = 2;

constexpr char kUsage[] =
    R"(usage: redline [--server HOST:PORT] [--json] [--timeout SECONDS] COMMAND [options]

commands:
  check-point --lon X --lat Y [--crs EPSG:N]
        Which zones does this point fall in? (X/Y are easting/northing for a
        projected CRS.)
  check-site (--wkt TEXT | --file PATH | --table PATH) [--crs EPSG:N]
        Which zones does this site polygon or line touch? --file reads WKT,
        GeoJSON or WKB; --table a survey coordinate table ("J1, X, Y" per
        line, DMS allowed; - for stdin), e.g. with --crs GK.
  layers
        The loaded layers, their load reports and the dataset version.
  overlay --input FILE --output OUT [--layer NAME] [--id-field F] [--where SQL]
          [--crs EPSG:N] [--zone-layer NAME]... [--hits-only] [--quiet]
          [--local --config FILE]
        Checks every feature of a file GDAL reads (Shapefile, GeoPackage, GeoJSON,
        FileGDB, CSV with lon/lat or WKT columns) against every layer, streamed
        through the server (or in-process with --local), and writes one row per
        feature x zone hit (plus features without hits) to .gpkg, .csv or
        .geojson. Exit status 3 when some features failed (see the error column).
        --hits-only: where each feature lies, as a spatial join; no verdicts,
        rules or nearby zones (their columns stay empty), several times faster
        for points.

options for check-point and check-site:
  --purpose NAME       outfall, discharging_project, non_discharging_project,
                       seriously_polluting_project, water_supply_facility,
                       linear_infrastructure, other (case-insensitive)
  --outfall-type NAME  river, sea, rainwater (with --purpose outfall)
  --action NAME        new, expanded, rebuilt
  --radius METRES      search radius for nearby zones (default: the server's)
  --layer NAME         only this layer (repeatable)
  --as-of YYYY-MM-DD   the zones in force on that day (default: today)
  --report FILE.html   also write the printable record of the check (one
                       self-contained HTML page) to FILE.html

  --crs defaults to EPSG:4490 (CGCS2000 longitude/latitude), longitude first;
       also GK (Gauss-Kruger, zone detected), GK6, GCJ-02 (Amap), BD-09 (Baidu).
  --json prints the response as protobuf JSON.
exit status: 0 ok, 2 invalid input, 1 server unreachable or failing, 3 overlay with failed features.
)";

struct Args {
  std::string command;
  std::map<std::string, std::vector<std::string>> options;
  bool json = false;
  bool help = false;

  std::optional<std::string> Get(const std::string& key) const {
    auto it = options.find(key);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
};

int Usage(const std::string& error) {
  std::cerr << "redline: " << error << "\n\n" << kUsage;
  return kBadInput;
}

std::optional<Args> ParseArgs(int argc, char** argv, std::string* error) {
  static const std::map<std::string, bool> kTakesValue = {
      {"server", true},  {"timeout", true}, {"lon", true},          {"lat", true},
      {"x", true},       {"y", true},       {"crs", true},          {"wkt", true},
      {"file", true},    {"table", true},   {"purpose", true},      {"outfall-type", true},
      {"action", true},
      {"radius", true},  {"layer", true},   {"json", false},        {"help", false},
      {"no-color", false}, {"report", true},
      // overlay
      {"input", true}, {"output", true}, {"id-field", true}, {"where", true},
      {"config", true}, {"local", false}, {"quiet", false}, {"zone-layer", true},
      {"as-of", true}, {"hits-only", false}};
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h") a = "--help";
    if (a.rfind("--", 0) != 0) {
      if (!args.command.empty()) {
        *error = absl::StrCat("unexpected argument '", a, "'");
        return std::nullopt;
      }
      args.command = a;
      continue;
    }
    std::string key = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    auto it = kTakesValue.find(key);
    if (it == kTakesValue.end()) {
      *error = absl::StrCat("unknown option --", key);
      return std::nullopt;
    }
    if (it->second && !value) {
      if (i + 1 >= argc) {
        *error = absl::StrCat("--", key, " needs a value");
        return std::nullopt;
      }
      value = argv[++i];
    }
    if (key == "json") args.json = true;
    if (key == "help") args.help = true;
    args.options[key].push_back(value.value_or(""));
  }
  return args;
}

std::optional<double> Number(const Args& args, const std::string& key, std::string* error) {
  std::optional<std::string> text = args.Get(key);
  if (!text) return std::nullopt;
  double v = 0;
  if (!absl::SimpleAtod(*text, &v)) {
    *error = absl::StrCat("--", key, " '", *text, "' is not a number");
    return std::nullopt;
  }
  return v;
}

// Reads an enum value by name: case-insensitive, '-' as '_'.
template <typename Enum>
bool ParseEnumName(const std::string& text, bool (*parse)(const std::string&, Enum*),
                   Enum* out) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}, {" ", "_"}}));
  return parse(name, out);
}

bool FillSiting(const Args& args, v1::Siting* siting, std::string* error) {
  if (auto p = args.Get("purpose")) {
    v1::Siting::Purpose v;
    if (!ParseEnumName<v1::Siting::Purpose>(*p, &v1::Siting::Purpose_Parse, &v) ||
        v == v1::Siting::PURPOSE_UNSPECIFIED) {
      *error = absl::StrCat("unknown purpose '", *p,
                            "'; use outfall, discharging_project, non_discharging_project, "
                            "seriously_polluting_project, water_supply_facility, "
                            "linear_infrastructure or other");
      return false;
    }
    siting->set_purpose(v);
  }
  if (auto t = args.Get("outfall-type")) {
    v1::Siting::OutfallType v;
    if (!ParseEnumName<v1::Siting::OutfallType>(*t, &v1::Siting::OutfallType_Parse, &v)) {
      *error = absl::StrCat("unknown outfall type '", *t, "'; use river, sea or rainwater");
      return false;
    }
    siting->set_outfall_type(v);
  }
  if (auto a = args.Get("action")) {
    v1::Siting::Action v;
    if (!ParseEnumName<v1::Siting::Action>(*a, &v1::Siting::Action_Parse, &v)) {
      *error = absl::StrCat("unknown action '", *a, "'; use new, expanded or rebuilt");
      return false;
    }
    siting->set_action(v);
  }
  return true;
}

int Report(const grpc::Status& status, const std::string& server) {
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::NOT_FOUND:
      std::cerr << "redline: invalid input: " << status.error_message() << "\n";
      return kBadInput;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      std::cerr << "redline: cannot reach the server at " << server << ": "
                << status.error_message() << "\n";
      return kServerError;
    default:
      std::cerr << "redline: server error (" << status.error_code() << "): "
                << status.error_message() << "\n";
      return kServerError;
  }
}

template <typename Message>
void Print(const Message& m, const Args& args, std::string (*format)(const Message&, const Style&)) {
  if (args.json) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    options.always_print_primitive_fields = true;
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(m, &json, options);
    std::cout << json;
    return;
  }
  Style style;
  style.color = isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr &&
                !args.options.contains("no-color");
  std::cout << format(m, style);
}

// Writes the --report page, if asked for, after a successful check.
int WriteReport(const Args& args, const v1::CheckResponse& response,
                ReportContext context) {
  std::optional<std::string> path = args.Get("report");
  if (!path) return kOk;
  AddResponseGeometry(response, &context);
  absl::Status st = WriteReportFile(*path, response, context);
  if (!st.ok()) {
    std::cerr << "redline: " << st.message() << "\n";
    return kBadInput;
  }
  return kOk;
}

int Run(int argc, char** argv) {
  std::string error;
  std::optional<Args> args = ParseArgs(argc, argv, &error);
  if (!args) return Usage(error);
  if (args->help || args->command.empty()) {
    std::cout << kUsage;
    return args->help ? kOk : kBadInput;
  }
  const std::string server = args->Get("server").value_or("127.0.0.1:50051");
  std::optional<double> timeout = Number(*args, "timeout", &error);
  if (!error.empty()) return Usage(error);

  if (args->command == "overlay") {
    OverlayOptions o;
    o.input = args->Get("input").value_or("");
    o.output = args->Get("output").value_or("");
    if (o.input.empty() || o.output.empty()) {
      return Usage("overlay needs --input FILE and --output OUT(.gpkg|.csv|.geojson)");
    }
    o.input_layer = args->Get("layer").value_or("");
    o.id_field = args->Get("id-field").value_or("");
    o.where = args->Get("where").value_or("");
    o.crs = args->Get("crs").value_or("");
    o.server = server;
    o.quiet = args->options.contains("quiet");
    o.hits_only = args->options.contains("hits-only");
    if (args->options.contains("local")) {
      o.local_config = args->Get("config").value_or("");
      if (o.local_config.empty()) return Usage("overlay --local needs --config FILE");
    }
    if (!FillSiting(*args, &o.siting, &error)) return Usage(error);
    std::optional<double> radius = Number(*args, "radius", &error);
    if (!error.empty()) return Usage(error);
    o.search_radius_m = radius.value_or(0);
    for (const auto& l : args->options["zone-layer"]) o.zone_layers.push_back(l);
    return RunOverlay(o);
  }

  auto channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  auto stub = v1::Redline::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout.value_or(30) * 1000)));

  if (args->command == "layers") {
    v1::ListLayersResponse response;
    grpc::Status status = stub->ListLayers(&context, v1::ListLayersRequest(), &response);
    if (!status.ok()) return Report(status, server);
    Print(response, *args, &FormatLayers);
    return kOk;
  }

  std::optional<double> radius = Number(*args, "radius", &error);
  if (!error.empty()) return Usage(error);
  if (args->command == "check-point") {
    v1::CheckPointRequest request;
    std::optional<double> x = Number(*args, args->Get("lon") ? "lon" : "x", &error);
    std::optional<double> y = Number(*args, args->Get("lat") ? "lat" : "y", &error);
    if (!error.empty()) return Usage(error);
    if (!x || !y) return Usage("check-point needs --lon X --lat Y");
    request.set_x(*x);
    request.set_y(*y);
    request.set_crs(args->Get("crs").value_or(""));
    v1::CheckOptions* check = request.mutable_options();
    check->set_as_of(args->Get("as-of").value_or(""));
    check->set_include_zone_geometry(args->Get("report").has_value());
    if (!FillSiting(*args, check->mutable_siting(), &error)) return Usage(error);
    check->set_search_radius_m(radius.value_or(0));
    for (const auto& l : args->options["layer"]) check->add_layers(l);
    v1::CheckResponse response;
    grpc::Status status = stub->CheckPoint(&context, request, &response);
    if (!status.ok()) return Report(status, server);
    Print(response, *args, &FormatCheck);
    return WriteReport(*args, response, ContextForPoint(request, server));
  }
  if (args->command == "check-site") {
    v1::CheckGeometryRequest request;
    v1::Geometry* g = request.mutable_geometry();
    if (auto wkt = args->Get("wkt")) {
      g->set_wkt(*wkt);
    } else if (auto file = args->Get("file")) {
      std::ifstream in(*file, std::ios::binary);
      if (!in) return Usage(absl::StrCat("cannot read ", *file));
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
    } else if (auto table = args->Get("table")) {
      std::stringstream buffer;
      if (*table == "-") {
        buffer << std::cin.rdbuf();
      } else {
        std::ifstream in(*table, std::ios::binary);
        if (!in) return Usage(absl::StrCat("cannot read ", *table));
        buffer << in.rdbuf();
      }
      g->set_coordinate_table(buffer.str());
    } else {
      return Usage("check-site needs --wkt TEXT, --file PATH or --table PATH");
    }
    g->set_crs(args->Get("crs").value_or(""));
    v1::CheckOptions* check = request.mutable_options();
    check->set_as_of(args->Get("as-of").value_or(""));
    check->set_include_zone_geometry(args->Get("report").has_value());
    if (!FillSiting(*args, check->mutable_siting(), &error)) return Usage(error);
    check->set_search_radius_m(radius.value_or(0));
    for (const auto& l : args->options["layer"]) check->add_layers(l);
    v1::CheckResponse response;
    grpc::Status status = stub->CheckGeometry(&context, request, &response);
    if (!status.ok()) return Report(status, server);
    Print(response, *args, &FormatCheck);
    return WriteReport(*args, response, ContextForGeometry(request, server));
  }
  return Usage(absl::StrCat("unknown command '", args->command, "'"));
}

}  // namespace
}  // namespace redline::cli

int main(int argc, char** argv) {
  // As in redlined: Debian's Abseil keeps Mutex deadlock detection on, a
  // lock-graph update on every lock gRPC takes.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return redline::cli::Run(argc, argv);
}
