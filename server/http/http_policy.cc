#include "server/http/http_policy.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "server/http/http_request_reader.h"

namespace redline::server {
namespace {

bool IsIpLiteral(const std::string& name) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, name.c_str(), buf) == 1 ||
         ::inet_pton(AF_INET6, name.c_str(), buf) == 1;
}

// "scheme://host[:port]" lower-cased, without a trailing slash.
std::string NormalOrigin(absl::string_view origin) {
  std::string o = absl::AsciiStrToLower(absl::StripAsciiWhitespace(origin));
  while (!o.empty() && o.back() == '/') o.pop_back();
  return o;
}

// The media type of a Content-Type value: lower case, no parameters.
std::string MediaType(absl::string_view content_type) {
  return absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(content_type.substr(0, content_type.find(';'))));
}

}  // namespace

std::string HostName(absl::string_view host_header) {
  absl::string_view h = absl::StripAsciiWhitespace(host_header);
  if (absl::StartsWith(h, "[")) {
    const size_t close = h.find(']');
    h = close == absl::string_view::npos ? h.substr(1) : h.substr(1, close - 1);
  } else if (const size_t colon = h.find(':'); colon != absl::string_view::npos &&
                                               h.find(':', colon + 1) == absl::string_view::npos) {
    h = h.substr(0, colon);
  }
  std::string name = absl::AsciiStrToLower(h);
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

std::optional<HttpRefusal> CheckHost(absl::string_view host_header,
                                     const HttpAccessPolicy& policy) {
  const std::string name = HostName(host_header);
  if (name.empty()) {
    return HttpRefusal{400, "the Host header is missing: HTTP/1.1 requests must name the host"};
  }
  if (IsIpLiteral(name) || name == "localhost" || name == HostName(policy.listen_host)) {
    return std::nullopt;
  }
  for (const std::string& allowed : policy.allowed_hosts) {
    if (allowed == "*" || HostName(allowed) == name) return std::nullopt;
  }
  return HttpRefusal{
      403, absl::StrCat("the Host '", PrintableExcerpt(host_header, 80),
                        "' is not a name this server answers to (a page on another site may be "
                        "using DNS rebinding); if it is this server's name, start redlined with "
                        "--http_allowed_hosts=",
                        PrintableExcerpt(name, 80))};
}

bool IsSameOrigin(absl::string_view origin, absl::string_view host_header) {
  const std::string o = NormalOrigin(origin);
  const std::string host = absl::AsciiStrToLower(absl::StripAsciiWhitespace(host_header));
  return !host.empty() &&
         (o == absl::StrCat("http://", host) || o == absl::StrCat("https://", host));
}

bool IsAllowedOrigin(absl::string_view origin, const HttpAccessPolicy& policy) {
  const std::string o = NormalOrigin(origin);
  return std::any_of(policy.allowed_origins.begin(), policy.allowed_origins.end(),
                     [&](const std::string& a) { return NormalOrigin(a) == o; });
}

std::optional<HttpRefusal> CheckOrigin(absl::string_view origin, absl::string_view sec_fetch_site,
                                       absl::string_view host_header,
                                       const HttpAccessPolicy& policy) {
  if (!origin.empty()) {
    if (IsSameOrigin(origin, host_header) || IsAllowedOrigin(origin, policy)) return std::nullopt;
    return HttpRefusal{
        403, absl::StrCat("requests from the page at origin '", PrintableExcerpt(origin, 80),
                          "' are not accepted: only this server's own pages, or origins listed in "
                          "--http_allowed_origins, may send them")};
  }
  // No Origin: a program, or an old browser. A browser that says the
  // request is cross-site is believed.
  if (absl::EqualsIgnoreCase(sec_fetch_site, "cross-site") ||
      absl::EqualsIgnoreCase(sec_fetch_site, "same-site")) {
    return HttpRefusal{403, "a cross-site request without an Origin header is not accepted"};
  }
  return std::nullopt;
}

std::optional<HttpRefusal> CheckMethod(HttpRoute route, absl::string_view method) {
  using enum HttpRoute;
  const bool post =
      route == kCheckPoint || route == kCheckGeometry || route == kUpload || route == kRecord;
  // The change report: a JSON request, or a link to open and print.
  const bool both = route == kCompare;
  if (both && (method == "POST" || method == "GET" || method == "HEAD")) return std::nullopt;
  if (!both && (post ? method == "POST" : (method == "GET" || method == "HEAD"))) {
    return std::nullopt;
  }
  const std::string allow = both ? "GET, HEAD, POST" : post ? "POST" : "GET, HEAD";
  const std::string what = route == kPage ? "the staff desk's files" : HttpRoutePath(route);
  return HttpRefusal{405,
                     absl::StrCat("method ", PrintableExcerpt(method, 20), " is not allowed on ",
                                  what, ": use ", allow),
                     allow};
}

std::optional<HttpRefusal> CheckBodyType(HttpRoute route, absl::string_view content_type,
                                         bool body_empty, bool same_origin_or_none) {
  using enum HttpRoute;
  const std::string type = MediaType(content_type);
  // An empty body has no type to check; the handler says what is missing.
  if (body_empty && type.empty()) return std::nullopt;
  if (route == kUpload) {
    if (type == "multipart/form-data") return std::nullopt;
    return HttpRefusal{415, absl::StrCat("Content-Type '", PrintableExcerpt(content_type, 60),
                                         "' is not accepted here: send the file as "
                                         "multipart/form-data in a field named 'file'")};
  }
  if (type == "application/json") return std::nullopt;
  if ((route == kRecord || route == kCompare) && type == "application/x-www-form-urlencoded" &&
      same_origin_or_none) {
    return std::nullopt;
  }
  return HttpRefusal{415, absl::StrCat("Content-Type '", PrintableExcerpt(content_type, 60),
                                       "' is not accepted: send the request as application/json",
                                       route == kRecord || route == kCompare
                                           ? " (or, from this server's own page, as a form)"
                                           : "")};
}

std::optional<HttpRefusal> CheckFilePath(absl::string_view decoded_path) {
  const bool control = std::any_of(decoded_path.begin(), decoded_path.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  bool dot_segment = false;
  for (absl::string_view seg : absl::StrSplit(decoded_path, '/')) {
    if (seg == "." || seg == "..") dot_segment = true;
  }
  if (control || dot_segment || absl::StrContains(decoded_path, '\\') ||
      !absl::StartsWith(decoded_path, "/")) {
    return HttpRefusal{400, absl::StrCat("the path '", PrintableExcerpt(decoded_path, 80),
                                         "' is not a clean file path")};
  }
  return std::nullopt;
}

std::string ContentSecurityPolicy(const std::vector<std::string>& image_origins) {
  std::string images;
  for (const std::string& origin : image_origins) absl::StrAppend(&images, " ", origin);
  return absl::StrCat(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
      "img-src 'self' data: blob:",
      images,
      "; connect-src 'self'; font-src 'self'; object-src 'none'; "
      "base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
}

std::vector<std::string> TileOrigins(const std::vector<BasemapConfig>& basemaps) {
  std::vector<std::string> out;
  for (const BasemapConfig& map : basemaps) {
    const size_t scheme = map.url.find("://");
    if (scheme == std::string::npos) continue;
    const std::string origin = map.url.substr(0, map.url.find('/', scheme + 3));
    // One origin per subdomain: CSP's wildcards cover whole labels only.
    std::vector<std::string> subdomains = map.subdomains;
    if (subdomains.empty() || !absl::StrContains(origin, "{s}")) subdomains = {""};
    for (const std::string& sub : subdomains) {
      std::string o = absl::StrReplaceAll(origin, {{"{s}", sub}});
      // Only a plain scheme://host[:port]: nothing that could end the directive.
      if (std::all_of(o.begin(), o.end(),
                      [](char c) {
                        return absl::ascii_isalnum(c) || c == ':' || c == '/' || c == '.' ||
                               c == '-' || c == '[' || c == ']';
                      }) &&
          std::find(out.begin(), out.end(), o) == out.end()) {
        out.push_back(std::move(o));
      }
    }
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>>& SecurityHeaders() {
  static const auto* const kHeaders = new std::vector<std::pair<std::string, std::string>>{
      {"X-Content-Type-Options", "nosniff"},
      {"Content-Security-Policy", ContentSecurityPolicy({})},
      {"X-Frame-Options", "DENY"},
      {"Referrer-Policy", "no-referrer"},
  };
  return *kHeaders;
}

std::string WithCharset(absl::string_view content_type) {
  const std::string type = MediaType(content_type);
  const bool textual = absl::StartsWith(type, "text/") || type == "application/javascript" ||
                       type == "application/json" || type == "image/svg+xml";
  if (!textual || absl::StrContains(absl::AsciiStrToLower(content_type), "charset=")) {
    return std::string(content_type);
  }
  return absl::StrCat(content_type, "; charset=utf-8");
}

}  // namespace redline::server
