// Fuzzes uploads: ReadSiteFile, which hands the bytes to GDAL from memory.
// The first input byte picks the file name, and so the extension the
// reader goes by (.zip holding a Shapefile, .geojson, .kml, .gpkg, ...); the
// rest is the file. An accepted upload's GeoJSON then goes through
// PrepareSite, as the staff desk sends it back for a check.
// Asserts: an accepted file has features, at most the vertex limit, a
// driver and a GeoJSON geometry that PrepareSite reads without a
// "malformed" error; a refusal is INVALID_ARGUMENT, RESOURCE_EXHAUSTED,
// OUT_OF_RANGE, FAILED_PRECONDITION or UNIMPLEMENTED, never INTERNAL or a
// crash.
#include <cstddef>
#include <cstdint>
#include <iterator>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/site_check.h"
#include "spatial/input/geometry_input.h"
#include "spatial/input/site_file.h"

namespace {

// What staff upload, what they should not, and a name without extension.
constexpr const char* kNames[] = {
    "site.zip", "site.geojson", "site.json", "site.kml", "site.gpkg", "site.kmz",
    "site.csv", "site.dxf",     "site.gml",  "site",     "site.shp",  "site.vrt",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* name = kNames[data[0] % std::size(kNames)];
  const absl::string_view content(reinterpret_cast<const char*>(data) + 1, size - 1);
  absl::StatusOr<redline::SiteFile> file =
      redline::ReadSiteFile(name, content, redline::fuzz::kMaxVertices);
  if (!file.ok()) {
    const absl::StatusCode code = file.status().code();
    FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
                   code == absl::StatusCode::kResourceExhausted ||
                   code == absl::StatusCode::kOutOfRange ||
                   code == absl::StatusCode::kFailedPrecondition ||
                   code == absl::StatusCode::kUnimplemented,
               "%s: status %s", name, file.status().ToString().c_str());
    return 0;
  }
  FUZZ_CHECK(file->feature_count >= 1, "%s: accepted with %lld features", name,
             static_cast<long long>(file->feature_count));
  FUZZ_CHECK(file->vertices <= redline::fuzz::kMaxVertices, "%s: %lld vertices", name,
             static_cast<long long>(file->vertices));
  FUZZ_CHECK(!file->driver.empty() && !file->geojson.empty(), "%s: no driver or geometry", name);
  absl::StatusOr<redline::Site> site =
      redline::PrepareSite(redline::GeometryEncoding::kGeoJson, file->geojson, file->crs,
                           redline::fuzz::WorkingCrs(), redline::fuzz::kMaxVertices);
  redline::fuzz::CheckSite(site);
  FUZZ_CHECK(site.ok() || site.status().message().find("malformed") == absl::string_view::npos,
             "%s: ReadSiteFile wrote malformed GeoJSON: %s", name,
             site.status().ToString().c_str());
  return 0;
}
