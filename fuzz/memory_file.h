// A file in memory (memfd) whose content is replaced for each input: for
// harnesses of parsers that read paths (rule files, CSV files).
#ifndef REDLINE_FUZZ_MEMORY_FILE_H_
#define REDLINE_FUZZ_MEMORY_FILE_H_

#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"

class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(memfd_create(name, 0)) {
    FUZZ_CHECK(fd_ >= 0, "memfd_create failed");
    path_ = absl::StrCat("/proc/self/fd/", fd_);
  }
  // Replaces the content; returns the path that reads it.
  const std::string& Write(absl::string_view content) {
    FUZZ_CHECK(ftruncate(fd_, 0) == 0, "ftruncate failed");
    FUZZ_CHECK(
        pwrite(fd_, content.data(), content.size(), 0) == static_cast<ssize_t>(content.size()),
        "pwrite failed");
    return path_;
  }

 private:
  int fd_;
  std::string path_;
};

#endif  // REDLINE_FUZZ_MEMORY_FILE_H_
