// The change report: one self-contained HTML page (UTF-8, inline CSS and SVG,
// no scripts) that records what changed between two versions of the zones,
// stamped with both dataset versions: the 面积不减少 check per kind first, then
// the totals per layer and level, every changed zone with a map of its
// outline before and after and the parts gained (green) and lost (red), and
// the register features whose answer changed.
//
// Rendered from the CompareVersionsResponse `redline compare` prints (with
// include_geometry: without WKB no map is drawn). Its stylesheet is the
// record's (report/record.css). Pure functions but for WriteChangeReportFile;
// thread-compatible.
#ifndef REDLINE_REPORT_CHANGE_REPORT_H_
#define REDLINE_REPORT_CHANGE_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "redline/v1/redline.pb.h"

namespace redline::report {

// The whole page; `generated_at` is printed as given (e.g. an RFC 3339 time).
std::string RenderChangeReportHtml(const v1::CompareVersionsResponse& response,
                                   const std::string& generated_at);

// Renders and writes the page; the error names the file.
absl::Status WriteChangeReportFile(const std::string& path,
                                   const v1::CompareVersionsResponse& response,
                                   const std::string& generated_at);

}  // namespace redline::report

#endif  // REDLINE_REPORT_CHANGE_REPORT_H_
