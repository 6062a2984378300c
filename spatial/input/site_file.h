// A site handed over as a file (an upload on the staff desk): GeoJSON, KML or
// KMZ, GeoPackage, DXF, CSV, or a zipped Shapefile, read with GDAL from
// memory, with an allow-list of formats and limits on size and time.
#ifndef REDLINE_SPATIAL_INPUT_SITE_FILE_H_
#define REDLINE_SPATIAL_INPUT_SITE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "spatial/base/messages.h"

namespace redline {

struct SiteFile {
  // Every feature's geometry gathered into one GeoJSON geometry: a single
  // feature's own geometry, else a Multi* of one dimension, else a
  // GeometryCollection.
  std::string geojson;
  // "EPSG:4490" (longitude first) when the file declares its CRS and the
  // geometry was transformed; "" when it declares none and the coordinates
  // are as written in the file (the caller must ask which CRS they are in).
  std::string crs;
  std::string source_crs;  // the file's own CRS, "" when it has none
  std::string driver;      // GDAL's short name
  std::string layer;
  int64_t feature_count = 0;
  int64_t vertices = 0;
  // The first few features' attributes ("name=value; ..."), UTF-8, for the
  // user to recognise the site.
  std::vector<std::string> feature_labels;
  std::vector<std::string> notes;      // decisions taken while reading
  std::vector<Message> note_messages;  // the same, as codes (spatial/base/messages.h)
};

// What an upload may cost. Uploads come from browsers (no login), so every
// limit is checked before or while the work is done, never after.
struct SiteFileOptions {
  int64_t max_vertices = 200000;                     // all features together
  int64_t max_upload_bytes = 32 << 20;               // the file as uploaded
  int max_zip_members = 1000;                        // files inside a .zip / .kmz
  int64_t max_zip_member_bytes = 32 << 20;           // one file inside, inflated
  int64_t max_inflated_bytes = 64 << 20;             // what is extracted, inflated
  double max_zip_ratio = 100;                        // inflated / compressed, past the first MiB
  absl::Duration max_read_time = absl::Seconds(10);  // the whole read
};

// Reads the site in `content`. `file_name` (its base name only) chooses the
// format by its extension, and the content must then be of that format:
//   .geojson/.json  GeoJSON         .kml  KML       .kmz  zipped KML
//   .gpkg  GeoPackage               .dxf  DXF       .csv  CSV (below)
//   .zip   a Shapefile (.shp with its .shx/.dbf/.prj, .cpg if any), or one
//          GeoJSON, KML, GeoPackage, DXF or CSV file
// Nothing else is read: no OGR VRT, no format that names another file or a
// URL. The bytes are opened from GDAL's in-memory file system with exactly
// one driver allowed, and GDAL's network access is off (gdal_util.h), so an
// upload cannot make the server read its own disk or connect anywhere.
//
// A Shapefile without a .cpg is read as UTF-8 when its text is valid UTF-8,
// else as GBK (what Chinese GIS software writes); a CSV that is not UTF-8 is
// read as GBK too. A CSV gives its geometry as WKT (a column named WKT,
// geometry, geom or the_geom) or as X/Y columns (x, y, lon/lat, longitude/
// latitude, 经度/纬度, X坐标/Y坐标); when its rows are the corner points of
// a boundary (a column 点号, 界址点号, 界址点, 拐点号 or JZD), they are
// joined in file order into a polygon, a row repeating the first point
// closing a ring.
//
// Errors name the file and what is wrong with it (the format expected and
// the one found, or the limit passed and how to change it); they never show
// server paths and quote at most a short excerpt of the file. A passed limit
// is RESOURCE_EXHAUSTED, anything else wrong with the file
// INVALID_ARGUMENT, a read past max_read_time DEADLINE_EXCEEDED.
// Thread-safe: concurrent calls share nothing but GDAL's registry.
absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name, absl::string_view content,
                                      const SiteFileOptions& options);

// The same with default limits but `max_vertices`.
absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name, absl::string_view content,
                                      int64_t max_vertices);

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_SITE_FILE_H_
