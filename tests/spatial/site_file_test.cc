// Uploaded sites (spatial/input/site_file.h): the allow-list of formats, the
// limits, and that no upload can make the server read its own disk or open
// a connection. The formats staff send still read.
#include "spatial/input/site_file.h"

#include <arpa/inet.h>
#include <gdal_priv.h>
#include <netinet/in.h>
#include <ogrsf_frmts.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spatial/data/gdal_util.h"
#include "spatial/input/geometry_input.h"

namespace redline {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// A zip written by hand, so that tests can make it lie: member names,
// declared sizes and raw deflate streams are whatever the test says.
struct ZipEntry {
  std::string name;
  std::string data;      // stored as is (method 0) unless `deflated` is set
  std::string deflated;  // a raw deflate stream (method 8)
  uint32_t size = 0;     // the uncompressed size to declare
  uint32_t crc = 0;
};
ZipEntry Stored(std::string name, std::string data) {
  ZipEntry e{std::move(name), std::move(data)};
  e.size = static_cast<uint32_t>(e.data.size());
  e.crc = crc32(0, reinterpret_cast<const Bytef*>(e.data.data()), e.data.size());
  return e;
}
void Put16(std::string& s, uint16_t v) { s.push_back(v & 0xFF), s.push_back(v >> 8); }
void Put32(std::string& s, uint32_t v) { Put16(s, v & 0xFFFF), Put16(s, v >> 16); }
std::string Zip(const std::vector<ZipEntry>& entries) {
  std::string out, central;
  for (const ZipEntry& e : entries) {
    const bool deflate = !e.deflated.empty();
    const std::string& body = deflate ? e.deflated : e.data;
    const uint32_t offset = static_cast<uint32_t>(out.size());
    auto header = [&](std::string& s, bool local) {
      Put32(s, local ? 0x04034b50 : 0x02014b50);
      if (!local) Put16(s, 20);
      Put16(s, 20), Put16(s, 0x800), Put16(s, deflate ? 8 : 0), Put16(s, 0), Put16(s, 0);
      Put32(s, e.crc), Put32(s, static_cast<uint32_t>(body.size())), Put32(s, e.size);
      Put16(s, static_cast<uint16_t>(e.name.size())), Put16(s, 0);
      if (!local) Put16(s, 0), Put16(s, 0), Put16(s, 0), Put32(s, 0), Put32(s, offset);
      s += e.name;
    };
    header(out, true);
    out += body;
    header(central, false);
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50), Put16(out, 0), Put16(out, 0);
  Put16(out, static_cast<uint16_t>(entries.size())),
      Put16(out, static_cast<uint16_t>(entries.size()));
  Put32(out, static_cast<uint32_t>(central.size())), Put32(out, cd_offset), Put16(out, 0);
  return out;
}

// `prefix`, `repeat` MiB of spaces and `suffix` as one raw deflate stream,
// made cheaply: each MiB is compressed after a full flush, so its bytes are
// the same every time.
ZipEntry WhitespaceBomb(const std::string& name, const std::string& prefix, int repeat,
                        const std::string& suffix) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  auto run = [&](const std::string& in, int flush) {
    std::string out(in.size() + 1024, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, flush);
    out.resize(out.size() - z.avail_out);
    return out;
  };
  const std::string mib(1 << 20, ' ');
  ZipEntry e;
  e.name = name;
  e.deflated = run(prefix, Z_FULL_FLUSH);
  const std::string block = run(mib, Z_FULL_FLUSH);
  for (int i = 0; i < repeat; ++i) e.deflated += block;
  e.deflated += run(suffix, Z_FINISH);
  deflateEnd(&z);
  const uint64_t total = prefix.size() + static_cast<uint64_t>(repeat) * mib.size() + suffix.size();
  e.size = static_cast<uint32_t>(std::min<uint64_t>(total, 0xFFFFFFFE));
  return e;
}

// Counts TCP connections to a loopback port: proof that GDAL connected.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 16);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
          const int c = accept(fd_, nullptr, nullptr);
          if (c >= 0) ++connections_, close(c);
        }
      }
    });
  }
  ~Listener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }
  int connections() {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return connections_;
  }

 private:
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
};

std::string Vrt(const std::string& source, const std::string& layer) {
  return absl::StrCat("<OGRVRTDataSource><OGRVRTLayer name=\"site\"><SrcDataSource>", source,
                      "</SrcDataSource><SrcLayer>", layer,
                      "</SrcLayer></OGRVRTLayer></OGRVRTDataSource>");
}

std::string Message(const absl::StatusOr<SiteFile>& f) { return std::string(f.status().message()); }

const std::string kSquare =
    R"({"type":"Polygon","coordinates":[[[120,30],[120.01,30],[120.01,30.01],[120,30]]]})";

// Every way a VRT could come in: as itself, named as another format, in a
// zip under either name. None reads, none leaks, none names a server path.
std::vector<std::pair<std::string, std::string>> VrtDisguises(const std::string& vrt) {
  return {{"site.vrt", vrt},
          {"site.geojson", vrt},
          {"site.kml", vrt},
          {"site.csv", vrt},
          {"site.zip", Zip({Stored("site.geojson", vrt)})},
          {"site.zip", Zip({Stored("site.vrt", vrt)})},
          {"site.kmz", Zip({Stored("doc.kml", vrt)})}};
}

TEST(UploadSecurityTest, VrtIsRefusedInEveryDisguise) {
  const std::string zones = absl::StrCat(REDLINE_SOURCE_DIR, "/data/sample/water_source.gpkg");
  for (const auto& [name, content] : VrtDisguises(Vrt(zones, "water_source"))) {
    absl::StatusOr<SiteFile> f = ReadSiteFile(name, content, 1000);
    ASSERT_FALSE(f.ok()) << name << " was read: " << f->feature_labels[0];
    EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument) << name;
    EXPECT_THAT(Message(f), Not(HasSubstr("/vsi"))) << name;
    EXPECT_THAT(Message(f), Not(HasSubstr(REDLINE_SOURCE_DIR))) << name;
  }
  EXPECT_THAT(Message(ReadSiteFile("site.vrt", Vrt(zones, "x"), 10)), HasSubstr("OGR VRT"));
  EXPECT_THAT(Message(ReadSiteFile("site.geojson", Vrt(zones, "x"), 10)),
              HasSubstr("'site.geojson' is named as GeoJSON but holds an OGR VRT"));
}

TEST(UploadSecurityTest, VrtNamingTheConfigFileLeaksNothing) {
  const std::string dir = testing::TempDir();
  const std::string config = absl::StrCat(dir, "/redline_secret_config.csv");
  std::ofstream(config) << "name,WKT\nsecret_zone_layer_name,\"POINT (120 30)\"\n";
  for (const auto& [name, content] : VrtDisguises(Vrt(config, "redline_secret_config"))) {
    absl::StatusOr<SiteFile> f = ReadSiteFile(name, content, 1000);
    ASSERT_FALSE(f.ok()) << name;
    EXPECT_THAT(Message(f), Not(HasSubstr("secret_zone_layer_name"))) << name;
    EXPECT_THAT(Message(f), Not(HasSubstr(dir))) << name;
  }
}

TEST(UploadSecurityTest, NoUploadConnectsAnywhere) {
  Listener listener;
  const std::string url = absl::StrCat("http://127.0.0.1:", listener.port(), "/zones.geojson");
  for (const auto& [name, content] : VrtDisguises(Vrt(absl::StrCat("/vsicurl/", url), "zones"))) {
    EXPECT_FALSE(ReadSiteFile(name, content, 1000).ok()) << name;
  }
  // A GeoJSON "crs" link is fetched by GDAL's GeoJSON driver itself: the
  // file is read, the link is not followed.
  const std::string linked = absl::StrCat(
      R"({"type":"FeatureCollection","crs":{"type":"link","properties":{"href":")", url,
      R"(","type":"ogcwkt"}},"features":[{"type":"Feature","properties":{},"geometry":)", kSquare,
      "}]}");
  absl::StatusOr<SiteFile> f = ReadSiteFile("linked.geojson", linked, 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  // And the process-wide switch: no GDAL open reaches the network.
  ASSERT_TRUE(GdalNetworkDisabled());
  GDALDatasetUniquePtr ds(
      GDALDataset::Open(absl::StrCat("/vsicurl/", url).c_str(), GDAL_OF_VECTOR));
  EXPECT_EQ(ds, nullptr);
  ds.reset(GDALDataset::Open(url.c_str(), GDAL_OF_VECTOR));
  EXPECT_EQ(ds, nullptr);
  EXPECT_EQ(listener.connections(), 0);
}

TEST(UploadSecurityTest, ZipMembersThatPointOutsideAreRefused) {
  for (const std::string& member :
       {std::string("../../etc/passwd.geojson"), std::string("/etc/site.geojson"),
        std::string("a\\..\\..\\site.geojson"), std::string("/vsicurl/http://127.0.0.1:9/a.shp")}) {
    absl::StatusOr<SiteFile> f = ReadSiteFile("site.zip", Zip({Stored(member, kSquare)}), 1000);
    ASSERT_FALSE(f.ok()) << member;
    EXPECT_THAT(Message(f), HasSubstr("a path outside the archive")) << member;
  }
}

TEST(UploadLimitsTest, WhitespaceBombIsRefusedBySizeAtOnce) {
  const std::string head = R"({"type":"FeatureCollection","features":[)";
  const ZipEntry bomb = WhitespaceBomb("site.geojson", head, 1024, "]}");
  const std::string zip = Zip({bomb});
  ASSERT_LT(zip.size(), 2u << 20);
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<SiteFile> f = ReadSiteFile("bomb.zip", zip, 1000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("max_zip_member_bytes"));

  // The same bomb declaring a small size: inflation stops where it lies.
  ZipEntry liar = bomb;
  liar.size = 1 << 20;
  f = ReadSiteFile("liar.zip", Zip({liar}), 1000);
  EXPECT_FALSE(f.ok());
  EXPECT_THAT(Message(f), HasSubstr("inflates"));
  // 20 MiB of spaces declared honestly (under every size limit), compressed
  // a thousandfold: the ratio stops it after the first MiB or so.
  const ZipEntry dense = WhitespaceBomb("site.geojson", head, 20, "]}");
  f = ReadSiteFile("dense.zip", Zip({dense}), 1000);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("max_zip_ratio"));
}

// Blocks inserting blocks ten times, `levels` deep: 10^levels lines from
// a few kilobytes.
std::string DxfBlockBomb(int levels, bool cycle = false) {
  std::string s;
  auto g = [&](int code, const std::string& value) {
    absl::StrAppend(&s, code, "\n", value, "\n");
  };
  g(0, "SECTION"), g(2, "HEADER"), g(9, "$ACADVER"), g(1, "AC1015"), g(0, "ENDSEC");
  g(0, "SECTION"), g(2, "BLOCKS");
  g(0, "BLOCK"), g(2, "B0"), g(70, "0"), g(10, "0"), g(20, "0");
  if (cycle) g(0, "INSERT"), g(8, "0"), g(2, absl::StrCat("B", levels)), g(10, "0"), g(20, "0");
  g(0, "LINE"), g(8, "0"), g(10, "120"), g(20, "30"), g(11, "120.001"), g(21, "30.001");
  g(0, "ENDBLK");
  for (int i = 1; i <= levels; ++i) {
    g(0, "BLOCK"), g(2, absl::StrCat("B", i)), g(70, "0"), g(10, "0"), g(20, "0");
    for (int k = 0; k < 10; ++k) {
      g(0, "INSERT"), g(8, "0"), g(2, absl::StrCat("B", i - 1)), g(10, absl::StrCat(k * 1e-4)),
          g(20, "0");
    }
    g(0, "ENDBLK");
  }
  g(0, "ENDSEC"), g(0, "SECTION"), g(2, "ENTITIES");
  g(0, "INSERT"), g(8, "0"), g(2, absl::StrCat("B", levels)), g(10, "0"), g(20, "0");
  g(0, "ENDSEC"), g(0, "EOF");
  return s;
}

TEST(UploadLimitsTest, DxfBlockBombIsCountedNotBuilt) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<SiteFile> f = ReadSiteFile("bomb.dxf", DxfBlockBomb(7), 200000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("expands its blocks to about 10000000 entities"));
  EXPECT_THAT(Message(ReadSiteFile("loop.dxf", DxfBlockBomb(2, true), 1000)),
              HasSubstr("inserts itself"));
  // A few nested blocks are fine.
  f = ReadSiteFile("blocks.dxf", DxfBlockBomb(2), 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->vertices, 200);
}

TEST(UploadLimitsTest, GeoJsonOverTheVertexLimitIsNotParsed) {
  std::string coords;
  for (int i = 0; i < 300000; ++i) absl::StrAppend(&coords, i ? "," : "", "[120.", i, ",30]");
  const std::string line = absl::StrCat(R"({"type":"LineString","coordinates":[)", coords, "]}");
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<SiteFile> f = ReadSiteFile("long.geojson", line, 100000);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("max_vertices"));
}

TEST(UploadLimitsTest, MemberCountUploadSizeAndTime) {
  std::vector<ZipEntry> many;
  for (int i = 0; i < 1001; ++i) many.push_back(Stored(absl::StrCat("f", i, ".txt"), "x"));
  absl::StatusOr<SiteFile> f = ReadSiteFile("many.zip", Zip(many), 1000);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("max_zip_members"));

  SiteFileOptions small;
  small.max_upload_bytes = 50;
  f = ReadSiteFile("site.geojson", kSquare, small);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(Message(f), HasSubstr("max_upload_bytes"));

  SiteFileOptions no_time;
  no_time.max_read_time = absl::ZeroDuration();
  f = ReadSiteFile("site.geojson", kSquare, no_time);
  EXPECT_EQ(f.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(Message(f), HasSubstr("max_read_time"));
}

TEST(UploadFormatsTest, UnknownAndMislabelledFormatsAreNamed) {
  EXPECT_THAT(Message(ReadSiteFile("site.gml", "<gml/>", 10)),
              HasSubstr("'.gml' is not an accepted"));
  EXPECT_THAT(Message(ReadSiteFile("site.gpkg", kSquare, 10)),
              HasSubstr("named as GeoPackage but holds JSON"));
  EXPECT_THAT(Message(ReadSiteFile("site.kml", "<gml:FeatureCollection/>", 10)),
              HasSubstr("holds XML with root element <gml:FeatureCollection>"));
}

// Bytes of a dataset GDAL writes into /vsimem/ with `driver`.
std::string Written(const char* driver, const std::string& name, const char* wkt,
                    const char* encoding_option = nullptr, const char* label = "拟建污水处理厂") {
  RegisterGdalOnce();
  const std::string dir = absl::StrCat("/vsimem/site_file_test_", name);
  const std::string path = absl::StrCat(dir, "/", name);
  {
    GDALDriver* d = GetGDALDriverManager()->GetDriverByName(driver);
    GDALDatasetUniquePtr ds(d->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRSpatialReference srs;
    srs.importFromEPSG(4326);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    const char* options[] = {encoding_option, nullptr};
    OGRLayer* layer = ds->CreateLayer("site", std::string(driver) == "DXF" ? nullptr : &srs,
                                      wkbUnknown, const_cast<char**>(options));
    OGRFieldDefn field("名称", OFTString);
    if (std::string(driver) != "DXF") layer->CreateField(&field);
    OGRFeature feature(layer->GetLayerDefn());
    if (std::string(driver) != "DXF") feature.SetField(0, label);
    OGRGeometry* g = nullptr;
    OGRGeometryFactory::createFromWkt(wkt, nullptr, &g);
    feature.SetGeometryDirectly(g);
    EXPECT_EQ(layer->CreateFeature(&feature), OGRERR_NONE);
  }
  vsi_l_offset size = 0;
  GByte* bytes = VSIGetMemFileBuffer(path.c_str(), &size, FALSE);
  std::string out(reinterpret_cast<char*>(bytes), size);
  if (std::string(driver) == "ESRI Shapefile") {
    // The zip of the Shapefile's parts, without the .cpg: GBK unmarked.
    std::vector<ZipEntry> parts;
    for (const char* ext : {"shp", "shx", "dbf", "prj"}) {
      const std::string part = absl::StrCat(dir, "/site.", ext);
      GByte* b = VSIGetMemFileBuffer(part.c_str(), &size, FALSE);
      parts.push_back(
          Stored(absl::StrCat("红线/site.", ext), std::string(reinterpret_cast<char*>(b), size)));
    }
    out = Zip(parts);
  }
  VSIRmdirRecursive(dir.c_str());
  return out;
}

const char kSiteWkt[] = "POLYGON ((120.1 30.2,120.11 30.2,120.11 30.21,120.1 30.2))";

TEST(UploadFormatsTest, TheFormatsStaffSendStillRead) {
  struct Case {
    std::string name, content, driver;
  };
  const std::string kml = Written("KML", "site.kml", kSiteWkt);
  const std::vector<Case> cases = {
      {"site.gpkg", Written("GPKG", "site.gpkg", kSiteWkt), "GPKG"},
      {"site.kml", kml, "KML"},
      {"site.kmz", Zip({Stored("doc.kml", kml), Stored("files/icon.png", "\x89PNG")}), "KML"},
      {"项目用地.zip", Written("ESRI Shapefile", "site.shp", kSiteWkt, "ENCODING=GBK"),
       "ESRI Shapefile"},
      {"site.dxf", Written("DXF", "site.dxf", kSiteWkt), "DXF"},
      {"site.csv", absl::StrCat("名称,WKT\n拟建污水处理厂,\"", kSiteWkt, "\"\n"), "CSV"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<SiteFile> f = ReadSiteFile(c.name, c.content, 1000);
    ASSERT_TRUE(f.ok()) << c.name << ": " << f.status();
    EXPECT_EQ(f->driver, c.driver) << c.name;
    EXPECT_THAT(f->geojson, HasSubstr("120.1")) << c.name;
    if (c.driver != "DXF" && c.driver != "KML") {
      EXPECT_THAT(f->feature_labels[0], HasSubstr("拟建污水处理厂")) << c.name;
    }
  }
  absl::StatusOr<SiteFile> shp = ReadSiteFile("项目用地.zip", cases[3].content, 1000);
  EXPECT_EQ(shp->crs, "EPSG:4490");
  EXPECT_THAT(absl::StrJoin(shp->notes, "|"), HasSubstr("GBK"));
}

TEST(UploadFormatsTest, CsvOfBoundaryPointsInGbkIsOnePolygon) {
  const std::string utf8 =
      "点号,X,Y\nJ1,3345123.1,40512345.2\nJ2,3345123.1,40512445.2\n"
      "J3,3345223.1,40512445.2\nJ4,3345223.1,40512345.2\n";
  std::unique_ptr<char, CplFree> gbk(CPLRecode(utf8.c_str(), CPL_ENC_UTF8, "CP936"));
  absl::StatusOr<SiteFile> f = ReadSiteFile("界址点.csv", gbk.get(), 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->geojson, HasSubstr("\"Polygon\""));
  EXPECT_THAT(f->geojson, HasSubstr("3345123.1"));
  EXPECT_EQ(f->crs, "");  // the caller chooses the CRS (and sees X is the northing)
  EXPECT_THAT(f->feature_labels[1], HasSubstr("点号=J2"));
  EXPECT_THAT(absl::StrJoin(f->notes, "|"), HasSubstr("GBK"));
  EXPECT_THAT(absl::StrJoin(f->notes, "|"), HasSubstr("界址点"));
  // Longitude/latitude columns without point numbers: points, as given.
  f = ReadSiteFile("outfalls.csv", "name,lon,lat\na,120.1,30.2\nb,120.2,30.3\n", 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->geojson, HasSubstr("MultiPoint"));
  EXPECT_THAT(Message(ReadSiteFile("notes.csv", "a,b\n1,2\n", 10)),
              HasSubstr("a CSV needs a column named WKT"));
}

TEST(UploadConcurrencyTest, ParallelUploadsDoNotMix) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 6; ++i) {
        const std::string x = absl::StrCat(120 + t * 0.01 + i * 0.0001);
        const std::string json = absl::StrCat(R"({"type":"Point","coordinates":[)", x, ",30]}");
        absl::StatusOr<SiteFile> f = ReadSiteFile(
            i % 2 ? "p.geojson" : "p.zip", i % 2 ? json : Zip({Stored("p.geojson", json)}), 10);
        if (!f.ok() || f->geojson.find(x) == std::string::npos) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, 0);
}

// GDAL reads a polygon ring as it is written; GEOS refuses one that does not
// end at its first point. The site_file fuzzer found such an upload turned
// into GeoJSON that the check then called malformed: rings are closed, and
// said so; a ring of two points is refused by name.
TEST(UploadGeometryTest, UnclosedRingsAreClosedAndTooShortOnesRefused) {
  const std::string open_ring =
      R"({"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)"
      R"([[[121.07,29.97],[121.08,29.97],[121.08,29.98],[121.07,29.98]]]}})";
  absl::StatusOr<SiteFile> f = ReadSiteFile("open.geojson", open_ring, 1000);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_THAT(f->notes, Contains(HasSubstr("closed")));
  absl::StatusOr<Site> site =
      PrepareSite(GeometryEncoding::kGeoJson, f->geojson, f->crs, "EPSG:4549", 1000);
  ASSERT_TRUE(site.ok()) << site.status();
  EXPECT_EQ(site->type, "Polygon");
  EXPECT_EQ(site->vertices, 5);

  const std::string two_points =
      R"({"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":)"
      R"([[[121.07,29.97],[121.08,29.97]]]}})";
  EXPECT_THAT(Message(ReadSiteFile("two.geojson", two_points, 1000)),
              HasSubstr("a ring needs at least 3"));
}

}  // namespace
}  // namespace redline
