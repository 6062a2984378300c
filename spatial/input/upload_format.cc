#include "spatial/input/upload_format.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace redline {
namespace {

constexpr absl::string_view kAccepted =
    "a zipped Shapefile (.zip), GeoJSON (.geojson, .json), KML (.kml), KMZ (.kmz), "
    "GeoPackage (.gpkg), DXF (.dxf) or CSV (.csv)";

absl::string_view SkipBomAndSpace(absl::string_view s) {
  if (absl::StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  return s;
}

// The root element's name of an XML document, "" when none is found in
// the first 64 KiB. Declarations, comments and a DOCTYPE are skipped.
std::string XmlRoot(absl::string_view s) {
  s = s.substr(0, 64 << 10);
  while (true) {
    s = SkipBomAndSpace(s);
    if (!absl::StartsWith(s, "<")) return "";
    absl::string_view end_mark = ">";
    if (absl::StartsWith(s, "<?")) {
      end_mark = "?>";
    } else if (absl::StartsWith(s, "<!--")) {
      end_mark = "-->";
    } else if (absl::StartsWith(s, "<!")) {
      const size_t bracket = s.find('['), close = s.find('>');
      if (bracket != absl::string_view::npos && bracket < close) end_mark = "]>";
    } else {
      std::string name;
      for (size_t i = 1; i < s.size() && name.size() < 40; ++i) {
        const char c = s[i];
        if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ':' &&
            c != '-' && c != '.') {
          break;
        }
        name.push_back(c);
      }
      return name;
    }
    const size_t end = s.find(end_mark);
    if (end == absl::string_view::npos) return "";
    s.remove_prefix(end + end_mark.size());
  }
}

bool LooksBinary(absl::string_view s) {
  return s.substr(0, 4096).find('\0') != absl::string_view::npos;
}

// A text DXF opens with a group code line: "0" (SECTION) or "999" (comment).
bool LooksLikeDxf(absl::string_view s) {
  if (absl::StartsWith(s, "AutoCAD Binary DXF")) return true;
  s = SkipBomAndSpace(s);
  const size_t eol = s.find('\n');
  if (eol == absl::string_view::npos) return false;
  const absl::string_view code = absl::StripAsciiWhitespace(s.substr(0, eol));
  return code == "0" || code == "999";
}

}  // namespace

absl::StatusOr<UploadFormat> FormatFromName(absl::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  const std::string ext =
      dot == absl::string_view::npos ? "" : absl::AsciiStrToLower(file_name.substr(dot + 1));
  if (ext == "geojson" || ext == "json") return UploadFormat::kGeoJson;
  if (ext == "kml") return UploadFormat::kKml;
  if (ext == "kmz") return UploadFormat::kKmz;
  if (ext == "gpkg") return UploadFormat::kGeoPackage;
  if (ext == "dxf") return UploadFormat::kDxf;
  if (ext == "csv") return UploadFormat::kCsv;
  if (ext == "zip") return UploadFormat::kZip;
  if (ext == "shp" || ext == "dbf" || ext == "shx" || ext == "prj" || ext == "cpg") {
    return absl::InvalidArgumentError(
        absl::StrCat("'", file_name,
                     "' is one part of a Shapefile: zip the .shp, .shx, .dbf and .prj "
                     "(and .cpg if there is one) together and upload the .zip"));
  }
  if (ext == "vrt") {
    return absl::InvalidArgumentError(
        absl::StrCat("'", file_name,
                     "' is an OGR VRT, which points at other files and URLs: it is not "
                     "accepted; upload the site itself as ",
                     kAccepted));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", file_name,
                   "': ", ext.empty() ? "a name without extension" : absl::StrCat("'.", ext, "'"),
                   " is not an accepted format; upload ", kAccepted));
}

const char* FormatName(UploadFormat format) {
  switch (format) {
    case UploadFormat::kGeoJson:
      return "GeoJSON";
    case UploadFormat::kKml:
      return "KML";
    case UploadFormat::kKmz:
      return "KMZ";
    case UploadFormat::kGeoPackage:
      return "GeoPackage";
    case UploadFormat::kDxf:
      return "DXF";
    case UploadFormat::kCsv:
      return "CSV";
    case UploadFormat::kZip:
      return "zip archive";
  }
  return "?";
}

const char* DriverOf(UploadFormat format) {
  switch (format) {
    case UploadFormat::kGeoJson:
      return "GeoJSON";
    // The expat-based KML driver, not LIBKML, which can load styles from
    // other files named in the document.
    case UploadFormat::kKml:
      return "KML";
    case UploadFormat::kGeoPackage:
      return "GPKG";
    case UploadFormat::kDxf:
      return "DXF";
    case UploadFormat::kCsv:
      return "CSV";
    case UploadFormat::kKmz:
    case UploadFormat::kZip:
      return nullptr;
  }
  return nullptr;
}

const char* const* UploadDrivers() {
  static const char* const kDrivers[] = {"ESRI Shapefile", "GeoJSON", "KML", "GPKG", "DXF", "CSV",
                                         nullptr};
  return kDrivers;
}

std::string DescribeContent(absl::string_view content) {
  if (absl::StartsWith(content, "PK\x03\x04") || absl::StartsWith(content, "PK\x05\x06")) {
    return "a zip archive";
  }
  if (absl::StartsWith(content, absl::string_view("SQLite format 3\0", 16))) {
    return "an SQLite database";
  }
  if (absl::StartsWith(content, "AutoCAD Binary DXF")) return "a binary DXF";
  const absl::string_view s = SkipBomAndSpace(content);
  if (absl::StartsWith(s, "<")) {
    const std::string root = XmlRoot(s);
    if (root == "OGRVRTDataSource") return "an OGR VRT (XML <OGRVRTDataSource>)";
    return root.empty() ? "XML" : absl::StrCat("XML with root element <", root, ">");
  }
  if (absl::StartsWith(s, "{") || absl::StartsWith(s, "[")) return "JSON";
  if (LooksBinary(content)) return "binary data";
  if (LooksLikeDxf(content)) return "DXF";
  return "text";
}

absl::Status CheckContent(absl::string_view file_name, UploadFormat format,
                          absl::string_view content) {
  const std::string found = DescribeContent(content);
  bool ok = false;
  switch (format) {
    case UploadFormat::kGeoJson:
      ok = absl::StartsWith(SkipBomAndSpace(content), "{");
      break;
    case UploadFormat::kKml: {
      const std::string root = XmlRoot(content);
      ok = root == "kml" || absl::EndsWith(root, ":kml");
      break;
    }
    case UploadFormat::kKmz:
    case UploadFormat::kZip:
      ok = found == "a zip archive";
      break;
    case UploadFormat::kGeoPackage:
      ok = found == "an SQLite database";
      break;
    case UploadFormat::kDxf:
      ok = found == "DXF" || found == "a binary DXF";
      break;
    case UploadFormat::kCsv:
      ok = found == "text" || found == "DXF";  // a CSV of one number per line
      break;
  }
  if (ok) return absl::OkStatus();
  if (format == UploadFormat::kZip || format == UploadFormat::kKmz) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", file_name, "' is not a readable zip archive: it holds ", found));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("'", file_name, "' is named as ", FormatName(format), " but holds ", found,
                   found == "an OGR VRT (XML <OGRVRTDataSource>)"
                       ? ", which points at other files and URLs: it is not accepted"
                       : absl::StrCat("; upload a ", FormatName(format),
                                      " file, or name the file after its format")));
}

namespace {

struct DxfBlock {
  double own = 0;                                       // entities that are not INSERTs
  std::vector<std::pair<std::string, double>> inserts;  // block name, copies
};

// Entities `name` expands to; -1 when a block inserts itself.
double Expansion(const std::string& name, const absl::flat_hash_map<std::string, DxfBlock>& blocks,
                 absl::flat_hash_map<std::string, double>& memo) {
  if (auto it = memo.find(name); it != memo.end()) return it->second;
  auto block = blocks.find(name);
  if (block == blocks.end()) return 1;  // an unknown block: GDAL skips it
  memo[name] = -1;                      // in progress: meeting it again is a cycle
  double total = block->second.own;
  for (const auto& [target, copies] : block->second.inserts) {
    const double n = Expansion(target, blocks, memo);
    if (n < 0) return -1;
    total = std::min(total + copies * n, 1e18);
  }
  memo[name] = total;
  return total;
}

}  // namespace

absl::Status CheckDxfExpansion(absl::string_view file_name, absl::string_view content,
                               int64_t max_entities) {
  if (absl::StartsWith(content, "AutoCAD Binary DXF")) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", file_name, "' is a binary DXF; export the drawing as ASCII DXF"));
  }
  absl::flat_hash_map<std::string, DxfBlock> blocks;
  DxfBlock top;  // the ENTITIES section
  std::string section, block_name;
  DxfBlock* current = nullptr;
  std::string entity;  // the type of the entity being read ("INSERT", ...)
  double insert_copies = 1;
  std::string insert_target;
  bool want_section_name = false, in_block_header = false;
  auto finish_entity = [&] {
    if (current == nullptr || entity.empty()) return;
    if (entity == "INSERT") {
      current->inserts.emplace_back(insert_target, insert_copies);
    } else if (entity != "BLOCK" && entity != "ENDBLK" && entity != "SEQEND" &&
               entity != "SECTION" && entity != "ENDSEC" && entity != "EOF") {
      current->own += 1;
    }
  };
  size_t at = 0;
  while (at < content.size()) {
    size_t eol = content.find('\n', at);
    if (eol == absl::string_view::npos) break;
    const absl::string_view code_line = absl::StripAsciiWhitespace(content.substr(at, eol - at));
    at = eol + 1;
    eol = content.find('\n', at);
    if (eol == absl::string_view::npos) eol = content.size();
    const absl::string_view value = absl::StripAsciiWhitespace(content.substr(at, eol - at));
    at = eol + 1;
    int code = 0;
    if (!absl::SimpleAtoi(code_line, &code)) break;  // GDAL will say what is wrong
    if (code == 0) {
      finish_entity();
      entity = std::string(value);
      insert_copies = 1;
      insert_target.clear();
      if (value == "SECTION") want_section_name = true;
      if (value == "ENDSEC") section.clear(), current = nullptr;
      if (section == "BLOCKS" && value == "BLOCK") in_block_header = true, current = nullptr;
      if (section == "BLOCKS" && value == "ENDBLK") current = nullptr;
      continue;
    }
    if (code == 2 && want_section_name) {
      section = std::string(value);
      want_section_name = false;
      current = section == "ENTITIES" ? &top : nullptr;
    } else if (code == 2 && in_block_header) {
      current = &blocks[std::string(value)];
      in_block_header = false;
    } else if (code == 2 && entity == "INSERT") {
      insert_target = std::string(value);
    } else if ((code == 70 || code == 71) && entity == "INSERT") {
      int n = 1;
      if (absl::SimpleAtoi(value, &n) && n > 1) insert_copies *= n;  // MINSERT columns, rows
    }
  }
  finish_entity();
  absl::flat_hash_map<std::string, double> memo;
  double total = top.own;
  for (const auto& [target, copies] : top.inserts) {
    const double n = Expansion(target, blocks, memo);
    if (n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", file_name, "': block '", target.substr(0, 40), "' inserts itself"));
    }
    total = std::min(total + copies * n, 1e18);
  }
  if (total > static_cast<double>(max_entities)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("'", file_name, "' expands its blocks to about ", static_cast<int64_t>(total),
                     " entities; at most ", max_entities, " are read (max_vertices)"));
  }
  return absl::OkStatus();
}

}  // namespace redline
