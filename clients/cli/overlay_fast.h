// The overlay's fast path for point files: CSV with lon/lat columns in and
// CSV out, or a GeoPackage point layer in and GeoPackage out, without an
// OGRFeature, a protobuf result or a lock per point. A reading thread
// parses records (CSV) or steps through the table with SQLite (GeoPackage)
// straight into the Overlay stream's columnar requests (PointColumns); the
// calling thread reads the columnar answers and writes the rows, filled
// from the columns and the stream's zone and rule tables: CSV through a big
// buffer, GeoPackage through SQLite into the tables GDAL created. The rows,
// their order, values and types are those the GDAL path (overlay.cc,
// overlay_writer.cc) writes for the same input:
// tests/e2e/overlay_fast_test.py holds it to that. One difference: the
// GeoPackage layers have no R-tree (as ogr2ogr's SPATIAL_INDEX=NO; GDAL
// builds one a row at a time, slower than the whole overlay).
//
// Files: overlay_fast.cc (the CSV side, the entry points below),
// overlay_fast_rows.cc (requests out, answers into rows, the stream),
// overlay_fast_gpkg.cc (the GeoPackage side), overlay_fast_internal.h
// (what they share), overlay_fast_csv.cc (CSV records and cells as GDAL
// reads and writes them), overlay_fast_sink.cc (the writing threads).
// REDLINE_OVERLAY_TRACE=1 prints where the time went.
//
// Measured on 1M points over Zhejiang through a server (2 cores, quiet;
// bench/overlay_bench.py): CSV→CSV 1.85 s wall, GeoPackage→GeoPackage 3.1 s,
// against 12.3 s for the PostGIS job; the GDAL path spends its time per
// point on OGR features, protobuf results and OGR's writers, not on the check.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_

#include "clients/cli/overlay.h"
#include "clients/cli/overlay_connection.h"
#include "clients/cli/overlay_input.h"

namespace redline::cli {

// Whether `in` (opened by OpenInput) and the options suit the fast path:
// no --where, and either a CSV file whose points GDAL reads from lon/lat
// columns (no .csvt, comma separated, every field text) to a .csv output,
// or a GeoPackage 2D point layer (integer, real, text and date fields) to a
// .gpkg output; and the
// environment does not set REDLINE_OVERLAY_GDAL_ONLY=1 (which keeps every
// overlay on the GDAL path, for tests that compare the two).
bool FastPathApplies(const OverlayOptions& options, const Input& in);

// Runs the overlay on the fast path (after Preflight); the exit status as
// RunOverlay's. The summary says "(fast path: csv→csv)" or "(fast path:
// gpkg→gpkg)".
int RunFastOverlay(const OverlayOptions& options, const Input& in, Connection* connection);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_
