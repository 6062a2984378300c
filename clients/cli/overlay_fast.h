// The overlay's fast path for point files: CSV with lon/lat columns in,
// CSV out, without an OGRFeature, a protobuf result or a lock per point.
// A reading thread parses records straight into the Overlay stream's
// columnar requests (PointColumns); the calling thread reads the columnar
// answers and formats the rows into a big buffer, filled from the columns
// and the stream's zone and rule tables. The rows, their order, values and
// text are those the GDAL path (overlay.cc, overlay_writer.cc) writes for
// the same input: tests/e2e/overlay_fast_test.py holds it to that.
//
// Measured on 1M random points over Zhejiang (2 cores): see the commit
// message and issue #20; the GDAL path spends its time per point on OGR
// features, protobuf results and OGR's CSV writer, not on the check.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_

#include "clients/cli/overlay.h"
#include "clients/cli/overlay_connection.h"
#include "clients/cli/overlay_input.h"

namespace redline::cli {

// Whether `in` (opened by OpenInput) and the options suit the fast path:
// a CSV file whose points GDAL reads from lon/lat columns (no .csvt, comma
// separated, every field text), no --where, a .csv output; and the
// environment does not set REDLINE_OVERLAY_GDAL_ONLY=1 (which keeps every
// overlay on the GDAL path, for tests that compare the two).
bool FastPathApplies(const OverlayOptions& options, const Input& in);

// Runs the overlay on the fast path (after Preflight); the exit status as
// RunOverlay's. The summary says "(fast path: csv→csv)".
int RunFastOverlay(const OverlayOptions& options, const Input& in, Connection* connection);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FAST_H_
