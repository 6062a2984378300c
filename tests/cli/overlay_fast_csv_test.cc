// The fast path's CSV reading and writing (clients/cli/overlay_fast_csv.h)
// against GDAL's CSV driver, the reference: every expected value here is
// what GDAL reads from, or writes to, the same bytes.
#include "clients/cli/overlay_fast_csv.h"

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace redline::cli {
namespace {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fastcsvXXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Opened as overlay_input.cc opens a CSV.
GDALDatasetUniquePtr OpenAsOverlay(const std::string& path) {
  GDALAllRegister();
  const char* options[] = {
      "X_POSSIBLE_NAMES=lon,longitude,lng,x,经度", "Y_POSSIBLE_NAMES=lat,latitude,y,纬度",
      "GEOM_POSSIBLE_NAMES=wkt,geometry,geom,the_geom", "KEEP_GEOM_COLUMNS=NO", nullptr};
  return GDALDatasetUniquePtr(
      GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, options));
}

// Our records: fields by header column.
std::vector<std::vector<std::string>> ReadRecords(const std::string& path) {
  CsvRecordReader reader;
  EXPECT_TRUE(reader.Open(path).ok());
  std::vector<std::vector<std::string>> records;
  std::string text;
  std::vector<uint32_t> ends;
  while (reader.Next(&text, &ends)) {
    std::vector<std::string> fields;
    for (size_t i = 0; i < ends.size(); ++i) {
      const uint32_t b = i == 0 ? 0 : ends[i - 1];
      fields.push_back(text.substr(b, ends[i] - b));
    }
    records.push_back(fields);
    text.clear();
    ends.clear();
  }
  EXPECT_TRUE(reader.status().ok());
  return records;
}

// Compares our reading of `bytes` (header id,name,lon,lat,note) with
// GDAL's: the same rows in order, the same fields, the same points.
void ExpectReadsAsGdal(const std::string& bytes) {
  TempDir dir;
  const std::string path = dir.File("in.csv");
  WriteFile(path, bytes);
  GDALDatasetUniquePtr ds = OpenAsOverlay(path);
  ASSERT_TRUE(ds);
  OGRLayer* layer = ds->GetLayer(0);
  ASSERT_EQ(layer->GetLayerDefn()->GetFieldCount(), 3);  // id, name, note
  const std::vector<std::vector<std::string>> records = ReadRecords(path);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records[0], (std::vector<std::string>{"id", "name", "lon", "lat", "note"}));
  size_t r = 1;
  for (auto& f : *layer) {
    SCOPED_TRACE(testing::Message() << "GDAL FID " << f->GetFID());
    ASSERT_LT(r, records.size());
    const std::vector<std::string>& rec = records[r];
    EXPECT_EQ(f->GetFID(), static_cast<GIntBig>(r));
    const int cols[] = {0, 1, 4};
    for (int i = 0; i < 3; ++i) {
      const std::string ours = static_cast<size_t>(cols[i]) < rec.size() ? rec[cols[i]] : "";
      EXPECT_EQ(f->GetFieldAsString(i), ours) << "field " << i;
    }
    const auto x = ParseCsvCoordinate(rec.size() > 2 ? rec[2] : "");
    const auto y = ParseCsvCoordinate(rec.size() > 3 ? rec[3] : "");
    const OGRGeometry* g = f->GetGeometryRef();
    EXPECT_EQ(g != nullptr, x.has_value() && y.has_value());
    if (g != nullptr && x && y) {
      const OGRPoint* p = g->toPoint();
      if (std::isnan(p->getX())) {
        EXPECT_TRUE(std::isnan(*x));
      } else {
        EXPECT_EQ(p->getX(), *x);
      }
      EXPECT_EQ(p->getY(), *y);
    }
    ++r;
  }
  EXPECT_EQ(r, records.size());
}

TEST(OverlayFastCsvTest, RecordsAsGdalReadsThem) {
  ExpectReadsAsGdal(
      "\xEF\xBB\xBFid,name,lon,lat,note\r\n"
      "A1,\"a, \"\"q\"\"\",120.5,30.1,x\r\n"
      "A2,\"multi\r\nline\",120.6,30.2,\r\n"
      "\r\n"
      "A3,中文,abc,30.3,z\r\n"
      "A4,short\r\n"
      "A5, sp ,,30.1,\r\n"
      "   \r\n"
      "A6,\"\",120.8,30,a,extra\r\n"
      "A7,mid\"quo,ted\"x,120.9,30,\"lf\nin quotes\"\n"
      "\"\",\n"
      "A8,last,121,29.5,no line end");
}

TEST(OverlayFastCsvTest, CoordinatesAsGdalReadsThem) {
  const char* values[] = {"120.5", "+120.5",  ".5",      "120.",    "1e2",      "1E+2",    "0x10",
                          "inf",   "-inf",    "nan",     "NaN",     "Infinity", "1e999",   "-1e999",
                          "120,5", "\t120.5", "120.5\t", " 120.7 ", "1_0",      "120.5.1", "-",
                          "+",     "1d2",     "- 1",     "00120",   " ",        "",        "-0",
                          "-.5",   "1e",      "e5",      "12abc",   "1.5e-3",   "１２０",  "0.1e1"};
  std::string csv = "id,name,lon,lat,note\n";
  int i = 0;
  for (const char* v : values) {
    csv += absl::StrCat("P", ++i, ",n,\"", v, "\",\"", v, "\",\n");
  }
  ExpectReadsAsGdal(csv);
}

TEST(OverlayFastCsvTest, RecordsAcrossReadChunks) {
  // Records longer than, and cut by, the reader's 4 MiB chunks.
  std::string csv = "id,name,lon,lat,note\n";
  for (int i = 0; i < 60000; ++i) {
    csv += absl::StrCat("R", i, ",\"name ", std::string(i % 97, 'x'), "\r\n, \"\"quoted\"\"\",",
                        118 + (i % 500) / 100.0, ",30,\"", std::string(i % 13, ','), "\"\r\n");
  }
  absl::StrAppend(&csv, "BIG,\"", std::string(9 << 20, 'y'), "\",120,30,end\n");
  ExpectReadsAsGdal(csv);
}

// What GDAL's CSV writer makes of these strings and reals, as ours.
TEST(OverlayFastCsvTest, CellsAsGdalWritesThem) {
  const std::vector<std::string> texts = {"a;b",
                                          "a\tb",
                                          " x",
                                          "x ",
                                          "1",
                                          "1.5",
                                          " 1",
                                          "nan",
                                          "inf",
                                          "1e5",
                                          "-",
                                          "+",
                                          "1d2",
                                          "0x10",
                                          "",
                                          "1,5",
                                          "a\"b",
                                          "a\rb",
                                          "中文",
                                          "1 ",
                                          "12abc",
                                          ".5",
                                          "5.",
                                          "-0",
                                          "Infinity",
                                          "NaN",
                                          "1e",
                                          "e5",
                                          "a\nb",
                                          "ZDZ-330603-0006",
                                          "20261207T222214Z-331b51b0224c",
                                          "-1",
                                          "+-1",
                                          "1e+5",
                                          "--1",
                                          "0",
                                          "  ",
                                          "1.2.3",
                                          "3175.00",
                                          "007",
                                          "123456789012345678901234567890",
                                          "..",
                                          "1..",
                                          "."};
  const std::vector<double> reals = {58.2092237943446123,
                                     0.1,
                                     1e-7,
                                     1e20,
                                     123456789012345678.0,
                                     -0.0,
                                     30.0,
                                     1.0 / 3,
                                     2.5e-300,
                                     500,
                                     121.075185,
                                     1e15,
                                     1e16,
                                     123456.7890123456};
  TempDir dir;
  const std::string path = dir.File("out.csv");
  GDALAllRegister();
  {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("CSV");
    GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ASSERT_TRUE(ds);
    OGRLayer* layer = ds->CreateLayer("out", nullptr, wkbNone, nullptr);
    OGRFieldDefn s("s", OFTString), r("r", OFTReal);
    layer->CreateField(&s);
    layer->CreateField(&r);
    for (size_t i = 0; i < std::max(texts.size(), reals.size()); ++i) {
      OGRFeature f(layer->GetLayerDefn());
      if (i < texts.size() && !texts[i].empty()) f.SetField(0, texts[i].c_str());
      if (i < reals.size()) f.SetField(1, reals[i]);
      ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
    }
  }
  std::string ours = "s,r\n";
  for (size_t i = 0; i < std::max(texts.size(), reals.size()); ++i) {
    if (i < texts.size()) AppendCsvText(texts[i], &ours);
    ours += ',';
    if (i < reals.size()) AppendCsvReal(reals[i], &ours);
    ours += '\n';
  }
  EXPECT_EQ(ours, ReadFile(path));
}

// GDAL writes reals with printf's %.15g: ours (shortest digits where they
// are the same) must match it on every magnitude, integers and long tails.
TEST(OverlayFastCsvTest, RealsAsPrintfWritesThem) {
  std::mt19937_64 rng(20);
  std::uniform_real_distribution<double> mantissa(-10, 10);
  std::uniform_int_distribution<int> exponent(-8, 18);
  for (int i = 0; i < 200000; ++i) {
    double v = mantissa(rng) * std::pow(10.0, exponent(rng));
    if (i % 4 == 1) v = std::round(v);
    if (i % 4 == 2) v = std::round(v * 1000) / 1000;
    if (i % 4 == 3) v = std::round(v * 1e7) / 1e7;
    char want[64];
    std::snprintf(want, sizeof want, "%.15g", v);
    std::string ours;
    AppendCsvReal(v, &ours);
    ASSERT_EQ(ours, want) << "bits of " << want;
  }
}

TEST(OverlayFastCsvTest, WktPointsAsGdalWritesThem) {
  const std::vector<std::pair<double, double>> points = {{120.7, 30},
                                                         {120, 30},
                                                         {121.075185, 30.599582},
                                                         {120.70000000000001, 30.1234567890123456},
                                                         {-0.5, 0.25},
                                                         {119, 29.5},
                                                         {123.456789012345678, 27}};
  TempDir dir;
  const std::string path = dir.File("wkt.csv");
  GDALAllRegister();
  {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("CSV");
    GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    const char* options[] = {"GEOMETRY=AS_WKT", nullptr};
    OGRLayer* layer = ds->CreateLayer("wkt", nullptr, wkbPoint, const_cast<char**>(options));
    OGRFieldDefn s("s", OFTString);
    layer->CreateField(&s);
    for (const auto& [x, y] : points) {
      OGRFeature f(layer->GetLayerDefn());
      f.SetField(0, "p");
      f.SetGeometryDirectly(new OGRPoint(x, y));
      ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
    }
  }
  std::string ours = "WKT,s\n";
  for (const auto& [x, y] : points) {
    AppendCsvWktPoint(x, y, &ours);
    ours += ",p\n";
  }
  EXPECT_EQ(ours, ReadFile(path));
}

}  // namespace
}  // namespace redline::cli
