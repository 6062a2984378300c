#include "spatial/base/utf8.h"

#include <cstdint>

namespace redline {

bool IsValidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t* const end = p + s.size();
  const auto continuation = [](uint8_t b) { return (b & 0xC0) == 0x80; };
  while (p < end) {
    const uint8_t b0 = *p;
    if (b0 < 0x80) {
      ++p;
      continue;
    }
    // The sequence's length and the range its second byte must fall in,
    // which is what rules out overlong forms, surrogates and > U+10FFFF.
    int length;
    uint8_t low = 0x80, high = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3;
      if (b0 == 0xE0) low = 0xA0;   // else overlong
      if (b0 == 0xED) high = 0x9F;  // else a surrogate, U+D800..U+DFFF
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4;
      if (b0 == 0xF0) low = 0x90;   // else overlong
      if (b0 == 0xF4) high = 0x8F;  // else above U+10FFFF
    } else {
      return false;  // a stray continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (end - p < length || p[1] < low || p[1] > high) return false;
    for (int k = 2; k < length; ++k) {
      if (!continuation(p[k])) return false;
    }
    p += length;
  }
  return true;
}

}  // namespace redline
