// The command line of `redline`: every command and flag, declared once with
// its help text, on CLI11.
//
//   redline [--server HOST:PORT] [--json] [--timeout SECONDS]
//           [--tls-ca FILE] [--token-file FILE] COMMAND [flags]
//
// The global flags (--server, --json, --timeout, --no-color, --tls-ca,
// --token-file) may also follow the command. Flags are read as text: numbers and names are checked
// after parsing (ParseFlagNumber, FillSiting), with the CLI's own messages.
//
// Exit status: 0 success, 2 invalid input (refused by the CLI or the server),
// 1 server unreachable or failing, 3 overlay with failed features.
#ifndef REDLINE_CLIENTS_CLI_FLAGS_H_
#define REDLINE_CLIENTS_CLI_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"

namespace CLI {
class App;
}  // namespace CLI

namespace redline::cli {

inline constexpr int kOk = 0;
inline constexpr int kServerError = 1;
inline constexpr int kBadInput = 2;
inline constexpr int kSomeFailed = 3;

inline constexpr char kDefaultServer[] = "127.0.0.1:50051";

// What a connection to the server is secured with: read from --tls-ca and
// --token-file (or REDLINE_TOKEN) by ReadChannelSecurity, once, before any
// call (channel.h opens channels with it).
struct ChannelSecurity {
  std::string tls_ca_pem;  // empty: plain text
  std::string token;       // empty: no token sent
  // This client's certificate and key, for a server that wants one (mutual
  // TLS, --tls-client-ca): --tls-cert and --tls-key; empty: none shown.
  std::string tls_cert_pem;
  std::string tls_key_pem;
};

// Flags of every command. An optional flag is std::nullopt when not given:
// given empty, it is refused (as "--radius ''" is not a number).
struct GlobalFlags {
  std::string server = kDefaultServer;
  std::optional<std::string> timeout;  // seconds; default 30
  bool json = false;
  bool no_color = false;
  std::optional<std::string> tls_ca;      // PEM file of the server's CA: TLS
  std::optional<std::string> token_file;  // the bearer token, first line
  std::optional<std::string> tls_cert;    // PEM: this client's certificate (mutual TLS)
  std::optional<std::string> tls_key;     // PEM: its private key
  ChannelSecurity security;               // filled by ReadChannelSecurity
  // zh or en: the language of the output and the --report page; unset: the
  // locale's (clients/cli/output.h, OutputLang).
  std::optional<std::string> lang;
};

// What is sited and how far to look: shared by the checks and the overlay.
struct SitingFlags {
  std::optional<std::string> purpose;
  std::optional<std::string> outfall_type;
  std::optional<std::string> action;
  std::optional<std::string> radius;  // metres; default: the server's
};

// check-point and check-site.
struct CheckFlags {
  SitingFlags siting;
  std::string crs;
  std::string as_of;
  std::vector<std::string> layers;
  std::optional<std::string> report;  // FILE.html
  // --strict (check-site only; a point cannot be invalid): refuse an invalid
  // polygon instead of making it valid.
  bool strict = false;
  // --require-version: answer only from this dataset version or content
  // hash (CheckOptions.require_version); empty: any.
  std::string require_version;
};

struct CheckPointFlags {
  CheckFlags check;
  std::optional<std::string> lon;  // or easting
  std::optional<std::string> lat;  // or northing
};

struct CheckSiteFlags {
  CheckFlags check;
  std::optional<std::string> wkt;
  std::optional<std::string> file;
  std::optional<std::string> table;  // "-" for stdin
};

struct OverlayFlags {
  SitingFlags siting;
  std::string input;
  std::string output;
  std::string input_layer;  // --input-layer: the input's layer, not a zone layer
  std::string id_field;
  std::string where;
  std::string crs;
  std::vector<std::string> zone_layers;
  bool local = false;
  std::string config;  // with --local
  bool quiet = false;
  bool hits_only = false;
  bool overwrite = false;
  bool strict = false;  // --strict: invalid polygons become error rows
  // --require-version (CheckOptions.require_version); empty: the overlay
  // pins the version of its first answer.
  std::string require_version;
};

// compare (clients/cli/compare.h): two configs loaded here, or two versions
// a server holds; optionally a register checked under both.
struct CompareFlags {
  std::string from_config, to_config;
  std::optional<std::string> from, to;  // dataset versions on --server
  std::string input;                    // the register
  std::string input_layer;
  std::string id_field;
  std::string crs;
  SitingFlags siting;
  std::vector<std::string> zone_layers;
  std::string output;  // .csv, .json, .gpkg or .html
  bool overwrite = false;
};

// rollout (clients/cli/rollout.h): reload replicas one at a time.
struct RolloutFlags {
  std::string servers;                        // a:1,b:2,c:3
  std::optional<std::string> expect_version;  // dataset version or content hash (prefix)
};

enum class Command { kNone, kCheckPoint, kCheckSite, kLayers, kOverlay, kCompare, kRollout };

struct Flags {
  Command command = Command::kNone;
  GlobalFlags global;
  CheckPointFlags check_point;
  CheckSiteFlags check_site;
  OverlayFlags overlay;
  CompareFlags compare;
  RolloutFlags rollout;
};

// --input-layer (the layer of the file a command reads, for overlay and
// compare) on `sub`, and its old name --layer, hidden and warned about.
void AddInputLayer(CLI::App* sub, std::string* input_layer, const std::string& help);

// Reads --tls-ca and the token (--token-file, else the environment variable
// REDLINE_TOKEN) into flags->security; an InvalidArgumentError naming the
// flag when a file cannot be read, is empty, or is not PEM.
absl::Status ReadChannelSecurity(GlobalFlags* flags);

// Parses the command line into *flags. Returns the exit status when there is
// nothing more to do: 0 after --help (the help of the command it follows, on
// stdout); 2 after a usage error (CLI11's one-line message and a pointer to
// --help, on stderr) or when no command is given (the help on stdout).
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags);

// A usage error found after parsing: prints "redline: <message>" and, on
// the next line, `hint` (empty, or a sentence ending in a space) and where
// the command's flags are described; returns kBadInput.
int UsageError(Command command, absl::string_view message, absl::string_view hint = "");

// The number in a numeric flag, std::nullopt if the flag was not given, an
// InvalidArgumentError naming the flag if it is not a number.
absl::StatusOr<std::optional<double>> ParseFlagNumber(absl::string_view flag,
                                                      const std::optional<std::string>& text);

// Sets the purpose, outfall type and action given, read by rules.h's parsers
// (case-insensitive, '-' or ' ' for '_'); an InvalidArgumentError with the
// accepted names otherwise.
absl::Status FillSiting(const SitingFlags& flags, v1::Siting* siting);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_FLAGS_H_
