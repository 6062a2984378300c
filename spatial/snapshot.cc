#include "spatial/snapshot.h"

#include <algorithm>
#include <future>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"

namespace redline {
namespace {

// FNV-1a, 64 bit: a stable content hash (absl::Hash is salted per process).
class ContentHash {
 public:
  void Add(const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= p[i];
      h_ *= 1099511628211ull;
    }
  }
  void Add(absl::string_view s) {
    Add(s.data(), s.size());
    Add("\0", 1);
  }
  std::string Hex() const { return absl::StrFormat("%016x", h_); }

 private:
  uint64_t h_ = 14695981039346656037ull;
};

void HashLayers(const std::vector<LayerState>& layers, const std::vector<Zone>& zones,
                ContentHash& h) {
  for (const LayerState& l : layers) {
    h.Add(l.config.name);
    h.Add(std::string(ZoneKindName(l.config.kind)));
  }
  for (const Zone& z : zones) {
    h.Add(&z.layer, sizeof z.layer);
    h.Add(z.id);
    h.Add(z.name);
    h.Add(z.level);
    for (const auto& [k, v] : z.attributes) {
      h.Add(k);
      h.Add(v);
    }
    const auto& v = z.shape.vertices();
    h.Add(v.data(), v.size() * sizeof(Point2));
  }
}

// The zones, the rules and the context layers: what the server serves. A
// context layer changes no answer, but totals by region and the page's map
// read it, so a changed county boundary is a new version too. Without
// context layers the hash is what it always was.
std::string HashZones(const std::vector<LayerState>& layers, const std::vector<Zone>& zones,
                      const RuleSet& rules, const ZoneIndex& context) {
  ContentHash h;
  HashLayers(layers, zones, h);
  // A changed rule changes the answers, so it changes the version too.
  for (const Rule& r : rules.rules()) {
    for (absl::string_view field :
         {absl::string_view(r.id), absl::string_view(r.message_zh), absl::string_view(r.message_en),
          absl::string_view(r.basis.law), absl::string_view(r.basis.article),
          absl::string_view(r.basis.text)}) {
      h.Add(field);
    }
    for (const std::string& level : r.levels) h.Add(level);
    const int numbers[] = {static_cast<int>(r.verdict), r.inside ? 1 : 0};
    h.Add(numbers, sizeof numbers);
    h.Add(&r.setback_m, sizeof r.setback_m);
    for (ZoneKind k : r.kinds) h.Add(&k, sizeof k);
    for (Purpose p : r.purposes) h.Add(&p, sizeof p);
    for (OutfallType t : r.outfall_types) h.Add(&t, sizeof t);
    for (ProjectAction a : r.actions) h.Add(&a, sizeof a);
  }
  if (!context.layers().empty()) HashLayers(context.layers(), context.zones(), h);
  return h.Hex();
}

// Broken data must not quietly replace good data: a layer with more
// unusable features than max_skipped_fraction fails the load.
absl::Status CheckSkipped(const LayerReport& r, double max_skipped_fraction) {
  if (r.features_read == 0 ||
      static_cast<double>(r.skipped) / r.features_read <= max_skipped_fraction) {
    return absl::OkStatus();
  }
  std::string first;
  for (const LoadIssue& issue : r.issues) {
    if (issue.action == LoadIssue::Action::kSkipped) {
      first = absl::StrCat("; the first: ", issue.feature, ": ", issue.reason);
      break;
    }
  }
  return absl::FailedPreconditionError(
      absl::StrFormat("layer '%s': %d of %d features (%.1f%%) could not be used, more than "
                      "max_skipped_fraction %g allows%s",
                      r.name, r.skipped, r.features_read, 100.0 * r.skipped / r.features_read,
                      max_skipped_fraction, first));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(const Config& config) {
  return Load(config, absl::InfinitePast());
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::Load(const Config& config,
                                                               absl::Time loaded_at) {
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(config.rule_files);
  if (!rules.ok()) return rules.status();

  // Layers load in parallel: each has its own GDAL dataset, GEOS and PROJ
  // contexts, so they share nothing.
  std::vector<std::future<absl::StatusOr<LoadedLayer>>> futures;
  for (const LayerConfig& layer : config.layers) {
    futures.push_back(std::async(std::launch::async, [&config, &layer] {
      return LoadLayer(layer, config.working_crs, config.boundary_tolerance_m);
    }));
  }
  std::vector<absl::StatusOr<LoadedLayer>> loaded;
  loaded.reserve(futures.size());
  for (auto& f : futures) loaded.push_back(f.get());
  // Zone layers and context layers go to separate indexes, each numbering
  // its own layers: a context layer's features are never zones.
  std::vector<LayerState> layers, context_layers;
  std::vector<Zone> zones, context_zones;
  for (size_t i = 0; i < loaded.size(); ++i) {
    if (!loaded[i].ok()) return loaded[i].status();
    if (absl::Status st = CheckSkipped(loaded[i]->report, config.max_skipped_fraction); !st.ok()) {
      return st;
    }
    const bool context = config.layers[i].kind == ZoneKind::kContext;
    std::vector<LayerState>& to_layers = context ? context_layers : layers;
    std::vector<Zone>& to_zones = context ? context_zones : zones;
    const auto layer = static_cast<uint32_t>(to_layers.size());
    to_layers.push_back({config.layers[i], std::move(loaded[i]->report)});
    for (Zone& z : loaded[i]->zones) {
      z.layer = layer;
      to_zones.push_back(std::move(z));
    }
  }
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->context_ =
      ZoneIndex::Build(config, RuleSet(), std::move(context_layers), std::move(context_zones));
  snap->Finish(config, *std::move(rules), std::move(layers), std::move(zones), loaded_at);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

absl::StatusOr<std::shared_ptr<const Snapshot>> Snapshot::FromZones(const Config& config,
                                                                    std::vector<LayerState> layers,
                                                                    std::vector<Zone> zones,
                                                                    absl::Time loaded_at) {
  absl::StatusOr<RuleSet> rules = RuleSet::LoadFiles(config.rule_files);
  if (!rules.ok()) return rules.status();
  for (const Zone& z : zones) {
    if (z.layer >= layers.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("zone ", z.id, " names layer ", z.layer, " of ", layers.size()));
    }
  }
  std::shared_ptr<Snapshot> snap(new Snapshot());
  snap->Finish(config, *std::move(rules), std::move(layers), std::move(zones), loaded_at);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

void Snapshot::Finish(Config config, RuleSet rules, std::vector<LayerState> layers,
                      std::vector<Zone> zones, absl::Time loaded_at) {
  index_ =
      ZoneIndex::Build(std::move(config), std::move(rules), std::move(layers), std::move(zones));
  // InfinitePast stands for "now, once loaded".
  loaded_at_ = loaded_at == absl::InfinitePast() ? absl::Now() : loaded_at;
  content_hash_ = HashZones(index_.layers(), index_.zones(), index_.rules(), context_);
  version_ = absl::StrCat(absl::FormatTime("%Y%m%dT%H%M%SZ", loaded_at_, absl::UTCTimeZone()), "-",
                          content_hash_.substr(0, 12));
}

absl::string_view DatasetContent(absl::string_view version_or_hash) {
  const size_t dash = version_or_hash.rfind('-');
  return dash == absl::string_view::npos ? version_or_hash : version_or_hash.substr(dash + 1);
}

bool SameDatasetContent(absl::string_view a, absl::string_view b) {
  const absl::string_view ca = DatasetContent(a), cb = DatasetContent(b);
  if (ca.size() < kMinContentDigits || cb.size() < kMinContentDigits) return false;
  const size_t n = std::min(ca.size(), cb.size());
  return absl::AsciiStrToLower(ca.substr(0, n)) == absl::AsciiStrToLower(cb.substr(0, n));
}

bool Snapshot::Holds(absl::string_view wanted) const {
  return wanted.empty() || wanted == version_ || SameDatasetContent(wanted, content_hash_);
}

}  // namespace redline
