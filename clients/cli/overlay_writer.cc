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

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

std::string DriverFor(const std::string& path) {
  const std::string ext = Lower(std::filesystem::path(path).extension().string());
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".csv") return "CSV";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  return "";
}

bool IsOurs(const char* name) {
  for (const OverlayColumnSpec& c : kOverlayColumns) {
    if (EQUAL(c.name, name)) return true;
  }
  return false;
}

}  // namespace

absl::Status OutputWriter::Open(const std::string& path, OGRFeatureDefn* input_defn) {
  driver_name_ = DriverFor(path);
  if (driver_name_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot tell the output format of ", path, ": use .gpkg, .csv or .geojson"));
  }
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name_.c_str());
  std::error_code ec;
  std::filesystem::remove(path, ec);
  dataset_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (!dataset_) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot create ", path, ": ", CPLGetLastErrorMsg()));
  }
  lonlat_.importFromEPSG(4490);
  lonlat_.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  const char* csv_options[] = {"GEOMETRY=AS_WKT", nullptr};
  char** options = driver_name_ == "CSV" ? const_cast<char**>(csv_options) : nullptr;
  hits_ = dataset_->CreateLayer("overlay", &lonlat_, wkbUnknown, options);
  if (driver_name_ == "GPKG") {
    no_hits_ = dataset_->CreateLayer("no_hits", &lonlat_, wkbUnknown, nullptr);
  }
  for (OGRLayer* layer : {hits_, no_hits_}) {
    if (layer == nullptr) continue;
    for (int i = 0; i < input_defn->GetFieldCount(); ++i) {
      OGRFieldDefn field(input_defn->GetFieldDefn(i));
      if (IsOurs(field.GetNameRef()))
        field.SetName(absl::StrCat("in_", field.GetNameRef()).c_str());
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
  // transactions (CSV, GeoJSON) write as they go.
  in_transaction_ = dataset_->StartTransaction() == OGRERR_NONE;
  return absl::OkStatus();
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
    if (input_lonlat != nullptr) f.SetGeometry(input_lonlat);
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
        f.SetGeometryDirectly(g);
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
