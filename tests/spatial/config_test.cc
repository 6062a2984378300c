// Tests of Config::Parse / Config::LoadFile and RedactSource.
//
// The promise under test (spatial/data/config.h): every error names the file, the
// line and what would be right; relative paths resolve against the config's
// folder. Each YAML text below is written out line by line, so the expected
// line number of an error can be read off the text itself.
#include "spatial/data/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace redline {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kOrigin[] = "/etc/redline/test.yaml";
constexpr char kBase[] = "/data/zj";

// A valid config: line numbers matter to the tests below.
constexpr char kValid[] =
    "working_crs: EPSG:4549\n"                 // 1
    "boundary_tolerance_m: 0.002\n"            // 2
    "default_search_radius_m: 500\n"           // 3
    "max_search_radius_m: 20000\n"             // 4
    "max_vertices: 1000\n"                     // 5
    "max_request_bytes: 4096\n"                // 6
    "layers:\n"                                // 7
    "  - name: ws\n"                           // 8
    "    kind: water_source_protection\n"      // 9
    "    source: sub/water.gpkg\n"             // 10
    "    layer: water_source\n"                // 11
    "    id_field: zone_code\n"                // 12
    "    name_field: zone_name\n"              // 13
    "    level_field: level\n"                 // 14
    "  - name: zdz\n"                          // 15
    "    kind: zero_discharge_zone\n"          // 16
    "    source: /abs/zdz.shp\n"               // 17
    "    id_field: zdz_id\n"                   // 18
    "    name_field: name\n"                   // 19
    "    encoding: GBK\n"                      // 20
    "    srs: EPSG:4549\n"                     // 21
    "  - name: pg\n"                           // 22
    "    kind: other\n"                        // 23
    "    source: \"PG:host=db dbname=gis\"\n"  // 24
    "    id_field: id\n"                       // 25
    "    name_field: name\n";                  // 26

// A minimal layer list, appended to configs that test top-level settings.
constexpr char kOneLayer[] =
    "layers:\n"
    "  - name: a\n"
    "    kind: other\n"
    "    source: a.gpkg\n"
    "    id_field: id\n"
    "    name_field: name\n";

absl::Status ParseError(const std::string& yaml) {
  absl::StatusOr<Config> c = Config::Parse(yaml, kBase, kOrigin);
  return c.ok() ? absl::OkStatus() : c.status();
}

// "<origin>:<line>: " is how an error names its place.
// A fresh folder of this process (ctest runs tests in parallel processes).
fs::path TempDir(const std::string& name) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("config_test-" + std::to_string(getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string At(int line) { return std::string(kOrigin) + ":" + std::to_string(line) + ": "; }

TEST(ConfigTest, ParsesAValidConfig) {
  absl::StatusOr<Config> c = Config::Parse(kValid, kBase, kOrigin);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->working_crs, "EPSG:4549");
  EXPECT_DOUBLE_EQ(c->boundary_tolerance_m, 0.002);
  EXPECT_DOUBLE_EQ(c->default_search_radius_m, 500);
  EXPECT_DOUBLE_EQ(c->max_search_radius_m, 20000);
  EXPECT_EQ(c->max_vertices, 1000);
  EXPECT_EQ(c->max_request_bytes, 4096);
  ASSERT_EQ(c->layers.size(), 3u);

  const LayerConfig& ws = c->layers[0];
  EXPECT_EQ(ws.name, "ws");
  EXPECT_EQ(ws.kind, ZoneKind::kWaterSourceProtection);
  EXPECT_EQ(ws.source, "/data/zj/sub/water.gpkg");  // relative -> base dir
  EXPECT_EQ(ws.layer, "water_source");
  EXPECT_EQ(ws.id_field, "zone_code");
  EXPECT_EQ(ws.name_field, "zone_name");
  EXPECT_EQ(ws.level_field, "level");
  EXPECT_EQ(ws.line, 8);

  const LayerConfig& zdz = c->layers[1];
  EXPECT_EQ(zdz.kind, ZoneKind::kZeroDischargeZone);
  EXPECT_EQ(zdz.source, "/abs/zdz.shp");  // absolute stays
  EXPECT_EQ(zdz.encoding, "GBK");
  EXPECT_EQ(zdz.srs, "EPSG:4549");
  EXPECT_TRUE(zdz.level_field.empty());
  EXPECT_EQ(zdz.line, 15);

  EXPECT_EQ(c->layers[2].kind, ZoneKind::kOther);
  EXPECT_EQ(c->layers[2].source, "PG:host=db dbname=gis");  // not a path
}

TEST(ConfigTest, DefaultsApplyWhenOmitted) {
  absl::StatusOr<Config> c = Config::Parse(kOneLayer, kBase, kOrigin);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->working_crs, "EPSG:4549");
  EXPECT_DOUBLE_EQ(c->boundary_tolerance_m, 0.001);
  // Without `rules:` the built-in default rule set applies (issue 18,
  // finding 10: it used to be no rules at all, and every check CLEAR).
  EXPECT_EQ(c->rules_from, Config::RulesFrom::kDefault);
  EXPECT_EQ(c->rule_files, DefaultRuleFiles());
}

// --- where the rules come from ------------------------------------------------

TEST(ConfigRulesTest, DefaultRuleFilesAreTheBundledOnes) {
  const std::vector<std::string> files = DefaultRuleFiles();
  EXPECT_EQ(files, (std::vector<std::string>{"builtin:ecological_red_line.yaml",
                                             "builtin:water_pollution_law.yaml",
                                             "builtin:zero_discharge.yaml"}));
  EXPECT_EQ(Config().rule_files, files);  // a Config built in code agrees
}

TEST(ConfigRulesTest, AnEmptyListMeansNoRules) {
  absl::StatusOr<Config> c = Config::Parse(std::string("rules: []\n") + kOneLayer, kBase, kOrigin);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->rules_from, Config::RulesFrom::kConfig);
  EXPECT_TRUE(c->rule_files.empty());
}

TEST(ConfigRulesTest, ANullListIsAnErrorThatNamesTheChoices) {
  absl::Status st = ParseError(std::string("rules:\n") + kOneLayer);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(std::string(kOrigin) + ":1:"), HasSubstr("rules: []"),
                    HasSubstr("built-in default")));
}

TEST(ConfigRulesTest, BuiltinNamesTheDefaults) {
  absl::StatusOr<Config> all =
      Config::Parse(std::string("rules: ['builtin:']\n") + kOneLayer, kBase, kOrigin);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->rule_files, DefaultRuleFiles());
  EXPECT_EQ(all->rules_from, Config::RulesFrom::kConfig);
  absl::StatusOr<Config> one = Config::Parse(
      std::string("rules: ['builtin:water_pollution_law.yaml']\n") + kOneLayer, kBase, kOrigin);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->rule_files, std::vector<std::string>{"builtin:water_pollution_law.yaml"});
  absl::Status st = ParseError(std::string("rules: ['builtin:nope.yaml']\n") + kOneLayer);
  EXPECT_THAT(std::string(st.message()),
              AllOf(HasSubstr("builtin:nope.yaml"), HasSubstr("builtin:zero_discharge.yaml")));
}

// --- what clients may see of paths ---------------------------------------------

TEST(PublicSourceTest, RelativeToTheConfigFolderElseTheFileName) {
  EXPECT_EQ(PublicSource("/data/zj/water.gpkg", "/data/zj"), "water.gpkg");
  EXPECT_EQ(PublicSource("/data/zj/sub/water.gpkg", "/data/zj/"), "sub/water.gpkg");
  EXPECT_EQ(PublicSource("/data/rules/a.yaml", "/data/zj"), "a.yaml");
  EXPECT_EQ(PublicSource("/data/zj/../rules/a.yaml", "/data/zj"), "a.yaml");
  EXPECT_EQ(PublicSource("/srv/x.shp", ""), "x.shp");
  EXPECT_EQ(PublicSource("builtin:zero_discharge.yaml", "/data/zj"), "builtin:zero_discharge.yaml");
  EXPECT_EQ(PublicSource("relative/x.shp", "/data/zj"), "relative/x.shp");
  EXPECT_EQ(PublicSource("PG:dbname=gis password=s3cr3t", "/data/zj"),
            "PG:dbname=gis password=***");
}

TEST(PublicSourceTest, MessagesLoseTheServersFolders) {
  EXPECT_EQ(PublicMessage("cannot open rule file '/data/zj/local/r.yaml'", "/data/zj"),
            "cannot open rule file 'local/r.yaml'");
  EXPECT_EQ(PublicMessage("/etc/redline/r.yaml:12: unknown key 'x'", "/data/zj"),
            "r.yaml:12: unknown key 'x'");
  EXPECT_EQ(PublicMessage("layer 'ws' (/data/zj/w.gpkg): no such layer", "/data/zj"),
            "layer 'ws' (w.gpkg): no such layer");
  EXPECT_EQ(PublicMessage("/srv/secret/zj.yaml: cannot read", ""), "zj.yaml: cannot read");
  // Not paths: left alone.
  EXPECT_EQ(PublicMessage("EPSG:4549 at 1/2 of http://x/y", "/data/zj"),
            "EPSG:4549 at 1/2 of http://x/y");
}

TEST(ConfigTest, WorkingCrsIsNormalised) {
  absl::StatusOr<Config> c =
      Config::Parse(std::string("working_crs: \"4549\"\n") + kOneLayer, kBase, kOrigin);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->working_crs, "EPSG:4549");
}

TEST(ConfigTest, LoadFileResolvesPathsAgainstTheConfigFolder) {
  const fs::path dir = TempDir("load") / "conf";
  fs::create_directories(dir / "rules");
  {
    std::ofstream(dir / "rules" / "b.yaml") << "# b\n";
    std::ofstream(dir / "rules" / "a.yaml") << "# a\n";
    std::ofstream(dir / "rules" / "notes.txt") << "not a rule file\n";
    std::ofstream(dir / "extra.yml") << "# extra\n";
  }
  const fs::path file = dir / "redline.yaml";
  std::ofstream(file) << "rules:\n  - rules\n  - extra.yml\n"
                      << "layers:\n"
                         "  - name: a\n"
                         "    kind: other\n"
                         "    source: ../layers/a.gpkg\n"
                         "    id_field: id\n"
                         "    name_field: name\n";
  absl::StatusOr<Config> c = Config::LoadFile(file.string());
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->path, file.string());
  ASSERT_EQ(c->layers.size(), 1u);
  const fs::path abs_dir = fs::absolute(dir);
  EXPECT_EQ(c->layers[0].source,
            (abs_dir.parent_path() / "layers" / "a.gpkg").lexically_normal().string());
  // A folder contributes its .yaml files in name order, then the file.
  ASSERT_EQ(c->rule_files.size(), 3u);
  EXPECT_EQ(fs::path(c->rule_files[0]).filename(), "a.yaml");
  EXPECT_EQ(fs::path(c->rule_files[1]).filename(), "b.yaml");
  EXPECT_EQ(fs::path(c->rule_files[2]).filename(), "extra.yml");
  for (const std::string& f : c->rule_files) EXPECT_TRUE(fs::exists(f)) << f;
}

TEST(ConfigTest, TheSampleConfigLoads) {
  const std::string path = std::string(REDLINE_SOURCE_DIR) + "/data/sample/redline.yaml";
  absl::StatusOr<Config> c = Config::LoadFile(path);
  ASSERT_TRUE(c.ok()) << c.status();
  ASSERT_EQ(c->layers.size(), 5u);  // four zone layers and the counties (context)
  EXPECT_EQ(c->layers[4].kind, ZoneKind::kContext);
  for (const LayerConfig& l : c->layers) {
    EXPECT_TRUE(fs::exists(l.source)) << l.name << ": " << l.source;
  }
  EXPECT_FALSE(c->rule_files.empty());
}

// "context" is a layer's kind (drawn, never checked), not a zone kind:
// rule files, which parse zone kinds, cannot name it.
TEST(ConfigTest, ContextIsALayerKindNotAZoneKind) {
  absl::StatusOr<ZoneKind> layer = ParseLayerKind("context");
  ASSERT_TRUE(layer.ok()) << layer.status();
  EXPECT_EQ(*layer, ZoneKind::kContext);
  EXPECT_EQ(ZoneKindName(ZoneKind::kContext), "context");
  EXPECT_EQ(*ParseLayerKind("other"), ZoneKind::kOther);
  EXPECT_FALSE(ParseZoneKind("context").ok());
  absl::StatusOr<ZoneKind> bad = ParseLayerKind("county");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("or context"));
}

TEST(ConfigTest, MissingFileIsNotFoundAndNamesThePath) {
  absl::StatusOr<Config> c = Config::LoadFile("/nonexistent/redline.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(c.status().message()), HasSubstr("/nonexistent/redline.yaml"));
}

TEST(ConfigTest, ErrorsFromLoadFileNameTheFile) {
  const fs::path dir = TempDir("err");
  const fs::path file = dir / "broken.yaml";
  std::ofstream(file) << "working_crs: EPSG:4549\nlayerz: []\n";
  absl::StatusOr<Config> c = Config::LoadFile(file.string());
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()), StartsWith(file.string() + ":2: "));
}

TEST(ConfigTest, YamlSyntaxErrorNamesFileAndLine) {
  const std::string yaml =
      "working_crs: EPSG:4549\n"      // 1
      "layers:\n"                     // 2
      "  - name: a\n"                 // 3
      "    kind: other\n"             // 4
      "    source: a.gpkg: b.gpkg\n"  // 5: a second ':' in a plain value
      "    id_field: id\n"            // 6
      "    name_field: name\n";       // 7
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(At(5)), HasSubstr("YAML syntax error")));
}

TEST(ConfigTest, YamlSyntaxErrorOnAnIndentationMistake) {
  const std::string yaml =
      "working_crs: EPSG:4549\n"  // 1
      "layers:\n"                 // 2
      "  - name: a\n"             // 3
      "    kind: other\n"         // 4
      "   source: a.gpkg\n";      // 5: dedented by one: not a key of the layer
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(At(5)), HasSubstr("YAML syntax error")));
}

TEST(ConfigTest, UnknownTopLevelKey) {
  const std::string yaml = std::string("working_crs: EPSG:4549\n") +  // 1
                           "boundary_tolerance: 0.01\n" +             // 2
                           kOneLayer;
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(2)), HasSubstr("'boundary_tolerance'"),
                    HasSubstr("boundary_tolerance_m")));  // says what is right
}

TEST(ConfigTest, UnknownLayerKeyTypo) {
  const std::string yaml =
      "layers:\n"                // 1
      "  - name: a\n"            // 2
      "    kind: other\n"        // 3
      "    source: a.gpkg\n"     // 4
      "    id_feild: id\n"       // 5
      "    name_field: name\n";  // 6
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(5)), HasSubstr("'id_feild'"), HasSubstr("id_field")));
}

TEST(ConfigTest, TextThatIsNotUtf8IsRefused) {
  // A layer name typed in a GBK editor: it would go into every answer.
  const std::string yaml = std::string(
                               "layers:\n"  // 1
                               "  - name: ") +
                           "\xc9\xfa\xcc\xac" +  // 2: 生态 in GBK
                           "\n"
                           "    kind: other\n"
                           "    source: a.gpkg\n"
                           "    id_field: id\n"
                           "    name_field: name\n";
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(2)), HasSubstr("'name' is not valid UTF-8")));
}

TEST(ConfigTest, UnknownKindListsTheKinds) {
  const std::string yaml =
      "layers:\n"                // 1
      "  - name: a\n"            // 2
      "    kind: red_line\n"     // 3
      "    source: a.gpkg\n"     // 4
      "    id_field: id\n"       // 5
      "    name_field: name\n";  // 6
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(3)), HasSubstr("red_line"), HasSubstr("ecological_red_line")));
}

TEST(ConfigTest, MissingSourceNamesTheLayerAndKey) {
  const std::string yaml =
      "working_crs: EPSG:4549\n"  // 1
      "layers:\n"                 // 2
      "  - name: first\n"         // 3
      "    kind: other\n"         // 4
      "    source: a.gpkg\n"      // 5
      "    id_field: id\n"        // 6
      "    name_field: name\n"    // 7
      "  - name: second\n"        // 8: the layer without a source
      "    kind: other\n"         // 9
      "    id_field: id\n"        // 10
      "    name_field: name\n";   // 11
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(8)), HasSubstr("'second'"), HasSubstr("'source'")));
}

TEST(ConfigTest, MissingIdFieldNamesTheLayerAndKey) {
  const std::string yaml =
      "layers:\n"                // 1
      "  - name: a\n"            // 2
      "    kind: other\n"        // 3
      "    source: a.gpkg\n"     // 4
      "    name_field: name\n";  // 5
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(2)), HasSubstr("'a'"), HasSubstr("'id_field'")));
}

TEST(ConfigTest, DuplicateLayerNamesPointAtTheSecond) {
  const std::string yaml =
      "layers:\n"                // 1
      "  - name: a\n"            // 2
      "    kind: other\n"        // 3
      "    source: a.gpkg\n"     // 4
      "    id_field: id\n"       // 5
      "    name_field: name\n"   // 6
      "  - name: a\n"            // 7
      "    kind: other\n"        // 8
      "    source: b.gpkg\n"     // 9
      "    id_field: id\n"       // 10
      "    name_field: name\n";  // 11
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()),
              AllOf(StartsWith(At(7)), HasSubstr("'a'"), HasSubstr("twice")));
}

TEST(ConfigTest, ToleranceOutOfRange) {
  for (const char* value : {"-0.5", "10.5", "1000"}) {
    const std::string yaml = std::string("working_crs: EPSG:4549\n") +  // 1
                             "boundary_tolerance_m: " + value + "\n" +  // 2
                             kOneLayer;
    absl::Status st = ParseError(yaml);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << value;
    EXPECT_THAT(std::string(st.message()),
                AllOf(StartsWith(At(2)), HasSubstr("boundary_tolerance_m")))
        << value;
  }
  // The bounds themselves are allowed.
  for (const char* value : {"0", "10"}) {
    const std::string yaml = std::string("boundary_tolerance_m: ") + value + "\n" + kOneLayer;
    EXPECT_TRUE(ParseError(yaml).ok()) << value;
  }
}

TEST(ConfigTest, NonNumericToleranceNamesTheValue) {
  const std::string yaml = std::string("boundary_tolerance_m: one millimetre\n") + kOneLayer;
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(At(1)), HasSubstr("one millimetre")));
}

// The header promises that every error names the line. The search-radius and
// size limits are single keys, so the right line is the offending key's.
TEST(ConfigTest, SearchRadiusOutOfOrderNamesTheLine) {
  const std::string yaml = std::string("working_crs: EPSG:4549\n") +  // 1
                           "default_search_radius_m: 5000\n" +        // 2
                           "max_search_radius_m: 1000\n" +            // 3
                           kOneLayer;
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), HasSubstr("max_search_radius_m"));
  EXPECT_THAT(std::string(st.message()), AnyOf(StartsWith(At(2)), StartsWith(At(3))));
}

TEST(ConfigTest, MaxVerticesOutOfRangeNamesTheLine) {
  const std::string yaml = std::string("working_crs: EPSG:4549\n") +  // 1
                           "max_vertices: 0\n" +                      // 2
                           kOneLayer;
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(At(2)), HasSubstr("max_vertices")));
}

TEST(ConfigTest, GeographicWorkingCrsIsRefused) {
  for (const char* crs : {"EPSG:4490", "EPSG:4326", "4490"}) {
    const std::string yaml = std::string("max_vertices: 10\n") +  // 1
                             "working_crs: " + crs + "\n" +       // 2
                             kOneLayer;
    absl::Status st = ParseError(yaml);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << crs;
    EXPECT_THAT(std::string(st.message()),
                AllOf(StartsWith(At(2)), HasSubstr("geographic"), HasSubstr("projected")))
        << crs;
  }
}

TEST(ConfigTest, UnknownWorkingCrs) {
  const std::string yaml = std::string("max_vertices: 10\n") +  // 1
                           "working_crs: EPSG:99999\n" +        // 2
                           kOneLayer;
  absl::Status st = ParseError(yaml);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(At(2)), HasSubstr("EPSG:99999")));
}

TEST(ConfigTest, MissingRuleFileNamesTheEntry) {
  const fs::path dir = TempDir("rules");
  std::ofstream(dir / "present.yaml") << "# present\n";
  const std::string yaml = std::string("rules:\n") +  // 1
                           "  - present.yaml\n" +     // 2
                           "  - absent.yaml\n" +      // 3
                           kOneLayer;
  absl::StatusOr<Config> c = Config::Parse(yaml, dir.string(), kOrigin);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(c.status().message()),
              AllOf(StartsWith(At(3)), HasSubstr((dir / "absent.yaml").string()),
                    HasSubstr("does not exist")));
}

TEST(ConfigTest, EmptyRuleFolderIsAnError) {
  const fs::path dir = TempDir("empty_rules");
  fs::create_directories(dir / "empty");
  const std::string yaml = std::string("rules:\n  - empty\n") + kOneLayer;
  absl::StatusOr<Config> c = Config::Parse(yaml, dir.string(), kOrigin);
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(std::string(c.status().message()),
              AllOf(StartsWith(At(2)), HasSubstr("no .yaml files")));
}

TEST(ConfigTest, NoLayersIsAnError) {
  absl::Status st = ParseError("working_crs: EPSG:4549\n");
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(st.message()), AllOf(StartsWith(kOrigin), HasSubstr("layers")));
  EXPECT_FALSE(ParseError("").ok());
}

TEST(RedactSourceTest, HidesAPostgresPassword) {
  const std::string redacted =
      RedactSource("PG:host=db.example port=5432 dbname=gis user=redline password=s3cr3t!");
  EXPECT_THAT(redacted, Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(redacted, HasSubstr("password=***"));
  EXPECT_THAT(redacted, HasSubstr("host=db.example"));
  EXPECT_THAT(redacted, HasSubstr("user=redline"));
}

TEST(RedactSourceTest, HidesQuotedAndOddlySpacedPasswords) {
  EXPECT_THAT(RedactSource("PG:dbname=gis password='two words' user=u"),
              AllOf(Not(HasSubstr("two")), Not(HasSubstr("words")), HasSubstr("user=u")));
  EXPECT_THAT(RedactSource("PG:dbname=gis PASSWORD = hunter2"), Not(HasSubstr("hunter2")));
}

TEST(RedactSourceTest, LeavesOtherSourcesAlone) {
  EXPECT_EQ(RedactSource("/data/zj/water.gpkg"), "/data/zj/water.gpkg");
  EXPECT_EQ(RedactSource("PG:host=db dbname=gis"), "PG:host=db dbname=gis");
}

// A key that is a list or a mapping ("? [...]") threw out of Config::Parse
// and ended the process (the config fuzzer): it is an error naming the line.
TEST(ConfigTest, KeysThatAreNotNamesAreRefused) {
  for (const char* yaml :
       {"working_crs: EPSG:4549\nlayers:\n?\n [{name: a}]\n", "? {a: b}\n: 1\nlayers: []\n"}) {
    absl::StatusOr<Config> c = Config::Parse(yaml, kBase, kOrigin);
    ASSERT_FALSE(c.ok()) << yaml;
    EXPECT_THAT(std::string(c.status().message()), HasSubstr("not a plain name")) << yaml;
  }
}

}  // namespace
}  // namespace redline
