// Fuzzes the overlay fast path's CSV reading and writing
// (clients/cli/overlay_fast_csv.h): CsvRecordReader over any bytes, in
// records split across read chunks, ParseCsvCoordinate on every field, and
// AppendCsvText read back. Asserts: field ends rise within the record's
// text; the reader ends (no more records than bytes + 1) and never fails on
// readable bytes; a coordinate is a number or nothing; a record written
// with AppendCsvText reads back as the same fields (except where the reader
// is documented to change them: CRLF inside quotes becomes LF, a leading BOM
// is skipped, a lone empty field is a blank line).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "clients/cli/overlay_fast_csv.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/memory_file.h"

namespace {

using Record = std::vector<std::string>;

std::vector<Record> ReadAll(const std::string& path, size_t max_records) {
  redline::cli::CsvRecordReader reader;
  FUZZ_CHECK(reader.Open(path).ok(), "cannot open the memory file");
  std::vector<Record> records;
  std::string text;
  std::vector<uint32_t> ends;
  while (true) {
    text.clear();
    ends.clear();
    if (!reader.Next(&text, &ends)) break;
    FUZZ_CHECK(records.size() < max_records, "more records than bytes");
    FUZZ_CHECK(!ends.empty(), "a record without fields");
    Record fields;
    uint32_t start = 0;
    for (uint32_t end : ends) {
      FUZZ_CHECK(start <= end && end <= text.size(), "field end %u after %u (text %zu)", end, start,
                 text.size());
      fields.emplace_back(text.substr(start, end - start));
      start = end;
    }
    records.push_back(std::move(fields));
  }
  FUZZ_CHECK(reader.status().ok(), "read error: %s", reader.status().ToString().c_str());
  return records;
}

// Whether AppendCsvText's fields of `r` read back as themselves.
bool RoundTrips(const Record& r, bool first) {
  if (r.size() == 1 && r[0].empty()) return false;  // a blank line
  if (first && absl::StartsWith(r[0], "\xEF\xBB\xBF")) return false;
  for (const std::string& f : r) {
    if (f.find('\r') != std::string::npos) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static MemoryFile* input = new MemoryFile("csv-in");
  static MemoryFile* output = new MemoryFile("csv-out");
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::vector<Record> records = ReadAll(input->Write(bytes), size + 1);

  std::string written;
  std::vector<const Record*> kept;
  for (const Record& r : records) {
    for (const std::string& field : r) {
      if (std::optional<double> v = redline::cli::ParseCsvCoordinate(field)) {
        FUZZ_CHECK(!std::isnan(*v), "NaN from '%s'", field.c_str());
      }
    }
    if (!RoundTrips(r, kept.empty())) continue;
    for (size_t i = 0; i < r.size(); ++i) {
      if (i > 0) written.push_back(',');
      redline::cli::AppendCsvText(r[i], &written);
    }
    written.push_back('\n');
    kept.push_back(&r);
  }
  const std::vector<Record> back = ReadAll(output->Write(written), written.size() + 1);
  FUZZ_CHECK(back.size() == kept.size(), "%zu records written, %zu read back", kept.size(),
             back.size());
  for (size_t i = 0; i < back.size(); ++i) {
    FUZZ_CHECK(back[i] == *kept[i], "record %zu does not read back as written", i);
  }
  return 0;
}
