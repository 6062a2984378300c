// The overlay's fan-out helpers: the --server list, and the pin every
// answer is held to (clients/cli/overlay_fanout.h).
#include "clients/cli/overlay_fanout.h"

#include <thread>

#include "gtest/gtest.h"

namespace redline::cli {
namespace {

TEST(SplitServersTest, TrimsAndDropsEmptyEntries) {
  EXPECT_EQ(SplitServers("a:1"), (std::vector<std::string>{"a:1"}));
  EXPECT_EQ(SplitServers(" a:1, b:2 ,,c:3,"), (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  EXPECT_TRUE(SplitServers(" , ").empty());
}

TEST(VersionPinTest, TheFirstAnswerPinsAndReplicasOfTheSameDataPass) {
  VersionPin pin("");
  EXPECT_EQ(pin.Current(), "");
  ASSERT_TRUE(pin.Hold("20261208T010000Z-0123456789ab", "a:1").ok());
  EXPECT_EQ(pin.Current(), "20261208T010000Z-0123456789ab");
  EXPECT_TRUE(pin.Hold("20261208T020000Z-0123456789ab", "b:2").ok());  // loaded later
  const absl::Status st = pin.Hold("20261208T010000Z-ba9876543210", "c:3");
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(st.message(),
            "dataset version 20261208T010000Z-0123456789ab required (the first answer, from "
            "a:1); the server at c:3 answered from 20261208T010000Z-ba9876543210: stopped, so "
            "that no rows from two datasets are mixed");
}

TEST(VersionPinTest, ARequiredHashPinsFromTheStart) {
  VersionPin pin("0123456789abcdef");
  EXPECT_EQ(pin.Wait(), "0123456789abcdef");  // known: no wait
  EXPECT_TRUE(pin.Hold("20261208T010000Z-0123456789ab", "a:1").ok());
  EXPECT_FALSE(pin.Hold("20261208T010000Z-0123456789ac", "a:1").ok());
}

TEST(VersionPinTest, WaitEndsWithThePinOrWhenAbandoned) {
  VersionPin pin("");
  std::optional<std::string> seen;
  std::thread waiter([&] { seen = pin.Wait(); });
  ASSERT_TRUE(pin.Hold("20261208T010000Z-0123456789ab", "a:1").ok());
  waiter.join();
  EXPECT_EQ(seen, "20261208T010000Z-0123456789ab");

  VersionPin never("");
  std::optional<std::string> none = "x";
  std::thread abandoned([&] { none = never.Wait(); });
  never.Abandon();
  abandoned.join();
  EXPECT_EQ(none, std::nullopt);
}

}  // namespace
}  // namespace redline::cli
