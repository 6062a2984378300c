#include "clients/cli/overlay_answers.h"

#include <cstring>
#include <string>

namespace redline::cli {
namespace {

// What a point's part in a zone looks like as WKB (little-endian 2D Point),
// as the one-feature answer carries it in ZoneHit.intersection_wkb.
std::string PointWkb(double x, double y) {
  std::string wkb(21, '\0');
  wkb[0] = 1;
  const uint32_t type = 1;
  std::memcpy(&wkb[1], &type, 4);
  std::memcpy(&wkb[5], &x, 8);
  std::memcpy(&wkb[13], &y, 8);
  return wkb;
}

}  // namespace

void PointAnswers::AddTables(const v1::OverlayBatchResult& batch) {
  for (const v1::ZoneEntry& z : batch.zones()) zones_[z.index()] = z;
  for (const v1::RuleEntry& r : batch.rules()) rules_[r.index()] = r.rule();
}

void PointAnswers::Fill(const v1::PointResults& p, int i, v1::OverlayResult* out) {
  if (next_error_ < p.error_index_size() && static_cast<int>(p.error_index(next_error_)) == i) {
    out->set_error(p.error(next_error_));
    out->set_error_code(p.error_code(next_error_));
    ++next_error_;
    return;
  }
  v1::CheckResponse* r = out->mutable_response();
  r->set_dataset_version(out->dataset_version());
  // A hits-only batch has the hit columns alone.
  const bool whole = p.verdict_size() > 0;
  if (whole) {
    r->set_verdict(static_cast<v1::Verdict>(p.verdict(i)));
    r->set_verdict_reason(p.reasons(static_cast<int>(p.reason(i))));
  }
  r->set_search_radius_m(p.search_radius_m());
  r->set_as_of(p.as_of());
  FillHits(p, i, whole, r);
  if (whole) FillNearby(p, i, r);
}

void PointAnswers::FillHits(const v1::PointResults& p, int i, bool whole, v1::CheckResponse* r) {
  const uint32_t hits = p.hit_count(i);
  std::string wkb;
  if (hits > 0 && next_intersection_ < p.intersection_lon_size()) {
    wkb = PointWkb(p.intersection_lon(next_intersection_), p.intersection_lat(next_intersection_));
    ++next_intersection_;
  }
  for (uint32_t k = 0; k < hits; ++k, ++next_hit_) {
    const v1::ZoneEntry& z = zones_[p.hit_zone(next_hit_)];
    v1::ZoneHit* h = r->add_hits();
    h->set_layer(z.layer());
    h->set_kind(z.kind());
    h->set_zone_id(z.zone_id());
    h->set_zone_name(z.zone_name());
    h->set_level(z.level());
    h->set_normalized_level(z.normalized_level());
    h->set_relation(static_cast<v1::ZoneHit::Relation>(p.hit_relation(next_hit_)));
    for (uint32_t n = whole ? p.hit_rule_count(next_hit_) : 0; n > 0; --n) {
      *h->add_rules() = rules_[p.hit_rule(next_hit_rule_++)];
      h->mutable_rules()->rbegin()->clear_setback_m();
    }
    if (!wkb.empty()) h->set_intersection_wkb(wkb);
  }
}

void PointAnswers::FillNearby(const v1::PointResults& p, int i, v1::CheckResponse* r) {
  for (uint32_t k = p.near_count(i); k > 0; --k, ++next_near_) {
    const v1::ZoneEntry& z = zones_[p.near_zone(next_near_)];
    v1::NearZone* n = r->add_nearest();
    n->set_layer(z.layer());
    n->set_kind(z.kind());
    n->set_zone_id(z.zone_id());
    n->set_zone_name(z.zone_name());
    n->set_level(z.level());
    n->set_normalized_level(z.normalized_level());
    n->set_distance_m(p.near_distance_m(next_near_));
    for (uint32_t m = p.near_rule_count(next_near_); m > 0; --m) {
      *n->add_rules() = rules_[p.near_rule(next_near_rule_++)];
    }
  }
}

}  // namespace redline::cli
