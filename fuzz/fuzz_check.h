// What the harnesses assert beyond "no crash": FUZZ_CHECK(cond, ...) prints
// the condition and a message, then aborts, which libFuzzer reports as a
// crash and saves the input for. Kept apart from assert() so that it holds in
// every build type.
#ifndef REDLINE_FUZZ_FUZZ_CHECK_H_
#define REDLINE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, ...)                                                            \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                 \
      std::fputc('\n', stderr);                                                          \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

#endif  // REDLINE_FUZZ_FUZZ_CHECK_H_
