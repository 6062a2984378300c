// Who may use the HTTP API from a browser, and the headers every answer
// carries: the rules against cross-site requests (CSRF), DNS rebinding and
// content sniffing (issue 18, findings 2 and 8), as pure functions of a
// request's headers so they can be tested without a server.
//
//   - Host: the name a request was sent to must be one this server answers
//     to: an IP address literal (a rebinding attack needs a name it
//     controls), "localhost", the --http host, or a name in
//     --http_allowed_hosts ("*": any). Else 403. The port is not compared:
//     a rebinding attack is about the name, and proxies rewrite ports.
//   - Origin (POST and the like): when a browser says where a request comes
//     from, it must be this server's own origin (scheme://Host) or one in
//     --http_allowed_origins; "null" and Sec-Fetch-Site: cross-site without
//     an Origin are refused too. Else 403. A request without Origin comes
//     from a program, not a page (browsers send Origin on every POST).
//   - Body type: JSON routes take application/json; /v1/upload takes
//     multipart/form-data; /v1/record and /v1/compare take an HTML form
//     (application/x-www-form-urlencoded, field "request") when it is not
//     cross-origin. Anything else (text/plain: the type a page may send
//     cross-site without asking) is 415.
#ifndef REDLINE_SERVER_HTTP_HTTP_POLICY_H_
#define REDLINE_SERVER_HTTP_HTTP_POLICY_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "server/runtime/metrics.h"
#include "spatial/data/config.h"

namespace redline::server {

struct HttpAccessPolicy {
  std::string listen_host;                   // the --http host, as given
  std::vector<std::string> allowed_hosts;    // more Host names; "*": any
  std::vector<std::string> allowed_origins;  // more origins, scheme://host[:port]
};

struct HttpRefusal {
  int status;  // 400, 403, 405, 415
  std::string message;
  std::string allow;  // for 405: the methods the path takes
};

// The host name of a Host header value: lower case, without port, brackets
// or a trailing dot.
std::string HostName(absl::string_view host_header);

// 403 when the Host header names a host this server does not answer to.
std::optional<HttpRefusal> CheckHost(absl::string_view host_header, const HttpAccessPolicy& policy);

// Whether `origin` is this server's own (http or https, same host and port
// as the Host header).
bool IsSameOrigin(absl::string_view origin, absl::string_view host_header);
// Whether `origin` is one of --http_allowed_origins.
bool IsAllowedOrigin(absl::string_view origin, const HttpAccessPolicy& policy);

// 403 for a cross-site request (see above). `origin` and `sec_fetch_site`
// are the headers' values, empty when absent.
std::optional<HttpRefusal> CheckOrigin(absl::string_view origin, absl::string_view sec_fetch_site,
                                       absl::string_view host_header,
                                       const HttpAccessPolicy& policy);

// 405 when `method` is not one `route` takes (with the Allow list).
std::optional<HttpRefusal> CheckMethod(HttpRoute route, absl::string_view method);

// 415 when a POST body's Content-Type does not fit the route (see above).
// `same_origin_or_none`: the request had no Origin or this server's own.
std::optional<HttpRefusal> CheckBodyType(HttpRoute route, absl::string_view content_type,
                                         bool body_empty, bool same_origin_or_none);

// 400 for a page path that is not a clean file path: NUL or other control
// characters, backslashes, "." or ".." segments (the library decodes %00
// into a NUL that then cut the file name short).
std::optional<HttpRefusal> CheckFilePath(absl::string_view decoded_path);

// The headers every answer carries: nosniff, a Content-Security-Policy the
// staff desk works under (its scripts and styles from the server itself;
// Leaflet's inline style attributes; data: and blob: images; no framing),
// X-Frame-Options, Referrer-Policy.
const std::vector<std::pair<std::string, std::string>>& SecurityHeaders();

// The Content-Security-Policy of SecurityHeaders(), its img-src widened by
// `image_origins` (the base maps' tile servers, TileOrigins).
std::string ContentSecurityPolicy(const std::vector<std::string>& image_origins);
// The scheme://host[:port] of every base map's tiles (one per subdomain).
std::vector<std::string> TileOrigins(const std::vector<BasemapConfig>& basemaps);

// `content_type` with "; charset=utf-8" added to text types (and
// JavaScript, JSON) that name no charset.
std::string WithCharset(absl::string_view content_type);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_POLICY_H_
