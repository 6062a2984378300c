// Private to spatial/input (site_file.cc, site_file_stage.cc): an upload
// staged for GDAL — its format chosen by name and checked against its bytes,
// an archive unpacked under the zip limits, a CSV that is not UTF-8 recoded,
// and the per-format checks that must pass before any parser runs.
#ifndef REDLINE_SPATIAL_INPUT_SITE_FILE_STAGE_H_
#define REDLINE_SPATIAL_INPUT_SITE_FILE_STAGE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "spatial/base/messages.h"
#include "spatial/input/site_file.h"
#include "spatial/input/upload_format.h"

namespace redline {
namespace site_file_internal {

// The file GDAL opens, and the files beside it, as they will sit in the
// MemDir (site_file.cc). Extracted bytes are owned here; a plain upload is
// the caller's.
struct Staged {
  UploadFormat format = UploadFormat::kGeoJson;
  const char* driver = nullptr;
  std::string shown;  // how messages name the file: "site.zip: 红线/site.shp"
  std::string main;   // the base name GDAL opens
  std::vector<std::pair<std::string, absl::string_view>> files;
  std::vector<std::unique_ptr<std::string>> owned;
  std::vector<std::string> notes;
  std::vector<Message> note_messages;
};

// The last part of a path, '/' or '\' separated: what a client or an
// archive calls a file never steers where GDAL looks.
std::string BaseName(absl::string_view name);

// How the upload will be opened: its format by name, checked against its
// bytes, archives unpacked, a CSV that is not UTF-8 recoded from GBK. `base`
// is the upload's base name.
absl::StatusOr<Staged> Stage(const std::string& base, absl::string_view content,
                             const SiteFileOptions& o);

}  // namespace site_file_internal
}  // namespace redline

#endif  // REDLINE_SPATIAL_INPUT_SITE_FILE_STAGE_H_
