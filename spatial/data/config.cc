#include "spatial/data/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "spatial/base/utf8.h"
#include "spatial/coords/crs.h"
#include "spatial/rules/rules.h"

namespace redline {
namespace fs = std::filesystem;
namespace {

class ConfigError {
 public:
  explicit ConfigError(std::string origin) : origin_(std::move(origin)) {}
  absl::Status At(const YAML::Node& node, absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ":", node.Mark().line + 1, ": ", what));
  }
  absl::Status Plain(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", what));
  }

 private:
  std::string origin_;
};

absl::Status CheckKeys(const ConfigError& err, const YAML::Node& map,
                       const std::set<std::string>& allowed, absl::string_view where) {
  if (!map.IsMap()) return err.At(map, absl::StrCat(where, " must be a mapping"));
  for (const auto& kv : map) {
    // A YAML key may be a list or a mapping ("? [a]"): as<std::string>
    // would throw outside any handler (the config fuzzer found it).
    if (!kv.first.IsScalar()) {
      return err.At(kv.first,
                    absl::StrCat("a key in ", where, " is not a plain name; expected one of: ",
                                 absl::StrJoin(allowed, ", ")));
    }
    const std::string key = kv.first.Scalar();
    if (!allowed.contains(key)) {
      return err.At(kv.first, absl::StrCat("unknown key '", key, "' in ", where,
                                           "; expected one of: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (absl::StartsWith(path, "PG:") || absl::StartsWith(path, "/vsi") ||
      fs::path(path).is_absolute()) {
    return path;
  }
  return (fs::path(base_dir) / path).lexically_normal().string();
}

template <typename T>
absl::Status Scalar(const ConfigError& err, const YAML::Node& node, absl::string_view key, T& out) {
  const YAML::Node v = node[std::string(key)];
  if (!v) return absl::OkStatus();
  if (!v.IsScalar()) return err.At(v, absl::StrCat("'", key, "' must be a scalar"));
  try {
    out = v.as<T>();
  } catch (const YAML::Exception&) {
    return err.At(v, absl::StrCat("'", key, "' has an invalid value '", v.Scalar(), "'"));
  }
  if constexpr (std::is_same_v<T, std::string>) {
    // Layer names and the like go into answers, which must be UTF-8.
    if (!IsValidUtf8(out)) {
      return err.At(v, absl::StrCat("'", key, "' is not valid UTF-8: save the config as UTF-8"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParseLayer(const ConfigError& err, const YAML::Node& node, const std::string& base_dir,
                        LayerConfig& layer) {
  static const std::set<std::string> kKeys = {"name",
                                              "kind",
                                              "source",
                                              "layer",
                                              "id_field",
                                              "name_field",
                                              "level_field",
                                              "encoding",
                                              "srs",
                                              "effective_from_field",
                                              "effective_to_field",
                                              "watch_query"};
  if (absl::Status st = CheckKeys(err, node, kKeys, "a layer"); !st.ok()) {
    return st;
  }
  layer.line = node.Mark().line + 1;
  std::string kind;
  for (auto [key, out] : std::initializer_list<std::pair<const char*, std::string*>>{
           {"name", &layer.name},
           {"kind", &kind},
           {"source", &layer.source},
           {"layer", &layer.layer},
           {"id_field", &layer.id_field},
           {"name_field", &layer.name_field},
           {"level_field", &layer.level_field},
           {"encoding", &layer.encoding},
           {"srs", &layer.srs},
           {"effective_from_field", &layer.effective_from_field},
           {"effective_to_field", &layer.effective_to_field},
           {"watch_query", &layer.watch_query}}) {
    if (absl::Status st = Scalar(err, node, key, *out); !st.ok()) return st;
  }
  for (auto [key, value] : {std::pair<const char*, const std::string*>{"name", &layer.name},
                            {"kind", &kind},
                            {"source", &layer.source},
                            {"id_field", &layer.id_field},
                            {"name_field", &layer.name_field}}) {
    if (value->empty()) {
      return err.At(node, absl::StrCat("layer '", layer.name, "' needs '", key, "'"));
    }
  }
  absl::StatusOr<ZoneKind> parsed = ParseLayerKind(kind);
  if (!parsed.ok()) return err.At(node["kind"], parsed.status().message());
  layer.kind = *parsed;
  layer.source = Resolve(base_dir, layer.source);
  return absl::OkStatus();
}

absl::Status ParseRules(const ConfigError& err, const YAML::Node& node, const std::string& base_dir,
                        std::vector<std::string>& out) {
  if (!node.IsSequence()) {
    return err.At(node, "'rules' must be a list of rule files or folders");
  }
  for (const auto& item : node) {
    const std::string raw = item.as<std::string>();
    // "builtin:" alone is the whole default set; "builtin:NAME" one file.
    if (absl::StartsWith(raw, kBuiltinRulePrefix)) {
      if (raw == kBuiltinRulePrefix) {
        std::vector<std::string> defaults = DefaultRuleFiles();
        out.insert(out.end(), defaults.begin(), defaults.end());
        continue;
      }
      const std::vector<std::string> defaults = DefaultRuleFiles();
      if (std::find(defaults.begin(), defaults.end(), raw) == defaults.end()) {
        return err.At(item,
                      absl::StrCat("no built-in rule file '", raw, "': the built-in ones are ",
                                   absl::StrJoin(defaults, ", "), " ('builtin:' for all)"));
      }
      out.push_back(raw);
      continue;
    }
    const std::string path = Resolve(base_dir, raw);
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      // A folder contributes its *.yaml files in name order, so a bureau can
      // number its files to control precedence.
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(path, ec)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml")) {
          files.push_back(entry.path().string());
        }
      }
      std::sort(files.begin(), files.end());
      if (files.empty()) {
        return err.At(item, absl::StrCat("rule folder ", path, " has no .yaml files"));
      }
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::is_regular_file(path, ec)) {
      out.push_back(path);
    } else {
      return err.At(item, absl::StrCat("rule file or folder ", path, " does not exist"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedactSource(absl::string_view source) {
  static const std::regex kPassword(R"((password\s*=\s*)('[^']*'|\S+))", std::regex::icase);
  return std::regex_replace(std::string(source), kPassword, "$1***");
}

std::vector<std::string> DefaultRuleFiles() {
  std::vector<std::string> files;
  for (const BuiltinRuleFile& file : BuiltinRuleFiles()) files.emplace_back(file.path);
  return files;
}

std::string PublicSource(absl::string_view source, absl::string_view config_dir) {
  if (absl::StartsWith(source, "PG:")) return RedactSource(source);
  if (absl::StartsWith(source, kBuiltinRulePrefix)) return std::string(source);
  const fs::path path{std::string(source)};
  if (!path.is_absolute()) return std::string(source);
  if (!config_dir.empty()) {
    const fs::path base = fs::path(std::string(config_dir)).lexically_normal();
    const fs::path relative = path.lexically_normal().lexically_relative(base);
    // Inside the config's folder: the path as the config could write it.
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return path.filename().string();
}

std::string PublicMessage(absl::string_view message, absl::string_view config_dir) {
  // Absolute paths in a message run from a '/' at the start or after a space,
  // quote, parenthesis or '=' to the next space, quote or ':'+digit (a line
  // number) — close enough for GDAL's, yaml-cpp's and our own messages.
  std::string out;
  size_t i = 0;
  while (i < message.size()) {
    const bool starts =
        message[i] == '/' &&
        (i == 0 || absl::string_view(" '\"(=`[").find(message[i - 1]) != absl::string_view::npos);
    if (!starts) {
      out.push_back(message[i++]);
      continue;
    }
    size_t end = i;
    while (end < message.size() &&
           absl::string_view(" '\"`),;]\n").find(message[end]) == absl::string_view::npos &&
           !(message[end] == ':' && end + 1 < message.size() &&
             (absl::ascii_isdigit(message[end + 1]) || message[end + 1] == ' '))) {
      ++end;
    }
    absl::StrAppend(&out, PublicSource(message.substr(i, end - i), config_dir));
    i = end;
  }
  return out;
}

absl::StatusOr<Config> Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read config file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string base = fs::absolute(path).parent_path().string();
  absl::StatusOr<Config> config = Parse(text.str(), base, path);
  if (config.ok()) config->path = path;
  return config;
}

namespace {

// The top-level numbers and names, in the order they are checked.
absl::Status ReadScalars(const ConfigError& err, YAML::Node& root, Config& config) {
  if (absl::Status st = Scalar(err, root, "working_crs", config.working_crs); !st.ok()) return st;
  if (absl::Status st = Scalar(err, root, "boundary_tolerance_m", config.boundary_tolerance_m);
      !st.ok())
    return st;
  if (absl::Status st =
          Scalar(err, root, "default_search_radius_m", config.default_search_radius_m);
      !st.ok())
    return st;
  if (absl::Status st = Scalar(err, root, "max_search_radius_m", config.max_search_radius_m);
      !st.ok())
    return st;
  if (absl::Status st = Scalar(err, root, "max_vertices", config.max_vertices); !st.ok()) return st;
  if (absl::Status st = Scalar(err, root, "max_request_bytes", config.max_request_bytes); !st.ok())
    return st;
  if (absl::Status st =
          Scalar(err, root, "max_inflight_request_bytes", config.max_inflight_request_bytes);
      !st.ok())
    return st;
  if (config.max_inflight_request_bytes < -1) {
    return err.At(root["max_inflight_request_bytes"],
                  "max_inflight_request_bytes must be a number of bytes, 0 for the default "
                  "or -1 for no limit");
  }
  if (absl::Status st = Scalar(err, root, "watch_interval_s", config.watch_interval_s); !st.ok())
    return st;
  if (absl::Status st = Scalar(err, root, "keep_versions", config.keep_versions); !st.ok())
    return st;
  if (absl::Status st = Scalar(err, root, "max_skipped_fraction", config.max_skipped_fraction);
      !st.ok())
    return st;
  return absl::OkStatus();
}

// What the config opens to callers without a token (server/runtime/access.h).
absl::Status ReadAccess(const ConfigError& err, YAML::Node& root, Config& config) {
  if (absl::Status st = Scalar(err, root, "open_metrics", config.open_metrics); !st.ok()) return st;
  return Scalar(err, root, "open_reflection", config.open_reflection);
}

// The limits' ranges and the working CRS.
absl::Status CheckLimits(const ConfigError& err, YAML::Node& root, Config& config) {
  if (config.max_skipped_fraction < 0 || config.max_skipped_fraction > 1) {
    return err.At(root["max_skipped_fraction"], "max_skipped_fraction must be between 0 and 1");
  }
  if (config.keep_versions < 1) {
    return err.At(root["keep_versions"], "keep_versions must be at least 1");
  }
  if (!(config.watch_interval_s >= 0)) {
    return err.At(root["watch_interval_s"], "watch_interval_s must be >= 0 (0 turns watching off)");
  }

  // Comparisons written so that NaN (YAML .nan) fails them too.
  if (!(config.boundary_tolerance_m >= 0 && config.boundary_tolerance_m <= 10)) {
    return err.At(root["boundary_tolerance_m"],
                  "boundary_tolerance_m must be between 0 and 10 metres");
  }
  // Point at the line of the offending key where there is one.
  auto node_or_root = [&](const char* key) { return root[key] ? root[key] : root; };
  if (!(config.default_search_radius_m >= 0 &&
        config.max_search_radius_m >= config.default_search_radius_m &&
        std::isfinite(config.max_search_radius_m))) {
    return err.At(node_or_root(root["max_search_radius_m"] ? "max_search_radius_m"
                                                           : "default_search_radius_m"),
                  "search radii must satisfy 0 <= default_search_radius_m <= "
                  "max_search_radius_m");
  }
  if (config.max_vertices < 1) {
    return err.At(node_or_root("max_vertices"), "max_vertices must be at least 1");
  }
  if (config.max_request_bytes < 1024) {
    return err.At(node_or_root("max_request_bytes"), "max_request_bytes must be at least 1024");
  }
  config.working_crs = NormalizeCrsName(config.working_crs);
  absl::StatusOr<CrsInfo> crs = DescribeCrs(config.working_crs);
  if (!crs.ok()) return err.At(root["working_crs"], crs.status().message());
  if (crs->geographic) {
    return err.At(root["working_crs"], absl::StrCat("working_crs ", config.working_crs,
                                                    " is geographic; it must be a projected CRS "
                                                    "in metres, e.g. EPSG:4549"));
  }
  return absl::OkStatus();
}

// `rules:`, when given, replaces the built-in default rule files.
absl::Status ReadRuleList(const ConfigError& err, YAML::Node& root, const std::string& base_dir,
                          Config& config) {
  if (const YAML::Node rules = root["rules"]) {
    // `rules:` with nothing after it is YAML null: the author meant a
    // list and gave none; say so rather than guess defaults or none.
    if (rules.IsNull()) {
      // A null value has no line of its own: point at the key.
      YAML::Node key = rules;
      for (const auto& kv : root) {
        if (kv.first.Scalar() == "rules") key = kv.first;
      }
      return err.At(key,
                    "'rules' is empty: list rule files or folders, write "
                    "'rules: []' for no rules (every verdict VERDICT_UNSPECIFIED), "
                    "or leave the key out for the built-in default rules");
    }
    config.rules_from = Config::RulesFrom::kConfig;
    config.rule_files.clear();
    if (absl::Status st = ParseRules(err, rules, base_dir, config.rule_files); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status ReadLayers(const ConfigError& err, YAML::Node& root, const std::string& base_dir,
                        Config& config) {
  const YAML::Node layers = root["layers"];
  if (!layers || !layers.IsSequence() || layers.size() == 0) {
    return layers ? err.At(layers, "'layers' must list at least one layer")
                  : err.Plain("'layers' must list at least one layer");
  }
  std::set<std::string> names;
  for (const auto& node : layers) {
    LayerConfig layer;
    if (absl::Status st = ParseLayer(err, node, base_dir, layer); !st.ok()) return st;
    if (!names.insert(layer.name).second) {
      return err.At(node, absl::StrCat("layer name '", layer.name, "' is used twice"));
    }
    config.layers.push_back(std::move(layer));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> Config::Parse(absl::string_view yaml, const std::string& base_dir,
                                     const std::string& origin) {
  ConfigError err(origin);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ":", e.mark.line + 1, ": YAML syntax error: ", e.msg));
  }
  static const std::set<std::string> kKeys = {"working_crs",
                                              "boundary_tolerance_m",
                                              "default_search_radius_m",
                                              "max_search_radius_m",
                                              "max_vertices",
                                              "max_request_bytes",
                                              "rules",
                                              "layers",
                                              "watch_interval_s",
                                              "keep_versions",
                                              "max_skipped_fraction",
                                              "max_inflight_request_bytes",
                                              "open_metrics",
                                              "open_reflection"};
  if (!root || root.IsNull()) return err.Plain("the config is empty");
  if (absl::Status st = CheckKeys(err, root, kKeys, "the config"); !st.ok()) {
    return st;
  }
  Config config;
  config.path = origin;
  config.base_dir = base_dir;
  try {
    if (absl::Status st = ReadScalars(err, root, config); !st.ok()) return st;
    if (absl::Status st = CheckLimits(err, root, config); !st.ok()) return st;
    if (absl::Status st = ReadAccess(err, root, config); !st.ok()) return st;
    if (absl::Status st = ReadRuleList(err, root, base_dir, config); !st.ok()) return st;
    if (absl::Status st = ReadLayers(err, root, base_dir, config); !st.ok()) return st;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ":", e.mark.line + 1, ": ", e.msg));
  }
  return config;
}

}  // namespace redline
