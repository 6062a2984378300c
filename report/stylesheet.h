// The record's stylesheet, report/record.css, compiled in at build time
// (cmake/embed_file.cmake) so that every page carries it inline.
#ifndef REDLINE_REPORT_STYLESHEET_H_
#define REDLINE_REPORT_STYLESHEET_H_

#include "absl/strings/string_view.h"

namespace redline::report {

absl::string_view RecordCss();

}  // namespace redline::report

#endif  // REDLINE_REPORT_STYLESHEET_H_
