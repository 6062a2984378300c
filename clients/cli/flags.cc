#include "clients/cli/flags.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/cli/compare.h"
#include "spatial/rules/rules.h"

namespace redline::cli {
namespace {

constexpr char kCrsHelp[] =
    "CRS of the coordinates: EPSG:N, default EPSG:4490 (CGCS2000\n"
    "longitude/latitude), longitude first; also GK (Gauss-Kruger,\n"
    "zone detected), GK6, GCJ-02 (Amap), BD-09 (Baidu)";

using Subcommands = std::vector<std::pair<CLI::App*, Command>>;

// A flag whose absence matters (std::nullopt), read as text.
CLI::Option* AddText(CLI::App* app, const std::string& name, std::optional<std::string>* out,
                     const std::string& help) {
  return app->add_option_function<std::string>(
      name, [out](const std::string& value) { *out = value; }, help);
}

// A repeatable flag: one value per occurrence ("--layer a --layer b").
CLI::Option* AddList(CLI::App* app, const std::string& name, std::vector<std::string>* out,
                     const std::string& help) {
  return app->add_option(name, *out, help)->type_size(1)->allow_extra_args(false);
}

void AddGlobalFlags(CLI::App* app, GlobalFlags* flags) {
  app->add_option("--server", flags->server, "the Redline server")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  AddText(app, "--timeout", &flags->timeout, "deadline of a check or layers call (default 30)")
      ->type_name("SECONDS");
  app->add_flag("--json", flags->json, "print the response as protobuf JSON");
  app->add_flag("--no-color", flags->no_color,
                "no colours on a terminal (as NO_COLOR in the environment)");
  AddText(app, "--tls-ca", &flags->tls_ca,
          "PEM file of the CA that signed the server's certificate: connect with TLS")
      ->type_name("FILE");
  AddText(app, "--token-file", &flags->token_file,
          "file whose first line is the bearer token to send (default: $REDLINE_TOKEN)")
      ->type_name("FILE");
}

void AddSitingFlags(CLI::App* app, SitingFlags* flags) {
  AddText(app, "--purpose", &flags->purpose,
          "outfall, discharging_project, non_discharging_project,\n"
          "seriously_polluting_project, water_supply_facility,\n"
          "linear_infrastructure, other (case-insensitive)")
      ->type_name("NAME");
  AddText(app, "--outfall-type", &flags->outfall_type,
          "river, sea, rainwater (with --purpose outfall)")
      ->type_name("NAME");
  AddText(app, "--action", &flags->action, "new, expanded, rebuilt")->type_name("NAME");
  AddText(app, "--radius", &flags->radius, "search radius for nearby zones (default: the server's)")
      ->type_name("METRES");
}

constexpr const char* kRequireVersionHelp =
    "answer only from this dataset version or content hash\n"
    "(`redline layers`); a server holding other data refuses\n"
    "(exit status 1)";

// The flags check-point and check-site share.
void AddCheckFlags(CLI::App* app, CheckFlags* flags) {
  app->add_option("--crs", flags->crs, kCrsHelp)->type_name("CRS");
  AddSitingFlags(app, &flags->siting);
  AddList(app, "--layer", &flags->layers, "only this layer (repeatable)")->type_name("NAME");
  app->add_option("--as-of", flags->as_of, "the zones in force on that day (default: today)")
      ->type_name("YYYY-MM-DD");
  AddText(app, "--report", &flags->report,
          "also write the printable record of the check (one\n"
          "self-contained HTML page)")
      ->type_name("FILE.html");
  app->add_option("--require-version", flags->require_version, kRequireVersionHelp)->type_name("V");
}

CLI::App* AddCheckPoint(CLI::App* app, CheckPointFlags* flags) {
  CLI::App* sub =
      app->add_subcommand("check-point",
                          "Which zones does this point fall in? (X/Y are easting/northing\n"
                          "for a projected CRS.)");
  AddText(sub, "--lon,--x", &flags->lon, "longitude or easting")->type_name("X");
  AddText(sub, "--lat,--y", &flags->lat, "latitude or northing")->type_name("Y");
  AddCheckFlags(sub, &flags->check);
  return sub;
}

constexpr const char* kStrictHelp =
    "refuse an invalid polygon (a self-intersecting ring, say)\n"
    "instead of making it valid as the server makes invalid\n"
    "zones valid (the default; the answer then says so)";

CLI::App* AddCheckSite(CLI::App* app, CheckSiteFlags* flags) {
  CLI::App* sub =
      app->add_subcommand("check-site",
                          "Which zones does this site polygon or line touch? Give one of\n"
                          "--wkt, --file, --table.");
  AddText(sub, "--wkt", &flags->wkt, "the site as WKT")->type_name("TEXT");
  AddText(sub, "--file", &flags->file, "a file of WKT, GeoJSON or WKB")->type_name("PATH");
  AddText(sub, "--table", &flags->table,
          "a survey coordinate table (\"J1, X, Y\" per line, DMS\n"
          "allowed; - for stdin), e.g. with --crs GK")
      ->type_name("PATH");
  AddCheckFlags(sub, &flags->check);
  sub->add_flag("--strict", flags->check.strict, kStrictHelp);
  return sub;
}

// A function of its own for its many flags and its long description.
CLI::App* AddOverlay(CLI::App* app, OverlayFlags* flags) {
  CLI::App* sub =
      app->add_subcommand("overlay",
                          "Checks every feature of a file GDAL reads (Shapefile, GeoPackage,\n"
                          "GeoJSON, FileGDB, CSV with lon/lat or WKT columns) against every\n"
                          "layer, streamed through the server (or in-process with --local), and\n"
                          "writes one row per feature x zone hit (plus features without hits)\n"
                          "to .gpkg, .csv, .geojson (RFC 7946) or .fgb. Options, layers and the\n"
                          "CRS are checked before the first row (exit status 2). Exit status 3\n"
                          "when some features failed (see the error column).");
  sub->add_option("--input", flags->input, "the features to check")->type_name("FILE");
  sub->add_option("--output", flags->output, "where the rows go: .gpkg, .csv, .geojson or .fgb")
      ->type_name("OUT");
  sub->add_flag("--overwrite", flags->overwrite, "replace OUT if it exists");
  sub->add_option("--layer", flags->input_layer, "the input's layer (default: its first)")
      ->type_name("NAME");
  sub->add_option("--id-field", flags->id_field, "the input's id column (default: the FID)")
      ->type_name("F");
  sub->add_option("--where", flags->where, "an attribute filter on the input (OGR SQL)")
      ->type_name("SQL");
  sub->add_option("--crs", flags->crs,
                  "the input's CRS, if it declares none or a wrong one\n"
                  "(default: EPSG:4490)")
      ->type_name("CRS");
  AddList(sub, "--zone-layer", &flags->zone_layers, "only this zone layer (repeatable)")
      ->type_name("NAME");
  AddSitingFlags(sub, &flags->siting);
  sub->add_flag("--hits-only", flags->hits_only,
                "where each feature lies, as a spatial join; no verdicts,\n"
                "rules or nearby zones (their columns stay empty), several\n"
                "times faster for points");
  sub->add_flag("--strict", flags->strict, kStrictHelp);
  sub->add_option("--require-version", flags->require_version,
                  "answer only from this dataset version or content hash\n"
                  "(default: the version of the first answer, required of\n"
                  "every later request and every server: with --server\n"
                  "a,b,c the input is spread over all, one stream each)")
      ->type_name("V");
  sub->add_flag("--quiet", flags->quiet, "no progress on stderr");
  sub->add_flag("--local", flags->local, "check in-process, without a server (needs --config)");
  sub->add_option("--config", flags->config, "the server config to load with --local")
      ->type_name("FILE");
  return sub;
}

// Each command's --help ends with the global flags, so that it states the
// default server.
void AddGlobalFlagsFooter(CLI::App* app, CLI::App* sub) {
  sub->footer([app]() -> std::string {
    std::vector<const CLI::Option*> global;
    for (const CLI::Option* o : app->get_options()) {
      if (o != app->get_help_ptr()) global.push_back(o);
    }
    return CLI::Formatter().make_group("Global flags (before or after the command)", false, global);
  });
}

Subcommands DefineFlags(CLI::App* app, Flags* flags) {
  // As the hand-written parser did: a flag given twice keeps its last value,
  // and the global flags may follow the command.
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->fallthrough();
  app->require_subcommand(0, 1);
  app->footer(
      "exit status: 0 ok, 2 invalid input, 1 server unreachable or failing,\n"
      "3 overlay with failed features.");
  AddGlobalFlags(app, &flags->global);
  Subcommands subs = {
      {AddCheckPoint(app, &flags->check_point), Command::kCheckPoint},
      {AddCheckSite(app, &flags->check_site), Command::kCheckSite},
      {app->add_subcommand("layers",
                           "The loaded layers, their load reports and the dataset version."),
       Command::kLayers},
      {AddOverlay(app, &flags->overlay), Command::kOverlay},
      {AddCompare(app, &flags->compare), Command::kCompare},
  };
  for (const auto& [sub, command] : subs) AddGlobalFlagsFooter(app, sub);
  return subs;
}

const char* CommandName(Command command) {
  switch (command) {
    case Command::kCheckPoint:
      return "check-point";
    case Command::kCheckSite:
      return "check-site";
    case Command::kLayers:
      return "layers";
    case Command::kOverlay:
      return "overlay";
    case Command::kCompare:
      return "compare";
    case Command::kNone:
      break;
  }
  return "";
}

}  // namespace

std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  CLI::App app("redline: the command-line client of a Redline server.", "redline");
  const Subcommands subs = DefineFlags(&app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the help of the command given, if any, on stdout
  } catch (const CLI::ParseError& e) {
    for (const auto& [sub, command] : subs) {
      if (sub->parsed()) return UsageError(command, e.what());
    }
    const std::vector<std::string> extra = app.remaining();
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr && !extra.empty() &&
        extra[0].rfind('-', 0) != 0) {
      return UsageError(Command::kNone, absl::StrCat("unknown command '", extra[0], "'"));
    }
    return UsageError(Command::kNone, e.what());
  }
  for (const auto& [sub, command] : subs) {
    if (sub->parsed()) flags->command = command;
  }
  if (flags->command == Command::kNone) {
    std::cout << app.help();
    return kBadInput;
  }
  return std::nullopt;
}

int UsageError(Command command, absl::string_view message) {
  const std::string help = command == Command::kNone
                               ? std::string("redline --help")
                               : absl::StrCat("redline ", CommandName(command), " --help");
  std::cerr << "redline: " << message << "\nRun '" << help << "' for the flags.\n";
  return kBadInput;
}

namespace {

absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " ", path, ": ", in ? "the file is empty" : "cannot read it"));
  }
  return text.str();
}

}  // namespace

absl::Status ReadChannelSecurity(GlobalFlags* flags) {
  if (flags->tls_ca) {
    absl::StatusOr<std::string> pem = ReadFlagFile("tls-ca", *flags->tls_ca);
    if (!pem.ok()) return pem.status();
    if (!absl::StrContains(*pem, "-----BEGIN CERTIFICATE-----")) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls-ca ", *flags->tls_ca, ": no PEM certificate in it"));
    }
    flags->security.tls_ca_pem = *std::move(pem);
  }
  std::string token;
  if (flags->token_file) {
    absl::StatusOr<std::string> text = ReadFlagFile("token-file", *flags->token_file);
    if (!text.ok()) return text.status();
    token = std::string(absl::StripAsciiWhitespace(text->substr(0, text->find('\n'))));
    if (token.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--token-file ", *flags->token_file, ": the first line is empty"));
    }
  } else if (const char* env = std::getenv("REDLINE_TOKEN"); env != nullptr) {
    token = std::string(absl::StripAsciiWhitespace(env));
  }
  flags->security.token = std::move(token);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<double>> ParseFlagNumber(absl::string_view flag,
                                                      const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  double value = 0;
  if (!absl::SimpleAtod(*text, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, " '", *text, "' is not a number"));
  }
  return value;
}

// The wire's enums have rules.h's numeric values (rules.h says so), hence the
// static_casts. The messages are the CLI's own: lower case, as typed.
absl::Status FillSiting(const SitingFlags& flags, v1::Siting* siting) {
  if (flags.purpose) {
    absl::StatusOr<Purpose> purpose = ParsePurpose(*flags.purpose);
    // No purpose is given by leaving --purpose out, not by naming none.
    if (!purpose.ok() || *purpose == Purpose::kUnspecified) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown purpose '", *flags.purpose,
          "'; use outfall, discharging_project, non_discharging_project, "
          "seriously_polluting_project, water_supply_facility, linear_infrastructure or other"));
    }
    siting->set_purpose(static_cast<v1::Siting::Purpose>(*purpose));
  }
  if (flags.outfall_type) {
    absl::StatusOr<OutfallType> type = ParseOutfallType(*flags.outfall_type);
    if (!type.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown outfall type '", *flags.outfall_type,
                                                     "'; use river, sea or rainwater"));
    }
    siting->set_outfall_type(static_cast<v1::Siting::OutfallType>(*type));
  }
  if (flags.action) {
    absl::StatusOr<ProjectAction> action = ParseProjectAction(*flags.action);
    if (!action.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown action '", *flags.action, "'; use new, expanded or rebuilt"));
    }
    siting->set_action(static_cast<v1::Siting::Action>(*action));
  }
  return absl::OkStatus();
}

}  // namespace redline::cli
