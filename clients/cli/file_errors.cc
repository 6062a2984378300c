#include "clients/cli/file_errors.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace redline::cli {
namespace {

// GDAL's messages may span lines (an SQL error points at its column on the
// next two): joined into one, runs of blanks as one space.
std::string OneLine(const char* message) {
  std::string out;
  for (absl::string_view part : absl::StrSplit(message, absl::ByAnyChar("\r\n"))) {
    part = absl::StripAsciiWhitespace(part);
    if (part.empty()) continue;
    if (!out.empty()) out += ' ';
    out.append(part.data(), part.size());
  }
  return out;
}

void CPL_STDCALL HandleGdalError(CPLErr level, CPLErrorNum, const char* message) {
  if (level == CE_Warning) {
    const std::string line = absl::StrCat("redline: GDAL: ", OneLine(message), "\n");
    std::fwrite(line.data(), 1, line.size(), stderr);
  } else if (level == CE_Debug && CPLGetConfigOption("CPL_DEBUG", nullptr) != nullptr) {
    const std::string line = absl::StrCat("redline: GDAL debug: ", OneLine(message), "\n");
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
  // Errors: kept by GDAL as the last error, reported in the CLI's message.
}

const char* Reason(int error) {
  switch (error) {
    case ENOENT:
      return "no such file";
    case EACCES:
      return "permission denied";
    case ENOTDIR:
      return "a folder in the path is a file";
    default:
      return nullptr;
  }
}

}  // namespace

void InstallGdalErrorHandler() { CPLSetErrorHandler(&HandleGdalError); }

std::string GdalMessage() { return OneLine(CPLGetLastErrorMsg()); }

absl::Status CheckInputExists(const std::string& path) {
  // Paths through GDAL's virtual file systems and connection strings
  // ("PG:dbname=...") are GDAL's to judge.
  if (absl::StartsWith(path, "/vsi") || absl::StrContains(path, ":")) return absl::OkStatus();
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return absl::OkStatus();
  const int error = errno;
  const char* reason = Reason(error);
  return absl::InvalidArgumentError(
      absl::StrCat("cannot open ", path, ": ", reason != nullptr ? reason : std::strerror(error)));
}

}  // namespace redline::cli
