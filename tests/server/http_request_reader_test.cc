// HttpRequestReader: framing, limits and refusals, byte by byte.
#include "server/http/http_request_reader.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace redline::server {
namespace {

using State = HttpRequestReader::State;

HttpRequestLimits Limits(int64_t max_body = 1000) {
  HttpRequestLimits l;
  l.max_head_bytes = 1024;
  l.max_body_bytes = max_body;
  return l;
}

// Feeds `bytes` one at a time, as the slowest client would.
State FeedBytewise(HttpRequestReader& r, const std::string& bytes, std::string* in) {
  State s = r.state();
  for (char c : bytes) {
    in->push_back(c);
    s = r.Consume(in);
    if (s == State::kDone || s == State::kError) break;
  }
  return s;
}

TEST(HttpRequestReaderTest, ContentLengthBodyIsNormalised) {
  HttpRequestReader r(Limits());
  std::string in =
      "POST /v1/check-point?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET";
  ASSERT_EQ(r.Consume(&in), State::kDone);
  EXPECT_EQ(r.method(), "POST");
  EXPECT_EQ(r.path(), "/v1/check-point");
  EXPECT_EQ(in, "GET");  // the pipelined next request stays
  const HttpRawRequest req = r.TakeRequest();
  EXPECT_EQ(req.head, "POST /v1/check-point?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(req.body, "hello");
  EXPECT_EQ(r.state(), State::kHead);
}

TEST(HttpRequestReaderTest, ChunkedBodyIsDecodedBytewise) {
  HttpRequestReader r(Limits());
  std::string in;
  const std::string req =
      "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
  ASSERT_EQ(FeedBytewise(r, req, &in), State::kDone);
  EXPECT_TRUE(r.expects_continue());
  const HttpRawRequest out = r.TakeRequest();
  EXPECT_EQ(out.head, "POST /a HTTP/1.1\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(out.body, "hello world");
}

TEST(HttpRequestReaderTest, AnySplitOfTheBytesReadsTheSame) {
  const std::string req =
      "POST /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
      "POST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\nxy";
  for (size_t cut = 0; cut <= req.size(); ++cut) {
    HttpRequestReader r(Limits());
    std::string in = req.substr(0, cut);
    State s = r.Consume(&in);
    if (s != State::kDone) {
      in += req.substr(cut);
      s = r.Consume(&in);
    } else {
      in += req.substr(cut);
    }
    ASSERT_EQ(s, State::kDone) << "cut at " << cut;
    EXPECT_EQ(r.TakeRequest().body, "abcde") << "cut at " << cut;
    ASSERT_EQ(r.Consume(&in), State::kDone) << "cut at " << cut;
    const HttpRawRequest second = r.TakeRequest();
    EXPECT_EQ(second.body, "xy");
    EXPECT_TRUE(second.head.rfind("POST /b HTTP/1.1\r\n", 0) == 0);
    EXPECT_TRUE(in.empty());
  }
}

TEST(HttpRequestReaderTest, NoFramingMeansNoBody) {
  HttpRequestReader r(Limits());
  std::string in = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_EQ(r.Consume(&in), State::kDone);
  EXPECT_EQ(r.TakeRequest().head, "GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpRequestReaderTest, ChunkedBodyOverTheLimitIsRefusedBeforeTheChunk) {
  HttpRequestReader r(Limits(100));
  std::string in = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" +
                   std::string(80, 'x') + "\r\n50\r\n";
  ASSERT_EQ(r.Consume(&in), State::kError);
  EXPECT_EQ(r.error_status(), 413);
  EXPECT_EQ(r.body_bytes(), 80);
  EXPECT_NE(r.error_message().find("max_request_bytes"), std::string::npos);
}

TEST(HttpRequestReaderTest, DeclaredLengthOverTheLimitIsRefusedAfterTheHead) {
  HttpRequestReader r(Limits(100));
  std::string in = "POST /a HTTP/1.1\r\nContent-Length: 73400320\r\n\r\n";
  ASSERT_EQ(r.Consume(&in), State::kError);
  EXPECT_EQ(r.error_status(), 413);
}

TEST(HttpRequestReaderTest, HeadOverTheLimitIs431) {
  HttpRequestReader r(Limits());
  std::string in = "GET / HTTP/1.1\r\nX: " + std::string(2000, 'a');
  ASSERT_EQ(r.Consume(&in), State::kError);
  EXPECT_EQ(r.error_status(), 431);
}

TEST(HttpRequestReaderTest, MalformedRequestsAreRefused) {
  const struct {
    std::string request;
    int status;
  } cases[] = {
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"GET / HTTP/1.1\r\nContent-Encoding: gzip\r\n\r\n", 415},
      {"GET / HTTP/1.1\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400},
      {std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 27), 400},
      {"GET / HTTP/2.0\r\n\r\n", 505},
      {"GET  / HTTP/1.1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", 400},
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 414},
  };
  for (const auto& c : cases) {
    HttpRequestLimits limits = Limits();
    limits.max_head_bytes = 16 << 10;
    HttpRequestReader r(limits);
    std::string in = c.request;
    EXPECT_EQ(r.Consume(&in), State::kError) << c.request.substr(0, 60);
    EXPECT_EQ(r.error_status(), c.status) << c.request.substr(0, 60);
    EXPECT_LT(r.error_message().size(), 200u);
  }
}

TEST(HttpRequestReaderTest, ExcerptCutsOnCharactersAndHidesControls) {
  EXPECT_EQ(PrintableExcerpt("abc"), "abc");
  EXPECT_EQ(PrintableExcerpt("a\nb"), "a?b");
  EXPECT_EQ(PrintableExcerpt("禁止禁止", 4), "禁…");  // 3-byte characters, never half of one
  EXPECT_EQ(PrintableExcerpt(std::string(100, 'x'), 10), std::string(10, 'x') + "…");
}

}  // namespace
}  // namespace redline::server
