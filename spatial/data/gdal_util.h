// Small pieces shared by everything in the core that reads files through
// GDAL/OGR: driver registration, error collection, CRS naming.
#ifndef REDLINE_SPATIAL_DATA_GDAL_UTIL_H_
#define REDLINE_SPATIAL_DATA_GDAL_UTIL_H_

#include <cpl_conv.h>
#include <cpl_error.h>
#include <ogr_spatialref.h>

#include <string>
#include <vector>

namespace redline {

// GDALAllRegister(), once per process, from any thread; and, at the same
// moment, GDAL's network access turned off for the whole process (see
// gdal_util.cc for what exactly and why). Every GDAL user in the core calls
// this before its first open.
void RegisterGdalOnce();

// True once RegisterGdalOnce has turned GDAL's network access off: a
// request for a URL through CPLHTTPFetch or a /vsicurl/-like path fails at
// once, without a connection.
bool GdalNetworkDisabled();

// Collects GDAL's messages on this thread while it lives, so that a failed
// open reports GDAL's own reason instead of printing it to stderr.
class GdalErrors {
 public:
  GdalErrors() { CPLPushErrorHandlerEx(&GdalErrors::Handle, this); }
  ~GdalErrors() { CPLPopErrorHandler(); }
  GdalErrors(const GdalErrors&) = delete;
  GdalErrors& operator=(const GdalErrors&) = delete;

  std::string Last() const { return messages_.empty() ? "no reason given" : messages_.back(); }

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

#endif  // REDLINE_SPATIAL_DATA_GDAL_UTIL_H_
