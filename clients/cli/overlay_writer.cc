#include "clients/cli/overlay_writer.h"

#include <cpl_conv.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace redline::cli {
namespace {

bool IsOurs(const char* name) {
  for (const OverlayColumnSpec& c : kOverlayColumns) {
    if (EQUAL(c.name, name)) return true;
  }
  return false;
}

// The layers' geometry type for input of `type`: points stay points (a
// point's part in a zone is the point), lines and polygons become multi (a
// part of a polygon in a zone may be several). Mixed or unknown input:
// wkbUnknown, any geometry.
OGRwkbGeometryType OutputType(OGRwkbGeometryType type) {
  switch (wkbFlatten(type)) {
    case wkbPoint:
      return wkbPoint;
    case wkbMultiPoint:
      return wkbMultiPoint;
    case wkbLineString:
    case wkbMultiLineString:
      return wkbMultiLineString;
    case wkbPolygon:
    case wkbMultiPolygon:
      return wkbMultiPolygon;
    default:
      return wkbUnknown;
  }
}

}  // namespace

std::string OutputDriverFor(const std::string& path) {
  const std::string ext = absl::AsciiStrToLower(std::filesystem::path(path).extension().string());
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".csv") return "CSV";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  if (ext == ".fgb") return "FlatGeobuf";
  return "";
}

absl::Status CheckOutputPath(const std::string& path, bool overwrite) {
  if (OutputDriverFor(path).empty()) {
    return absl::InvalidArgumentError(absl::StrCat("cannot tell the output format of ", path,
                                                   ": use .gpkg, .csv, .geojson or .fgb"));
  }
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !overwrite) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " exists: give --overwrite to replace it"));
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write ", path, ": no folder ", parent.string()));
  }
  return absl::OkStatus();
}

absl::Status OutputWriter::Open(const std::string& path, OGRFeatureDefn* input_defn,
                                OGRwkbGeometryType input_type, bool spatial_index) {
  driver_name_ = OutputDriverFor(path);
  if (driver_name_.empty()) return CheckOutputPath(path, true);
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name_.c_str());
  std::error_code ec;
  std::filesystem::remove(path, ec);  // CheckOutputPath allowed it
  dataset_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!dataset_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create ", path, ": ", CPLGetLastErrorMsg()));
  }
  lonlat_.importFromEPSG(4490);
  lonlat_.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  type_ = OutputType(input_type);
  // GeoJSON as RFC 7946 has it: WGS 84 longitude/latitude (GDAL converts
  // from CGCS2000, which differs by centimetres), no "crs" member.
  const char* csv_options[] = {"GEOMETRY=AS_WKT", nullptr};
  const char* geojson_options[] = {"RFC7946=YES", nullptr};
  const char* gpkg_options[] = {"SPATIAL_INDEX=NO", nullptr};
  char** options = nullptr;
  if (driver_name_ == "GPKG" && !spatial_index) options = const_cast<char**>(gpkg_options);
  if (driver_name_ == "CSV") options = const_cast<char**>(csv_options);
  if (driver_name_ == "GeoJSON") options = const_cast<char**>(geojson_options);
  hits_ = dataset_->CreateLayer("overlay", &lonlat_, type_, options);
  if (driver_name_ == "GPKG") {
    no_hits_ = dataset_->CreateLayer("no_hits", &lonlat_, type_, options);
  }
  if (hits_ == nullptr || (driver_name_ == "GPKG" && no_hits_ == nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create a layer in ", path, ": ", CPLGetLastErrorMsg()));
  }
  for (OGRLayer* layer : {hits_, no_hits_}) {
    if (layer == nullptr) continue;
    for (int i = 0; i < input_defn->GetFieldCount(); ++i) {
      OGRFieldDefn field(input_defn->GetFieldDefn(i));
      if (IsOurs(field.GetNameRef())) {
        field.SetName(absl::StrCat("in_", field.GetNameRef()).c_str());
      }
      layer->CreateField(&field);
    }
    for (const OverlayColumnSpec& c : kOverlayColumns) {
      if (layer == no_hits_ && !c.feature_col) continue;
      OGRFieldDefn field(c.name, c.real ? OFTReal : OFTString);
      layer->CreateField(&field);
    }
  }
  input_fields_ = input_defn->GetFieldCount();
  // One transaction for the whole output (GeoPackage); formats without
  // transactions (CSV, GeoJSON, FlatGeobuf) write as they go.
  in_transaction_ = dataset_->StartTransaction() == OGRERR_NONE;
  return absl::OkStatus();
}

// `g` as the layers' type, or null where it cannot be (a polygon site's
// part in a zone it only touches is a line: the row has no geometry) or
// where the format cannot hold it.
OGRGeometry* OutputWriter::Typed(OGRGeometry* g) const {
  if (g == nullptr) return nullptr;
  if (driver_name_ == "GeoJSON") {
    // RFC 7946 GeoJSON refuses the whole write of a feature outside
    // longitude/latitude bounds: such a row (a point that could not be
    // read, its error says why) goes without its geometry.
    OGREnvelope e;
    g->getEnvelope(&e);
    if (!g->IsEmpty() && (e.MinX < -180 || e.MaxX > 180 || e.MinY < -90 || e.MaxY > 90)) {
      delete g;
      return nullptr;
    }
  }
  if (type_ == wkbUnknown) return g;
  OGRGeometry* typed = OGRGeometryFactory::forceTo(g, type_);
  if (typed != nullptr && wkbFlatten(typed->getGeometryType()) == type_) return typed;
  delete typed;
  return nullptr;
}

void OutputWriter::Write(OGRFeature& input, const OGRGeometry* input_lonlat,
                         const v1::OverlayResult& r) {
  OverlayRow row;
  OverlayRowScratch scratch;
  FillFeatureColumns(r, &scratch, &row);
  if (!r.error().empty() || r.response().hits().empty()) {
    OGRLayer* layer = no_hits_ != nullptr ? no_hits_ : hits_;
    OGRFeature f(layer->GetLayerDefn());
    Fill(input, row, f);
    if (input_lonlat != nullptr) {
      if (OGRGeometry* g = Typed(input_lonlat->clone())) f.SetGeometryDirectly(g);
    }
    Check(layer->CreateFeature(&f));
    return;
  }
  for (const v1::ZoneHit& h : r.response().hits()) {
    FillHitColumns(r.response(), h, &scratch, &row);
    OGRFeature f(hits_->GetLayerDefn());
    Fill(input, row, f);
    if (!h.intersection_wkb().empty()) {
      OGRGeometry* g = nullptr;
      if (OGRGeometryFactory::createFromWkb(h.intersection_wkb().data(), &lonlat_, &g,
                                            h.intersection_wkb().size()) == OGRERR_NONE) {
        if (OGRGeometry* typed = Typed(g)) f.SetGeometryDirectly(typed);
      }
    }
    Check(hits_->CreateFeature(&f));
  }
}

// The input's attributes, then the overlay's columns the layer has.
void OutputWriter::Fill(OGRFeature& input, const OverlayRow& row, OGRFeature& f) const {
  for (int i = 0; i < input_fields_; ++i) {
    if (input.IsFieldSetAndNotNull(i)) f.SetField(i, input.GetRawFieldRef(i));
  }
  int field = input_fields_;
  const bool no_hits_layer = f.GetDefnRef() != hits_->GetLayerDefn();
  for (int c = 0; c < kOverlayColumnCount; ++c) {
    if (no_hits_layer && !kOverlayColumns[c].feature_col) continue;
    const OverlayValue& v = row[c];
    if (v.kind == OverlayValue::kText) {
      f.SetField(field, std::string(v.text).c_str());
    } else if (v.kind == OverlayValue::kReal) {
      f.SetField(field, v.real);
    }
    ++field;
  }
}

absl::Status OutputWriter::Close() {
  if (dataset_) {
    if (in_transaction_ && dataset_->CommitTransaction() != OGRERR_NONE && status_.ok()) {
      status_ = absl::DataLossError(CPLGetLastErrorMsg());
    }
    dataset_.reset();
  }
  return status_;
}

void OutputWriter::Check(OGRErr err) {
  if (err != OGRERR_NONE && status_.ok()) {
    status_ = absl::DataLossError(absl::StrCat("writing a row failed: ", CPLGetLastErrorMsg()));
  }
}

}  // namespace redline::cli
