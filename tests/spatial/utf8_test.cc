#include "spatial/base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace redline {
namespace {

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  for (const std::string& s :
       {std::string(), std::string("EPSG:4490"), std::string("饮用水水源一级保护区"),
        std::string("Ⅰ级"), std::string("a\0b", 3),  // NUL is a character
        std::string("\xc2\x80"),                     // U+0080, first 2-byte
        std::string("\xdf\xbf"),                     // U+07FF
        std::string("\xe0\xa0\x80"),                 // U+0800, first 3-byte
        std::string("\xed\x9f\xbf"),                 // U+D7FF, before surrogates
        std::string("\xee\x80\x80"),                 // U+E000, after them
        std::string("\xef\xbf\xbf"),                 // U+FFFF
        std::string("\xf0\x90\x80\x80"),             // U+10000, first 4-byte
        std::string("\xf4\x8f\xbf\xbf")}) {          // U+10FFFF, the last
    EXPECT_TRUE(IsValidUtf8(s)) << testing::PrintToString(s);
  }
}

TEST(IsValidUtf8Test, RefusesMalformedText) {
  for (const std::string& s : {
           std::string("\x80"),              // a continuation byte alone
           std::string("\xc0\x80"),          // overlong NUL
           std::string("\xc1\xbf"),          // overlong
           std::string("\xe0\x80\xaf"),      // overlong '/'
           std::string("\xe0\x9f\xbf"),      // overlong U+07FF
           std::string("\xed\xa0\x80"),      // surrogate U+D800 (GDAL's check passes it)
           std::string("\xed\xbf\xbf"),      // surrogate U+DFFF
           std::string("\xf0\x8f\xbf\xbf"),  // overlong U+FFFF
           std::string("\xf4\x90\x80\x80"),  // U+110000
           std::string("\xf5\x80\x80\x80"),  // no such lead byte
           std::string("\xff"),
           std::string("\xe4\xb8"),          // 中 cut short
           std::string("\xe4\xb8\x41"),      // 中 with a bad last byte
           std::string("\xc9\xfa\xcc\xac"),  // 生态 in GBK
       }) {
    EXPECT_FALSE(IsValidUtf8(s)) << testing::PrintToString(s);
    EXPECT_FALSE(IsValidUtf8("ok " + s + " ok")) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace redline
