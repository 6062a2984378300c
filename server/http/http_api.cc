#include "server/http/http_api.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/http/http_request_reader.h"
#include "server/http/http_routes.h"
#include "server/runtime/log.h"

namespace redline::server {
namespace {

// The request a worker thread is answering, for the metrics: httplib
// answers a request on one thread, from the pre-routing handler (which
// starts counting) to the post-routing handler (which stops).
struct CountedRequest {
  bool open = false;
  HttpRoute route = HttpRoute::kPage;
  std::chrono::steady_clock::time_point start;
};
thread_local CountedRequest counted_request;

// Who sent the request a worker thread is answering: set by the
// pre-routing handler once the token is checked, read by the route.
thread_local Caller current_caller;

// `text` with every byte but ASCII letters, digits and "-._~" as %XX.
std::string PercentEncoded(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A refusal of the token check: 401 with the Bearer challenge (RFC 6750), or
// 403 naming the role needed.
void SendAuthRefusal(httplib::Response& res, const AuthDecision& decision) {
  const bool unauthenticated = decision.outcome == AuthDecision::Outcome::kUnauthenticated;
  res.status = unauthenticated ? 401 : 403;
  res.set_header("WWW-Authenticate",
                 unauthenticated ? "Bearer realm=\"redline\""
                                 : "Bearer realm=\"redline\", error=\"insufficient_scope\"");
  res.set_content(ErrorJson(unauthenticated ? grpc::StatusCode::UNAUTHENTICATED
                                            : grpc::StatusCode::PERMISSION_DENIED,
                            decision.message),
                  kJsonContentType);
}

void StopCounting(Metrics* metrics, int http_status) {
  CountedRequest& r = counted_request;
  if (!r.open) return;
  metrics->FinishHttp(r.route, http_status, std::chrono::steady_clock::now() - r.start);
  r.open = false;
}

void StartCounting(Metrics* metrics, HttpRoute route) {
  // Should the library ever skip the post-routing handler, the request
  // before is closed here (as 499, nginx's "client closed request") rather
  // than left in flight for ever.
  StopCounting(metrics, 499);
  metrics->StartHttp(route);
  counted_request = {true, route, std::chrono::steady_clock::now()};
}

// An answer the policy gives instead of the route (http_policy.h).
void SendRefusal(httplib::Response& res, const HttpRefusal& refusal) {
  const grpc::StatusCode code = refusal.status == 403   ? grpc::StatusCode::PERMISSION_DENIED
                                : refusal.status == 405 ? grpc::StatusCode::UNIMPLEMENTED
                                                        : grpc::StatusCode::INVALID_ARGUMENT;
  res.status = refusal.status;
  res.set_content(ErrorJson(code, refusal.message), kJsonContentType);
  if (!refusal.allow.empty()) res.set_header("Allow", refusal.allow);
}

// A request httplib answers from memory: the whole request, read by
// HttpFront, in; the whole response out. Nothing here waits on a client.
class MemoryStream : public httplib::Stream {
 public:
  MemoryStream(HttpRawRequest in, const HttpPeer& peer) : in_(std::move(in)), peer_(peer) {}
  bool is_readable() const override { return pos_ < in_.head.size() + in_.body.size(); }
  bool is_writable() const override { return true; }
  // The head, then the body: two buffers read as one, so the body is not
  // copied once more to join them.
  ssize_t read(char* ptr, size_t size) override {
    const bool head = pos_ < in_.head.size();
    const std::string& part = head ? in_.head : in_.body;
    const size_t at = head ? pos_ : pos_ - in_.head.size();
    const size_t n = std::min(size, part.size() - at);
    std::memcpy(ptr, part.data() + at, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.remote_ip;
    port = peer_.remote_port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = peer_.local_ip;
    port = peer_.local_port;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::string TakeOutput() { return std::move(out_); }

 private:
  const HttpRawRequest in_;
  size_t pos_ = 0;
  const HttpPeer& peer_;
  std::string out_;
};

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Error";
  }
}

grpc::StatusCode CodeForHttp(int status) {
  switch (status) {
    case 408:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case 413:
    case 431:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 500:
      return grpc::StatusCode::INTERNAL;
    case 501:
    case 505:
      return grpc::StatusCode::UNIMPLEMENTED;
    case 503:
      return grpc::StatusCode::UNAVAILABLE;
    default:
      return grpc::StatusCode::INVALID_ARGUMENT;
  }
}

}  // namespace

// httplib's routing and handlers, fed by HttpFront one whole request at a
// time (process_request is protected: this is what the subclass is for).
class HttpServer : public httplib::Server {
 public:
  std::string Answer(HttpRawRequest request, const HttpPeer& peer, bool last, bool* close) {
    MemoryStream stream(std::move(request), peer);
    bool closed = false;
    const bool ok = process_request(stream, last, closed, nullptr);
    *close = last || closed || !ok;
    return stream.TakeOutput();
  }
};

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 413;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

HttpApi::HttpApi(const SnapshotHolder* holder, const Reloader* reloader, HttpOptions options,
                 Metrics* metrics)
    : holder_(holder),
      reloader_(reloader),
      options_(std::move(options)),
      metrics_(metrics),
      policy_{.allowed_hosts = options_.allowed_hosts, .allowed_origins = options_.allowed_origins},
      route_context_{holder_, reloader_, metrics_, options_.budget, options_.audit},
      server_(std::make_unique<HttpServer>()) {
  Guard();
  Route();
}

HttpApi::~HttpApi() { Stop(); }

// Before any route: the policy's refusals, the token check, /healthz and
// the drain. True: answered here; false: on to the route.
bool HttpApi::PreRoute(const httplib::Request& req, httplib::Response& res) {
  current_caller = Caller{};  // nothing of the request this thread answered before
  const HttpRoute route = HttpRouteFor(req.path);
  if (metrics_ != nullptr) StartCounting(metrics_, route);
  std::optional<HttpRefusal> refusal;
  const std::string host = req.get_header_value("Host");
  const std::string origin = req.get_header_value("Origin");
  if (!(req.version == "HTTP/1.0" && host.empty())) refusal = CheckHost(host, policy_);
  // A CORS preflight from an origin the operator allowed: its page may
  // then POST JSON (which browsers only send cross-origin after asking).
  if (!refusal && req.method == "OPTIONS" && IsAllowedOrigin(origin, policy_)) {
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", "GET, HEAD, POST");
    res.set_header("Access-Control-Allow-Headers", "Content-Type, Authorization");
    res.set_header("Access-Control-Max-Age", "600");
    return true;
  }
  if (!refusal && route == HttpRoute::kPage) refusal = CheckFilePath(req.path);
  if (!refusal) refusal = CheckMethod(route, req.method);
  if (!refusal && req.method == "POST") {
    refusal = CheckOrigin(origin, req.get_header_value("Sec-Fetch-Site"), host, policy_);
    if (!refusal) {
      refusal = CheckBodyType(route, req.get_header_value("Content-Type"), req.body.empty(),
                              origin.empty() || IsSameOrigin(origin, host));
    }
  }
  if (refusal) {
    SendRefusal(res, *refusal);
    return true;
  }
  if (!Authorize(req, route, res)) return true;
  // Answered here, not by a route: it is about the server, and answers
  // 503 while draining rather than the drain's error.
  if (route == HttpRoute::kHealthz) {
    const bool serving = serving_ && !draining_;
    res.status = serving ? 200 : 503;
    res.set_header("Cache-Control", "no-store");
    res.set_content(serving ? "SERVING\n" : "NOT_SERVING\n", "text/plain; charset=utf-8");
    return true;
  }
  // While draining, /metrics still answers: the calls finishing are worth
  // watching.
  if (!draining_ || route == HttpRoute::kMetrics) return false;
  SendError(res, grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
  return true;
}

// What every request passes before its route, and what every answer
// carries: the policy of http_policy.h, the drain, the metrics.
void HttpApi::Guard() {
  httplib::Server& s = *server_;
  // HttpFront has read the whole body within max_request_bytes already;
  // this stays as a second fence.
  s.set_payload_max_length(static_cast<size_t>(options_.max_request_bytes));
  s.set_keep_alive_max_count(
      static_cast<size_t>(std::max(1, options_.connections.max_requests_per_connection)));
  s.set_keep_alive_timeout(std::max(1, options_.connections.idle_timeout_ms / 1000));
  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    return PreRoute(req, res) ? httplib::Server::HandlerResponse::Handled
                              : httplib::Server::HandlerResponse::Unhandled;
  });
  // Called for every response, whatever answered it, with its final status,
  // just before it is written: so a client that has its answer also finds
  // it counted.
  s.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    for (const auto& [name, value] : SecurityHeaders()) res.set_header(name, value);
    // The page may show the configured base maps' tiles.
    if (const std::vector<BasemapConfig>& maps = route_context_.holder->Get()->config().basemaps;
        !maps.empty()) {
      res.headers.erase("Content-Security-Policy");
      res.set_header("Content-Security-Policy", ContentSecurityPolicy(TileOrigins(maps)));
    }
    if (auto it = res.headers.find("Content-Type"); it != res.headers.end()) {
      it->second = WithCharset(it->second);
    }
    // A page at an origin the operator allowed may read the answers.
    if (const std::string origin = req.get_header_value("Origin");
        !origin.empty() && IsAllowedOrigin(origin, policy_)) {
      res.set_header("Access-Control-Allow-Origin", origin);
      res.set_header("Vary", "Origin");
    }
    // Who the token names, for the staff desk to show (percent-encoded:
    // names may be Chinese, header values are bytes).
    if (!current_caller.name.empty()) {
      res.set_header("X-Redline-Caller", PercentEncoded(current_caller.name));
    }
    // Cleared as soon as answered: a request httplib answers without the
    // pre-routing handler (a malformed one) must not show this caller.
    current_caller = Caller{};
    if (metrics_ != nullptr) StopCounting(metrics_, res.status);
  });
}

bool HttpApi::Authorize(const httplib::Request& req, HttpRoute route, httplib::Response& res) {
  const std::string address = absl::StrCat(req.remote_addr, ":", req.remote_port);
  if (options_.auth == nullptr) {
    current_caller = Caller{.name = "", .role = Role::kAdmin, .address = address};
    return true;
  }
  AuthDecision decision = options_.auth->Decide(
      /*grpc=*/false, PrintableExcerpt(req.path, 200),
      RequiredRoleForRoute(route, options_.auth->options()), req.get_header_value("Authorization"),
      address);
  if (decision.outcome != AuthDecision::Outcome::kAllowed) {
    SendAuthRefusal(res, decision);
    return false;
  }
  current_caller = std::move(decision.caller);
  return true;
}

std::string HttpApi::Refusal(absl::string_view path, int status, absl::string_view message) {
  if (metrics_ != nullptr) {
    const HttpRoute route = path.empty() ? HttpRoute::kPage : HttpRouteFor(path);
    metrics_->StartHttp(route);
    metrics_->FinishHttp(route, status, std::chrono::nanoseconds(0));
  }
  const std::string body = ErrorJson(CodeForHttp(status), message);
  std::string out = absl::StrCat("HTTP/1.1 ", status, " ", ReasonPhrase(status),
                                 "\r\nContent-Type: ", kJsonContentType,
                                 "\r\nContent-Length: ", body.size(), "\r\nConnection: close\r\n");
  if (status == 503) out += "Retry-After: 1\r\n";
  for (const auto& [name, value] : SecurityHeaders())
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  return absl::StrCat(out, "\r\n", body);
}

void HttpApi::Route() {
  httplib::Server& s = *server_;
  // Errors raised by the library itself (no route, body too large) in the
  // same JSON shape as the API's own.
  s.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    if (status == 404) {
      SendError(res, grpc::Status(grpc::StatusCode::NOT_FOUND,
                                  absl::StrCat("no such path: ", PrintableExcerpt(req.path, 200))));
    } else if (status == 413) {
      SendError(res,
                grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                             absl::StrCat("the request body is larger than max_request_bytes (",
                                          options_.max_request_bytes, " bytes)")));
    } else {
      SendError(
          res, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            absl::StrCat("HTTP ", status, " for ", PrintableExcerpt(req.method, 20),
                                         " ", PrintableExcerpt(req.path, 200))));
    }
    res.status = status;
  });
  s.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendError(res, grpc::Status(grpc::StatusCode::INTERNAL,
                                    absl::StrCat(PrintableExcerpt(req.path, 200), ": ", what)));
      });

  // The API's paths, as the metrics name them (metrics.h); the routes are
  // in http_routes.cc.
  for (const HttpRouteEntry& entry : HttpRoutes()) {
    if (entry.route == HttpRoute::kMetrics && metrics_ == nullptr) continue;
    auto handler = [this, handle = entry.handle](const httplib::Request& req,
                                                 httplib::Response& res) {
      HttpRouteContext context = route_context_;
      context.caller = current_caller;
      handle(context, req, res);
    };
    if (std::string_view(entry.method) == "POST") {
      s.Post(HttpRoutePath(entry.route), handler);
      // A change report is also a link to open and print: GET with the
      // versions as query parameters.
      if (entry.route == HttpRoute::kCompare) s.Get(HttpRoutePath(entry.route), handler);
    } else if (entry.route == HttpRoute::kRecords) {
      s.Get(R"(/v1/records/([^/]+))", handler);  // the id is req.matches[1]
    } else {
      s.Get(HttpRoutePath(entry.route), handler);
    }
  }

  if (!options_.web_root.empty()) {
    if (!std::filesystem::is_directory(options_.web_root) ||
        !s.set_mount_point("/", options_.web_root)) {
      Log("WARN", "web root ", options_.web_root,
          " is not a directory: the staff desk page is not served (the API is)");
    }
  }
}

absl::Status HttpApi::Start(const std::string& host, int port) {
  policy_.listen_host = host;
  HttpFrontOptions front = options_.connections;
  front.request.max_body_bytes = options_.max_request_bytes;
  front_ = std::make_unique<HttpFront>(
      front,
      [this](HttpRawRequest request, const HttpPeer& peer, bool last, bool* close) {
        return server_->Answer(std::move(request), peer, last, close);
      },
      [this](absl::string_view path, int status, absl::string_view message) {
        return Refusal(path, status, message);
      });
  if (absl::Status st = front_->Start(host, port); !st.ok()) {
    front_.reset();
    return st;
  }
  port_ = front_->port();
  return absl::OkStatus();
}

void HttpApi::Stop() {
  if (front_ != nullptr) front_->Stop();
}

}  // namespace redline::server
