#include "clients/cli/overlay_input.h"

#include <cpl_conv.h>

#include <cstdint>
#include <filesystem>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "clients/cli/file_errors.h"
#include "clients/cli/overlay_fast_csv.h"

namespace redline::cli {
namespace {

GDALDatasetUniquePtr OpenDataset(const std::string& path) {
  constexpr unsigned kFlags = GDAL_OF_VECTOR | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR;
  GDALDatasetUniquePtr input(GDALDataset::Open(path.c_str(), kFlags));
  if (input && EQUAL(input->GetDriverName(), "CSV")) {
    // Points as lon/lat columns, or any geometry as a WKT column.
    const char* csv[] = {
        "X_POSSIBLE_NAMES=lon,longitude,lng,x,经度", "Y_POSSIBLE_NAMES=lat,latitude,y,纬度",
        "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom", "KEEP_GEOM_COLUMNS=NO", nullptr};
    input.reset(GDALDataset::Open(path.c_str(), kFlags, nullptr, csv, nullptr));
  }
  return input;
}

// False if the filter is bad.
bool ApplyWhere(OGRLayer* layer, const std::string& where) {
  // SQL-backed drivers (GeoPackage, PostGIS) accept any filter here and
  // fail only when reading: read one feature to find out now.
  CPLErrorReset();
  bool bad = layer->SetAttributeFilter(where.c_str()) != OGRERR_NONE;
  if (!bad) {
    layer->ResetReading();
    OGRFeature::DestroyFeature(layer->GetNextFeature());
    bad = CPLGetLastErrorType() >= CE_Failure;
    layer->ResetReading();
  }
  return !bad;
}

// The input's CRS and the transformations between it and EPSG:4490, in
// which geometries go to the output.
void SettleCrs(const OverlayOptions& options, Input* in) {
  in->crs = options.crs;
  if (in->crs.empty()) in->crs = CrsOf(in->layer->GetSpatialRef());
  if (in->crs.empty()) {
    in->crs = "EPSG:4490";
    if (!options.quiet) {
      std::cerr << "redline: the input declares no CRS; reading it as EPSG:4490 "
                   "(longitude/latitude) — give --crs if that is wrong\n";
    }
  }
  OGRSpatialReference in_srs, lonlat;
  lonlat.importFromEPSG(4490);
  lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  CPLPushErrorHandler(CPLQuietErrorHandler);  // the server may know names GDAL does not
  const bool known = in_srs.SetFromUserInput(in->crs.c_str()) == OGRERR_NONE;
  CPLPopErrorHandler();
  if (!known) return;
  in_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  in->to_lonlat.reset(OGRCreateCoordinateTransformation(&in_srs, &lonlat));
  in->from_lonlat.reset(OGRCreateCoordinateTransformation(&lonlat, &in_srs));
}

// The features the progress line counts down: none without one; a CSV's
// records counted here without parsing them (GDAL's count parses the whole
// file: 0.75 s of CPU for 1M points).
int64_t CountFeatures(const OverlayOptions& options, const Input& in) {
  if (options.quiet) return -1;
  std::error_code ec;
  if (options.where.empty() && EQUAL(in.dataset->GetDriverName(), "CSV") &&
      std::filesystem::is_regular_file(options.input, ec)) {
    const int64_t records = CountCsvRecords(options.input);
    return records > 0 ? records - 1 : -1;  // less the header
  }
  return in.layer->GetFeatureCount(FALSE);
}

}  // namespace

std::string CrsOf(const OGRSpatialReference* srs) {
  if (srs == nullptr) return "";
  OGRSpatialReference copy(*srs);
  if (copy.GetAuthorityCode(nullptr) == nullptr) copy.AutoIdentifyEPSG();
  const char* auth = copy.GetAuthorityName(nullptr);
  const char* code = copy.GetAuthorityCode(nullptr);
  if (auth != nullptr && code != nullptr) return absl::StrCat(auth, ":", code);
  char* wkt = nullptr;
  const char* options[] = {"FORMAT=WKT2_2019", nullptr};
  copy.exportToWkt(&wkt, options);
  std::string out = wkt != nullptr ? wkt : "";
  CPLFree(wkt);
  return out;
}

absl::Status OpenInput(const OverlayOptions& options, Input* in) {
  if (absl::Status st = CheckInputExists(options.input); !st.ok()) return st;
  CPLErrorReset();
  // GDAL's own error line ("ERROR 4: ...") is not printed: its message is
  // part of ours.
  CPLPushErrorHandler(CPLQuietErrorHandler);
  in->dataset = OpenDataset(options.input);
  CPLPopErrorHandler();
  if (!in->dataset) {
    const std::string why = GdalMessage();
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", options.input, ": ",
                     !why.empty() ? why : "not a file GDAL can read as vector data"));
  }
  in->layer = options.input_layer.empty()
                  ? in->dataset->GetLayer(0)
                  : in->dataset->GetLayerByName(options.input_layer.c_str());
  if (in->layer == nullptr) {
    return absl::InvalidArgumentError(
        options.input_layer.empty()
            ? absl::StrCat(options.input, " has no layer")
            : absl::StrCat("no layer '", options.input_layer, "' in ", options.input));
  }
  if (!options.where.empty() && !ApplyWhere(in->layer, options.where)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad --where '", options.where, "': ", GdalMessage()));
  }
  if (!options.id_field.empty()) {
    in->id_index = in->layer->GetLayerDefn()->GetFieldIndex(options.id_field.c_str());
    if (in->id_index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("no field '", options.id_field, "' in ", options.input));
    }
  }
  SettleCrs(options, in);
  in->feature_count = CountFeatures(options, *in);
  return absl::OkStatus();
}

}  // namespace redline::cli
