// The printable record of a check: one self-contained HTML page (UTF-8,
// inline CSS, inline SVG, no scripts, no external assets) that a permitting
// officer prints or files as the record of a siting check.
//
// The page holds the overall verdict first, the siting (purpose, outfall type,
// action), the time of the check and the dataset version, the site, a drawing
// of the site to scale (report/site_map.h), the zones touched and nearby, and
// every rule applied with its legal basis quoted. All text from the response
// is HTML-escaped. Its stylesheet is report/record.css, compiled in.
//
// The drawing is made from the geometries the response carries when the
// request asked for include_zone_geometry: the site as the server read it and
// the zones hit or nearby, clipped to the search area, all WKB in lon/lat.
// Without them (an older server), the site is drawn from the geometry the
// request sent (WKT, GeoJSON or WKB, in its own CRS) and no zone is drawn.
//
// Pure functions, no I/O except WriteReportFile; thread-compatible.
#ifndef REDLINE_REPORT_REPORT_HTML_H_
#define REDLINE_REPORT_REPORT_HTML_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "redline/v1/redline.pb.h"
#include "report/shape.h"
#include "report/site_map.h"

namespace redline::report {

// What the report shows besides the response.
struct ReportContext {
  std::string server;              // address the CLI called
  std::optional<Shape> site;       // the geometry sent, as given
  std::string site_crs;            // as sent ("" = EPSG:4490)
  std::string site_note;           // why the site is not drawn, if it is not
  std::vector<ZoneOutline> zones;  // outlines to draw (from the response)
  // The one language of the whole page. Names and quoted law stay as the
  // data and the statute spell them.
  Lang lang = Lang::kZh;
};

// Takes what the response itself carries for the drawing (with
// include_zone_geometry): the zone outlines around the site, and the site as
// the server read it, in lon/lat, which replaces the geometry sent (a
// coordinate table, or Gauss-Kruger with a detected zone, is drawn as read).
void AddResponseGeometry(const v1::CheckResponse& response, ReportContext* context);

// The whole page.
std::string RenderReportHtml(const v1::CheckResponse& response, const ReportContext& context);

// Renders and writes the page; the error names the file.
absl::Status WriteReportFile(const std::string& path, const v1::CheckResponse& response,
                             const ReportContext& context);

// Builds the context for a check-point or check-site request: parses the
// geometry it sent (a parse failure becomes a note, never an error: the
// server has already accepted the geometry).
ReportContext ContextForPoint(const v1::CheckPointRequest& request, const std::string& server);
ReportContext ContextForGeometry(const v1::CheckGeometryRequest& request,
                                 const std::string& server);

}  // namespace redline::report

#endif  // REDLINE_REPORT_REPORT_HTML_H_
