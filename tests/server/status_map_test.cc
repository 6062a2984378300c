// The last line of defence against long error messages (status_map.h) and
// the request option checks of convert.h that concern issue 18: a NaN,
// infinite or negative radius is refused, not read as "the default".
#include "server/handlers/status_map.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "redline/v1/redline.pb.h"
#include "server/handlers/convert.h"
#include "spatial/base/utf8.h"

namespace redline::server {
namespace {

using ::testing::HasSubstr;

TEST(StatusMapTest, ShortMessagesAndCodesPassUnchanged) {
  const grpc::Status st = ToGrpcStatus(absl::InvalidArgumentError("bad WKT"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message(), "bad WKT");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_EQ(ToGrpcStatus(absl::ResourceExhaustedError("x")).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

// A message quoting 100 kB of input made the client fail on its metadata
// limit (RESOURCE_EXHAUSTED) instead of seeing INVALID_ARGUMENT.
TEST(StatusMapTest, LongMessagesAreCutOnAUtf8Boundary) {
  for (const std::string& unit : {std::string("x"), std::string("界")}) {
    std::string message = "unknown layer '";
    while (message.size() < 100000) message += unit;
    const grpc::Status st = ToGrpcStatus(absl::InvalidArgumentError(message));
    EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_LE(st.error_message().size(), kMaxStatusMessageBytes);
    EXPECT_TRUE(IsValidUtf8(st.error_message()));
    EXPECT_THAT(st.error_message(), HasSubstr(std::to_string(message.size()) + " bytes)"));
    EXPECT_EQ(st.error_message().rfind("unknown layer '", 0), 0u);
  }
}

TEST(OptionsFromProtoTest, RadiusMustBeAFiniteDistance) {
  v1::CheckOptions in;
  for (double radius : {std::nan(""), std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity(), -1.0}) {
    in.set_search_radius_m(radius);
    absl::StatusOr<CheckOptions> o = OptionsFromProto(in);
    ASSERT_FALSE(o.ok()) << radius << " became " << o->search_radius_m;
    EXPECT_EQ(o.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(o.status().message()), HasSubstr("search_radius_m"));
  }
  for (double radius : {0.0, 250.0}) {
    in.set_search_radius_m(radius);
    absl::StatusOr<CheckOptions> o = OptionsFromProto(in);
    ASSERT_TRUE(o.ok()) << o.status();
    EXPECT_EQ(o->search_radius_m, radius);
  }
}

TEST(OptionsFromProtoTest, AsOfErrorsQuoteAnExcerpt) {
  v1::CheckOptions in;
  in.set_as_of(std::string(100000, '2'));
  absl::StatusOr<CheckOptions> o = OptionsFromProto(in);
  ASSERT_FALSE(o.ok());
  EXPECT_LT(o.status().message().size(), 200u);
}

}  // namespace
}  // namespace redline::server
