// Small pieces shared by everything in the core that reads files through
// GDAL/OGR: driver registration, error collection, CRS naming.
#ifndef REDLINE_SPATIAL_GDAL_UTIL_H_
#define REDLINE_SPATIAL_GDAL_UTIL_H_

#include <cpl_error.h>
#include <cpl_conv.h>
#include <ogr_spatialref.h>

#include <string>
#include <vector>

namespace redline {

// GDALAllRegister(), once per process, from any thread.
void RegisterGdalOnce();

// Collects GDAL's messages on this thread while it lives, so that a failed
// open reports GDAL's own reason instead of printing it to stderr.
class GdalErrors {
 public:
  GdalErrors() { CPLPushErrorHandlerEx(&GdalErrors::Handle, this); }
  ~GdalErrors() { CPLPopErrorHandler(); }
  GdalErrors(const GdalErrors&) = delete;
  GdalErrors& operator=(const GdalErrors&) = delete;

  std::string Last() const {
    return messages_.empty() ? "no reason given" : messages_.back();
  }

 private:
  static void CPL_STDCALL Handle(CPLErr level, CPLErrorNum, const char* msg);
  std::vector<std::string> messages_;
};

struct CplFree {
  void operator()(char* p) const { CPLFree(p); }
};

// "EPSG:4549" when the CRS has (or can be identified with) an authority
// code, else its name.
std::string CrsName(OGRSpatialReference srs);

}  // namespace redline

#endif  // REDLINE_SPATIAL_GDAL_UTIL_H_
