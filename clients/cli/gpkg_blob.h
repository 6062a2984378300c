// The point in a GeoPackage geometry blob (GeoPackage 1.3, 2.1.3: "GP",
// version, flags, srs_id, an optional envelope, then standard WKB), for the
// overlay's fast path: the ISO Point encodings GDAL writes are read here,
// any other WKB by GDAL's reader, so that a row has the point the GDAL path
// would read (fuzz/gpkg_blob_fuzz.cc holds the two to that).
#ifndef REDLINE_CLIENTS_CLI_GPKG_BLOB_H_
#define REDLINE_CLIENTS_CLI_GPKG_BLOB_H_

namespace redline::cli {

// The x and y of a blob holding a Point (2D, Z, M or ZM; either byte
// order); false for none: NULL, not a GeoPackage blob, an invalid envelope
// code, WKB GDAL does not read as a point. An empty point reads as NaN,
// NaN, as OGR writes it.
bool GpkgBlobPoint(const unsigned char* blob, int size, double* x, double* y);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_GPKG_BLOB_H_
