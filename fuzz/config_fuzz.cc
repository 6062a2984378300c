// Fuzzes the server configuration: Config::Parse (yaml-cpp, the keys and
// their checks, the working CRS through PROJ, rule file and folder paths,
// layers). Paths resolve against data/sample, so seeds naming the sample's
// rule folder reach the folder listing. Asserts that an accepted config keeps
// the promises its checks make (limits in range, a projected working CRS
// named, at least one layer, unique layer names, absolute sources), and that
// a refusal is INVALID_ARGUMENT naming the origin.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "spatial/data/config.h"

namespace {

constexpr char kOrigin[] = "fuzz.yaml";

void CheckConfig(const redline::Config& config) {
  FUZZ_CHECK(!config.layers.empty(), "a config without layers");
  FUZZ_CHECK(config.max_vertices >= 1, "max_vertices %lld",
             static_cast<long long>(config.max_vertices));
  FUZZ_CHECK(config.max_request_bytes >= 1024, "max_request_bytes %lld",
             static_cast<long long>(config.max_request_bytes));
  FUZZ_CHECK(config.keep_versions >= 1, "keep_versions %d", config.keep_versions);
  FUZZ_CHECK(config.boundary_tolerance_m >= 0 && config.boundary_tolerance_m <= 10,
             "boundary_tolerance_m %g", config.boundary_tolerance_m);
  FUZZ_CHECK(config.default_search_radius_m >= 0 &&
                 config.default_search_radius_m <= config.max_search_radius_m,
             "radii %g / %g", config.default_search_radius_m, config.max_search_radius_m);
  FUZZ_CHECK(!config.working_crs.empty(), "no working CRS");
  std::set<std::string> names;
  for (const redline::LayerConfig& layer : config.layers) {
    FUZZ_CHECK(names.insert(layer.name).second, "layer '%s' twice", layer.name.c_str());
    FUZZ_CHECK(layer.line >= 1, "layer '%s' at line %d", layer.name.c_str(), layer.line);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view yaml(reinterpret_cast<const char*>(data), size);
  static const std::string* base = new std::string(REDLINE_SOURCE_DIR "/data/sample");
  absl::StatusOr<redline::Config> config = redline::Config::Parse(yaml, *base, kOrigin);
  if (config.ok()) {
    CheckConfig(*config);
  } else {
    FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument, "status %s",
               config.status().ToString().c_str());
    FUZZ_CHECK(absl::StartsWith(config.status().message(), kOrigin),
               "the error does not name the file: %s", config.status().ToString().c_str());
  }
  return 0;
}
