#include "spatial/coords/crs.h"

#include <proj.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "spatial/base/excerpt.h"

namespace redline {
namespace {

struct PjDeleter {
  void operator()(PJ* p) const {
    if (p != nullptr) proj_destroy(p);
  }
};
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

}  // namespace

// A transformation, and its projection step alone when that gives the same
// coordinates (see FindProjectionStep).
struct ProjOperation {
  enum Shortcut { kNone, kFromDegrees, kToDegrees };
  PjPtr pipeline;
  PjPtr step;  // null unless shortcut != kNone
  Shortcut shortcut = kNone;
};

namespace {

// Per-thread PROJ state. The caches are bounded: a client sending many
// distinct CRS strings must not grow a server thread without limit.
class ProjThread {
 public:
  ProjThread() : ctx_(proj_context_create()) {
    proj_context_set_enable_network(ctx_, 0);
    proj_log_level(ctx_, PJ_LOG_NONE);
  }
  ~ProjThread() {
    transforms_.clear();
    infos_.clear();
    proj_context_destroy(ctx_);
  }
  ProjThread(const ProjThread&) = delete;
  ProjThread& operator=(const ProjThread&) = delete;

  absl::StatusOr<const ProjOperation*> Transform(const std::string& from, const std::string& to) {
    // Looked up by the two names as they are (every point request does it
    // several times): no key is built unless the pair is new.
    if (auto it = transforms_.find(NamePair(from, to)); it != transforms_.end()) {
      return it->second.get();
    }
    if (absl::Status st = CheckDefinition(from); !st.ok()) return st;
    if (absl::Status st = CheckDefinition(to); !st.ok()) return st;
    PjPtr raw(proj_create_crs_to_crs(ctx_, from.c_str(), to.c_str(), nullptr));
    if (!raw) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot transform from '", Excerpt(from), "' to '", Excerpt(to),
                       "': ", proj_context_errno_string(ctx_, proj_context_errno(ctx_))));
    }
    // Longitude/easting first, whatever the CRS's official axis order.
    // On the heap: PointTransformers keep a pointer to it while the map
    // grows (a flat_hash_map moves its values when it rehashes).
    auto op = std::make_unique<ProjOperation>();
    op->pipeline.reset(proj_normalize_for_visualization(ctx_, raw.get()));
    if (!op->pipeline) {
      return absl::InvalidArgumentError(absl::StrCat("cannot normalise the axis order of '",
                                                     Excerpt(from), "' -> '", Excerpt(to), "'"));
    }
    FindProjectionStep(*op);
    if (transforms_.size() >= kMaxCached) {
      transforms_.clear();
      ++generation_;
    }
    const ProjOperation* out = op.get();
    transforms_.emplace(std::make_pair(from, to), std::move(op));
    return out;
  }

  // Bumped whenever cached transformations are destroyed.
  uint64_t generation() const { return generation_; }

  absl::StatusOr<CrsInfo> Describe(const std::string& name) {
    if (auto it = infos_.find(name); it != infos_.end()) return it->second;
    // Refused definitions are not cached: 256 of a request's size each would
    // be a lot of memory per thread.
    if (absl::Status st = CheckDefinition(name); !st.ok()) return st;
    absl::StatusOr<CrsInfo> info = DescribeUncached(name);
    if (infos_.size() >= kMaxCached) infos_.clear();
    infos_.emplace(name, info);
    return info;
  }

 private:
  static constexpr size_t kMaxCached = 256;
  // Far above any real definition (a WKT2 projected CRS with all its
  // metadata is a few kB); longer ones are refused before PROJ parses them.
  static constexpr size_t kMaxDefinitionBytes = 16384;

  // PROJ reads a CRS from an authority code, WKT, a PROJ string, or a name
  // it searches its database for. A name search can take seconds (the config
  // fuzzer found one of over 10 s under ASan), and a PROJ string's init= or
  // grid parameters name files: a request could make the server read what
  // the config never named. So only codes, WKT and PROJ strings that name no
  // path reach PROJ; Redline's own names (CGCS2000, GK, GCJ-02 ...) are
  // resolved before this (coordinates.h).
  static absl::Status CheckDefinition(absl::string_view name) {
    if (name.size() > kMaxDefinitionBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("the CRS '", Excerpt(name), "' is longer than ", kMaxDefinitionBytes,
                       " bytes, the limit for a CRS definition: give an EPSG code"));
    }
    const absl::string_view text = absl::StripAsciiWhitespace(name);
    if (IsAuthorityCode(text) || IsWkt(text)) return absl::OkStatus();
    if (absl::StartsWith(text, "+proj=") || absl::StartsWith(text, "proj=")) {
      if (absl::StrContains(text, "init=") || absl::StrContains(text, "/") ||
          absl::StrContains(text, "\\")) {
        return absl::InvalidArgumentError(absl::StrCat(
            "the PROJ string '", Excerpt(name),
            "' names a file (init= or a path): give an EPSG code or a PROJ string without them"));
      }
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown CRS '", Excerpt(name),
        "': give an EPSG code PROJ knows, e.g. EPSG:4490 (CGCS2000 longitude/latitude) or "
        "EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), WKT, or a PROJ string "
        "(+proj=...)"));
  }

  // AUTH:CODE (EPSG:4549, ESRI:102100) or an OGC URN (urn:ogc:def:crs:EPSG::4490).
  static bool IsAuthorityCode(absl::string_view s) {
    if (absl::StartsWithIgnoreCase(s, "urn:ogc:def:crs:")) {
      return std::none_of(s.begin(), s.end(), [](char c) { return absl::ascii_isspace(c); });
    }
    const size_t colon = s.find(':');
    if (colon == 0 || colon == absl::string_view::npos || colon + 1 == s.size()) return false;
    auto word = [](char c) { return absl::ascii_isalnum(c) || c == '_' || c == '.'; };
    return absl::ascii_isalpha(s[0]) && std::all_of(s.begin(), s.begin() + colon, word) &&
           std::all_of(s.begin() + colon + 1, s.end(), word);
  }

  // WKT 1 or 2: a keyword, then its bracket (PROJCRS[, GEOGCS[ ...).
  static bool IsWkt(absl::string_view s) {
    size_t i = 0;
    while (i < s.size() && (absl::ascii_isalpha(s[i]) || s[i] == '_')) ++i;
    while (i < s.size() && s[i] == ' ') ++i;
    return i > 0 && i < s.size() && (s[i] == '[' || s[i] == '(');
  }

  absl::StatusOr<CrsInfo> DescribeUncached(const std::string& name) {
    PjPtr crs(proj_create(ctx_, name.c_str()));
    if (!crs) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown CRS '", Excerpt(name),
                       "': give an EPSG code PROJ knows, e.g. EPSG:4490 (CGCS2000 "
                       "longitude/latitude) or EPSG:4549 (CGCS2000 / 3-degree "
                       "Gauss-Kruger CM 120E)"));
    }
    CrsInfo info;
    info.name = name;
    const PJ_TYPE type = proj_get_type(crs.get());
    switch (type) {
      case PJ_TYPE_GEOGRAPHIC_2D_CRS:
      case PJ_TYPE_GEOGRAPHIC_3D_CRS:
        info.geographic = true;
        break;
      case PJ_TYPE_PROJECTED_CRS:
        info.geographic = false;
        break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "'", Excerpt(name), "' is not a geographic or projected coordinate reference system"));
    }
    if (const char* desc = proj_get_name(crs.get())) info.description = desc;
    double w, s, e, n;
    const char* area_name = nullptr;
    if (proj_get_area_of_use(ctx_, crs.get(), &w, &s, &e, &n, &area_name) && w > -1000 && w <= e) {
      info.area_of_use = Box{w, s, e, n};
      if (area_name != nullptr) info.area_name = area_name;
    }
    return info;
  }

  // (from, to) keys, found by views of the two names (heterogeneous lookup).
  using NamePair = std::pair<absl::string_view, absl::string_view>;
  struct PairHash {
    using is_transparent = void;
    size_t operator()(const NamePair& k) const { return absl::HashOf(k.first, k.second); }
    size_t operator()(const std::pair<std::string, std::string>& k) const {
      return (*this)(NamePair(k.first, k.second));
    }
  };
  struct PairEq {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return absl::string_view(a.first) == absl::string_view(b.first) &&
             absl::string_view(a.second) == absl::string_view(b.second);
    }
  };

  // Sets op.step when op.pipeline is a conversion between degrees and
  // radians around one projection step: longitude/latitude to a projected
  // CRS on the same datum (EPSG:4490 -> EPSG:4549, the common case by far)
  // or back. PROJ runs every step of a pipeline with its own per-point
  // set-up and clean-up; calling the projection step directly, the
  // conversion done here by the same factor, gives the same coordinates bit
  // for bit (tests/spatial/crs_test.cc compares) in ~25 % less time.
  void FindProjectionStep(ProjOperation& op) {
    const char* def = proj_as_proj_string(ctx_, op.pipeline.get(), PJ_PROJ_5, nullptr);
    if (def == nullptr) return;
    constexpr absl::string_view kForward =
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step ";
    constexpr absl::string_view kInverseHead = "+proj=pipeline +step +inv ";
    constexpr absl::string_view kInverseTail = " +step +proj=unitconvert +xy_in=rad +xy_out=deg";
    absl::string_view rest(def);
    ProjOperation::Shortcut shortcut;
    if (absl::ConsumePrefix(&rest, kForward)) {
      shortcut = ProjOperation::kFromDegrees;
    } else if (absl::ConsumePrefix(&rest, kInverseHead) &&
               absl::ConsumeSuffix(&rest, kInverseTail)) {
      shortcut = ProjOperation::kToDegrees;
    } else {
      return;
    }
    if (absl::StrContains(rest, "+step") || absl::StrContains(rest, "+inv")) return;
    PjPtr step(proj_create(ctx_, std::string(rest).c_str()));
    if (!step) return;
    op.step = std::move(step);
    op.shortcut = shortcut;
  }

  PJ_CONTEXT* ctx_;
  uint64_t generation_ = 1;
  absl::flat_hash_map<std::pair<std::string, std::string>, std::unique_ptr<ProjOperation>, PairHash,
                      PairEq>
      transforms_;
  absl::flat_hash_map<std::string, absl::StatusOr<CrsInfo>> infos_;
};

ProjThread& Proj() {
  thread_local ProjThread proj;
  return proj;
}

// "EPSG:" and a code without a leading zero that fits an int: already what
// NormalizeCrsName makes of it. Every request names such a CRS several times
// over (input, working, longitude/latitude), so it skips the parse.
bool IsCanonicalEpsg(absl::string_view s) {
  constexpr absl::string_view kPrefix = "EPSG:";
  if (s.size() <= kPrefix.size() || s.size() > kPrefix.size() + 9 ||
      s.substr(0, kPrefix.size()) != kPrefix || s[kPrefix.size()] == '0') {
    return false;
  }
  for (char c : s.substr(kPrefix.size())) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string NormalizeCrsName(absl::string_view crs) {
  if (IsCanonicalEpsg(crs)) return std::string(crs);
  std::string s(absl::StripAsciiWhitespace(crs));
  if (s.empty()) return kLonLatCrs;
  int code = 0;
  if (absl::SimpleAtoi(s, &code)) return absl::StrCat("EPSG:", code);
  if (absl::StartsWithIgnoreCase(s, "epsg:")) {
    absl::string_view rest = absl::string_view(s).substr(5);
    if (absl::SimpleAtoi(rest, &code)) return absl::StrCat("EPSG:", code);
  }
  return s;
}

absl::StatusOr<CrsInfo> DescribeCrs(absl::string_view crs) {
  return Proj().Describe(NormalizeCrsName(crs));
}

absl::Status TransformPoints(absl::string_view from, absl::string_view to,
                             std::span<Point2> points) {
  if (points.empty()) return absl::OkStatus();
  absl::StatusOr<PointTransformer> t = PointTransformer::Make(from, to);
  if (!t.ok()) return t.status();
  return t->Apply(points);
}

absl::StatusOr<PointTransformer> PointTransformer::Make(absl::string_view from,
                                                        absl::string_view to) {
  PointTransformer t;
  t.from_ = NormalizeCrsName(from);
  t.to_ = NormalizeCrsName(to);
  t.identity_ = t.from_ == t.to_;
  if (t.identity_) return t;
  ProjThread& proj = Proj();
  absl::StatusOr<const ProjOperation*> op = proj.Transform(t.from_, t.to_);
  if (!op.ok()) return op.status();
  t.op_ = *op;
  t.generation_ = proj.generation();
  return t;
}

void PointTransformer::ApplyUnchecked(std::span<Point2> points) const {
  if (identity_ || points.empty()) return;
  ProjThread& proj = Proj();
  if (generation_ != proj.generation()) {
    absl::StatusOr<const ProjOperation*> op = proj.Transform(from_, to_);
    if (!op.ok()) {
      for (Point2& p : points) p = {HUGE_VAL, HUGE_VAL};
      return;
    }
    op_ = *op;
    generation_ = proj.generation();
  }
  // PROJ's unitconvert factor for degrees, and the one it derives for the
  // other way (from / to).
  constexpr double kDegree = 0.017453292519943296;
  constexpr double kPerDegree = 1.0 / kDegree;
  auto trans = [&](PJ* pj, PJ_DIRECTION direction) {
    const size_t n = points.size();
    proj_trans_generic(pj, direction, &points[0].x, sizeof(Point2), n, &points[0].y, sizeof(Point2),
                       n, nullptr, 0, 0, nullptr, 0, 0);
  };
  switch (op_->shortcut) {
    case ProjOperation::kNone:
      trans(op_->pipeline.get(), PJ_FWD);
      return;
    case ProjOperation::kFromDegrees:
      for (Point2& p : points) p = {p.x * kDegree, p.y * kDegree};
      trans(op_->step.get(), PJ_FWD);
      return;
    case ProjOperation::kToDegrees:
      trans(op_->step.get(), PJ_INV);
      // A failed point stays HUGE_VAL, as the pipeline leaves it.
      for (Point2& p : points) {
        if (p.x != HUGE_VAL) p = {p.x * kPerDegree, p.y * kPerDegree};
      }
      return;
  }
}

absl::Status PointTransformer::Apply(std::span<Point2> points) const {
  if (identity_) return absl::OkStatus();  // as before: nothing to check
  ApplyUnchecked(points);
  for (const Point2& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y) || p.x == HUGE_VAL || p.y == HUGE_VAL) {
      return absl::InvalidArgumentError(
          absl::StrCat("a coordinate cannot be transformed from ", from_, " to ", to_));
    }
  }
  return absl::OkStatus();
}

Box AllowedArea(const CrsInfo& info) {
  // A projected CRS's area of use is a zone of a grid system; surveyors
  // legitimately go a little past it, so allow a margin there.
  const double margin = info.geographic ? 0.0 : 1.5;
  return info.area_of_use.empty() ? info.area_of_use : info.area_of_use.Expanded(margin);
}

}  // namespace redline
