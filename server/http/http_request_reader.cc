#include "server/http/http_request_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "spatial/base/excerpt.h"

namespace redline::server {
namespace {

constexpr size_t kMaxChunkLine = 1024;  // size line with extensions

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

// No control characters but tab (a NUL or bare CR in a header is how
// requests are smuggled past a proxy).
bool IsFieldValue(absl::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

bool IsDigits(absl::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string PrintableExcerpt(absl::string_view text, size_t max_bytes) {
  std::string out(Utf8Prefix(text, max_bytes));
  const bool cut = out.size() < text.size();
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (cut) out += "…";
  return out;
}

absl::string_view HttpRequestReader::path() const {
  absl::string_view t = target_;
  return t.substr(0, t.find('?'));
}

HttpRequestReader::State HttpRequestReader::Fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return state_ = State::kError;
}

HttpRequestReader::State HttpRequestReader::Consume(std::string* in) {
  if (state_ == State::kHead) {
    // Blank lines before a request are allowed (RFC 9112 2.2).
    if (!started_) {
      size_t skip = 0;
      while (skip < in->size() && ((*in)[skip] == '\r' || (*in)[skip] == '\n')) ++skip;
      in->erase(0, skip);
      if (in->empty()) return state_;
      started_ = true;
    }
    const size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
    const size_t end = in->find("\r\n\r\n", from);
    if (end == std::string::npos) {
      scanned_ = in->size();
      if (in->size() > limits_.max_head_bytes) {
        return Fail(431, absl::StrCat("the request head is larger than ", limits_.max_head_bytes,
                                      " bytes"));
      }
      return state_;
    }
    if (end + 4 > limits_.max_head_bytes) {
      return Fail(
          431, absl::StrCat("the request head is larger than ", limits_.max_head_bytes, " bytes"));
    }
    const std::string head = in->substr(0, end + 2);  // keeps the last CRLF
    in->erase(0, end + 4);
    if (ParseHead(head) == State::kError) return state_;
    state_ = State::kBody;
  }
  if (state_ == State::kBody) return ReadBody(in);
  return state_;
}

HttpRequestReader::State HttpRequestReader::ParseHead(absl::string_view head) {
  const size_t eol = head.find("\r\n");
  const absl::string_view line = head.substr(0, eol);
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == absl::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == absl::string_view::npos || line.find(' ', sp2 + 1) != absl::string_view::npos) {
    return Fail(400, absl::StrCat("the request line '", PrintableExcerpt(line),
                                  "' is not METHOD TARGET HTTP/1.1"));
  }
  method_ = std::string(line.substr(0, sp1));
  target_ = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  const absl::string_view version = line.substr(sp2 + 1);
  if (!IsToken(method_)) {
    return Fail(400, absl::StrCat("the method '", PrintableExcerpt(method_), "' is not a token"));
  }
  if (target_.size() > limits_.max_target_bytes) {
    return Fail(414, absl::StrCat("the request target is longer than ", limits_.max_target_bytes,
                                  " bytes"));
  }
  if (target_.empty() || !IsFieldValue(target_) || absl::StrContains(target_, ' ')) {
    return Fail(400,
                absl::StrCat("the request target '", PrintableExcerpt(target_), "' is not valid"));
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Fail(505, absl::StrCat("the HTTP version '", PrintableExcerpt(version),
                                  "' is not HTTP/1.1 or HTTP/1.0"));
  }
  kept_head_ = absl::StrCat(line, "\r\n");
  for (size_t pos = eol + 2; pos < head.size();) {
    const size_t next = head.find("\r\n", pos);
    if (ParseHeader(head.substr(pos, next - pos)) == State::kError) return state_;
    pos = next + 2;
  }
  if (chunked_ && declared_body_bytes_ >= 0) {
    // Both framings at once is how requests are smuggled (RFC 9112 6.1).
    return Fail(400, "the request has both Transfer-Encoding and Content-Length");
  }
  if (declared_body_bytes_ > limits_.max_body_bytes) {
    return Fail(413, absl::StrCat("the request body (", declared_body_bytes_,
                                  " bytes) is larger than max_request_bytes (",
                                  limits_.max_body_bytes, " bytes)"));
  }
  return state_;
}

HttpRequestReader::State HttpRequestReader::ParseHeader(absl::string_view line) {
  if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
    return Fail(400, "folded header lines are not accepted");
  }
  const size_t colon = line.find(':');
  const absl::string_view name = line.substr(0, colon);
  if (colon == absl::string_view::npos || !IsToken(name)) {
    return Fail(400,
                absl::StrCat("the header line '", PrintableExcerpt(line), "' is not NAME: VALUE"));
  }
  const absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  if (!IsFieldValue(value)) {
    return Fail(400,
                absl::StrCat("the header ", PrintableExcerpt(name), " has control characters"));
  }
  if (absl::EqualsIgnoreCase(name, "Content-Length")) {
    int64_t n = 0;
    if (!IsDigits(value) || !absl::SimpleAtoi(value, &n) ||
        (declared_body_bytes_ >= 0 && declared_body_bytes_ != n)) {
      return Fail(400,
                  absl::StrCat("Content-Length '", PrintableExcerpt(value), "' is not one number"));
    }
    declared_body_bytes_ = n;
    return state_;
  }
  if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
    if (!absl::EqualsIgnoreCase(value, "chunked") || chunked_) {
      return Fail(501, absl::StrCat("Transfer-Encoding '", PrintableExcerpt(value),
                                    "' is not supported: send the body chunked or with "
                                    "Content-Length"));
    }
    chunked_ = true;
    return state_;
  }
  if (absl::EqualsIgnoreCase(name, "Expect")) {
    if (!absl::EqualsIgnoreCase(value, "100-continue")) {
      return Fail(417, absl::StrCat("Expect '", PrintableExcerpt(value), "' is not supported"));
    }
    expects_continue_ = true;
    return state_;
  }
  if (absl::EqualsIgnoreCase(name, "Content-Encoding")) {
    // httplib would inflate gzip/brotli bodies with no limit on the result.
    if (!absl::EqualsIgnoreCase(value, "identity")) {
      return Fail(415, absl::StrCat("Content-Encoding '", PrintableExcerpt(value),
                                    "' is not accepted: send the body uncompressed"));
    }
    return state_;
  }
  absl::StrAppend(&kept_head_, line, "\r\n");
  return state_;
}

HttpRequestReader::State HttpRequestReader::ReadBody(std::string* in) {
  if (chunked_) return ReadChunked(in);
  const int64_t want = std::max<int64_t>(declared_body_bytes_, 0);
  const size_t take =
      static_cast<size_t>(std::min<int64_t>(want - body_bytes(), static_cast<int64_t>(in->size())));
  if (body_.empty() && take == in->size() && take == static_cast<size_t>(want)) {
    body_.swap(*in);  // the common case: the whole body in one read, no copy
  } else {
    body_.append(*in, 0, take);
    in->erase(0, take);
  }
  if (body_bytes() == want) state_ = State::kDone;
  return state_;
}

HttpRequestReader::State HttpRequestReader::ReadChunked(std::string* in) {
  size_t pos = 0;
  while (state_ == State::kBody) {
    if (chunk_ == Chunk::kData) {
      const size_t take = static_cast<size_t>(
          std::min<int64_t>(chunk_left_, static_cast<int64_t>(in->size() - pos)));
      body_.append(*in, pos, take);
      pos += take;
      chunk_left_ -= static_cast<int64_t>(take);
      if (chunk_left_ > 0) break;
      chunk_ = Chunk::kDataEnd;
      continue;
    }
    const size_t eol = in->find("\r\n", pos);
    if (eol == std::string::npos) {
      if (in->size() - pos > kMaxChunkLine) {
        Fail(400, "a chunk size line is longer than 1024 bytes");
      }
      break;
    }
    const absl::string_view line(in->data() + pos, eol - pos);
    pos = eol + 2;
    if (chunk_ == Chunk::kDataEnd) {
      if (!line.empty()) Fail(400, "a chunk is longer than its size says");
      chunk_ = Chunk::kSize;
    } else if (chunk_ == Chunk::kSize) {
      const absl::string_view hex = absl::StripAsciiWhitespace(line.substr(0, line.find(';')));
      uint64_t size = 0;
      if (hex.empty() || hex.size() > 15 || !absl::SimpleHexAtoi(hex, &size) ||
          !std::all_of(hex.begin(), hex.end(), [](char c) {
            return absl::ascii_isxdigit(static_cast<unsigned char>(c));
          })) {
        Fail(400,
             absl::StrCat("the chunk size '", PrintableExcerpt(line), "' is not a hex number"));
      } else if (body_bytes() + static_cast<int64_t>(size) > limits_.max_body_bytes) {
        // Refused here, before the chunk is read: nothing past the limit is.
        Fail(413, absl::StrCat("the request body is larger than max_request_bytes (",
                               limits_.max_body_bytes, " bytes)"));
      } else if (size == 0) {
        chunk_ = Chunk::kTrailer;
      } else {
        chunk_left_ = static_cast<int64_t>(size);
        chunk_ = Chunk::kData;
      }
    } else {  // kTrailer: fields after the last chunk, dropped, up to a blank line
      trailer_bytes_ += line.size() + 2;
      if (trailer_bytes_ > limits_.max_head_bytes) {
        Fail(431, "the chunked trailer is too large");
      } else if (line.empty()) {
        state_ = State::kDone;
      }
    }
  }
  in->erase(0, pos);
  return state_;
}

HttpRawRequest HttpRequestReader::TakeRequest() {
  HttpRawRequest out{absl::StrCat(kept_head_, "Content-Length: ", body_.size(), "\r\n\r\n"),
                     std::move(body_)};
  *this = HttpRequestReader(limits_);  // ready for the connection's next request
  return out;
}

}  // namespace redline::server
