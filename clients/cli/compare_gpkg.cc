// The comparison as a GeoPackage, for a GIS: one layer per thing a map
// shows. All geometries in EPSG:4490, longitude first.
//   zone_changes  each changed zone, drawn as it is now (as it was, if removed)
//   zones_before  each changed zone as it was (not the added ones)
//   gained, lost  the parts a zone gained and lost (added and removed zones whole)
//   sites         the register features whose answer changed (with --input)
//   totals        the totals per layer, kind and level (no geometry)
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/cli/compare_output.h"
#include "spatial/data/gdal_util.h"

namespace redline::cli {
namespace {

// A field and how a row fills it.
template <typename Row>
struct Column {
  const char* name;
  OGRFieldType type;
  std::function<void(const Row&, OGRFeature&, int)> fill;
};

template <typename Row>
Column<Row> Text(const char* name, std::function<std::string(const Row&)> get) {
  return {name, OFTString,
          [get](const Row& r, OGRFeature& f, int i) { f.SetField(i, get(r).c_str()); }};
}
template <typename Row>
Column<Row> Real(const char* name, std::function<double(const Row&)> get) {
  return {name, OFTReal, [get](const Row& r, OGRFeature& f, int i) { f.SetField(i, get(r)); }};
}

std::unique_ptr<OGRGeometry> FromWkb(const std::string& wkb, bool multipolygon) {
  if (wkb.empty()) return nullptr;
  OGRGeometry* g = nullptr;
  if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size()) != OGRERR_NONE) {
    return nullptr;
  }
  if (multipolygon) g = OGRGeometryFactory::forceToMultiPolygon(g);
  return std::unique_ptr<OGRGeometry>(g);
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One layer: its columns, then a row per item that `geometry` gives a
// geometry for (every item for a layer without geometry).
template <typename Row>
absl::Status WriteLayer(GDALDataset& ds, const char* name, OGRwkbGeometryType type,
                        const std::vector<Column<Row>>& columns,
                        const google::protobuf::RepeatedPtrField<Row>& rows,
                        std::function<std::string(const Row&)> geometry) {
  OGRSpatialReference srs;
  srs.importFromEPSG(4490);
  srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  OGRLayer* layer = ds.CreateLayer(name, type == wkbNone ? nullptr : &srs, type, nullptr);
  if (layer == nullptr) return absl::InternalError(absl::StrCat("cannot create layer ", name));
  for (const Column<Row>& c : columns) {
    OGRFieldDefn field(c.name, c.type);
    if (layer->CreateField(&field) != OGRERR_NONE) {
      return absl::InternalError(absl::StrCat("cannot create field ", c.name, " of ", name));
    }
  }
  // One transaction per layer: a row at a time would commit each to disk.
  if (layer->StartTransaction() != OGRERR_NONE) {
    return absl::InternalError(absl::StrCat("cannot write ", name));
  }
  for (const Row& row : rows) {
    std::unique_ptr<OGRGeometry> g;
    if (type != wkbNone) {
      g = FromWkb(geometry(row), type == wkbMultiPolygon);
      if (g == nullptr) continue;  // nothing to draw (no gained part, say)
    }
    OGRFeature feature(layer->GetLayerDefn());
    for (size_t i = 0; i < columns.size(); ++i) columns[i].fill(row, feature, static_cast<int>(i));
    if (g != nullptr) feature.SetGeometryDirectly(g.release());
    if (layer->CreateFeature(&feature) != OGRERR_NONE) {
      return absl::InternalError(absl::StrCat("cannot write a row of ", name));
    }
  }
  if (layer->CommitTransaction() != OGRERR_NONE) {
    return absl::InternalError(absl::StrCat("cannot write ", name));
  }
  return absl::OkStatus();
}

std::vector<Column<v1::ZoneChange>> ChangeColumns() {
  using C = v1::ZoneChange;
  return {
      Text<C>("change", [](const C& c) { return Lower(v1::ZoneChange::Kind_Name(c.kind())); }),
      Text<C>("layer", [](const C& c) { return c.layer(); }),
      Text<C>("zone_id", [](const C& c) { return c.zone_id(); }),
      Text<C>("previous_id", [](const C& c) { return c.previous_id(); }),
      Text<C>("changed_fields", [](const C& c) { return absl::StrJoin(c.changed_fields(), ";"); }),
      Text<C>("name_before", [](const C& c) { return c.name_before(); }),
      Text<C>("name_after", [](const C& c) { return c.name_after(); }),
      Text<C>("level_before", [](const C& c) { return c.level_before(); }),
      Text<C>("level_after", [](const C& c) { return c.level_after(); }),
      Real<C>("area_before_m2", [](const C& c) { return c.area_before_m2(); }),
      Real<C>("area_after_m2", [](const C& c) { return c.area_after_m2(); }),
      Real<C>("gained_m2", [](const C& c) { return c.gained_m2(); }),
      Real<C>("lost_m2", [](const C& c) { return c.lost_m2(); }),
  };
}

std::vector<Column<v1::AreaTotals>> TotalsColumns() {
  using T = v1::AreaTotals;
  return {
      Text<T>("scope", [](const T& t) { return t.scope(); }),
      Text<T>("layer", [](const T& t) { return t.layer(); }),
      Text<T>("kind", [](const T& t) { return Lower(v1::ZoneKind_Name(t.kind())); }),
      Text<T>("level", [](const T& t) { return t.level(); }),
      Real<T>("zones_before", [](const T& t) { return static_cast<double>(t.zones_before()); }),
      Real<T>("zones_after", [](const T& t) { return static_cast<double>(t.zones_after()); }),
      Real<T>("area_before_m2", [](const T& t) { return t.area_before_m2(); }),
      Real<T>("area_after_m2", [](const T& t) { return t.area_after_m2(); }),
      Real<T>("net_m2", [](const T& t) { return t.net_m2(); }),
      Real<T>("gained_m2", [](const T& t) { return t.gained_m2(); }),
      Real<T>("lost_m2", [](const T& t) { return t.lost_m2(); }),
      Real<T>("share_lost", [](const T& t) { return t.share_lost(); }),
      Text<T>("region", [](const T& t) { return t.region(); }),
      Text<T>("region_name", [](const T& t) { return t.region_name(); }),
  };
}

std::vector<Column<v1::SiteChange>> SiteColumns() {
  using S = v1::SiteChange;
  return {
      Text<S>("id", [](const S& s) { return s.id(); }),
      Text<S>("what", [](const S& s) { return absl::StrJoin(s.what(), ";"); }),
      Text<S>("verdict_before", [](const S& s) { return v1::Verdict_Name(s.verdict_before()); }),
      Text<S>("verdict_after", [](const S& s) { return v1::Verdict_Name(s.verdict_after()); }),
      Text<S>("caused_by", [](const S& s) { return absl::StrJoin(s.caused_by(), ";"); }),
  };
}

}  // namespace

absl::Status WriteComparisonGpkg(const v1::CompareVersionsResponse& r, const std::string& path) {
  RegisterGdalOnce();
  GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
  if (driver == nullptr) return absl::InternalError("GDAL has no GPKG driver");
  std::filesystem::remove(path);
  GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
  if (ds == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot create ", path));
  using C = v1::ZoneChange;
  const auto changes = ChangeColumns();
  const struct {
    const char* name;
    std::string (*geometry)(const C&);
  } zone_layers[] = {
      {"zone_changes",
       [](const C& c) { return c.after_wkb().empty() ? c.before_wkb() : c.after_wkb(); }},
      {"zones_before", [](const C& c) { return c.before_wkb(); }},
      {"gained", [](const C& c) { return c.gained_wkb(); }},
      {"lost", [](const C& c) { return c.lost_wkb(); }},
  };
  for (const auto& l : zone_layers) {
    if (absl::Status st =
            WriteLayer<C>(*ds, l.name, wkbMultiPolygon, changes, r.changes(), l.geometry);
        !st.ok()) {
      return st;
    }
  }
  if (r.has_register_impact()) {
    if (absl::Status st = WriteLayer<v1::SiteChange>(
            *ds, "sites", wkbUnknown, SiteColumns(), r.register_impact().changed(),
            [](const v1::SiteChange& s) { return s.geometry_wkb(); });
        !st.ok()) {
      return st;
    }
  }
  return WriteLayer<v1::AreaTotals>(*ds, "totals", wkbNone, TotalsColumns(), r.totals(), nullptr);
}

}  // namespace redline::cli
