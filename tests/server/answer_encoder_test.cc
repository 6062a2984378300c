// The check answers written straight to wire format (answer_encoder.h)
// against the same answers built the obvious way, as protobuf messages, on
// thousands of real checks of the sample data: every field equal, every
// field of CheckResponse exercised, and the bytes exactly as long as
// protobuf's own encoding (so lengths and scalars are canonical).
#include "server/handlers/answer_encoder.h"

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include <cmath>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "redline/v1/redline.pb.h"
#include "server/audit/audit_record.h"
#include "server/handlers/convert.h"
#include "spatial/base/utf8.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline::server {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::util::MessageDifferencer;

// ------------------------------------------------------------- reference

void ReferenceRule(const Rule& rule, bool with_setback, v1::RuleApplication* r) {
  r->set_rule_id(rule.id);
  r->set_verdict(static_cast<v1::Verdict>(rule.verdict));
  r->set_message_zh(rule.message_zh);
  r->set_message_en(rule.message_en.empty() ? rule.message_zh : rule.message_en);
  r->mutable_basis()->set_law(rule.basis.law);
  r->mutable_basis()->set_article(rule.basis.article);
  r->mutable_basis()->set_text(rule.basis.text);
  if (with_setback) r->set_setback_m(rule.setback_m);
  const size_t slash = rule.file.rfind('/');
  r->set_rule_file(slash == std::string::npos ? rule.file : rule.file.substr(slash + 1));
}

template <typename Message>
void ReferenceIdentity(const Snapshot& snapshot, uint32_t zone, Message* out) {
  const Zone& z = snapshot.zones()[zone];
  const LayerState& layer = snapshot.layers()[z.layer];
  out->set_layer(layer.config.name);
  out->set_kind(KindToProto(layer.config.kind));
  out->set_zone_id(z.id);
  out->set_zone_name(z.name);
  out->set_level(z.level);
  out->set_normalized_level(z.normalized_level);
}

// The answer as typed protobuf messages, field by field.
v1::CheckResponse Reference(const Snapshot& snapshot, const CheckResult& result,
                            const Siting& siting, absl::Time checked_at,
                            const std::string& record_id) {
  v1::CheckResponse out;
  out.set_dataset_version(snapshot.version());
  if (!result.hits_only) {
    out.set_verdict(static_cast<v1::Verdict>(result.verdict));
    out.set_verdict_reason(result.verdict_reason);
  }
  out.mutable_siting()->set_purpose(static_cast<v1::Siting::Purpose>(siting.purpose));
  out.mutable_siting()->set_outfall_type(static_cast<v1::Siting::OutfallType>(siting.outfall_type));
  out.mutable_siting()->set_action(static_cast<v1::Siting::Action>(siting.action));
  v1::SiteInfo* site = out.mutable_site();
  site->set_geometry_type(result.site.geometry_type);
  site->set_input_crs(result.site.input_crs);
  site->set_vertices(result.site.vertices);
  site->set_area_m2(result.site.area_m2);
  site->set_length_m(result.site.length_m);
  site->set_lon(result.site.representative_lonlat.x);
  site->set_lat(result.site.representative_lonlat.y);
  v1::Extent* extent = site->mutable_extent_lonlat();
  if (!result.site.extent_lonlat.empty()) {
    extent->set_min_x(result.site.extent_lonlat.min_x);
    extent->set_min_y(result.site.extent_lonlat.min_y);
    extent->set_max_x(result.site.extent_lonlat.max_x);
    extent->set_max_y(result.site.extent_lonlat.max_y);
  }
  site->set_geometry_wkb(result.site.geometry_wkb);
  site->set_geometry_repaired(result.site.geometry_repaired);
  const CoordinateInterpretation& read = result.site.coordinates;
  v1::CoordinateInterpretation* coordinates = site->mutable_coordinates();
  coordinates->set_requested_crs(read.requested_crs);
  coordinates->set_crs(read.crs);
  coordinates->set_zone_detected(read.zone_detected);
  coordinates->set_axes_swapped(read.axes_swapped);
  coordinates->set_converted_from(read.converted_from);
  for (const std::string& note : read.notes) coordinates->add_notes(note);
  for (const redline::Message& m : read.note_messages) {
    MessageToProto(m, coordinates->add_note_messages());
  }
  for (const ZoneHitResult& hit : result.hits) {
    v1::ZoneHit* h = out.add_hits();
    ReferenceIdentity(snapshot, hit.zone, h);
    h->set_relation(RelationToProto(hit.relation));
    h->set_overlap_area_m2(hit.overlap_area_m2);
    h->set_overlap_ratio(hit.overlap_ratio);
    h->set_overlap_length_m(hit.overlap_length_m);
    for (const auto& [k, v] : snapshot.zones()[hit.zone].attributes) {
      (*h->mutable_attributes())[k] = v;
    }
    for (const Rule* rule : hit.rules) ReferenceRule(*rule, false, h->add_rules());
    h->set_intersection_wkb(hit.intersection_wkb);
    h->set_zone_geometry_wkb(hit.zone_geometry_wkb);
  }
  for (const NearZoneResult& near : result.nearest) {
    v1::NearZone* n = out.add_nearest();
    ReferenceIdentity(snapshot, near.zone, n);
    n->set_distance_m(near.distance_m);
    for (const Rule* rule : near.rules) {
      ReferenceRule(*rule, near.distance_m > 0, n->add_rules());
    }
    n->set_zone_geometry_wkb(near.zone_geometry_wkb);
  }
  out.set_search_radius_m(result.search_radius_m);
  out.set_as_of(FormatDay(result.as_of_day));
  *out.mutable_checked_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(checked_at));
  out.set_record_id(record_id);
  if (!result.hits_only) MessageToProto(result.verdict_message, out.mutable_verdict_message());
  return out;
}

// ------------------------------------------------------------- coverage

// Adds to `set` the full name of every field `m` (and the messages in it)
// holds a non-default value in.
void CollectSetFields(const Message& m, std::set<std::string>* set) {
  std::vector<const FieldDescriptor*> fields;
  m.GetReflection()->ListFields(m, &fields);
  for (const FieldDescriptor* f : fields) {
    set->insert(f->full_name());
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
        CollectSetFields(m.GetReflection()->GetRepeatedMessage(m, f, i), set);
      }
    } else {
      CollectSetFields(m.GetReflection()->GetMessage(m, f), set);
    }
  }
}

void CollectAllFields(const Descriptor* d, std::set<std::string>* all,
                      std::set<const Descriptor*>* seen) {
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    all->insert(f->full_name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      CollectAllFields(f->message_type(), all, seen);
    }
  }
}

// ------------------------------------------------------------- the cases

struct Case {
  std::string what;
  absl::StatusOr<CheckResult> result;
  Siting siting;
};

std::vector<Point2> KnownPoints() {
  std::ifstream in(REDLINE_SOURCE_DIR "/data/sample/known_points.csv");
  std::vector<Point2> points;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells = absl::StrSplit(line, ',');
    if (cells.size() < 2) continue;
    points.push_back({std::stod(cells[0]), std::stod(cells[1])});
  }
  return points;
}

std::string CircleWkt(Point2 c, double radius_m, int vertices) {
  const double dlat = radius_m / 111320.0;
  const double dlon = dlat / std::cos(c.y * M_PI / 180);
  std::string wkt = "POLYGON((";
  for (int i = 0; i <= vertices; ++i) {
    const double a = 2 * M_PI * (i % vertices) / vertices;
    absl::StrAppendFormat(&wkt, "%s%.8f %.8f", i == 0 ? "" : ",", c.x + dlon * std::cos(a),
                          c.y + dlat * std::sin(a));
  }
  return wkt + "))";
}

class AnswerEncoderTest : public SampleSnapshotTest {
 protected:
  // Point and site checks of the sample with every option the answer can
  // reflect: sitings, radii, layers, as_of, zone geometry, intersections,
  // hits only, and coordinates read swapped, zone-detected or converted.
  static std::vector<Case> Cases() {
    const Snapshot& s = sample();
    std::vector<Case> cases;
    std::mt19937_64 rng(7);
    std::vector<Point2> known = KnownPoints();
    Box extent;
    for (const LayerState& layer : s.layers()) extent.Include(layer.report.extent_lonlat);
    std::uniform_real_distribution<double> ux(extent.min_x, extent.max_x);
    std::uniform_real_distribution<double> uy(extent.min_y, extent.max_y);
    std::normal_distribution<double> jitter(0, 0.002);  // ~200 m
    auto options = [&](int i) {
      CheckOptions o;
      o.siting.purpose = static_cast<Purpose>(i % 8);
      o.siting.outfall_type = static_cast<OutfallType>(i / 8 % 4);
      o.siting.action = static_cast<ProjectAction>(i / 32 % 4);
      o.search_radius_m = std::vector<double>{0, 300, 3000}[i % 3];
      if (i % 11 == 0) o.layers = {s.layers()[i % s.layers().size()].config.name};
      if (i % 13 == 0) o.as_of_day = TodayInChina() - 1;
      o.include_zone_geometry = i % 17 == 0;
      return o;
    };
    for (int i = 0; i < 3000; ++i) {
      Point2 p = known[i % known.size()];
      if (i % 3 == 1) p = {p.x + jitter(rng), p.y + jitter(rng)};
      if (i % 3 == 2) p = {ux(rng), uy(rng)};
      const CheckOptions o = options(i);
      cases.push_back({absl::StrFormat("point %d (%.7f %.7f)", i, p.x, p.y),
                       s.CheckPoint(p, "EPSG:4490", o), o.siting});
    }
    // How coordinates were read: latitude first, GCJ-02, Gauss-Kruger with
    // the zone prefixed and northing first.
    const CheckOptions o = options(1);
    const Point2 k = known[0];
    cases.push_back({"lat first", s.CheckPoint({k.y, k.x}, "EPSG:4490", o), o.siting});
    cases.push_back({"GCJ-02", s.CheckPoint(k, "GCJ-02", o), o.siting});
    cases.push_back({"GK", s.CheckPoint({3349012.3, 40512345.6}, "GK", o), o.siting});
    for (int i = 0; i < 300; ++i) {
      const Point2 c = known[i * 7 % known.size()];
      CheckOptions g = options(i);
      g.include_intersection = i % 2 == 0;
      g.hits_only = i % 5 == 0;
      const std::string wkt = i % 4 == 3 ? absl::StrFormat("LINESTRING(%.7f %.7f,%.7f %.7f)",
                                                           c.x - 0.01, c.y, c.x + 0.01, c.y + 0.003)
                                         : CircleWkt(c, 200 + 40 * i, 16 + i);
      cases.push_back({absl::StrCat("site ", i, " ", wkt.substr(0, 60)),
                       s.CheckGeometry(GeometryEncoding::kWkt, wkt, "EPSG:4490", g), g.siting});
    }
    // An invalid polygon, repaired: SiteInfo.geometry_repaired and its note.
    const Point2 b = known[0];
    const std::string bowtie =
        absl::StrFormat("POLYGON((%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f,%.7f %.7f))", b.x - 0.002,
                        b.y - 0.002, b.x + 0.002, b.y + 0.002, b.x + 0.002, b.y - 0.002,
                        b.x - 0.002, b.y + 0.002, b.x - 0.002, b.y - 0.002);
    cases.push_back({"repaired bow-tie",
                     s.CheckGeometry(GeometryEncoding::kWkt, bowtie, "EPSG:4490", o), o.siting});
    EXPECT_TRUE(cases.back().result.ok() && cases.back().result->site.geometry_repaired);
    return cases;
  }
};

TEST_F(AnswerEncoderTest, SameAnswersAsTypedMessages) {
  const absl::Time checked_at = absl::FromUnixNanos(1795000000123456789);
  std::set<std::string> covered;
  size_t answered = 0, largest = 0;
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.what);
    if (!c.result.ok()) continue;  // refused inputs are not answers
    ++answered;
    // Every other answer names an audit record; the others have none.
    const std::string record_id = answered % 2 == 0 ? NewRecordId(checked_at) : std::string();
    const v1::CheckResponse want = Reference(sample(), *c.result, c.siting, checked_at, record_id);
    std::string bytes = "prefix";  // the encoder appends
    EncodeCheckResponse(sample(), *c.result, c.siting, checked_at, &bytes, record_id);
    ASSERT_EQ(bytes.substr(0, 6), "prefix");
    bytes.erase(0, 6);
    v1::CheckResponse got;
    ASSERT_TRUE(got.ParseFromString(bytes));
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(got, want)) << diff;
    EXPECT_EQ(bytes.size(), want.ByteSizeLong());
    largest = std::max(largest, bytes.size());
    CollectSetFields(want, &covered);
  }
  EXPECT_GT(answered, 3000u);
  // Lengths of one, two and three bytes (zone outlines) were all written.
  EXPECT_GT(largest, 16384u);
  // Every field the answer has was set in some case, so was compared.
  std::set<std::string> all, missed;
  std::set<const Descriptor*> seen;
  CollectAllFields(v1::CheckResponse::descriptor(), &all, &seen);
  for (const std::string& f : all) {
    if (!covered.count(f)) missed.insert(f);
  }
  EXPECT_TRUE(missed.empty()) << "never set by any case: " << absl::StrJoin(missed, ", ");
}

// The encoder does not check UTF-8 again because the loaders refuse text
// that IsValidUtf8 refuses; that is only sound if IsValidUtf8 refuses all
// that protobuf would. Random short byte strings, weighted to the edges of
// the UTF-8 ranges, against protobuf's own check (a proto3 string field's
// parse).
TEST(Utf8AgreementTest, IsValidUtf8AgreesWithProtobuf) {
  const std::vector<uint8_t> bytes = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf,
                                      0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
                                      0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xfe, 0xff};
  // Protobuf logs each refused string; 100k lines would bury the test log.
  google::protobuf::LogHandler* const log = google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<size_t> pick(0, bytes.size() - 1), length(1, 6);
  int valid = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    for (size_t n = length(rng); n > 0; --n) s.push_back(static_cast<char>(bytes[pick(rng)]));
    // LegalBasis { law = s }: tag 0x0a, length, bytes.
    const std::string wire = std::string("\x0a", 1) + static_cast<char>(s.size()) + s;
    v1::LegalBasis parsed;
    const bool protobuf_accepts = parsed.ParseFromString(wire);
    ASSERT_EQ(IsValidUtf8(s), protobuf_accepts) << testing::PrintToString(s);
    valid += protobuf_accepts;
  }
  google::protobuf::SetLogHandler(log);
  EXPECT_GT(valid, 1000);  // both outcomes were tried
}

}  // namespace
}  // namespace redline::server
