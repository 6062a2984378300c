#include "spatial/data/gdal_util.h"

#include <cpl_http.h>
#include <cpl_vsi_virtual.h>
#include <gdal.h>
#include <ogr_srs_api.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/strings/str_cat.h"

namespace redline {
namespace {

std::atomic<bool> network_disabled{false};

// Every CPLHTTPFetch in the process ends here. GDAL fetches URLs found
// *inside* data it reads: a GeoJSON "crs" of type "link" or "url" makes the
// GeoJSON driver GET its href (seen here with GDAL 3.6.2, even when only the
// GeoJSON driver is allowed), and OGR SQL functions such as ogr_geocode
// fetch too. The server reads only local files and PostgreSQL (libpq, not
// CPLHTTP), so no fetch is legitimate. Returning nullptr would hand the
// request on to curl, hence an error result.
CPLHTTPResult* RefuseFetch(const char* url, CSLConstList, GDALProgressFunc, void*,
                           CPLHTTPFetchWriteFunc, void*, void*) {
  auto* result = static_cast<CPLHTTPResult*>(CPLCalloc(1, sizeof(CPLHTTPResult)));
  result->nStatus = 1;
  result->pszErrBuf = CPLStrdup("network access is disabled in this server");
  return result;
}

// Stands in for GDAL's network file systems (/vsicurl/ and the cloud
// stores built on it, which use curl directly, not CPLHTTPFetch): every
// path under them is "not found", so an OGR VRT, a GeoPackage view or a
// layer config naming one cannot make the server connect anywhere.
class RefusingFilesystem final : public VSIFilesystemHandler {
 public:
  VSIVirtualHandle* Open(const char*, const char*, bool, CSLConstList) override {
    CPLError(CE_Failure, CPLE_NotSupported, "network access is disabled in this server");
    return nullptr;
  }
  int Stat(const char*, VSIStatBufL*, int) override { return -1; }
};

void DisableGdalNetwork() {
  CPLHTTPSetFetchCallback(&RefuseFetch, nullptr);
  // GDAL does not free a handler that InstallHandler replaces: keep GDAL's
  // own reachable (they live as long as the process, as they would have),
  // so that LeakSanitizer, rightly strict everywhere else, stays quiet.
  static auto* const replaced = new std::vector<VSIFilesystemHandler*>();
  for (const char* prefix :
       {"/vsicurl/", "/vsicurl_streaming/", "/vsis3/", "/vsis3_streaming/", "/vsigs/",
        "/vsigs_streaming/", "/vsiaz/", "/vsiaz_streaming/", "/vsiadls/", "/vsioss/",
        "/vsioss_streaming/", "/vsiswift/", "/vsiswift_streaming/", "/vsiwebhdfs/", "/vsihdfs/"}) {
    replaced->push_back(VSIFileManager::GetHandler(prefix));
    VSIFileManager::InstallHandler(prefix, new RefusingFilesystem());
  }
  // PROJ grids from the CDN: the CRS code (spatial/coords/crs.cc) turns network off
  // on its own contexts; this covers the contexts OGRSpatialReference uses.
  OSRSetPROJEnableNetwork(FALSE);
  // Belt and braces for anything that still reaches curl: no file
  // extension is allowed to be opened over HTTP.
  CPLSetConfigOption("CPL_VSIL_CURL_ALLOWED_EXTENSIONS", ".redline-network-disabled");
  network_disabled = true;
}

}  // namespace

void RegisterGdalOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    GDALAllRegister();
    DisableGdalNetwork();
  });
}

bool GdalNetworkDisabled() { return network_disabled; }

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
