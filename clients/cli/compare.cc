#include "clients/cli/compare.h"

#include <grpcpp/grpcpp.h>
#include <ogr_geometry.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/channel.h"
#include "clients/cli/compare_output.h"
#include "clients/cli/overlay_input.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/handlers/compare_convert.h"
#include "server/handlers/convert.h"
#include "spatial/compare/compare.h"
#include "spatial/compare/impact.h"
#include "spatial/data/gdal_util.h"
#include "spatial/snapshot.h"

namespace redline::cli {
namespace {

// The register as read: ids and WKB in its CRS, and EPSG:4490 WKB for the
// outputs that draw it (empty where GDAL cannot convert).
struct Register {
  std::vector<RegisterFeature> features;
  std::vector<std::string> lonlat_wkb;
  std::string crs;
};

std::string Wkb(OGRGeometry& g) {
  std::string out(g.WkbSize(), '\0');
  g.exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(out.data()), wkbVariantIso);
  return out;
}

absl::StatusOr<Register> ReadRegister(const CompareFlags& flags) {
  OverlayOptions options;
  options.input = flags.input;
  options.input_layer = flags.input_layer;
  options.id_field = flags.id_field;
  options.crs = flags.crs;
  RegisterGdalOnce();
  Input in;
  if (absl::Status st = OpenInput(options, &in); !st.ok()) return st;
  Register reg;
  reg.crs = in.crs;
  for (auto& feature : *in.layer) {
    OGRGeometry* g = feature->GetGeometryRef();
    if (g == nullptr) continue;  // nothing to check
    g->flattenTo2D();
    RegisterFeature f;
    f.id = in.id_index < 0 ? absl::StrCat(feature->GetFID())
                           : std::string(feature->GetFieldAsString(in.id_index));
    f.wkb = Wkb(*g);
    reg.features.push_back(std::move(f));
    std::string lonlat;
    if (in.to_lonlat != nullptr && g->transform(in.to_lonlat.get()) == OGRERR_NONE) {
      lonlat = Wkb(*g);
    }
    reg.lonlat_wkb.push_back(std::move(lonlat));
  }
  return reg;
}

absl::StatusOr<std::shared_ptr<const Snapshot>> LoadConfig(const std::string& path) {
  absl::StatusOr<Config> config = Config::LoadFile(path);
  if (!config.ok()) return config.status();
  return Snapshot::Load(*config);
}

// The check options of --purpose, --outfall-type, --action, --radius and
// --zone-layer, read as the server reads them.
absl::StatusOr<CheckOptions> SitingOptions(const CompareFlags& flags) {
  v1::CheckOptions proto;
  if (absl::Status st = FillSiting(flags.siting, proto.mutable_siting()); !st.ok()) return st;
  absl::StatusOr<std::optional<double>> radius = ParseFlagNumber("radius", flags.siting.radius);
  if (!radius.ok()) return radius.status();
  if (*radius) proto.set_search_radius_m(**radius);
  for (const std::string& l : flags.zone_layers) proto.add_layers(l);
  return server::OptionsFromProto(proto);
}

// Both configs loaded here; the register, if any, checked under both.
int CompareLocal(const CompareFlags& flags, v1::CompareVersionsResponse* response) {
  absl::StatusOr<CheckOptions> options = SitingOptions(flags);
  if (!options.ok()) return UsageError(Command::kCompare, options.status().message());
  std::optional<Register> reg;
  if (!flags.input.empty()) {
    absl::StatusOr<Register> r = ReadRegister(flags);
    if (!r.ok()) return UsageError(Command::kCompare, r.status().message());
    reg = *std::move(r);
  }
  std::shared_ptr<const Snapshot> versions[2];
  const std::string* paths[2] = {&flags.from_config, &flags.to_config};
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<std::shared_ptr<const Snapshot>> s = LoadConfig(*paths[i]);
    if (!s.ok()) {
      std::cerr << "redline: cannot load " << *paths[i] << ": " << s.status().message() << "\n";
      return kBadInput;
    }
    versions[i] = *std::move(s);
  }
  const bool geometries =
      absl::EndsWith(flags.output, ".gpkg") || absl::EndsWith(flags.output, ".html");
  // Totals per region over the newer version's context layers, as the server.
  absl::StatusOr<ZoneComparison> cmp =
      CompareZones(versions[0]->index(), versions[1]->index(),
                   {.geometries = geometries, .regions = &versions[1]->context()});
  if (!cmp.ok()) {
    std::cerr << "redline: " << cmp.status().message() << "\n";
    return kBadInput;
  }
  response->set_from_version(versions[0]->version());
  response->set_to_version(versions[1]->version());
  server::ComparisonToProto(*cmp, response);
  if (!reg) return kOk;
  absl::StatusOr<RegisterImpact> impact = CompareRegister(
      versions[0]->index(), versions[1]->index(), *cmp, reg->features, reg->crs, *options);
  if (!impact.ok()) return UsageError(Command::kCompare, impact.status().message());
  server::ImpactToProto(*cmp, *impact, reg->features, reg->lonlat_wkb,
                        flags.siting.purpose.value_or(""), response->mutable_register_impact());
  return impact->failed.empty() ? kOk : kSomeFailed;
}

// The register into the request: ids and WKB in the register's CRS, with the
// check options as flags.cc reads them for every command.
absl::Status AddRegister(const CompareFlags& flags, const Register& reg,
                         v1::CompareVersionsRequest* request) {
  v1::RegisterSites* sites = request->mutable_register_sites();
  sites->set_crs(reg.crs);
  for (const RegisterFeature& f : reg.features) {
    sites->add_ids(f.id);
    sites->add_wkb(f.wkb);
  }
  v1::CheckOptions* options = sites->mutable_options();
  if (absl::Status st = FillSiting(flags.siting, options->mutable_siting()); !st.ok()) return st;
  absl::StatusOr<std::optional<double>> radius = ParseFlagNumber("radius", flags.siting.radius);
  if (!radius.ok()) return radius.status();
  if (*radius) options->set_search_radius_m(**radius);
  for (const std::string& l : flags.zone_layers) options->add_layers(l);
  return absl::OkStatus();
}

// The sites' geometries (EPSG:4490, read here) and the purpose as given,
// so that the answer is the local mode's.
void CompleteImpact(const CompareFlags& flags, const Register& reg,
                    v1::CompareVersionsResponse* response) {
  v1::RegisterImpact* impact = response->mutable_register_impact();
  impact->set_purpose(flags.siting.purpose.value_or(""));
  for (v1::SiteChange& s : *impact->mutable_changed()) {
    const auto i = static_cast<size_t>(s.feature());
    if (i < reg.lonlat_wkb.size()) s.set_geometry_wkb(reg.lonlat_wkb[i]);
  }
}

// Two versions the server holds; the register, if any, checked there.
int CompareOnServer(const GlobalFlags& global, const CompareFlags& flags,
                    v1::CompareVersionsResponse* response) {
  v1::CompareVersionsRequest request;
  request.set_from_version(*flags.from);
  request.set_to_version(flags.to.value_or(""));
  request.set_include_geometry(absl::EndsWith(flags.output, ".gpkg") ||
                               absl::EndsWith(flags.output, ".html"));
  std::optional<Register> reg;
  if (!flags.input.empty()) {
    absl::StatusOr<Register> r = ReadRegister(flags);
    if (!r.ok()) return UsageError(Command::kCompare, r.status().message());
    reg = *std::move(r);
    if (absl::Status st = AddRegister(flags, *reg, &request); !st.ok()) {
      return UsageError(Command::kCompare, st.message());
    }
  }
  // The channel every command opens (TLS and the token when given); the
  // answer may carry every changed zone's outlines, past gRPC's 4 MiB.
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto stub = v1::Redline::NewStub(OpenChannel(global.server, global.security, args));
  absl::StatusOr<std::optional<double>> timeout = ParseFlagNumber("timeout", global.timeout);
  // A register is checked twice over on the server: give it time.
  const double timeout_s = timeout.ok() && *timeout ? **timeout : reg ? 600 : 30;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000)));
  const grpc::Status status = stub->CompareVersions(&context, request, response);
  if (status.ok() && reg) CompleteImpact(flags, *reg, response);
  if (status.ok()) return response->register_impact().failed().empty() ? kOk : kSomeFailed;
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION:
      std::cerr << "redline: invalid input: " << status.error_message() << "\n";
      return kBadInput;
    case grpc::StatusCode::DEADLINE_EXCEEDED:  // as the checks say it (commands.cc)
      std::cerr << "redline: no answer from " << global.server << " within "
                << global.timeout.value_or("30") << " s; raise --timeout\n";
      return kServerError;
    case grpc::StatusCode::UNAVAILABLE:
      std::cerr << "redline: cannot reach the server at " << global.server << ": "
                << status.error_message() << "\n";
      return kServerError;
    default:
      std::cerr << "redline: server error (" << status.error_code()
                << "): " << status.error_message() << "\n";
      return kServerError;
  }
}

// A flag whose absence matters, as flags.cc reads them.
CLI::Option* AddText(CLI::App* app, const std::string& name, std::optional<std::string>* out,
                     const std::string& help) {
  return app->add_option_function<std::string>(
      name, [out](const std::string& value) { *out = value; }, help);
}

}  // namespace

CLI::App* AddCompare(CLI::App* app, CompareFlags* flags) {
  CLI::App* sub = app->add_subcommand(
      "compare",
      "What changed between two versions of the zones: the zones added, removed,\n"
      "reshaped (area gained and lost), renamed or with new attributes, with\n"
      "totals per layer, kind and level. Two configs loaded here (--from-config,\n"
      "--to-config), or two versions the server holds (--from, --to). With\n"
      "--input, the register features whose verdict or zones changed (checked\n"
      "here, or by the server with --from).");
  sub->add_option("--from-config", flags->from_config, "the older version's config")
      ->type_name("A.yaml");
  sub->add_option("--to-config", flags->to_config, "the newer version's config")
      ->type_name("B.yaml");
  AddText(sub, "--from", &flags->from, "a dataset version the server holds")->type_name("VERSION");
  AddText(sub, "--to", &flags->to, "another one (default: the current version)")
      ->type_name("VERSION");
  sub->add_option("--input", flags->input, "a register to check under both versions")
      ->type_name("REGISTER");
  AddInputLayer(sub, &flags->input_layer, "the register's layer (default: its first)");
  sub->add_option("--id-field", flags->id_field, "the register's id column (default: the FID)")
      ->type_name("F");
  sub->add_option("--crs", flags->crs, "the register's CRS if it declares none")->type_name("CRS");
  AddText(sub, "--purpose", &flags->siting.purpose, "what the register's sites are (as check)")
      ->type_name("NAME");
  AddText(sub, "--outfall-type", &flags->siting.outfall_type, "river, sea, rainwater")
      ->type_name("NAME");
  AddText(sub, "--action", &flags->siting.action, "new, expanded, rebuilt")->type_name("NAME");
  AddText(sub, "--radius", &flags->siting.radius, "search radius for nearby zones")
      ->type_name("METRES");
  sub->add_option("--zone-layer", flags->zone_layers, "only this zone layer (repeatable)")
      ->type_size(1)
      ->allow_extra_args(false)
      ->type_name("NAME");
  sub->add_option("--output", flags->output,
                  "also write the comparison: .csv (with _totals.csv and\n"
                  "_sites.csv beside it), .json, .gpkg (changed zones\n"
                  "before and after, gained and lost parts, affected sites)\n"
                  "or .html (the printable change report, with maps)")
      ->type_name("FILE");
  sub->add_flag("--overwrite", flags->overwrite, "replace FILE if it exists");
  return sub;
}

int RunCompare(const GlobalFlags& global, const CompareFlags& flags) {
  const bool local = !flags.from_config.empty() || !flags.to_config.empty();
  if (local && (flags.from_config.empty() || flags.to_config.empty())) {
    return UsageError(Command::kCompare, "compare needs both --from-config and --to-config");
  }
  if (local && (flags.from || flags.to)) {
    return UsageError(Command::kCompare,
                      "--from/--to name versions on a server; --from-config/--to-config load "
                      "configs here: give one pair");
  }
  if (!local && !flags.from) {
    return UsageError(Command::kCompare,
                      "compare needs --from-config A.yaml --to-config B.yaml, or --from VERSION");
  }
  if (!flags.output.empty() && !absl::EndsWith(flags.output, ".csv") &&
      !absl::EndsWith(flags.output, ".json") && !absl::EndsWith(flags.output, ".gpkg") &&
      !absl::EndsWith(flags.output, ".html")) {
    return UsageError(Command::kCompare, "--output must end in .csv, .json, .gpkg or .html");
  }
  v1::CompareVersionsResponse response;
  const int status =
      local ? CompareLocal(flags, &response) : CompareOnServer(global, flags, &response);
  if (status != kOk && status != kSomeFailed) return status;
  std::cout << (global.json ? ComparisonJson(response) : FormatComparison(response));
  if (!flags.output.empty()) {
    if (absl::Status st = WriteComparison(response, flags.output, flags.overwrite); !st.ok()) {
      std::cerr << "redline: " << st.message() << "\n";
      return kBadInput;
    }
  }
  return status;
}

}  // namespace redline::cli
