// The overlay's output: one row per feature x zone hit, plus a row for each
// feature without hits (GeoPackage: in a layer "no_hits" of their own), with
// the input's attributes and geometry (in EPSG:4490), to .gpkg, .csv or
// .geojson.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_WRITER_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_WRITER_H_

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <string>

#include "absl/status/status.h"
#include "clients/cli/overlay_row.h"
#include "redline/v1/redline.pb.h"

namespace redline::cli {

// The GDAL driver of an output path, told by its extension: "GPKG", "CSV",
// "GeoJSON" (.geojson, .json), "FlatGeobuf" (.fgb); "" for none of them.
std::string OutputDriverFor(const std::string& path);

// Whether the overlay may write `path`: a known extension, a folder that
// exists, and no file there unless `overwrite` (as ogr2ogr asks for
// -overwrite). InvalidArgumentError naming what is wrong.
absl::Status CheckOutputPath(const std::string& path, bool overwrite);

class OutputWriter {
 public:
  // Creates `path` (replacing it: CheckOutputPath comes first), its format
  // told by the extension, with the input's fields (renamed "in_<name>"
  // where they clash with ours), its layers typed after `input_type`
  // (points: Point; lines: MultiLineString; polygons: MultiPolygon).
  // GeoJSON is written as RFC 7946 has it (WGS 84, no "crs" member).
  // `spatial_index` false: GeoPackage layers without their R-tree (for a
  // writer that fills the tables itself and has GDAL index them after).
  absl::Status Open(const std::string& path, OGRFeatureDefn* input_defn,
                    OGRwkbGeometryType input_type, bool spatial_index = true);

  // Rows for one input feature: one per zone hit, or one without a hit.
  void Write(OGRFeature& input, const OGRGeometry* input_lonlat, const v1::OverlayResult& r);

  // Commits and closes; the first write that failed (a full disk, a
  // value the format refuses), if any: the output is then incomplete.
  absl::Status Close();

 private:
  void Fill(OGRFeature& input, const OverlayRow& row, OGRFeature& f) const;
  void Check(OGRErr err);
  // Takes `g`; returns it as type_, or null (and frees it).
  OGRGeometry* Typed(OGRGeometry* g) const;

  std::string driver_name_;
  GDALDatasetUniquePtr dataset_;
  OGRSpatialReference lonlat_;
  OGRLayer* hits_ = nullptr;
  OGRLayer* no_hits_ = nullptr;
  bool in_transaction_ = false;
  absl::Status status_;  // the first write that failed
  int input_fields_ = 0;
  OGRwkbGeometryType type_ = wkbUnknown;
};

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_WRITER_H_
