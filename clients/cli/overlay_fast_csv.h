// The CSV reading and writing of the overlay's fast path (overlay_fast.h),
// written to give the very records, values and text that GDAL's CSV driver
// (3.6) reads and writes, without a per-cell allocation. GDAL stays the
// reference: tests/cli/overlay_fast_csv_test.cc and
// tests/e2e/overlay_fast_test.py compare these with GDAL's own results.
#ifndef REDLINE_CLIENTS_CLI_OVERLAY_FAST_CSV_H_
#define REDLINE_CLIENTS_CLI_OVERLAY_FAST_CSV_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace redline::cli {

// Reads a comma-separated file record by record as GDAL's CSV driver does:
// a UTF-8 BOM skipped; LF, CRLF or CR ends a record outside quotes; a quote
// opens or closes quoting anywhere in a field, and "" inside quotes is one
// quote (CSVSplitLine); a CRLF inside quotes reads as LF (GDAL joins the
// lines of a record with LF); empty lines are skipped. Not thread-safe.
class CsvRecordReader {
 public:
  CsvRecordReader() = default;
  ~CsvRecordReader();
  CsvRecordReader(const CsvRecordReader&) = delete;
  CsvRecordReader& operator=(const CsvRecordReader&) = delete;

  absl::Status Open(const std::string& path);

  // Appends the next record's fields to `text`, each field's end offset in
  // `text` to `ends`. False at the end of the file (or on a read error:
  // see status()).
  bool Next(std::string* text, std::vector<uint32_t>* ends);

  absl::Status status() const { return status_; }

 private:
  enum class Parse { kRecord, kBlank, kNeedMore };
  Parse ParseRecord(std::string* text, std::vector<uint32_t>* ends);
  // More bytes in buf_ (keeping those from pos_); false if none are left.
  bool Refill();

  FILE* file_ = nullptr;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  absl::Status status_;
};

// The records of a CSV file (header included) as CsvRecordReader reads
// them, counted without splitting fields: for the progress line, in a
// fraction of the time GDAL's GetFeatureCount takes (which parses every
// record). -1 if the file cannot be read.
int64_t CountCsvRecords(const std::string& path);

// A coordinate cell as GDAL's CSV driver reads its X/Y columns: nullopt
// where it gives the feature no geometry (an empty cell, text that is not a
// number); a decimal comma is read as a point; a number too large is inf.
std::optional<double> ParseCsvCoordinate(absl::string_view cell);

// Appends `cell` as GDAL's CSV writer writes a string field
// (STRING_QUOTING=IF_AMBIGUOUS): quoted, quotes doubled, when it holds a
// quote, comma, semicolon, tab, CR or LF, or when it reads as a number.
void AppendCsvText(absl::string_view cell, std::string* out);

// Appends `v` as GDAL writes a real field: printf's %.15g.
void AppendCsvReal(double v, std::string* out);

// Appends a point as GDAL's WKT writer does, quoted: "POINT (x y)".
void AppendCsvWktPoint(double x, double y, std::string* out);

}  // namespace redline::cli

#endif  // REDLINE_CLIENTS_CLI_OVERLAY_FAST_CSV_H_
