// What `redline compare` prints and writes, from the one
// CompareVersionsResponse both its modes produce: the terminal summary, and
// the --output files (CSV, JSON, GeoPackage, HTML).
#ifndef REDLINE_CLIENTS_CLI_COMPARE_OUTPUT_H_
#define REDLINE_CLIENTS_CLI_COMPARE_OUTPUT_H_

#include <string>

#include "absl/status/status.h"
#include "redline/v1/redline.pb.h"

namespace redline::cli {

// The summary for a terminal: the versions, each change with its areas, the
// totals per layer and kind, and the register features that changed.
std::string FormatComparison(const v1::CompareVersionsResponse& response);

// The response as JSON (protobuf's mapping, field names as in the .proto).
std::string ComparisonJson(const v1::CompareVersionsResponse& response);

// Writes `path` by its extension: .json (the whole response), .csv (the
// changes; the totals to <stem>_totals.csv and, with a register, the sites
// to <stem>_sites.csv), .gpkg (WriteComparisonGpkg), .html (the change
// report, report/change_report.h). An existing file is refused unless
// `overwrite`.
absl::Status WriteComparison(const v1::CompareVersionsResponse& response, const std::string& path,
                             bool overwrite);

// The GeoPackage (compare_gpkg.cc): layers zone_changes, zones_before,
// gained, lost, sites (with a register) and totals; the geometries come from
// the response's WKB fields (ask for them: include_geometry). Replaces `path`.
absl::Status WriteComparisonGpkg(const v1::CompareVersionsResponse& response,
                                 const std::string& path);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_COMPARE_OUTPUT_H_
