// The server configuration: which layers to load and how to answer.
//
// Read from YAML; every error names the file, the line and what would be
// right. Relative paths are resolved against the config file's folder.
#ifndef REDLINE_SPATIAL_DATA_CONFIG_H_
#define REDLINE_SPATIAL_DATA_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/rules/rules.h"
#include "spatial/rules/zone_kind.h"

namespace redline {

struct LayerConfig {
  std::string name;
  ZoneKind kind = ZoneKind::kOther;
  std::string source;  // as GDAL opens it: an absolute path or "PG:..."
  std::string layer;   // optional: layer within the source
  std::string id_field;
  std::string name_field;
  std::string level_field;           // optional
  std::string encoding;              // optional, e.g. "GBK"
  std::string srs;                   // optional override of the source's CRS
  std::string effective_from_field;  // optional: first day a zone is in force
  std::string effective_to_field;    // optional: last day a zone is in force
  // optional: SQL run on the source whose first row changes when the data
  // does (e.g. SELECT max(updated_at) FROM zones), for watch_interval_s.
  std::string watch_query;
  int line = 0;  // where the layer is defined in the config
};

// A base map for the staff page (`web: basemaps:` in the config): tiles the
// page draws under the zones. The server only passes it on (GET
// /v1/web-config); the page fetches the tiles itself.
struct BasemapConfig {
  std::string name;
  std::string kind;  // "vector" or "imagery": the page's layer switcher
  // An XYZ template ({z}/{x}/{y}, {s} for a subdomain) or a WMTS KVP one
  // (...&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}), with `{token}` already
  // filled from `token` / `token_file`: the config names an environment
  // variable or a file, never the token itself.
  std::string url;
  std::vector<std::string> subdomains;
  std::string attribution;
  // The tiles' frame: "cgcs2000" and "wgs84" are drawn as they are (they
  // differ by centimetres); "gcj02" (Amap, Tencent) and "bd09" (Baidu's
  // datum on the standard tile grid) are shifted by the page, per tile.
  std::string crs = "cgcs2000";
  int max_zoom = 18;
  int line = 0;  // where it is defined in the config
};

// The built-in default rule files ("builtin:<name>.yaml"), in name order.
std::vector<std::string> DefaultRuleFiles();

struct Config {
  std::string path;  // the config file, for messages
  // The folder relative paths were resolved against (the config file's):
  // answers show paths relative to it (PublicSource).
  std::string base_dir;
  // Planar CRS the zones are held in. CGCS2000 / 3-degree Gauss-Kruger
  // CM 120E covers most of Zhejiang with scale error under 0.15 %, keeps the
  // boundary tolerance in metres, and is the CRS survey data arrives in.
  std::string working_crs = "EPSG:4549";
  double boundary_tolerance_m = 0.001;
  double default_search_radius_m = 1000;
  double max_search_radius_m = 50000;
  int64_t max_vertices = 200000;         // per request geometry
  int64_t max_request_bytes = 64 << 20;  // gRPC receive limit
  // Estimated working memory (request size times its encoding's expansion,
  // server/runtime/memory_budget.h) of all requests being answered at once; past
  // it a request gets RESOURCE_EXHAUSTED. 0: the default, the larger of
  // 256 MiB and what one max_request_bytes GeoJSON request needs (544 MiB
  // for the default 64 MiB). -1: none. Read at start-up only.
  int64_t max_inflight_request_bytes = 0;
  double watch_interval_s = 0;  // > 0: poll sources, reload on change
  int keep_versions = 5;        // past snapshots kept for as_of
  // With tokens (redlined --tokens), /metrics on the HTTP port and gRPC
  // server reflection need the admin role; true opens them to any caller
  // (a scraper or grpcurl without a token). Read at start-up only.
  bool open_metrics = false;
  bool open_reflection = false;
  // A layer with a larger share of unusable (skipped) features fails to
  // load: broken data must not quietly replace good data.
  double max_skipped_fraction = 0.1;
  // Where the rules come from. Without a `rules:` key the bundled default
  // rule set applies (compiled in: "builtin:<name>.yaml", see rules.h), so a
  // config written for one's own layers never answers CLEAR for lack of
  // rules. `rules: []` says "no rules" on purpose: every verdict is then
  // VERDICT_UNSPECIFIED ("no rules in force"), never CLEAR.
  enum class RulesFrom { kDefault, kConfig };
  RulesFrom rules_from = RulesFrom::kDefault;
  std::vector<std::string> rule_files = DefaultRuleFiles();  // resolved, in load order
  std::vector<LayerConfig> layers;
  // `web: basemaps:`: none means the page draws no tiles (offline).
  std::vector<BasemapConfig> basemaps;

  static absl::StatusOr<Config> LoadFile(const std::string& path);
  // `base_dir` resolves relative paths; `origin` names the text in messages.
  static absl::StatusOr<Config> Parse(absl::string_view yaml, const std::string& base_dir,
                                      const std::string& origin);
};

// Replaces a password in a "PG:" connection string by ***.
std::string RedactSource(absl::string_view source);

// A path or GDAL source as clients may see it: relative to `config_dir`
// (the config file's folder) when inside it, else the file name alone, so
// answers never reveal the server's folders; "PG:" sources with the
// password redacted, "builtin:" names as they are.
std::string PublicSource(absl::string_view source, absl::string_view config_dir);

// `message` with every absolute path in it shown as PublicSource shows it:
// for load and reload errors sent to clients. The server's own log keeps
// the full message.
std::string PublicMessage(absl::string_view message, absl::string_view config_dir);

}  // namespace redline

#endif  // REDLINE_SPATIAL_DATA_CONFIG_H_
