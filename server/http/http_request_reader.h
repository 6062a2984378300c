// Reads one HTTP/1.x request at a time from bytes as they arrive, with
// limits checked while reading: the head's size, the body's size however it
// is framed (Content-Length or chunked), and the framing itself.
//
// It exists because cpp-httplib 0.11 reads requests from a blocking socket
// on a worker thread, reads chunked bodies without any limit, and reads (and
// discards) a body over the limit before it answers 413 (issue 18, findings
// 3 and 4). HttpFront (http_front.h) feeds it what a non-blocking socket
// gives; once a request is complete it is handed to httplib as one buffer in
// a normalised form (Content-Length framing, no Transfer-Encoding or
// Expect), so httplib never waits on a client.
//
// A pure state machine: no sockets, no clocks, no threads (one reader per
// connection, used by one thread at a time). Errors carry an HTTP status and
// a message that quotes no more than a short excerpt of the input.
#ifndef REDLINE_SERVER_HTTP_HTTP_REQUEST_READER_H_
#define REDLINE_SERVER_HTTP_HTTP_REQUEST_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace redline::server {

// A whole request as read: its head in Content-Length framing, its body.
struct HttpRawRequest {
  std::string head;  // request line and headers, ending with the blank line
  std::string body;
};

struct HttpRequestLimits {
  size_t max_head_bytes = 64 << 10;   // request line and headers
  int64_t max_body_bytes = 64 << 20;  // decoded body, however framed
  size_t max_target_bytes = 8 << 10;  // the request target (path and query)
};

class HttpRequestReader {
 public:
  enum class State {
    kHead,   // waiting for the rest of the request line and headers
    kBody,   // the head is read; waiting for the body
    kDone,   // a whole request is read: TakeRequest()
    kError,  // the request is refused: error_status(), error_message()
  };

  explicit HttpRequestReader(HttpRequestLimits limits) : limits_(limits) {}

  // Reads from the front of `in` and erases what it used; bytes after the
  // end of the request (a pipelined next one) stay in `in`.
  State Consume(std::string* in);

  State state() const { return state_; }
  // Once the head is read (state kBody or kDone):
  const std::string& method() const { return method_; }
  const std::string& target() const { return target_; }
  // The target without its query, as routes see it.
  absl::string_view path() const;
  // The client sent "Expect: 100-continue" and waits for the interim answer.
  bool expects_continue() const { return expects_continue_; }
  // The body's length when the head declared it (Content-Length), else -1.
  int64_t declared_body_bytes() const { return declared_body_bytes_; }
  int64_t body_bytes() const { return static_cast<int64_t>(body_.size()); }
  // Whether any byte of this request has arrived yet.
  bool started() const { return started_; }

  // kDone: the request, its head in Content-Length framing (Transfer-
  // Encoding, Expect and identity Content-Encoding removed); the body is
  // moved, not copied. The reader is ready for the next request afterwards.
  HttpRawRequest TakeRequest();

  // kError: an HTTP status (400, 413, 414, 415, 431, 501, 505) and why.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  State Fail(int status, std::string message);
  State ParseHead(absl::string_view head);
  State ParseHeader(absl::string_view line);
  State ReadBody(std::string* in);
  State ReadChunked(std::string* in);

  HttpRequestLimits limits_;
  State state_ = State::kHead;
  bool started_ = false;
  size_t scanned_ = 0;  // head bytes already searched for the blank line

  std::string method_;
  std::string target_;
  std::string kept_head_;  // request line and the headers passed on
  bool expects_continue_ = false;
  bool chunked_ = false;
  int64_t declared_body_bytes_ = -1;
  std::string body_;

  // Chunked decoding: what is expected next, and the bytes of the current
  // chunk still to come.
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };
  Chunk chunk_ = Chunk::kSize;
  int64_t chunk_left_ = 0;
  size_t trailer_bytes_ = 0;

  int error_status_ = 0;
  std::string error_message_;
};

// At most `max_bytes` of `text` for an error message, cut on a UTF-8
// character boundary, with control characters shown as '?' and "…" added
// when cut.
std::string PrintableExcerpt(absl::string_view text, size_t max_bytes = 40);

}  // namespace redline::server

#endif  // REDLINE_SERVER_HTTP_HTTP_REQUEST_READER_H_
