#include "clients/cli/flags.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/compare.h"
#include "spatial/base/edit_distance.h"
#include "spatial/rules/rules.h"
#include "version/version.h"

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
  app->add_option("--server", flags->server,
                  "the Redline server; replicas as a:1,b:2,c:3 (round-robin,\n"
                  "checks retried on another replica when one is unavailable)")
      ->type_name("HOST:PORT")
      ->capture_default_str();
  AddText(app, "--timeout", &flags->timeout, "deadline of a check or layers call (default 30)")
      ->type_name("SECONDS");
  app->add_flag("--json", flags->json,
                "print the answer as JSON: protobuf's JSON mapping, lowerCamelCase\n"
                "names as the HTTP API prints them (overlay: its summary)");
  app->add_flag("--no-color", flags->no_color,
                "no colours on a terminal (as NO_COLOR in the environment)");
  AddText(app, "--tls-ca", &flags->tls_ca,
          "PEM file of the CA that signed the server's certificate: connect with TLS")
      ->type_name("FILE");
  AddText(app, "--token-file", &flags->token_file,
          "file whose first line is the bearer token to send (default: $REDLINE_TOKEN)")
      ->type_name("FILE");
  AddText(app, "--tls-cert", &flags->tls_cert,
          "PEM file of this client's certificate, for a server asking for one (with --tls-key)")
      ->type_name("FILE");
  AddText(app, "--tls-key", &flags->tls_key, "PEM file of --tls-cert's private key")
      ->type_name("FILE");
  AddText(app, "--lang", &flags->lang,
          "language of the output and the --report page: zh or en (default: from "
          "LC_ALL, LC_MESSAGES or LANG; zh* is zh, else en)")
      ->type_name("zh|en")
      ->check(CLI::IsMember({"zh", "en"}));
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
  AddList(app, "--layer", &flags->layers, "only this zone layer (repeatable)")->type_name("NAME");
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
  AddText(sub, "--lon,--x", &flags->lon,
          "longitude or easting; DMS too: 121°4'11.2\"E, 121d4m11.2s")
      ->type_name("X");
  AddText(sub, "--lat,--y", &flags->lat, "latitude or northing; DMS too: 29°58'14.8\"N, 29:58:14.8")
      ->type_name("Y");
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

}  // namespace

void AddInputLayer(CLI::App* sub, std::string* input_layer, const std::string& help) {
  sub->add_option("--input-layer", *input_layer, help)->type_name("NAME");
  // The old name, still read but hidden from the help: in the checks
  // --layer names zone layers, and one name should mean one thing.
  const std::string command = sub->get_name();
  sub->add_option_function<std::string>(
         "--layer",
         [input_layer, command](const std::string& value) {
           *input_layer = value;
           std::cerr << "redline: " << command
                     << " --layer is now --input-layer (--layer names zone layers in "
                        "the checks); it will go away\n";
         },
         "")
      ->group("");
}

namespace {

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
  AddInputLayer(sub, &flags->input_layer, "the input's layer (default: its first)");
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

CLI::App* AddRollout(CLI::App* app, RolloutFlags* flags) {
  CLI::App* sub = app->add_subcommand(
      "rollout",
      "Reloads replicas one at a time (RedlineAdmin.Reload: an admin token):\n"
      "each must then serve the version its reload reports (and --expect-version)\n"
      "with health SERVING before the next is reloaded. Stops at the first\n"
      "failure (exit status 1, naming the replica), leaving the rest on their\n"
      "data. One line per replica.");
  sub->add_option("--servers", flags->servers, "the replicas, in the order to reload them")
      ->type_name("A:1,B:2,...");
  AddText(sub, "--expect-version", &flags->expect_version,
          "the dataset version, or content hash (or its first\n"
          "characters), every replica must serve after its reload")
      ->type_name("V");
  return sub;
}

// Each command's --help ends with the global flags, so that it states the
// default server.
void AddGlobalFlagsFooter(CLI::App* app, CLI::App* sub) {
  sub->footer([app]() -> std::string {
    std::vector<const CLI::Option*> global;
    for (const CLI::Option* o : app->get_options()) {
      if (o != app->get_help_ptr() && o != app->get_version_ptr()) global.push_back(o);
    }
    return CLI::Formatter().make_group("Global flags (before or after the command)", false, global);
  });
}

// Each command's complete usage, in place of CLI11's "[OPTIONS]".
const char* UsageLine(const std::string& command) {
  static const std::pair<const char*, const char*> kUsage[] = {
      {"check-point",
       "redline check-point --lon X --lat Y [--crs CRS] [--purpose NAME [--outfall-type NAME]\n"
       "         [--action NAME]] [--radius METRES] [--layer NAME]... [--as-of YYYY-MM-DD]\n"
       "         [--report FILE.html]"},
      {"check-site",
       "redline check-site (--wkt TEXT | --file PATH | --table PATH) [--crs CRS] [--strict]\n"
       "         [--purpose NAME [--outfall-type NAME] [--action NAME]] [--radius METRES]\n"
       "         [--layer NAME]... [--as-of YYYY-MM-DD] [--report FILE.html]"},
      {"layers", "redline layers"},
      {"overlay",
       "redline overlay --input FILE --output OUT [--overwrite] [--input-layer NAME]\n"
       "         [--id-field F] [--where SQL] [--crs CRS] [--zone-layer NAME]...\n"
       "         [--purpose NAME [--outfall-type NAME] [--action NAME]] [--radius METRES]\n"
       "         [--hits-only] [--strict] [--quiet] [--local --config FILE]"},
      {"rollout", "redline rollout --servers A:1,B:2,... [--expect-version V]"},
      {"compare",
       "redline compare (--from-config A.yaml --to-config B.yaml | --from VERSION [--to VERSION])\n"
       "         [--input FILE [--input-layer NAME] [--id-field F] [--crs CRS]]\n"
       "         [--purpose NAME [--outfall-type NAME] [--action NAME]] [--radius METRES]\n"
       "         [--zone-layer NAME]... [--output FILE [--overwrite]]"},
  };
  for (const auto& [name, usage] : kUsage) {
    if (command == name) return usage;
  }
  return nullptr;
}

class UsageFormatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    if (app->get_parent() == nullptr) {
      return absl::StrCat("Usage: redline [global flags] COMMAND [flags]\n",
                          "  (the server is --server, default ", kDefaultServer,
                          "; 'redline COMMAND --help' for a command's flags)\n");
    }
    const char* usage = UsageLine(app->get_name());
    if (usage == nullptr) return CLI::Formatter::make_usage(app, std::move(name));
    return absl::StrCat("Usage: ", usage, "\n");
  }
};

Subcommands DefineFlags(CLI::App* app, Flags* flags) {
  // Before the commands are added: they take their parent's formatter.
  app->formatter(std::make_shared<UsageFormatter>());
  // As the hand-written parser did: a flag given twice keeps its last value,
  // and the global flags may follow the command.
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->fallthrough();
  app->require_subcommand(0, 1);
  app->footer(
      "exit status: 0 ok, 2 invalid input, 1 server unreachable or failing,\n"
      "3 overlay with failed features.");
  AddGlobalFlags(app, &flags->global);
  app->set_version_flag("--version", VersionLine("redline"));
  Subcommands subs = {
      {AddCheckPoint(app, &flags->check_point), Command::kCheckPoint},
      {AddCheckSite(app, &flags->check_site), Command::kCheckSite},
      {app->add_subcommand("layers",
                           "The loaded layers, their load reports and the dataset version."),
       Command::kLayers},
      {AddOverlay(app, &flags->overlay), Command::kOverlay},
      {AddCompare(app, &flags->compare), Command::kCompare},
      {AddRollout(app, &flags->rollout), Command::kRollout},
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
    case Command::kRollout:
      return "rollout";
    case Command::kNone:
      break;
  }
  return "";
}

// The long names of the flags `app` takes, hidden ones left out.
std::vector<std::string> FlagNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : app->get_options()) {
    if (o->get_group().empty()) continue;
    for (const std::string& name : o->get_lnames()) names.push_back("--" + name);
  }
  return names;
}

// What to say about a flag `command` does not take: the commands that take
// it, else the nearest name it takes (a typo: one edit away, two for
// longer names), else nothing.
std::string FlagHint(const CLI::App& app, const CLI::App* command, const std::string& flag) {
  const std::string bare = flag.substr(0, flag.find('='));
  std::vector<std::string> owners;
  for (const CLI::App* other : app.get_subcommands({})) {
    const std::vector<std::string> names = FlagNames(other);
    if (other != command && std::find(names.begin(), names.end(), bare) != names.end()) {
      owners.push_back(other->get_name());
    }
  }
  if (!owners.empty()) {
    return absl::StrCat(bare, " is a flag of ", absl::StrJoin(owners, " and "), ". ");
  }
  std::vector<std::string> names = FlagNames(&app);
  if (command != nullptr) {
    const std::vector<std::string> own = FlagNames(command);
    names.insert(names.end(), own.begin(), own.end());
  }
  std::string best;
  size_t best_distance = bare.size() > 6 ? 3 : 2;  // "--" and 4 letters: one edit
  for (const std::string& name : names) {
    if (const size_t d = EditDistance(bare, name); d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : absl::StrCat("Did you mean ", best, "? ");
}

// The first argument that looks like a flag among those CLI11 did not
// take, or "".
std::string UnknownFlag(const CLI::App& app, const CLI::App* command) {
  std::vector<std::string> extra = app.remaining();
  if (command != nullptr) {
    const std::vector<std::string> more = command->remaining();
    extra.insert(extra.begin(), more.begin(), more.end());
  }
  for (const std::string& arg : extra) {
    if (arg.size() > 1 && arg[0] == '-' && !absl::ascii_isdigit(arg[1]) && arg[1] != '.') {
      return arg;
    }
  }
  return "";
}

// A parse error in one line, with a hint on the next: for a flag the
// command does not take, what was probably meant.
int ParseErrorExit(const CLI::App& app, const CLI::App* sub, Command command,
                   const CLI::ParseError& e) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    if (const std::string flag = UnknownFlag(app, sub); !flag.empty()) {
      return UsageError(command, absl::StrCat("unknown flag ", flag), FlagHint(app, sub, flag));
    }
    const std::vector<std::string> extra = app.remaining();
    if (sub == nullptr && !extra.empty()) {
      return UsageError(Command::kNone, absl::StrCat("unknown command '", extra[0], "'"));
    }
  }
  return UsageError(command, e.what());
}

}  // namespace

std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  CLI::App app("redline: the command-line client of a Redline server.", "redline");
  const Subcommands subs = DefineFlags(&app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);  // the help of the command given, if any, on stdout
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);  // the version line on stdout, status 0
  } catch (const CLI::ParseError& e) {
    for (const auto& [sub, command] : subs) {
      if (sub->parsed()) return ParseErrorExit(app, sub, command, e);
    }
    return ParseErrorExit(app, nullptr, Command::kNone, e);
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

int UsageError(Command command, absl::string_view message, absl::string_view hint) {
  const std::string help = command == Command::kNone
                               ? std::string("redline --help")
                               : absl::StrCat("redline ", CommandName(command), " --help");
  std::cerr << "redline: " << message << "\n" << hint << "Run '" << help << "' for the flags.\n";
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

// --tls-cert and --tls-key: both or neither, with --tls-ca, each PEM.
absl::Status ReadClientCertificate(GlobalFlags* flags) {
  if (!flags->tls_cert && !flags->tls_key) return absl::OkStatus();
  if (!flags->tls_cert || !flags->tls_key) {
    return absl::InvalidArgumentError("--tls-cert and --tls-key go together: give both");
  }
  if (!flags->tls_ca) {
    return absl::InvalidArgumentError(
        "--tls-cert needs --tls-ca (the CA of the server's certificate): a client certificate "
        "is shown only over TLS");
  }
  absl::StatusOr<std::string> cert = ReadFlagFile("tls-cert", *flags->tls_cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFlagFile("tls-key", *flags->tls_key);
  if (!key.ok()) return key.status();
  if (!absl::StrContains(*cert, "-----BEGIN CERTIFICATE-----")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-cert ", *flags->tls_cert, ": no PEM certificate in it"));
  }
  if (!absl::StrContains(*key, "PRIVATE KEY-----")) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls-key ", *flags->tls_key, ": no PEM private key in it"));
  }
  flags->security.tls_cert_pem = *std::move(cert);
  flags->security.tls_key_pem = *std::move(key);
  return absl::OkStatus();
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
  if (absl::Status st = ReadClientCertificate(flags); !st.ok()) return st;
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
