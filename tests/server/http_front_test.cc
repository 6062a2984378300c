// HttpFront with a stub handler: timeouts, limits and the graceful stop,
// with short figures so each case takes a fraction of a second.
#include "server/http/http_front.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace redline::server {
namespace {

// A blocking client socket to the front; closes on destruction.
class Client {
 public:
  explicit Client(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void Send(const std::string& s) { (void)!::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // Everything until the server closes (or 5 s pass).
  std::string ReadAll() {
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd_, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class HttpFrontTest : public ::testing::Test {
 protected:
  void Start(HttpFrontOptions options, std::chrono::milliseconds handler_time = {}) {
    front_ = std::make_unique<HttpFront>(
        options,
        [this, handler_time](HttpRawRequest req, const HttpPeer&, bool, bool* close) {
          ++answered_;
          std::this_thread::sleep_for(handler_time);
          *close = false;
          const std::string body = absl::StrCat("got ", req.body.size());
          return absl::StrCat("HTTP/1.1 200 OK\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
        },
        [](absl::string_view, int status, absl::string_view message) {
          const std::string body = absl::StrCat(status, " ", message);
          return absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Length: ", body.size(),
                              "\r\nConnection: close\r\n\r\n", body);
        });
    ASSERT_TRUE(front_->Start("127.0.0.1", 0).ok());
  }
  std::unique_ptr<HttpFront> front_;
  std::atomic<int> answered_{0};
};

TEST_F(HttpFrontTest, AnswersKeepAliveAndPipelinedRequests) {
  Start({});
  Client c(front_->port());
  c.Send(
      "GET /a HTTP/1.1\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
      "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  front_->Stop();  // the connection is idle again: closed, so ReadAll ends
  const std::string out = c.ReadAll();
  EXPECT_TRUE(absl::StrContains(out, "got 0")) << out;
  EXPECT_TRUE(absl::StrContains(out, "got 3")) << out;
  EXPECT_EQ(answered_, 3);
}

TEST_F(HttpFrontTest, SlowHeadGets408) {
  HttpFrontOptions o;
  o.head_timeout_ms = 300;
  Start(o);
  Client c(front_->port());
  c.Send("GET / HT");
  const auto t0 = std::chrono::steady_clock::now();
  const std::string out = c.ReadAll();
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 408")) << out;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(answered_, 0);
}

TEST_F(HttpFrontTest, SlowBodyGets408) {
  HttpFrontOptions o;
  o.body_grace_ms = 300;
  o.min_body_bytes_per_s = 1000;
  Start(o);
  Client c(front_->port());
  c.Send("POST / HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc");
  EXPECT_TRUE(absl::StartsWith(c.ReadAll(), "HTTP/1.1 408"));
}

TEST_F(HttpFrontTest, SilentConnectionIsClosedWithoutAnswer) {
  HttpFrontOptions o;
  o.head_timeout_ms = 200;
  Start(o);
  Client c(front_->port());
  EXPECT_EQ(c.ReadAll(), "");
}

TEST_F(HttpFrontTest, ConnectionsPerClientAreLimited) {
  HttpFrontOptions o;
  o.max_connections_per_client = 2;
  Start(o);
  Client a(front_->port()), b(front_->port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client c(front_->port());
  EXPECT_TRUE(absl::StartsWith(c.ReadAll(), "HTTP/1.1 503")) << "third connection";
}

TEST_F(HttpFrontTest, BufferedBodiesAreLimitedInTotal) {
  HttpFrontOptions o;
  o.request.max_body_bytes = 1000;
  o.max_buffered_bytes = 1500;
  Start(o);
  Client a(front_->port()), b(front_->port());
  a.Send("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nabc");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  b.Send("POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\nabc");
  const std::string out = b.ReadAll();
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 503")) << out;
}

TEST_F(HttpFrontTest, StopAnswersRequestsThatHaveArrived) {
  Start({}, std::chrono::milliseconds(400));
  const int port = front_->port();
  Client c(port);
  c.Send("GET /slow HTTP/1.1\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::thread stopper([&] { front_->Stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Client late(port);
  EXPECT_FALSE(late.connected()) << "accepted a connection while stopping";
  const std::string out = c.ReadAll();
  stopper.join();
  EXPECT_TRUE(absl::StartsWith(out, "HTTP/1.1 200")) << out;
}

}  // namespace
}  // namespace redline::server
