// A site handed over as a file (an upload on the staff desk): GeoJSON, KML,
// GeoPackage, or a zipped Shapefile, read with GDAL from memory.
#ifndef REDLINE_SPATIAL_SITE_FILE_H_
#define REDLINE_SPATIAL_SITE_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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
  std::vector<std::string> notes;  // decisions taken while reading
};

// Reads the site in `content`; `file_name` tells the format by its
// extension (.geojson/.json, .kml, .gpkg, .zip holding a Shapefile with its
// .shx/.dbf/.prj, .cpg if any). A Shapefile without a .cpg is read as UTF-8
// when its text is valid UTF-8, else as GBK (what Chinese GIS software
// writes). Errors name what is wrong with the file. More than `max_vertices`
// vertices in all is RESOURCE_EXHAUSTED. Thread-safe.
absl::StatusOr<SiteFile> ReadSiteFile(absl::string_view file_name,
                                      absl::string_view content,
                                      int64_t max_vertices);

}  // namespace redline

#endif  // REDLINE_SPATIAL_SITE_FILE_H_
