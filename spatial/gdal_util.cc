#include "spatial/gdal_util.h"

#include <gdal.h>

#include <mutex>

#include "absl/strings/str_cat.h"

namespace redline {

void RegisterGdalOnce() {
  static std::once_flag once;
  std::call_once(once, [] { GDALAllRegister(); });
}

void CPL_STDCALL GdalErrors::Handle(CPLErr level, CPLErrorNum, const char* msg) {
  auto* self = static_cast<GdalErrors*>(CPLGetErrorHandlerUserData());
  if (level >= CE_Warning && self->messages_.size() < 100) {
    self->messages_.push_back(msg);
  }
}

std::string CrsName(OGRSpatialReference srs) {
  if (srs.GetAuthorityName(nullptr) == nullptr) srs.AutoIdentifyEPSG();
  const char* auth = srs.GetAuthorityName(nullptr);
  const char* code = srs.GetAuthorityCode(nullptr);
  if (auth != nullptr && code != nullptr) return absl::StrCat(auth, ":", code);
  const char* name = srs.GetName();
  return name != nullptr ? name : "unnamed CRS";
}

}  // namespace redline
