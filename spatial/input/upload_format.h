// The formats an uploaded site may come in, chosen by the file name's
// extension and then checked against the bytes: an upload named .geojson
// that is really an OGR VRT (which names other files and URLs) is refused
// before GDAL sees it.
#ifndef REDLINE_SPATIAL_INPUT_UPLOAD_FORMAT_H_
#define REDLINE_SPATIAL_INPUT_UPLOAD_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline {

enum class UploadFormat { kGeoJson, kKml, kKmz, kGeoPackage, kDxf, kCsv, kZip };

// The format the extension of `file_name` (a base name) asks for;
// INVALID_ARGUMENT naming the accepted extensions otherwise (with a word on
// why VRT and the parts of a Shapefile are not accepted on their own).
absl::StatusOr<UploadFormat> FormatFromName(absl::string_view file_name);

// "GeoJSON", "KML", "KMZ", "GeoPackage", "DXF", "CSV", "zip archive".
const char* FormatName(UploadFormat format);

// The one GDAL driver that reads `format` ("GeoJSON", "KML", "GPKG", "DXF",
// "CSV"); nullptr for the archives (kKmz, kZip), which are unpacked first.
const char* DriverOf(UploadFormat format);

// The GDAL drivers an upload may ever be opened with: the union of DriverOf
// and "ESRI Shapefile". Null-terminated, for GDALOpenEx-style lists.
const char* const* UploadDrivers();

// What the bytes look like, for messages: "an OGR VRT (XML
// <OGRVRTDataSource>)", "XML with root element <gml:FeatureCollection>",
// "JSON", "a zip archive", "an SQLite database", "text", "binary data".
std::string DescribeContent(absl::string_view content);

// OK when `content` looks like `format`; else INVALID_ARGUMENT "'name' is
// named as GeoJSON but holds an OGR VRT (...)".
absl::Status CheckContent(absl::string_view file_name, UploadFormat format,
                          absl::string_view content);

// A DXF's blocks can insert other blocks, each INSERT many times (arrays):
// 2.7 kB of nested INSERTs expand to a million lines, which GDAL builds
// into one feature (31 s here, before any per-feature check could run).
// This counts, without building anything, how many entities the file
// expands to, and refuses more than `max_entities` (RESOURCE_EXHAUSTED), a
// block that inserts itself, and binary DXF (INVALID_ARGUMENT: it cannot be
// counted this way; ASCII DXF is what the tools export).
absl::Status CheckDxfExpansion(absl::string_view file_name, absl::string_view content,
                               int64_t max_entities);

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_UPLOAD_FORMAT_H_
