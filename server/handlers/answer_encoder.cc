#include "server/handlers/answer_encoder.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/string_view.h"
#include "redline/v1/redline.pb.h"
#include "server/handlers/convert.h"
#include "spatial/data/loader.h"

namespace redline::server {
namespace {

// Writes protobuf wire format as generated proto3 code does: singular
// scalars and strings only when not zero/empty (doubles compared bitwise,
// so -0.0 is written), submessages whenever present, repeated elements
// always.
class WireWriter {
 public:
  explicit WireWriter(std::string* out) : out_(*out) {}

  void Varint(int field, uint64_t value) {
    if (value == 0) return;
    Tag(field, kVarint);
    RawVarint(value);
  }
  void Enum(int field, int value) {
    // Negative enum values are sign-extended to ten bytes, as protobuf does.
    Varint(field, static_cast<uint64_t>(static_cast<int64_t>(value)));
  }
  void Double(int field, double value) {
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if (bits == 0) return;
    Tag(field, kFixed64);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>(bits >> (8 * i)));
  }
  void String(int field, absl::string_view s) {
    if (!s.empty()) Element(field, s);
  }
  // A repeated string's element (or a map entry's key or value): written
  // even when empty.
  void Element(int field, absl::string_view s) {
    Tag(field, kLengthDelimited);
    RawVarint(s.size());
    out_.append(s.data(), s.size());
  }

  // A submessage: Begin writes its tag and a one-byte length that End
  // corrects once the contents are known (widening it in place when they
  // are 128 bytes or more), so lengths need no sizing pass.
  size_t Begin(int field) {
    Tag(field, kLengthDelimited);
    out_.push_back(0);
    return out_.size();
  }
  void End(size_t start) {
    const uint64_t length = out_.size() - start;
    if (length < 0x80) {
      out_[start - 1] = static_cast<char>(length);
      return;
    }
    char buffer[10];
    const size_t n = EncodeVarint(length, buffer);
    out_.replace(start - 1, 1, buffer, n);
  }

 private:
  enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

  static size_t EncodeVarint(uint64_t v, char* buffer) {
    size_t n = 0;
    while (v >= 0x80) {
      buffer[n++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    buffer[n++] = static_cast<char>(v);
    return n;
  }
  void RawVarint(uint64_t v) {
    char buffer[10];
    out_.append(buffer, EncodeVarint(v, buffer));
  }
  void Tag(int field, WireType type) { RawVarint((static_cast<uint64_t>(field) << 3) | type); }

  std::string& out_;
};

// Which zone a ZoneHit or NearZone speaks of. The two messages number these
// fields alike except normalized_level (ZoneHit 11, NearZone 6), which
// callers write in its place.
template <typename Message>
void WriteZoneIdentity(const Snapshot& snapshot, const Zone& z, WireWriter& w) {
  const LayerState& layer = snapshot.layers()[z.layer];
  w.String(Message::kLayerFieldNumber, layer.config.name);
  w.Enum(Message::kKindFieldNumber, KindToProto(layer.config.kind));
  w.String(Message::kZoneIdFieldNumber, z.id);
  w.String(Message::kZoneNameFieldNumber, z.name);
  w.String(Message::kLevelFieldNumber, z.level);
}

// A text for people: its code, parameters and both wordings (MessageToProto).
void WriteMessage(const Message& m, int field, WireWriter& w) {
  using M = v1::Message;
  const size_t start = w.Begin(field);
  w.String(M::kCodeFieldNumber, m.code);
  for (const auto& [key, value] : m.params) {
    const size_t entry = w.Begin(M::kParamsFieldNumber);
    w.Element(1, key);
    w.Element(2, value);
    w.End(entry);
  }
  w.String(M::kTextZhFieldNumber, RenderMessage(m, Lang::kZh));
  w.String(M::kTextEnFieldNumber, RenderMessage(m, Lang::kEn));
  w.End(start);
}

void WriteRule(const Rule& rule, bool with_setback, int field, WireWriter& w) {
  using R = v1::RuleApplication;
  const size_t start = w.Begin(field);
  w.String(R::kRuleIdFieldNumber, rule.id);
  w.Enum(R::kVerdictFieldNumber, static_cast<int>(rule.verdict));
  w.String(R::kMessageZhFieldNumber, rule.message_zh);
  w.String(R::kMessageEnFieldNumber, RuleMessageEn(rule));
  const size_t basis = w.Begin(R::kBasisFieldNumber);
  w.String(v1::LegalBasis::kLawFieldNumber, rule.basis.law);
  w.String(v1::LegalBasis::kArticleFieldNumber, rule.basis.article);
  w.String(v1::LegalBasis::kTextFieldNumber, rule.basis.text);
  w.End(basis);
  if (with_setback) w.Double(R::kSetbackMFieldNumber, rule.setback_m);
  w.String(R::kRuleFileFieldNumber, RuleFileName(rule));
  w.End(start);
}

void WriteSite(const SiteSummary& site, WireWriter& w) {
  using S = v1::SiteInfo;
  const size_t start = w.Begin(v1::CheckResponse::kSiteFieldNumber);
  w.String(S::kGeometryTypeFieldNumber, site.geometry_type);
  w.String(S::kInputCrsFieldNumber, site.input_crs);
  w.Varint(S::kVerticesFieldNumber, static_cast<uint64_t>(site.vertices));
  w.Double(S::kAreaM2FieldNumber, site.area_m2);
  w.Double(S::kLengthMFieldNumber, site.length_m);
  w.Double(S::kLonFieldNumber, site.representative_lonlat.x);
  w.Double(S::kLatFieldNumber, site.representative_lonlat.y);
  const size_t extent = w.Begin(S::kExtentLonlatFieldNumber);
  if (!site.extent_lonlat.empty()) {
    w.Double(v1::Extent::kMinXFieldNumber, site.extent_lonlat.min_x);
    w.Double(v1::Extent::kMinYFieldNumber, site.extent_lonlat.min_y);
    w.Double(v1::Extent::kMaxXFieldNumber, site.extent_lonlat.max_x);
    w.Double(v1::Extent::kMaxYFieldNumber, site.extent_lonlat.max_y);
  }
  w.End(extent);
  using C = v1::CoordinateInterpretation;
  const CoordinateInterpretation& read = site.coordinates;
  const size_t coordinates = w.Begin(S::kCoordinatesFieldNumber);
  w.String(C::kRequestedCrsFieldNumber, read.requested_crs);
  w.String(C::kCrsFieldNumber, read.crs);
  w.Varint(C::kZoneDetectedFieldNumber, read.zone_detected);
  w.Varint(C::kAxesSwappedFieldNumber, read.axes_swapped);
  w.String(C::kConvertedFromFieldNumber, read.converted_from);
  for (const std::string& note : read.notes) w.Element(C::kNotesFieldNumber, note);
  for (const Message& m : read.note_messages) WriteMessage(m, C::kNoteMessagesFieldNumber, w);
  w.End(coordinates);
  w.String(S::kGeometryWkbFieldNumber, site.geometry_wkb);
  w.Varint(S::kGeometryRepairedFieldNumber, site.geometry_repaired);
  w.End(start);
}

void WriteHit(const Snapshot& snapshot, const ZoneHitResult& hit, WireWriter& w) {
  using H = v1::ZoneHit;
  const Zone& z = snapshot.zones()[hit.zone];
  const size_t start = w.Begin(v1::CheckResponse::kHitsFieldNumber);
  WriteZoneIdentity<H>(snapshot, z, w);
  w.Enum(H::kRelationFieldNumber, RelationToProto(hit.relation));
  w.Double(H::kOverlapAreaM2FieldNumber, hit.overlap_area_m2);
  w.Double(H::kOverlapRatioFieldNumber, hit.overlap_ratio);
  w.Double(H::kOverlapLengthMFieldNumber, hit.overlap_length_m);
  for (const auto& [key, value] : z.attributes) {
    // A map entry is a message {key = 1; value = 2}, both always written.
    const size_t entry = w.Begin(H::kAttributesFieldNumber);
    w.Element(1, key);
    w.Element(2, value);
    w.End(entry);
  }
  w.String(H::kNormalizedLevelFieldNumber, z.normalized_level);
  for (const Rule* rule : hit.rules) WriteRule(*rule, false, H::kRulesFieldNumber, w);
  w.String(H::kIntersectionWkbFieldNumber, hit.intersection_wkb);
  w.String(H::kZoneGeometryWkbFieldNumber, hit.zone_geometry_wkb);
  w.End(start);
}

void WriteNear(const Snapshot& snapshot, const NearZoneResult& near, WireWriter& w) {
  using N = v1::NearZone;
  const Zone& z = snapshot.zones()[near.zone];
  const size_t start = w.Begin(v1::CheckResponse::kNearestFieldNumber);
  WriteZoneIdentity<N>(snapshot, z, w);
  w.String(N::kNormalizedLevelFieldNumber, z.normalized_level);
  w.Double(N::kDistanceMFieldNumber, near.distance_m);
  // A setback is worth stating only for a zone at a distance.
  for (const Rule* rule : near.rules) {
    WriteRule(*rule, near.distance_m > 0, N::kRulesFieldNumber, w);
  }
  w.String(N::kZoneGeometryWkbFieldNumber, near.zone_geometry_wkb);
  w.End(start);
}

}  // namespace

void EncodeCheckResponse(const Snapshot& snapshot, const CheckResult& result, const Siting& siting,
                         absl::Time checked_at, std::string* out, absl::string_view record_id) {
  using R = v1::CheckResponse;
  WireWriter w(out);
  w.String(R::kDatasetVersionFieldNumber, snapshot.version());
  if (!result.hits_only) {  // else no verdict was reached: VERDICT_UNSPECIFIED
    w.Enum(R::kVerdictFieldNumber, static_cast<int>(result.verdict));
    w.String(R::kVerdictReasonFieldNumber, result.verdict_reason);
  }
  const size_t siting_start = w.Begin(R::kSitingFieldNumber);
  w.Enum(v1::Siting::kPurposeFieldNumber, static_cast<int>(siting.purpose));
  w.Enum(v1::Siting::kOutfallTypeFieldNumber, static_cast<int>(siting.outfall_type));
  w.Enum(v1::Siting::kActionFieldNumber, static_cast<int>(siting.action));
  w.End(siting_start);
  WriteSite(result.site, w);
  for (const ZoneHitResult& hit : result.hits) WriteHit(snapshot, hit, w);
  for (const NearZoneResult& near : result.nearest) WriteNear(snapshot, near, w);
  w.Double(R::kSearchRadiusMFieldNumber, result.search_radius_m);
  const size_t checked = w.Begin(R::kCheckedAtFieldNumber);
  const int64_t seconds = absl::ToUnixSeconds(checked_at);  // floors
  w.Varint(google::protobuf::Timestamp::kSecondsFieldNumber, static_cast<uint64_t>(seconds));
  w.Varint(
      google::protobuf::Timestamp::kNanosFieldNumber,
      static_cast<uint64_t>(absl::ToInt64Nanoseconds(checked_at - absl::FromUnixSeconds(seconds))));
  w.End(checked);
  w.String(R::kAsOfFieldNumber, FormatDay(result.as_of_day));
  w.String(R::kRecordIdFieldNumber, record_id);
  if (!result.hits_only && !result.verdict_message.code.empty()) {
    WriteMessage(result.verdict_message, R::kVerdictMessageFieldNumber, w);
  }
}

}  // namespace redline::server
