#include "clients/cli/overlay_writer.h"

#include <cpl_conv.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace redline::cli {
namespace {

struct HitColumn {
  const char* name;
  OGRFieldType type;
};
// Columns the overlay adds after the input's own attributes.
constexpr HitColumn kHitColumns[] = {
    {"input_id", OFTString},       {"zone_layer", OFTString},     {"zone_kind", OFTString},
    {"zone_id", OFTString},        {"zone_name", OFTString},      {"zone_level", OFTString},
    {"relation", OFTString},       {"overlap_area_m2", OFTReal},  {"overlap_ratio", OFTReal},
    {"overlap_length_m", OFTReal}, {"zone_verdict", OFTString},   {"rules", OFTString},
    {"verdict", OFTString},        {"verdict_reason", OFTString}, {"dataset_version", OFTString},
    {"error", OFTString}};

std::string Lower(absl::string_view s) { return absl::AsciiStrToLower(s); }

std::string DriverFor(const std::string& path) {
  const std::string ext = Lower(std::filesystem::path(path).extension().string());
  if (ext == ".gpkg") return "GPKG";
  if (ext == ".csv") return "CSV";
  if (ext == ".geojson" || ext == ".json") return "GeoJSON";
  return "";
}

bool IsOurs(const char* name) {
  for (const HitColumn& c : kHitColumns) {
    if (EQUAL(c.name, name)) return true;
  }
  return false;
}

bool IsNoHitColumn(absl::string_view name) {
  return name == "input_id" || name == "verdict" || name == "verdict_reason" ||
         name == "dataset_version" || name == "error";
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
    for (const HitColumn& c : kHitColumns) {
      if (layer == no_hits_ && !IsNoHitColumn(c.name)) continue;
      OGRFieldDefn field(c.name, c.type);
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
  if (!r.error().empty() || r.response().hits().empty()) {
    OGRLayer* layer = no_hits_ != nullptr ? no_hits_ : hits_;
    OGRFeature f(layer->GetLayerDefn());
    FillCommon(input, r, f);
    if (input_lonlat != nullptr) f.SetGeometry(input_lonlat);
    Check(layer->CreateFeature(&f));
    return;
  }
  for (const v1::ZoneHit& h : r.response().hits()) WriteHit(input, r, h);
}

// The input's attributes and what every row of the feature carries.
void OutputWriter::FillCommon(OGRFeature& input, const v1::OverlayResult& r, OGRFeature& f) const {
  const v1::CheckResponse& resp = r.response();
  for (int i = 0; i < input_fields_; ++i) {
    if (input.IsFieldSetAndNotNull(i)) f.SetField(i, input.GetRawFieldRef(i));
  }
  f.SetField("input_id", r.id().c_str());
  if (r.error().empty()) {
    if (resp.verdict() != v1::VERDICT_UNSPECIFIED) {  // unset for hits only
      f.SetField("verdict", v1::Verdict_Name(resp.verdict()).c_str());
      f.SetField("verdict_reason", resp.verdict_reason().c_str());
    }
  } else {
    f.SetField("error", r.error().c_str());
  }
  f.SetField("dataset_version", r.dataset_version().c_str());
}

void OutputWriter::WriteHit(OGRFeature& input, const v1::OverlayResult& r, const v1::ZoneHit& h) {
  OGRFeature f(hits_->GetLayerDefn());
  FillCommon(input, r, f);
  f.SetField("zone_layer", h.layer().c_str());
  f.SetField("zone_kind", v1::ZoneKind_Name(h.kind()).c_str());
  f.SetField("zone_id", h.zone_id().c_str());
  f.SetField("zone_name", h.zone_name().c_str());
  f.SetField("zone_level", h.level().c_str());
  f.SetField("relation", v1::ZoneHit::Relation_Name(h.relation()).c_str());
  f.SetField("overlap_area_m2", h.overlap_area_m2());
  f.SetField("overlap_ratio", h.overlap_ratio());
  f.SetField("overlap_length_m", h.overlap_length_m());
  v1::Verdict strictest = v1::VERDICT_UNSPECIFIED;
  std::vector<std::string> ids;
  for (const v1::RuleApplication& rule : h.rules()) {
    ids.push_back(rule.rule_id());
    if (rule.verdict() > strictest) strictest = rule.verdict();
  }
  if (strictest != v1::VERDICT_UNSPECIFIED) {
    f.SetField("zone_verdict", v1::Verdict_Name(strictest).c_str());
  }
  f.SetField("rules", absl::StrJoin(ids, ",").c_str());
  if (!h.intersection_wkb().empty()) {
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkb(h.intersection_wkb().data(), &lonlat_, &g,
                                          h.intersection_wkb().size()) == OGRERR_NONE) {
      f.SetGeometryDirectly(g);
    }
  }
  Check(hits_->CreateFeature(&f));
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
