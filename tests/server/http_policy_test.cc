// The browser-facing rules of http_policy.h.
#include "server/http/http_policy.h"

#include <gtest/gtest.h>

namespace redline::server {
namespace {

HttpAccessPolicy Policy() {
  return {.listen_host = "0.0.0.0",
          .allowed_hosts = {"redline.example.org"},
          .allowed_origins = {"https://desk.example.org"}};
}

TEST(HttpPolicyTest, HostNames) {
  EXPECT_EQ(HostName("Example.ORG:8181"), "example.org");
  EXPECT_EQ(HostName("[::1]:80"), "::1");
  EXPECT_EQ(HostName("example.org."), "example.org");
  EXPECT_EQ(HostName("::1"), "::1");
}

TEST(HttpPolicyTest, HostMustBeOneTheServerAnswersTo) {
  for (const char* ok :
       {"127.0.0.1:8181", "localhost:8181", "[::1]:8181", "10.1.2.3", "REDLINE.example.org:443"}) {
    EXPECT_FALSE(CheckHost(ok, Policy())) << ok;
  }
  const auto bad = CheckHost("attacker.example:8181", Policy());
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 403);
  EXPECT_NE(bad->message.find("--http_allowed_hosts=attacker.example"), std::string::npos);
  EXPECT_EQ(CheckHost("", Policy())->status, 400);
  HttpAccessPolicy any = Policy();
  any.allowed_hosts = {"*"};
  EXPECT_FALSE(CheckHost("whatever.example", any));
  HttpAccessPolicy named = Policy();
  named.listen_host = "desk.local";
  EXPECT_FALSE(CheckHost("desk.local:8181", named));
}

TEST(HttpPolicyTest, OriginMustBeOwnOrAllowed) {
  const HttpAccessPolicy p = Policy();
  EXPECT_FALSE(CheckOrigin("http://127.0.0.1:8181", "", "127.0.0.1:8181", p));
  EXPECT_FALSE(CheckOrigin("https://desk.example.org/", "", "127.0.0.1:8181", p));
  EXPECT_FALSE(CheckOrigin("", "", "127.0.0.1:8181", p));  // a program, not a page
  EXPECT_FALSE(CheckOrigin("", "same-origin", "127.0.0.1:8181", p));
  EXPECT_EQ(CheckOrigin("http://127.0.0.1:9999", "", "127.0.0.1:8181", p)->status, 403);
  EXPECT_EQ(CheckOrigin("http://evil.example", "", "127.0.0.1:8181", p)->status, 403);
  EXPECT_EQ(CheckOrigin("null", "", "127.0.0.1:8181", p)->status, 403);
  EXPECT_EQ(CheckOrigin("", "cross-site", "127.0.0.1:8181", p)->status, 403);
}

TEST(HttpPolicyTest, MethodsPerRoute) {
  using enum HttpRoute;
  EXPECT_FALSE(CheckMethod(kCheckPoint, "POST"));
  EXPECT_FALSE(CheckMethod(kLayers, "HEAD"));
  EXPECT_FALSE(CheckMethod(kPage, "GET"));
  const auto r = CheckMethod(kCheckPoint, "GET");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->allow, "POST");
  EXPECT_EQ(CheckMethod(kPage, "POST")->allow, "GET, HEAD");
  EXPECT_EQ(CheckMethod(kMetrics, "DELETE")->allow, "GET, HEAD");
  // The change report: a JSON request, or a link to open.
  EXPECT_FALSE(CheckMethod(kCompare, "POST"));
  EXPECT_FALSE(CheckMethod(kCompare, "GET"));
  EXPECT_EQ(CheckMethod(kCompare, "PUT")->allow, "GET, HEAD, POST");
}

TEST(HttpPolicyTest, BodyTypes) {
  using enum HttpRoute;
  EXPECT_FALSE(CheckBodyType(kCheckPoint, "application/json; charset=utf-8", false, true));
  EXPECT_FALSE(CheckBodyType(kCheckPoint, "", true, true));  // empty: the handler says so
  EXPECT_EQ(CheckBodyType(kCheckPoint, "text/plain", false, true)->status, 415);
  EXPECT_EQ(CheckBodyType(kCheckPoint, "", false, true)->status, 415);
  EXPECT_FALSE(CheckBodyType(kUpload, "multipart/form-data; boundary=x", false, false));
  EXPECT_EQ(CheckBodyType(kUpload, "application/json", false, true)->status, 415);
  EXPECT_FALSE(CheckBodyType(kRecord, "application/x-www-form-urlencoded", false, true));
  EXPECT_EQ(CheckBodyType(kRecord, "application/x-www-form-urlencoded", false, false)->status, 415);
  EXPECT_EQ(CheckBodyType(kCheckGeometry, "application/x-www-form-urlencoded", false, true)->status,
            415);
}

TEST(HttpPolicyTest, FilePaths) {
  EXPECT_FALSE(CheckFilePath("/"));
  EXPECT_FALSE(CheckFilePath("/vendor/leaflet/leaflet.js"));
  for (const std::string& bad :
       {std::string("/index.html\0.js", 15), std::string("/../etc/passwd"),
        std::string("/a\\..\\b"), std::string("/./index.html"), std::string("index.html")}) {
    EXPECT_TRUE(CheckFilePath(bad)) << bad;
  }
}

TEST(HttpPolicyTest, Charsets) {
  EXPECT_EQ(WithCharset("text/html"), "text/html; charset=utf-8");
  EXPECT_EQ(WithCharset("text/html; charset=GBK"), "text/html; charset=GBK");
  EXPECT_EQ(WithCharset("application/javascript"), "application/javascript; charset=utf-8");
  EXPECT_EQ(WithCharset("image/png"), "image/png");
}

// The page may load the configured base maps' tiles, from their hosts only
// (one origin per subdomain), and nothing from a URL that is not plain.
TEST(HttpPolicyTest, BaseMapHostsWidenOnlyImgSrc) {
  BasemapConfig tdt;
  tdt.url = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&tk=secret";
  tdt.subdomains = {"0", "1"};
  BasemapConfig local;
  local.url = "http://127.0.0.1:8181/tiles/{z}/{x}/{y}.png";
  BasemapConfig odd;
  odd.url = "http://x; script-src *;/{z}/{x}/{y}.png";
  const std::vector<std::string> origins = TileOrigins({tdt, local, odd});
  EXPECT_EQ(origins,
            (std::vector<std::string>{"https://t0.tianditu.gov.cn", "https://t1.tianditu.gov.cn",
                                      "http://127.0.0.1:8181"}));
  const std::string csp = ContentSecurityPolicy(origins);
  EXPECT_NE(csp.find("img-src 'self' data: blob: https://t0.tianditu.gov.cn "
                     "https://t1.tianditu.gov.cn http://127.0.0.1:8181;"),
            std::string::npos)
      << csp;
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
  EXPECT_EQ(csp.find("secret"), std::string::npos);
  EXPECT_EQ(ContentSecurityPolicy({}), SecurityHeaders()[1].second);
}

}  // namespace
}  // namespace redline::server
