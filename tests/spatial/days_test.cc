// Tests of the calendar day every answer is dated with: DayInChina
// (spatial/snapshot.h) and FormatDay/ParseDay (spatial/data/loader.h), both
// computed by hand for speed, against absl's civil-time library with the
// UTC+8 zone.
#include <cstdint>
#include <random>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "spatial/data/loader.h"
#include "spatial/snapshot.h"

namespace redline {
namespace {

int32_t ReferenceDay(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::FixedTimeZone(8 * 3600));
  return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1));
}

TEST(DayInChinaTest, MidnightInBeijingStartsTheDay) {
  // 2026-11-25T16:00:00Z is midnight of the 26th in Beijing.
  const absl::Time midnight =
      absl::FromCivil(absl::CivilSecond(2026, 11, 25, 16, 0, 0), absl::UTCTimeZone());
  EXPECT_EQ(FormatDay(DayInChina(midnight)), "2026-11-26");
  EXPECT_EQ(FormatDay(DayInChina(midnight - absl::Nanoseconds(1))), "2026-11-25");
  EXPECT_EQ(FormatDay(DayInChina(midnight - absl::Seconds(1))), "2026-11-25");
}

TEST(DayInChinaTest, AgreesWithCivilTimeBeforeAndAfterTheEpoch) {
  std::mt19937_64 rng(5);
  // 1900..2100, seconds and sub-seconds, with the day edges in Beijing.
  std::uniform_int_distribution<int64_t> seconds(-2208988800LL, 4102444800LL);
  std::uniform_int_distribution<int64_t> nanos(0, 999999999);
  for (int i = 0; i < 200000; ++i) {
    absl::Time t = absl::FromUnixSeconds(seconds(rng)) + absl::Nanoseconds(nanos(rng));
    if (i % 4 == 0) {  // exactly at, or just before, a Beijing midnight
      const int64_t s = absl::ToUnixSeconds(t);
      t = absl::FromUnixSeconds(s - ((s + 8 * 3600) % 86400 + 86400) % 86400) -
          (i % 8 == 0 ? absl::Nanoseconds(1) : absl::ZeroDuration());
    }
    ASSERT_EQ(DayInChina(t), ReferenceDay(t)) << absl::FormatTime(t);
  }
}

TEST(FormatDayTest, RoundTripsThroughParseDay) {
  for (int32_t day = -80000; day <= 80000; day += 7) {
    const absl::CivilDay civil = absl::CivilDay(1970, 1, 1) + day;
    const std::string text = FormatDay(day);
    ASSERT_EQ(text, absl::FormatCivilTime(civil));
    ASSERT_EQ(ParseDay(text), day) << text;
  }
}

}  // namespace
}  // namespace redline
