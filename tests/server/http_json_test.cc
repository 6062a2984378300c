// ParseJsonRequest: bounded before protobuf, short messages.
#include "server/http/http_json.h"

#include <gtest/gtest.h>

#include <string>

#include "redline/v1/redline.pb.h"

namespace redline::server {
namespace {

TEST(HttpJsonTest, ParsesARequest) {
  v1::CheckPointRequest req;
  ASSERT_TRUE(ParseJsonRequest(R"({"x": 120.5, "y": 30.25})", &req).ok());
  EXPECT_EQ(req.x(), 120.5);
  EXPECT_EQ(req.y(), 30.25);
}

TEST(HttpJsonTest, DeepNestingIsRefusedBeforeProtobuf) {
  v1::CheckPointRequest req;
  const absl::Status st = ParseJsonRequest(std::string(400000, '['), &req);
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("deeper than 64"), absl::string_view::npos) << st.message();
  EXPECT_NE(st.message().find("CheckPointRequest"), absl::string_view::npos);
  // 64 levels are fine for the scan (protobuf then says what is wrong).
  EXPECT_TRUE(ScanJson(std::string(64, '[') + std::string(64, ']')).ok());
  EXPECT_FALSE(ScanJson(std::string(65, '{')).ok());
}

TEST(HttpJsonTest, BracketsInsideStringsDoNotCount) {
  EXPECT_TRUE(
      ScanJson(
          R"({"wkt": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"["})", 4)
          .ok());
}

TEST(HttpJsonTest, PathologiesAreRefusedWithShortMessages) {
  v1::CheckPointRequest req;
  for (const std::string& body :
       {std::string("   "), std::string(R"({"x": 1)"), std::string("]"),
        std::string(R"({"x": )") + std::string(100000, '1') + "}",
        std::string(R"({"x": "a)") + "\n" + R"("})",
        std::string(R"({"x": ")") + std::string(1000000, 'a') + R"("})",
        std::string(R"({"why": ")") + std::string(1000000, 'a') + R"("})"}) {
    const absl::Status st = ParseJsonRequest(body, &req);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << body.substr(0, 40);
    EXPECT_LT(st.message().size(), 500u) << st.message().substr(0, 600);
  }
}

}  // namespace
}  // namespace redline::server
