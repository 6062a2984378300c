#include "server/http/http_front.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <exception>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "server/http/http_socket.h"
#include "server/http/http_tls.h"
#include "server/runtime/log.h"

namespace redline::server {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kReadChunk = 64 << 10;
// After a refusal the connection is shut for writing, and what the client
// is still sending is read and dropped for a moment, so the kernel does not
// answer it with a reset that could destroy the refusal before the client
// reads it (nginx's "lingering close"). Bounded in time and bytes.
constexpr milliseconds kLinger{2000};
constexpr int64_t kLingerBytes = 4 << 20;
constexpr milliseconds kSweepEvery{100};
constexpr milliseconds kAcceptPause{100};
constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;

enum class Phase {
  kRead,    // reading a request (or waiting, idle, for the next one)
  kBusy,    // a worker is answering it; not in the poller
  kWrite,   // writing the answer
  kLinger,  // answered and shut for writing; dropping input until closed
};

struct Conn {
  Conn(uint64_t id, Fd fd, HttpPeer peer, const HttpRequestLimits& limits, Clock::time_point now)
      : id(id),
        fd(std::move(fd)),
        peer(std::move(peer)),
        reader(limits),
        wait_start(now),
        first_byte(now) {}
  const uint64_t id;
  Fd fd;
  const HttpPeer peer;
  Phase phase = Phase::kRead;
  bool dead = false;
  bool in_poller = false;
  uint32_t events = 0;  // what the poller waits for on it
  // TLS: the session, whether its handshake is done, and which way a call
  // that could not go on waits (the socket writable, else readable).
  SslPtr ssl;
  bool handshaken = false;
  bool want_write = false;
  HttpRequestReader reader;
  std::string in;   // bytes read and not yet taken by the reader
  std::string out;  // the answer being written
  size_t out_pos = 0;
  bool close_after = false;
  bool refused = false;  // the answer is a refusal: linger after it
  int requests = 0;
  Clock::time_point wait_start;  // waiting for the next request since
  Clock::time_point first_byte;  // the request's head started (first: accept)
  bool body_started = false;
  Clock::time_point body_start;
  Clock::time_point write_start;  // also the start of the linger
  bool continue_sent = false;
  int64_t reserved = 0;  // body bytes counted against max_buffered_bytes
  int64_t lingered = 0;
};

struct Job {
  uint64_t id;
  HttpRawRequest request;
  HttpPeer peer;
  bool last;
};

struct Done {
  uint64_t id;
  std::string response;
  bool close;
};

}  // namespace

class HttpFront::Loop {
 public:
  Loop(HttpFrontOptions options, Handler handler, Refuser refuser)
      : options_(std::move(options)), handler_(std::move(handler)), refuser_(std::move(refuser)) {
    options_.max_buffered_bytes =
        std::max(options_.max_buffered_bytes, options_.request.max_body_bytes);
    options_.min_body_bytes_per_s = std::max<int64_t>(options_.min_body_bytes_per_s, 1);
  }

  absl::Status Start(const std::string& host, int port, int* bound_port);
  void Stop();

 private:
  void Run();
  void Work();
  void Accept(Clock::time_point now);
  void OnEvent(Conn& c, uint32_t events, Clock::time_point now);
  void ReadRequest(Conn& c, Clock::time_point now);
  void Advance(Conn& c, Clock::time_point now);
  bool Reserve(Conn& c);
  void Dispatch(Conn& c);
  void Refuse(Conn& c, int status, absl::string_view message, Clock::time_point now);
  void StartWrite(Conn& c, std::string bytes, bool close, Clock::time_point now);
  void Write(Conn& c, Clock::time_point now);
  void Linger(Conn& c);
  void Close(Conn& c);
  bool Handshake(Conn& c);
  ssize_t Recv(Conn& c, char* buf, size_t n);
  ssize_t Send(Conn& c, const char* data, size_t n);
  void ShutWrite(Conn& c);
  void CollectDone(Clock::time_point now);
  void Sweep(Clock::time_point now);
  void Poll(Conn& c, uint32_t events);
  void BeginClosing(Clock::time_point now);
  Clock::time_point Deadline(const Conn& c) const;
  milliseconds AtRate(int64_t bytes) const {
    return milliseconds(options_.body_grace_ms + bytes * 1000 / options_.min_body_bytes_per_s);
  }

  HttpFrontOptions options_;
  const Handler handler_;
  const Refuser refuser_;
  std::unique_ptr<HttpTls> tls_;  // the loop thread's alone
  Fd listen_, epoll_, wake_;
  std::thread loop_thread_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stop_{false};

  absl::Mutex mu_;
  std::deque<Job> jobs_ ABSL_GUARDED_BY(mu_);
  std::deque<Done> done_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The loop thread's alone.
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  std::unordered_map<std::string, int> per_client_;
  std::vector<uint64_t> dead_;
  uint64_t next_id_ = 2;
  int64_t buffered_ = 0;
  bool accept_paused_ = false;
  Clock::time_point accept_resume_;
  bool closing_ = false;  // Stop was called: no new connections or requests
  Clock::time_point closing_deadline_;
};

absl::Status HttpFront::Loop::Start(const std::string& host, int port, int* bound_port) {
  if (options_.tls) {
    absl::StatusOr<std::unique_ptr<HttpTls>> tls = HttpTls::Create(*options_.tls);
    if (!tls.ok()) return tls.status();
    tls_ = *std::move(tls);
  }
  absl::StatusOr<Fd> listen = ListenTcp(host, port, bound_port);
  if (!listen.ok()) return listen.status();
  listen_ = *std::move(listen);
  epoll_ = Fd(::epoll_create1(EPOLL_CLOEXEC));
  wake_ = Fd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (epoll_.get() < 0 || wake_.get() < 0) {
    return absl::InternalError(absl::StrCat("HTTP event loop: ", std::strerror(errno)));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenId;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
  ev.data.u64 = kWakeId;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_.get(), &ev);
  for (int i = 0; i < std::max(1, options_.workers); ++i) workers_.emplace_back([this] { Work(); });
  loop_thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void HttpFront::Loop::Stop() {
  if (!loop_thread_.joinable()) return;
  stop_ = true;
  const uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
  loop_thread_.join();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void HttpFront::Loop::Work() {
  for (;;) {
    Job job;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](Loop* l)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(l->mu_) { return l->stopping_ || !l->jobs_.empty(); },
          this));
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    bool close = job.last;
    std::string response;
    try {
      response = handler_(std::move(job.request), job.peer, job.last, &close);
    } catch (const std::exception& e) {
      response = refuser_("", 500, absl::StrCat("internal error: ", e.what()));
      close = true;
    }
    {
      absl::MutexLock lock(&mu_);
      done_.push_back({job.id, std::move(response), close || job.last});
    }
    const uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }
}

void HttpFront::Loop::Run() {
  std::vector<epoll_event> events(256);
  Clock::time_point next_sweep = Clock::now() + kSweepEvery;
  for (;;) {
    if (stop_ && !closing_) BeginClosing(Clock::now());
    if (closing_ && (conns_.empty() || Clock::now() >= closing_deadline_)) break;
    const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kSweepEvery.count()));
    const Clock::time_point now = Clock::now();
    for (int i = 0; i < n; ++i) {
      const uint64_t id = events[i].data.u64;
      if (id == kListenId) {
        Accept(now);
      } else if (id == kWakeId) {
        uint64_t count;
        (void)!::read(wake_.get(), &count, sizeof count);
        CollectDone(now);
      } else if (auto it = conns_.find(id); it != conns_.end() && !it->second->dead) {
        OnEvent(*it->second, events[i].events, now);
      }
    }
    if (now >= next_sweep) {
      Sweep(now);
      next_sweep = now + kSweepEvery;
    }
    for (uint64_t id : dead_) conns_.erase(id);
    dead_.clear();
  }
  for (auto& [id, c] : conns_) c->fd.Reset();
  conns_.clear();
  listen_.Reset();
}

void HttpFront::Loop::BeginClosing(Clock::time_point now) {
  closing_ = true;
  closing_deadline_ = now + milliseconds(options_.stop_grace_ms);
  if (!accept_paused_) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_.get(), nullptr);
  listen_.Reset();
  accept_paused_ = false;
  for (auto& [id, c] : conns_) {
    if (c->phase == Phase::kRead && !c->reader.started()) Close(*c);  // idle: nothing owed
  }
  for (uint64_t id : dead_) conns_.erase(id);
  dead_.clear();
}

void HttpFront::Loop::Accept(Clock::time_point now) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    Fd fd(::accept4(listen_.get(), reinterpret_cast<sockaddr*>(&ss), &len,
                    SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors: stop accepting for a moment instead of
        // spinning on a listening socket that stays readable.
        Log("WARN", "HTTP: cannot accept a connection: ", std::strerror(errno));
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, listen_.get(), nullptr);
        accept_paused_ = true;
        accept_resume_ = now + kAcceptPause;
      }
      return;
    }
    HttpPeer peer;
    peer.remote_ip = IpOf(ss, &peer.remote_port);
    sockaddr_storage local{};
    len = sizeof local;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len);
    peer.local_ip = IpOf(local, &peer.local_port);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    std::string refusal;
    if (static_cast<int>(conns_.size()) >= options_.max_connections) {
      refusal = refuser_("", 503,
                         absl::StrCat("the server has ", options_.max_connections,
                                      " connections open; try again shortly"));
    } else if (per_client_[peer.remote_ip] >= options_.max_connections_per_client) {
      refusal =
          refuser_("", 503,
                   absl::StrCat("this client already has ", options_.max_connections_per_client,
                                " connections open; close some or try again shortly"));
    }
    if (!refusal.empty()) {
      // Best effort, never waiting: the excess gets a short answer and the
      // door (under TLS only the door: an answer needs a handshake first).
      if (!tls_) {
        (void)!::send(fd.get(), refusal.data(), refusal.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      ::shutdown(fd.get(), SHUT_WR);
      if (per_client_[peer.remote_ip] == 0) per_client_.erase(peer.remote_ip);
      continue;
    }
    ++per_client_[peer.remote_ip];
    const uint64_t id = next_id_++;
    auto c = std::make_unique<Conn>(id, std::move(fd), std::move(peer), options_.request, now);
    if (tls_ && !(c->ssl = tls_->NewSession(c->fd.get()))) {
      Log("WARN", "HTTP TLS: no session for a connection from ", c->peer.remote_ip);
      if (--per_client_[c->peer.remote_ip] <= 0) per_client_.erase(c->peer.remote_ip);
      continue;
    }
    Poll(*c, EPOLLIN | EPOLLRDHUP);
    conns_.emplace(id, std::move(c));
  }
}

void HttpFront::Loop::Poll(Conn& c, uint32_t events) {
  // A connection a worker is answering is out of the poller altogether: a
  // reset peer would otherwise report EPOLLHUP on every wait.
  if (events == 0) {
    if (c.in_poller) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, c.fd.get(), nullptr);
    c.in_poller = false;
    c.events = 0;
    return;
  }
  if (c.in_poller && c.events == events) return;
  c.events = events;
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = c.id;
  ::epoll_ctl(epoll_.get(), c.in_poller ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c.fd.get(), &ev);
  c.in_poller = true;
}

void HttpFront::Loop::OnEvent(Conn& c, uint32_t events, Clock::time_point now) {
  switch (c.phase) {
    case Phase::kRead:
      ReadRequest(c, now);
      break;
    case Phase::kWrite:
      if (events & (EPOLLERR | EPOLLHUP)) {
        Close(c);
      } else if (events & (EPOLLOUT | EPOLLIN)) {  // EPOLLIN: TLS waiting to read
        Write(c, now);
      }
      break;
    case Phase::kLinger:
      Linger(c);
      break;
    case Phase::kBusy:
      break;
  }
}

void HttpFront::Loop::ReadRequest(Conn& c, Clock::time_point now) {
  if (c.ssl && !c.handshaken && !Handshake(c)) return;
  char buf[kReadChunk];
  // A few reads per wake-up, then the others' turn (the poller is level
  // triggered and comes back). Under TLS, on while the session holds
  // decrypted bytes: the poller cannot see those.
  for (int i = 0; (i < 4 || (c.ssl && SSL_has_pending(c.ssl.get()) != 0)) &&
                  c.phase == Phase::kRead && !c.dead;
       ++i) {
    const ssize_t n = Recv(c, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      Poll(c, c.want_write ? EPOLLIN | EPOLLOUT | EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
      return;
    }
    if (n <= 0) {
      // The client closed (or reset) the connection; a half-sent request
      // has nobody to answer to.
      Close(c);
      return;
    }
    c.in.append(buf, static_cast<size_t>(n));
    Advance(c, now);
  }
}

void HttpFront::Loop::Advance(Conn& c, Clock::time_point now) {
  const bool was_started = c.reader.started();
  const HttpRequestReader::State state = c.reader.Consume(&c.in);
  if (!was_started && c.reader.started() && c.requests > 0) c.first_byte = now;
  if (state == HttpRequestReader::State::kError) {
    return Refuse(c, c.reader.error_status(), c.reader.error_message(), now);
  }
  if (state == HttpRequestReader::State::kHead) return;
  if (!c.body_started) {
    c.body_started = true;
    c.body_start = now;
  }
  if (!Reserve(c)) return;
  if (state == HttpRequestReader::State::kBody) {
    if (c.reader.expects_continue() && !c.continue_sent) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      c.continue_sent = true;
      if (Send(c, kContinue, sizeof kContinue - 1) != static_cast<ssize_t>(sizeof kContinue - 1)) {
        Close(c);
      }
    }
    return;
  }
  Dispatch(c);
}

// Counts the request's body against max_buffered_bytes; false (and a 503
// sent) when all connections together would hold more.
bool HttpFront::Loop::Reserve(Conn& c) {
  const int64_t need = std::max(c.reader.declared_body_bytes(), c.reader.body_bytes());
  const int64_t more = need - c.reserved;
  if (more <= 0) return true;
  if (buffered_ + more > options_.max_buffered_bytes) {
    Refuse(c, 503,
           absl::StrCat("the server is receiving ", buffered_,
                        " bytes of request bodies already; try again shortly"),
           Clock::now());
    return false;
  }
  buffered_ += more;
  c.reserved = need;
  return true;
}

void HttpFront::Loop::Dispatch(Conn& c) {
  ++c.requests;
  const bool last = c.requests >= options_.max_requests_per_connection || closing_;
  c.phase = Phase::kBusy;
  Poll(c, 0);
  Job job{c.id, c.reader.TakeRequest(), c.peer, last};
  absl::MutexLock lock(&mu_);
  jobs_.push_back(std::move(job));
}

void HttpFront::Loop::Refuse(Conn& c, int status, absl::string_view message,
                             Clock::time_point now) {
  const absl::string_view path =
      c.reader.state() == HttpRequestReader::State::kHead ? absl::string_view() : c.reader.path();
  c.refused = true;
  StartWrite(c, refuser_(path, status, message), /*close=*/true, now);
}

void HttpFront::Loop::CollectDone(Clock::time_point now) {
  std::deque<Done> done;
  {
    absl::MutexLock lock(&mu_);
    done.swap(done_);
  }
  for (Done& d : done) {
    auto it = conns_.find(d.id);
    if (it == conns_.end() || it->second->dead) continue;
    StartWrite(*it->second, std::move(d.response), d.close, now);
  }
}

void HttpFront::Loop::StartWrite(Conn& c, std::string bytes, bool close, Clock::time_point now) {
  c.phase = Phase::kWrite;
  c.out = std::move(bytes);
  c.out_pos = 0;
  // Closing: this answer is the connection's last (httplib has already
  // written its headers, so the client learns it from the close).
  c.close_after = close || closing_;
  c.write_start = now;
  Write(c, now);
}

void HttpFront::Loop::Write(Conn& c, Clock::time_point now) {
  while (c.out_pos < c.out.size()) {
    const ssize_t n = Send(c, c.out.data() + c.out_pos, c.out.size() - c.out_pos);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Poll(c, c.ssl && !c.want_write ? EPOLLIN : EPOLLOUT);
      return;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Close(c);
    c.out_pos += static_cast<size_t>(n);
  }
  // Answered: the body's bytes are no longer held.
  buffered_ -= c.reserved;
  c.reserved = 0;
  std::string().swap(c.out);
  if (c.close_after && !c.refused) return Close(c);  // the request was read whole
  if (c.close_after) {
    ShutWrite(c);
    c.phase = Phase::kLinger;
    c.write_start = now;
    std::string().swap(c.in);
    Poll(c, EPOLLIN | EPOLLRDHUP);
    return;
  }
  c.phase = Phase::kRead;
  c.wait_start = c.first_byte = now;
  c.body_started = false;
  c.continue_sent = false;
  Poll(c, EPOLLIN | EPOLLRDHUP);
  if (!c.in.empty()) {
    Advance(c, now);  // a pipelined request already here
  } else if (c.ssl && SSL_has_pending(c.ssl.get()) != 0) {
    ReadRequest(c, now);  // already inside the TLS session: the poller would not tell
  }
}

void HttpFront::Loop::Linger(Conn& c) {
  char buf[kReadChunk];
  for (;;) {
    const ssize_t n = ::recv(c.fd.get(), buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    c.lingered += std::max<ssize_t>(n, 0);
    if (n <= 0 || c.lingered > kLingerBytes) return Close(c);
  }
}

// Drives the TLS handshake on; true when it is done. While it waits, the
// connection waits in the poller for the way it needs; a failed handshake
// (not TLS, a client certificate missing or not signed by the client CA)
// closes the connection, which is all a client that did not finish one
// can be told.
bool HttpFront::Loop::Handshake(Conn& c) {
  ERR_clear_error();
  const int result = SSL_do_handshake(c.ssl.get());
  if (result == 1) {
    c.handshaken = true;
    Poll(c, EPOLLIN | EPOLLRDHUP);
    return true;
  }
  if (TlsIoResult(c.ssl.get(), result, &c.want_write) < 0 && errno == EAGAIN) {
    Poll(c, c.want_write ? EPOLLIN | EPOLLOUT | EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
  } else {
    Close(c);
  }
  return false;
}

// recv and send, through the session under TLS, with recv's and send's
// results (http_tls.h: TlsIoResult).
ssize_t HttpFront::Loop::Recv(Conn& c, char* buf, size_t n) {
  if (!c.ssl) return ::recv(c.fd.get(), buf, n, 0);
  ERR_clear_error();
  return TlsIoResult(c.ssl.get(), SSL_read(c.ssl.get(), buf, static_cast<int>(n)), &c.want_write);
}

ssize_t HttpFront::Loop::Send(Conn& c, const char* data, size_t n) {
  if (!c.ssl) return ::send(c.fd.get(), data, n, MSG_NOSIGNAL);
  ERR_clear_error();
  const int chunk = static_cast<int>(std::min<size_t>(n, 1 << 30));
  return TlsIoResult(c.ssl.get(), SSL_write(c.ssl.get(), data, chunk), &c.want_write);
}

// Done writing: under TLS a close_notify first, so the client knows the
// answer is whole; then the socket's write side.
void HttpFront::Loop::ShutWrite(Conn& c) {
  if (c.ssl) {
    ERR_clear_error();
    SSL_shutdown(c.ssl.get());
  }
  ::shutdown(c.fd.get(), SHUT_WR);
}

void HttpFront::Loop::Close(Conn& c) {
  if (c.dead) return;
  c.dead = true;
  Poll(c, 0);
  if (c.ssl && c.handshaken && c.phase != Phase::kLinger) {
    ERR_clear_error();
    SSL_shutdown(c.ssl.get());  // close_notify, best effort: the socket may be gone
  }
  c.ssl.reset();
  c.fd.Reset();
  buffered_ -= c.reserved;
  c.reserved = 0;
  if (auto it = per_client_.find(c.peer.remote_ip); it != per_client_.end() && --it->second <= 0) {
    per_client_.erase(it);
  }
  dead_.push_back(c.id);
}

Clock::time_point HttpFront::Loop::Deadline(const Conn& c) const {
  switch (c.phase) {
    case Phase::kRead:
      if (c.body_started) return c.body_start + AtRate(c.reader.body_bytes());
      if (c.requests > 0 && !c.reader.started()) {
        return c.wait_start + milliseconds(options_.idle_timeout_ms);
      }
      return c.first_byte + milliseconds(options_.head_timeout_ms);
    case Phase::kWrite:
      return c.write_start + AtRate(static_cast<int64_t>(c.out.size()));
    case Phase::kLinger:
      return c.write_start + kLinger;
    case Phase::kBusy:
      break;
  }
  return Clock::time_point::max();
}

void HttpFront::Loop::Sweep(Clock::time_point now) {
  if (tls_) tls_->MaybeReload(now);
  if (accept_paused_ && !closing_ && now >= accept_resume_) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kListenId;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listen_.get(), &ev);
    accept_paused_ = false;
  }
  for (auto& [id, conn] : conns_) {
    Conn& c = *conn;
    if (c.dead || now < Deadline(c)) continue;
    if (c.phase == Phase::kRead && c.reader.started()) {
      Refuse(c, 408,
             c.body_started ? absl::StrCat("the request body came slower than ",
                                           options_.min_body_bytes_per_s, " bytes/s")
                            : absl::StrCat("the request head did not arrive within ",
                                           options_.head_timeout_ms, " ms"),
             now);
    } else {
      Close(c);  // silent or idle, or a client that does not read its answer
    }
  }
}

HttpFront::HttpFront(HttpFrontOptions options, Handler handler, Refuser refuser)
    : loop_(std::make_unique<Loop>(std::move(options), std::move(handler), std::move(refuser))) {}

HttpFront::~HttpFront() { Stop(); }

absl::Status HttpFront::Start(const std::string& host, int port) {
  return loop_->Start(host, port, &port_);
}

void HttpFront::Stop() { loop_->Stop(); }

}  // namespace redline::server
