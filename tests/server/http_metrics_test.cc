// GET /metrics on the HTTP API: requests counted by route and status as the
// library answers them (the API's own errors, its 404s, the drain's 503s),
// and the metrics still served while draining, when other routes are not.
#include <httplib.h>

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/http/http_api.h"
#include "server/runtime/metrics.h"
#include "server/runtime/snapshot_holder.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline::server {
namespace {

class HttpMetricsTest : public SampleSnapshotTest {
 protected:
  void SetUp() override {
    SampleSnapshotTest::SetUp();
    holder_ = std::make_unique<SnapshotHolder>(sample_ptr());
    api_ = std::make_unique<HttpApi>(holder_.get(), nullptr, HttpOptions{}, &metrics_);
    ASSERT_TRUE(api_->Start("127.0.0.1", 0).ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", api_->port());
  }

  // GET /metrics; fails the test unless it answers 200.
  std::string Scrape() {
    httplib::Result r = client_->Get("/metrics");
    EXPECT_TRUE(r) << httplib::to_string(r.error());
    if (!r) return "";
    EXPECT_EQ(r->status, 200) << r->body;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return r->body;
  }

  int Status(httplib::Result r) { return r ? r->status : -1; }

  Metrics metrics_;
  std::unique_ptr<SnapshotHolder> holder_;
  std::unique_ptr<HttpApi> api_;
  std::unique_ptr<httplib::Client> client_;
};

// Whether `text` has the sample line `sample` ("name{labels} value").
::testing::AssertionResult HasSample(const std::string& text, const std::string& sample) {
  if (absl::StrContains(absl::StrCat("\n", text), absl::StrCat("\n", sample, "\n"))) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no line \"" << sample << "\" in:\n" << text;
}

// The sample line of redline_http_requests_total for `route` and `code`.
std::string Requests(const std::string& route, int code, int n) {
  return absl::StrCat("redline_http_requests_total{route=\"", route, "\",code=\"", code, "\"} ", n);
}

TEST_F(HttpMetricsTest, CountsRequestsByRouteAndStatus) {
  const std::string kJson = "application/json";
  EXPECT_EQ(Status(client_->Post("/v1/check-point", R"({"x":121.0,"y":30.0})", kJson)), 200);
  EXPECT_EQ(Status(client_->Post("/v1/check-point", R"({"x":500,"y":30.0})", kJson)), 400);
  EXPECT_EQ(Status(client_->Post("/v1/check-point", "not json", kJson)), 400);
  EXPECT_EQ(Status(client_->Get("/v1/layers")), 200);
  EXPECT_EQ(Status(client_->Get("/no/such/path")), 404);

  const std::string text = Scrape();
  EXPECT_TRUE(HasSample(text, Requests("/v1/check-point", 200, 1)));
  EXPECT_TRUE(HasSample(text, Requests("/v1/check-point", 400, 2)));
  EXPECT_TRUE(HasSample(text, Requests("/v1/layers", 200, 1)));
  EXPECT_TRUE(HasSample(text, Requests("page", 404, 1)));
  EXPECT_TRUE(
      HasSample(text, R"(redline_http_request_duration_seconds_count{route="/v1/check-point"} 3)"));
  // The scrape itself is being answered as it renders.
  EXPECT_TRUE(HasSample(text, R"(redline_http_requests_in_flight{route="/metrics"} 1)"));
  EXPECT_TRUE(HasSample(text, R"(redline_http_requests_in_flight{route="/v1/check-point"} 0)"));
  EXPECT_TRUE(
      HasSample(text, absl::StrCat("redline_dataset_info{version=\"", sample().version(),
                                   "\",content_hash=\"", sample().content_hash(), "\"} 1")));
  // Counted once written: the next scrape sees the last one.
  EXPECT_TRUE(HasSample(Scrape(), Requests("/metrics", 200, 1)));
}

TEST_F(HttpMetricsTest, MetricsAreServedWhileDraining) {
  api_->Drain();
  EXPECT_EQ(Status(client_->Get("/v1/layers")), 503);
  EXPECT_EQ(Status(client_->Post("/v1/check-point", R"({"x":121.0,"y":30.0})", "application/json")),
            503);
  const std::string text = Scrape();
  EXPECT_TRUE(HasSample(text, Requests("/v1/layers", 503, 1)));
  EXPECT_TRUE(HasSample(text, Requests("/v1/check-point", 503, 1)));
}

TEST_F(HttpMetricsTest, NoMetricsNoRoute) {
  HttpApi bare(holder_.get(), nullptr, HttpOptions{});
  ASSERT_TRUE(bare.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", bare.port());
  EXPECT_EQ(Status(client.Get("/metrics")), 404);
}

}  // namespace
}  // namespace redline::server
