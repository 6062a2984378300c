#include "spatial/query/check_types.h"

#include "absl/strings/str_format.h"

namespace redline {

absl::string_view RelationName(Relation relation) {
  switch (relation) {
    case Relation::kInside:
      return "INSIDE";
    case Relation::kBoundary:
      return "BOUNDARY";
    case Relation::kWithin:
      return "WITHIN";
    case Relation::kIntersects:
      return "INTERSECTS";
    case Relation::kTouches:
      return "TOUCHES";
  }
  return "INSIDE";
}

absl::StatusOr<std::vector<bool>> ValidateOptions(const ZoneIndex& index,
                                                  const CheckOptions& options) {
  const Config& config = index.config();
  // Written so that NaN fails too.
  if (!(options.search_radius_m >= 0 && options.search_radius_m <= config.max_search_radius_m)) {
    return absl::InvalidArgumentError(absl::StrFormat("search_radius_m %g is outside 0..%g",
                                                      options.search_radius_m,
                                                      config.max_search_radius_m));
  }
  return index.LayerMask(options.layers);
}

double SearchRadius(const ZoneIndex& index, const CheckOptions& options) {
  return options.search_radius_m > 0 ? options.search_radius_m
                                     : index.config().default_search_radius_m;
}

}  // namespace redline
