#include "spatial/input/zip_reader.h"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <zlib.h>

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "spatial/base/excerpt.h"
#include "spatial/data/gdal_util.h"

namespace redline {
namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndRecordSize = 22;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kLocalHeaderSize = 30;

uint16_t U16(absl::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | static_cast<uint8_t>(b[at + 1]) << 8);
}
uint32_t U32(absl::string_view b, size_t at) {
  return static_cast<uint32_t>(U16(b, at)) | static_cast<uint32_t>(U16(b, at + 2)) << 16;
}

// A member name for messages and extension tests: UTF-8 when the archive
// says so or it already is, else the GBK that Chinese Windows tools write.
std::string DecodeName(absl::string_view raw, bool utf8_flag) {
  std::string name(raw);
  if (utf8_flag || CPLIsUTF8(name.c_str(), static_cast<int>(name.size()))) return name;
  std::unique_ptr<char, CplFree> recoded(CPLRecode(name.c_str(), "CP936", CPL_ENC_UTF8));
  return recoded ? std::string(recoded.get()) : name;
}

// Absolute, drive-lettered or climbing names: an extractor that trusted them
// would write outside its folder ("zip slip"). This reader never uses names
// as paths, but such an archive is not a site anyone exported: refuse it.
bool NameEscapes(absl::string_view name) {
  if (name.empty()) return false;
  if (name.front() == '/' || name.front() == '\\') return true;
  if (name.size() >= 2 && name[1] == ':') return true;
  for (absl::string_view part : absl::StrSplit(name, absl::ByAnyChar("/\\"))) {
    if (part == "..") return true;
  }
  return false;
}

// Inflates raw deflate data (a zip member's) into `out`, asking `check`
// with the size there would be before each chunk is kept, so a limit stops
// the inflation, not the end of it.
template <typename Check>
absl::Status InflateRaw(absl::string_view input, const std::string& who, Check check,
                        std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return absl::InternalError("zlib: inflateInit2 failed");
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.avail_in = static_cast<uInt>(input.size());
  char chunk[64 << 10];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(chunk);
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " is damaged (inflate: ", z.msg ? z.msg : "no data", ")"));
    }
    const size_t produced = sizeof(chunk) - z.avail_out;
    absl::Status st = check(out->size() + produced);
    if (!st.ok()) return st;
    out->append(chunk, produced);
    if (rc != Z_STREAM_END && produced == 0 && z.avail_in == 0) {
      return absl::InvalidArgumentError(absl::StrCat(who, " is truncated"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ZipArchive::Refuse(absl::string_view what) const {
  return absl::InvalidArgumentError(
      absl::StrCat("'", file_name_, "' is not a readable zip archive: ", what));
}

absl::StatusOr<ZipArchive> ZipArchive::Open(absl::string_view bytes, absl::string_view file_name,
                                            const ZipLimits& limits) {
  ZipArchive zip(bytes, std::string(file_name), limits);
  absl::Status st = zip.ReadCentralDirectory();
  if (!st.ok()) return st;
  return zip;
}

absl::Status ZipArchive::ReadCentralDirectory() {
  const absl::string_view b = bytes_;
  if (b.size() < kEndRecordSize) return Refuse("too short");
  // The end record sits in the last 22 bytes plus a comment of up to 64 KiB.
  size_t end = absl::string_view::npos;
  const size_t lowest = b.size() > kEndRecordSize + 0xFFFF ? b.size() - kEndRecordSize - 0xFFFF : 0;
  for (size_t at = b.size() - kEndRecordSize + 1; at-- > lowest;) {
    if (U32(b, at) == kEndOfCentralDirectory) {
      end = at;
      break;
    }
  }
  if (end == absl::string_view::npos) return Refuse("no end of central directory");
  const uint16_t disk = U16(b, end + 4), cd_disk = U16(b, end + 6);
  const uint16_t count = U16(b, end + 10);
  const uint32_t cd_size = U32(b, end + 12), cd_offset = U32(b, end + 16);
  if (count == 0xFFFF || cd_offset == 0xFFFFFFFF || cd_size == 0xFFFFFFFF) {
    return Refuse("zip64 archives are not accepted");
  }
  if (disk != 0 || cd_disk != 0) return Refuse("multi-part archives are not accepted");
  if (count > limits_.max_members) {
    return absl::ResourceExhaustedError(absl::StrCat("'", file_name_, "' holds ", count,
                                                     " files; at most ", limits_.max_members,
                                                     " are accepted (max_zip_members)"));
  }
  if (static_cast<uint64_t>(cd_offset) + cd_size > end)
    return Refuse("central directory out of bounds");
  size_t at = cd_offset;
  uint64_t declared_total = 0;
  for (uint16_t i = 0; i < count; ++i) {
    if (at + kCentralHeaderSize > end || U32(b, at) != kCentralHeader) {
      return Refuse("damaged central directory");
    }
    ZipMember m;
    m.flags = U16(b, at + 8);
    m.method = U16(b, at + 10);
    m.compressed_size = U32(b, at + 20);
    m.declared_size = U32(b, at + 24);
    const size_t name_len = U16(b, at + 28), extra_len = U16(b, at + 30),
                 comment_len = U16(b, at + 32);
    m.local_header_offset = U32(b, at + 42);
    if (at + kCentralHeaderSize + name_len > end) return Refuse("damaged central directory");
    m.name = DecodeName(b.substr(at + kCentralHeaderSize, name_len), (m.flags & 0x800) != 0);
    at += kCentralHeaderSize + name_len + extra_len + comment_len;
    if (m.compressed_size == 0xFFFFFFFF || m.declared_size == 0xFFFFFFFF ||
        m.local_header_offset == 0xFFFFFFFF) {
      return Refuse("zip64 archives are not accepted");
    }
    if (NameEscapes(m.name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", file_name_, "' holds a file named '", Excerpt(m.name, 60),
          "', a path outside the archive's own folder; zip the site's files themselves"));
    }
    m.is_directory = !m.name.empty() && (m.name.back() == '/' || m.name.back() == '\\');
    if (static_cast<int64_t>(m.declared_size) > limits_.max_member_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("'", file_name_, "': '", Excerpt(m.name, 60), "' inflates to ",
                       m.declared_size, " bytes; at most ", limits_.max_member_bytes,
                       " per file are accepted (max_zip_member_bytes)"));
    }
    declared_total += m.declared_size;
    members_.push_back(std::move(m));
  }
  if (static_cast<int64_t>(declared_total) > limits_.max_total_bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat("'", file_name_, "' inflates to ", declared_total, " bytes; at most ",
                     limits_.max_total_bytes, " are accepted (max_inflated_bytes)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ZipArchive::Extract(const ZipMember& m) {
  const absl::string_view b = bytes_;
  const std::string who = absl::StrCat("'", file_name_, "': '", Excerpt(m.name, 60), "'");
  if (m.flags & 0x1) return absl::InvalidArgumentError(absl::StrCat(who, " is encrypted"));
  if (m.method != 0 && m.method != 8) {
    return absl::InvalidArgumentError(absl::StrCat(who, " is compressed with method ", m.method,
                                                   "; only stored and deflated files are read"));
  }
  const uint64_t local = m.local_header_offset;
  if (local + kLocalHeaderSize > b.size() || U32(b, local) != kLocalHeader) {
    return Refuse(absl::StrCat("damaged local header of '", Excerpt(m.name, 60), "'"));
  }
  const uint64_t data = local + kLocalHeaderSize + U16(b, local + 26) + U16(b, local + 28);
  if (data > b.size()) return Refuse("member data out of bounds");
  // The compressed bytes cannot pass the end of what was uploaded, whatever
  // the directory says: the ratio below is measured against the real input.
  const uint64_t compressed = std::min<uint64_t>(m.compressed_size, b.size() - data);
  const absl::string_view input = b.substr(data, compressed);

  // Inflation never passes what the member declared (already checked
  // against the limits), nor what is left of the archive's total.
  const int64_t left = limits_.max_total_bytes - extracted_bytes_;
  const uint64_t cap = std::min<uint64_t>(m.declared_size, std::max<int64_t>(left, 0));
  std::string out;
  out.reserve(static_cast<size_t>(std::min<uint64_t>(cap, 1 << 20)));
  auto too_much = [&](uint64_t produced) -> absl::Status {
    if (produced > m.declared_size) {
      return absl::InvalidArgumentError(
          absl::StrCat(who, " inflates to more than the ", m.declared_size, " bytes it declares"));
    }
    if (static_cast<int64_t>(produced) > left) {
      return absl::ResourceExhaustedError(
          absl::StrCat("'", file_name_, "' inflates to more than ", limits_.max_total_bytes,
                       " bytes; larger archives are not accepted (max_inflated_bytes)"));
    }
    if (static_cast<int64_t>(produced) > limits_.ratio_floor_bytes &&
        static_cast<double>(produced) > limits_.max_ratio * static_cast<double>(compressed)) {
      return absl::ResourceExhaustedError(absl::StrCat(
          who, " inflates more than ", limits_.max_ratio,
          " times its compressed size; such archives are not accepted (max_zip_ratio)"));
    }
    return absl::OkStatus();
  };

  if (m.method == 0) {
    absl::Status st = too_much(input.size());
    if (!st.ok()) return st;
    out.assign(input.data(), input.size());
  } else {
    absl::Status st = InflateRaw(input, who, too_much, &out);
    if (!st.ok()) return st;
  }
  if (out.size() != m.declared_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        who, " inflates to ", out.size(), " bytes, not the ", m.declared_size, " it declares"));
  }
  extracted_bytes_ += static_cast<int64_t>(out.size());
  return out;
}

}  // namespace redline
