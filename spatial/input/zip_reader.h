// A small, strict reader of uploaded zip archives (zipped Shapefiles, KMZ).
//
// Why not GDAL's /vsizip/: an upload must not be able to make the server
// inflate more than a set number of bytes, and GDAL trusts the sizes the
// archive declares. This reader checks the declared sizes and the member
// count before inflating anything, then counts the bytes as it inflates
// (declared sizes can lie) and stops at the first byte past a limit. Member
// names are only ever compared and shown, never used as paths: the caller
// chooses where a member's bytes go.
//
// Stored and deflated members only; no encryption, no zip64, no multi-disk
// archives (none of which the staff's tools write for a site).
//
// Thread-safety: a ZipArchive is used from one thread at a time; distinct
// archives are independent.
#ifndef REDLINE_SPATIAL_INPUT_ZIP_READER_H_
#define REDLINE_SPATIAL_INPUT_ZIP_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline {

struct ZipLimits {
  int max_members = 1000;
  int64_t max_member_bytes = 32 << 20;  // one member, inflated
  int64_t max_total_bytes = 64 << 20;   // all members extracted, inflated
  // Inflated / compressed, checked once a member has inflated past
  // ratio_floor_bytes (small members compress as they like).
  double max_ratio = 100;
  int64_t ratio_floor_bytes = 1 << 20;
};

struct ZipMember {
  std::string name;  // UTF-8 (GBK names, as Chinese Windows writes them, recoded)
  bool is_directory = false;
  uint16_t method = 0;  // 0 stored, 8 deflated
  uint16_t flags = 0;
  uint64_t compressed_size = 0;
  uint64_t declared_size = 0;  // the uncompressed size the archive claims
  uint64_t local_header_offset = 0;
};

class ZipArchive {
 public:
  // Reads the central directory of `bytes` (which must outlive this
  // object). `file_name` names the archive in messages. Refuses, before
  // inflating anything: not a zip, more than max_members members, a member
  // whose declared size passes max_member_bytes or whose declared sizes
  // together pass max_total_bytes, a member name that is absolute or climbs
  // out with "..".
  static absl::StatusOr<ZipArchive> Open(absl::string_view bytes, absl::string_view file_name,
                                         const ZipLimits& limits);

  const std::vector<ZipMember>& members() const { return members_; }

  // The member's bytes, inflated while counting: more than max_member_bytes,
  // more than max_total_bytes over every Extract of this archive, or a
  // ratio past max_ratio is RESOURCE_EXHAUSTED, refused at that byte. A
  // corrupt member or one that inflates to other than its declared size is
  // INVALID_ARGUMENT.
  absl::StatusOr<std::string> Extract(const ZipMember& member);

 private:
  ZipArchive(absl::string_view bytes, std::string file_name, ZipLimits limits)
      : bytes_(bytes), file_name_(std::move(file_name)), limits_(limits) {}

  absl::Status ReadCentralDirectory();
  absl::Status Refuse(absl::string_view what) const;

  absl::string_view bytes_;
  std::string file_name_;
  ZipLimits limits_;
  std::vector<ZipMember> members_;
  int64_t extracted_bytes_ = 0;
};

}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_ZIP_READER_H_
