// Errors about the files the CLI reads, said in one line each: GDAL's own
// messages are collected (never printed as its raw "ERROR 4: ..." lines)
// and become part of the CLI's message, and a missing file is named as one
// before any reader sees it.
#ifndef REDLINE_CLIENTS_CLI_FILE_ERRORS_H_
#define REDLINE_CLIENTS_CLI_FILE_ERRORS_H_

#include <string>

#include "absl/status/status.h"

namespace redline::cli {

// Sets GDAL's error handler for the whole process, once, before anything
// opens a file: errors are not printed (CPLGetLastErrorMsg, and
// GdalMessage, still have them for the message that reports them),
// warnings are printed on one line as "redline: GDAL: ...", debug messages
// only with CPL_DEBUG set.
void InstallGdalErrorHandler();

// GDAL's last error message on this thread, on one line ("" if none).
std::string GdalMessage();

// OK when `path` exists (a file or a folder: a FileGDB is a folder) or is
// not a local path GDAL reads (/vsi..., PG:...); otherwise an
// InvalidArgumentError "cannot open PATH: no such file" (or the reason).
absl::Status CheckInputExists(const std::string& path);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_FILE_ERRORS_H_
