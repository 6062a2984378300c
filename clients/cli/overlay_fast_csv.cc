#include "clients/cli/overlay_fast_csv.h"

#include <cpl_conv.h>
#include <cpl_string.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace redline::cli {
namespace {

// Bytes read from the file at a time.
constexpr size_t kChunk = 4 << 20;

absl::string_view TrimBlanks(absl::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The bytes CPLGetValueType can find in a number: digits, sign, dot,
// exponent letters, spaces.
constexpr std::array<bool, 256> kNumberBytes = [] {
  std::array<bool, 256> t{};
  for (const char* c = "0123456789+-.eEdD \t\n\v\f\r"; *c != '\0'; ++c) {
    t[static_cast<unsigned char>(*c)] = true;
  }
  return t;
}();

// Whether GDAL's CSV writer would take `cell` for a number
// (CPLGetValueType) and quote it to keep it text. Only text that starts
// like a number can be one: the rest skips the copy GDAL's test needs.
bool ReadsAsNumber(absl::string_view cell) {
  absl::string_view t = TrimBlanks(cell);
  if (t.empty()) return false;
  const char c = t.front();
  if (!((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.')) return false;
  // A byte CPLGetValueType never takes in a number makes it text (the
  // dataset version, "20261208T...", on every row): no copy, no call.
  int digits = 0, dots = 0;
  for (char ch : t) {
    if (!kNumberBytes[static_cast<unsigned char>(ch)]) return false;
    digits += ch >= '0' && ch <= '9';
    dots += ch == '.';
  }
  // Digits with at most one dot (ids, counts, "3175.00" in every row): a
  // number to CPLGetValueType, which need not be asked.
  if (digits > 0 && digits + dots == static_cast<int>(cell.size()) && dots <= 1) return true;
  thread_local std::string copy;
  copy.assign(cell.data(), cell.size());
  return CPLGetValueType(copy.c_str()) != CPL_VALUE_STRING;
}

}  // namespace

CsvRecordReader::~CsvRecordReader() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::Status CsvRecordReader::Open(const std::string& path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  Refill();
  if (absl::string_view(buf_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  return status_;
}

bool CsvRecordReader::Refill() {
  if (eof_) return false;
  buf_.erase(0, pos_);
  pos_ = 0;
  const size_t old = buf_.size();
  buf_.resize(old + kChunk);
  const size_t got = std::fread(buf_.data() + old, 1, kChunk, file_);
  buf_.resize(old + got);
  if (got < kChunk) {
    eof_ = true;
    if (std::ferror(file_)) status_ = absl::DataLossError("reading the input failed");
  }
  return got > 0;
}

bool CsvRecordReader::Next(std::string* text, std::vector<uint32_t>* ends) {
  const size_t text_size = text->size(), ends_size = ends->size();
  while (true) {
    if (pos_ >= buf_.size() && !Refill()) return false;
    const Parse p = ParseRecord(text, ends);
    if (p == Parse::kRecord) return true;
    // A record cut by the end of the buffer is parsed again, whole.
    text->resize(text_size);
    ends->resize(ends_size);
    if (p == Parse::kNeedMore && !Refill()) {
      eof_ = true;  // cannot happen: kNeedMore only before the end of the file
      return false;
    }
  }
}

// One record from pos_: its fields appended, pos_ past its end. kNeedMore
// (pos_ unchanged) when the buffer ends inside it before the file does.
CsvRecordReader::Parse CsvRecordReader::ParseRecord(std::string* text,
                                                    std::vector<uint32_t>* ends) {
  const char* const begin = buf_.data();
  const char* const end = begin + buf_.size();
  const char* p = begin + pos_;
  const char* const start = p;
  bool quoted = false;
  while (true) {
    if (p == end) {
      if (!eof_) return Parse::kNeedMore;
      break;  // the last record, without a line end
    }
    if (quoted) {
      // Copy up to the next quote or CR at once.
      const char* q = p;
      while (q != end && *q != '"' && *q != '\r') ++q;
      text->append(p, q);
      p = q;
      if (p == end) continue;
      if (p + 1 == end && !eof_) return Parse::kNeedMore;
      if (*p == '\r') {
        if (p + 1 != end && p[1] == '\n') ++p;  // CRLF inside quotes reads as LF
        text->push_back('\n');
        ++p;
      } else if (p + 1 != end && p[1] == '"') {
        text->push_back('"');
        p += 2;
      } else {
        quoted = false;
        ++p;
      }
      continue;
    }
    const char* q = p;
    while (q != end && *q != ',' && *q != '"' && *q != '\n' && *q != '\r') ++q;
    text->append(p, q);
    p = q;
    if (p == end) continue;
    if (*p == ',') {
      ends->push_back(static_cast<uint32_t>(text->size()));
      ++p;
    } else if (*p == '"') {
      quoted = true;
      ++p;
    } else {  // a line end
      if (*p == '\r' && p + 1 == end && !eof_) return Parse::kNeedMore;
      const bool blank = p == start;
      p += (*p == '\r' && p + 1 != end && p[1] == '\n') ? 2 : 1;
      pos_ = p - begin;
      if (blank) return Parse::kBlank;
      ends->push_back(static_cast<uint32_t>(text->size()));
      return Parse::kRecord;
    }
  }
  pos_ = p - begin;
  if (p == start) return Parse::kBlank;
  ends->push_back(static_cast<uint32_t>(text->size()));
  return Parse::kRecord;
}

int64_t CountCsvRecords(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return -1;
  std::string buf(kChunk, '\0');
  int64_t records = 0;
  bool quoted = false, empty = true;  // inside quotes; the record has no byte yet
  size_t got = 0;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    for (size_t i = 0; i < got; ++i) {
      const char c = buf[i];
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '\n' || c == '\r')) {
        records += empty ? 0 : 1;
        empty = true;
      } else {
        empty = false;
      }
    }
  }
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  return failed ? -1 : records + (empty ? 0 : 1);
}

std::optional<double> ParseCsvCoordinate(absl::string_view cell) {
  const absl::string_view t = TrimBlanks(cell);
  if (t.empty()) return std::nullopt;
  // The common case, a plain decimal number; from_chars would also take
  // "inf" and "nan", which GDAL does not.
  const size_t digit = t.front() == '-' ? 1 : 0;
  const char c = digit < t.size() ? t[digit] : '\0';
  if ((c >= '0' && c <= '9') || (c == '.' && t.size() > digit + 1)) {
    double v = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec == std::errc() && ptr == t.data() + t.size()) return v;
  }
  // Everything else as GDAL reads it: a decimal comma, a sign alone, a
  // Fortran exponent, overflow.
  std::string copy(cell);
  for (char& ch : copy) {
    if (ch == ',') ch = '.';
  }
  if (CPLGetValueType(copy.c_str()) == CPL_VALUE_STRING) return std::nullopt;
  return CPLAtof(copy.c_str());
}

namespace {

// The bytes that make GDAL's CSV writer quote a field.
constexpr std::array<bool, 256> kQuoteBytes = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {'"', ',', ';', '\t', '\r', '\n'}) t[c] = true;
  return t;
}();

// Whether `cell` holds a byte of kQuoteBytes: 16 bytes at a time.
bool HasQuoteByte(absl::string_view cell) {
  using V16 = char __attribute__((vector_size(16)));
  const char* p = cell.data();
  const char* const end = p + cell.size();
  for (; end - p >= 16; p += 16) {
    V16 v;
    std::memcpy(&v, p, 16);
    const auto hit = (v == '"') | (v == ',') | (v == ';') | (v == '\t') | (v == '\r') | (v == '\n');
    uint64_t halves[2];
    std::memcpy(halves, &hit, 16);
    if ((halves[0] | halves[1]) != 0) return true;
  }
  bool special = false;
  for (; p != end; ++p) special |= kQuoteBytes[static_cast<unsigned char>(*p)];
  return special;
}

}  // namespace

void AppendCsvText(absl::string_view cell, std::string* out) {
  const bool special = HasQuoteByte(cell);
  if (!special) {
    if (ReadsAsNumber(cell)) {
      out->push_back('"');
      out->append(cell.data(), cell.size());
      out->push_back('"');
    } else {
      out->append(cell.data(), cell.size());
    }
    return;
  }
  out->push_back('"');
  for (char ch : cell) {
    if (ch == '"') out->push_back('"');
    out->push_back(ch);
  }
  out->push_back('"');
}

void AppendCsvReal(double v, std::string* out) {
  char buf[64];
  // Where %.15g writes no exponent, its digits are the shortest ones that
  // read back as `v` whenever those are 15 or fewer (the nearest 15-digit
  // decimal is then that one); and the shortest are much faster to find.
  const double a = std::fabs(v);
  if (a >= 1e-4 && a < 1e15) {
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
    if (ec == std::errc()) {
      int digits = 0;
      bool leading = true;
      for (const char* c = buf; c != ptr; ++c) {
        leading = leading && (*c < '1' || *c > '9');
        digits += !leading && *c >= '0' && *c <= '9';
      }
      if (digits <= 15) {
        out->append(buf, ptr - buf);
        return;
      }
    }
  }
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 15);
  out->append(buf, ec == std::errc() ? ptr - buf : 0);
}

void AppendCsvWktPoint(double x, double y, std::string* out) {
  // GDAL writes integral coordinates without decimals when all of them are,
  // else ".0" after each integral one.
  const bool all_integral =
      std::floor(x) == x && std::floor(y) == y && std::fabs(x) < 1e15 && std::fabs(y) < 1e15;
  out->append("\"POINT (");
  for (double v : {x, y}) {
    const size_t at = out->size();
    AppendCsvReal(v, out);
    bool plain = true;  // no '.', no exponent
    for (size_t k = at; k < out->size(); ++k) plain = plain && (*out)[k] != '.' && (*out)[k] != 'e';
    if (!all_integral && std::isfinite(v) && plain) out->append(".0");
    out->push_back(' ');
  }
  out->back() = ')';
  out->push_back('"');
}

}  // namespace redline::cli
