// Small socket helpers of the HTTP front (http_front.h): a descriptor
// owner, the text of an address, and a listening socket.
#ifndef REDLINE_SERVER_HTTP_HTTP_SOCKET_H_
#define REDLINE_SERVER_HTTP_HTTP_SOCKET_H_

#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace redline::server {

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// "1.2.3.4" or "::1" of a socket address, and its port in *port.
std::string IpOf(const sockaddr_storage& ss, int* port);

// A non-blocking socket listening on host:port (port 0: the OS picks one,
// written to *bound_port). SO_REUSEADDR, never SO_REUSEPORT: a port another
// process listens on is an error (UNAVAILABLE naming it).
absl::StatusOr<Fd> ListenTcp(const std::string& host, int port, int* bound_port);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_SOCKET_H_
