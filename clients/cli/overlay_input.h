// The overlay's input file, opened with GDAL: its layer (filtered), id
// column, CRS, and the way from that CRS to EPSG:4490 and back.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_INPUT_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_INPUT_H_

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "clients/cli/overlay.h"

namespace redline::cli {

struct Input {
  GDALDatasetUniquePtr dataset;
  OGRLayer* layer = nullptr;
  int id_index = -1;  // -1: the FID is the id
  std::string crs;    // as sent to the server: AUTH:CODE, or WKT
  // Null when GDAL cannot read `crs` (a name only the server knows): the
  // rows then carry no geometry.
  std::unique_ptr<OGRCoordinateTransformation> to_lonlat;
  std::unique_ptr<OGRCoordinateTransformation> from_lonlat;
  // The input's feature count if the driver knows it cheaply; -1 if not.
  int64_t feature_count = -1;
};

// Opens options.input, its layer, --where filter and --id-field, and settles
// its CRS (--crs, else the layer's, else EPSG:4490 with a warning). An
// InvalidArgumentError names what is wrong.
absl::Status OpenInput(const OverlayOptions& options, Input* in);

// "AUTH:CODE" for a CRS with an authority code, else its WKT2; "" for none.
std::string CrsOf(const OGRSpatialReference* srs);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_INPUT_H_
