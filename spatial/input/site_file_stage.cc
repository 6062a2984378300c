// Staging an uploaded site file (site_file_stage.h): the per-format checks
// made on the bytes before GDAL parses anything, and the unpacking of .zip
// and .kmz uploads under their limits.
#include "spatial/input/site_file_stage.h"

#include <cpl_string.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spatial/base/excerpt.h"
#include "spatial/base/utf8.h"
#include "spatial/data/gdal_util.h"
#include "spatial/input/upload_format.h"
#include "spatial/input/zip_reader.h"

namespace redline {
namespace site_file_internal {
namespace {

std::string Extension(absl::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == absl::string_view::npos) return "";
  return absl::AsciiStrToLower(name.substr(dot + 1));
}

ZipLimits ZipLimitsOf(const SiteFileOptions& o) {
  return ZipLimits{.max_members = o.max_zip_members,
                   .max_member_bytes = o.max_zip_member_bytes,
                   .max_total_bytes = o.max_inflated_bytes,
                   .max_ratio = o.max_zip_ratio};
}

bool Skippable(const ZipMember& m) {
  const std::string base = BaseName(m.name);
  return m.is_directory || absl::StartsWith(m.name, "__MACOSX") || absl::StartsWith(base, "._");
}

// Inside a .zip, the site: a Shapefile with its sibling files first, else
// one GeoPackage, GeoJSON, KML, DXF or CSV file; inside a .kmz its KML
// (doc.kml by preference). Only those files are inflated, under the limits.
absl::Status StageArchive(const std::string& base, absl::string_view content,
                          const SiteFileOptions& o, Staged& s) {
  absl::StatusOr<ZipArchive> zip = ZipArchive::Open(content, base, ZipLimitsOf(o));
  if (!zip.ok()) return zip.status();
  const bool kmz = s.format == UploadFormat::kKmz;
  const ZipMember* chosen = nullptr;
  for (const ZipMember& m : zip->members()) {
    if (kmz && !Skippable(m) && absl::AsciiStrToLower(m.name) == "doc.kml") chosen = &m;
  }
  const std::vector<std::string> wanted =
      kmz ? std::vector<std::string>{"kml"}
          : std::vector<std::string>{"shp", "gpkg", "geojson", "json", "kml", "dxf", "csv"};
  for (size_t i = 0; chosen == nullptr && i < wanted.size(); ++i) {
    for (const ZipMember& m : zip->members()) {
      if (!Skippable(m) && Extension(m.name) == wanted[i]) {
        chosen = &m;
        break;
      }
    }
  }
  if (chosen == nullptr) {
    std::vector<std::string> names;
    for (const ZipMember& m : zip->members()) {
      if (names.size() < 10) names.push_back(Excerpt(m.name, 60));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "'", base, "' holds no ",
        kmz ? "KML document (.kml)" : "Shapefile (.shp), GeoPackage, GeoJSON, KML, DXF or CSV",
        names.empty() ? "; it is empty"
                      : absl::StrCat("; it holds: ", absl::StrJoin(names, ", "))));
  }
  s.shown = absl::StrCat(base, ": ", Excerpt(chosen->name, 80));
  auto extract = [&](const ZipMember& m,
                     const std::string& as) -> absl::StatusOr<absl::string_view> {
    absl::StatusOr<std::string> bytes = zip->Extract(m);
    if (!bytes.ok()) return bytes.status();
    s.owned.push_back(std::make_unique<std::string>(*std::move(bytes)));
    s.files.emplace_back(as, *s.owned.back());
    return absl::string_view(*s.owned.back());
  };

  if (Extension(chosen->name) != "shp") {
    absl::StatusOr<UploadFormat> format = FormatFromName(BaseName(chosen->name));
    if (!format.ok()) return format.status();
    s.format = *format;
    s.driver = DriverOf(s.format);
    s.main = BaseName(chosen->name);
    absl::StatusOr<absl::string_view> bytes = extract(*chosen, s.main);
    if (!bytes.ok()) return bytes.status();
    return CheckContent(s.shown, s.format, *bytes);
  }
  // A Shapefile: the .shp and the files of the same folder and name.
  s.driver = "ESRI Shapefile";
  const size_t slash = chosen->name.find_last_of("/\\");
  const std::string folder = slash == std::string::npos ? "" : chosen->name.substr(0, slash + 1);
  const std::string base_shp = BaseName(chosen->name);
  const std::string stem = base_shp.substr(0, base_shp.size() - 4);
  for (const ZipMember& m : zip->members()) {
    const std::string ext = Extension(m.name);
    if (m.name.size() != folder.size() + stem.size() + 1 + ext.size() ||
        !absl::StartsWith(m.name, folder) ||
        !absl::EqualsIgnoreCase(m.name.substr(folder.size(), stem.size()), stem) ||
        (ext != "shp" && ext != "shx" && ext != "dbf" && ext != "prj" && ext != "cpg")) {
      continue;
    }
    absl::StatusOr<absl::string_view> bytes = extract(m, absl::StrCat(stem, ".", ext));
    if (!bytes.ok()) return bytes.status();
    // A .shp opens with the file code 9994, big-endian.
    if (ext == "shp" && !absl::StartsWith(*bytes, absl::string_view("\0\0\x27\x0a", 4))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", s.shown, "' is named as a Shapefile but holds ", DescribeContent(*bytes)));
    }
  }
  s.main = absl::StrCat(stem, ".shp");
  return absl::OkStatus();
}

}  // namespace

std::string BaseName(absl::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  return std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
}

absl::StatusOr<Staged> Stage(const std::string& base, absl::string_view content,
                             const SiteFileOptions& o) {
  absl::StatusOr<UploadFormat> format = FormatFromName(base);
  if (!format.ok()) return format.status();
  Staged s;
  s.format = *format;
  s.shown = base;
  absl::Status st = CheckContent(base, s.format, content);
  if (!st.ok()) return st;
  if (s.format == UploadFormat::kZip || s.format == UploadFormat::kKmz) {
    st = StageArchive(base, content, o, s);
    if (!st.ok()) return st;
  } else {
    s.driver = DriverOf(s.format);
    s.main = base;
    s.files.emplace_back(base, content);
  }
  if (s.format == UploadFormat::kCsv && !IsValidUtf8(s.files[0].second)) {
    const std::string text(s.files[0].second);
    std::unique_ptr<char, CplFree> utf8(CPLRecode(text.c_str(), "CP936", CPL_ENC_UTF8));
    if (utf8 == nullptr || !IsValidUtf8(utf8.get())) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", s.shown, "' is neither UTF-8 nor GBK text; save it as UTF-8 CSV"));
    }
    s.owned.push_back(std::make_unique<std::string>(utf8.get()));
    s.files[0].second = *s.owned.back();
    AddNote({"upload.csv_gbk", {}}, s.notes, s.note_messages);
  }
  if (s.format == UploadFormat::kDxf) {
    st = CheckDxfExpansion(s.shown, s.files[0].second, o.max_vertices);
    if (!st.ok()) return st;
  }
  // GDAL parses GeoJSON into a tree before a vertex can be counted: 24 MB of
  // coordinates took 9 s and 480 MB here. Every position opens a '[', so
  // twice the vertex limit of them (with room for rings and stray brackets
  // in strings) means the file is over the limit: refuse before parsing.
  if (s.format == UploadFormat::kGeoJson) {
    const absl::string_view text = s.files[0].second;
    if (std::count(text.begin(), text.end(), '[') > 2 * o.max_vertices + 10000) {
      return absl::ResourceExhaustedError(
          absl::StrCat("'", s.shown, "' has more than ", o.max_vertices,
                       " vertices (max_vertices); simplify it or upload fewer features"));
    }
  }
  return s;
}

}  // namespace site_file_internal
}  // namespace redline
