// `redline overlay`: a batch overlay of a file's features against every
// layer, streamed through the Overlay RPC of a server or of an in-process
// one (--local), written back out as GeoPackage, CSV or GeoJSON.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_H_

#include <string>

#include "clients/cli/flags.h"
#include "redline/v1/redline.pb.h"

namespace redline::cli {

struct OverlayOptions {
  std::string input;        // anything GDAL reads
  std::string input_layer;  // optional
  std::string id_field;     // optional; default: the feature's FID
  std::string where;        // optional attribute filter (OGR SQL)
  std::string crs;          // optional override of the input's CRS
  std::string output;       // .gpkg, .csv, .geojson or .fgb
  bool overwrite = false;   // replace an existing output
  // One address, or several ("a,b,c"): the input is then spread over all
  // of them, a stream each, batches round-robin, rows in input order, all
  // from the dataset version of the first answer (or --require-version).
  std::string server = kDefaultServer;
  ChannelSecurity security;  // TLS and token (flags.h)
  std::string local_config;  // non-empty: run in-process on this config
  bool quiet = false;
  bool json = false;  // --json: the summary as JSON
  // Sent with every request: siting, radius, zone layers, hits_only (only
  // where each feature lies: no verdict, rules or nearby zones; the verdict
  // columns stay empty). Filled by commands.cc's FillOverlayOptions.
  v1::CheckOptions request_options;
};

// Exit status: 0 all features checked; 3 some features failed (their rows
// carry the error); 2 bad usage, unreadable input, options the server
// refuses, an existing output without --overwrite (all found before the
// first row is read and before the output is made); 1 server unreachable or
// failing, or a server holding another dataset than the one pinned (the
// output is then removed: no rows from two datasets, nor a part that looks
// like the whole).
int RunOverlay(const OverlayOptions& options);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_H_
