// Tests of MemoryBudget and MemoryReturner (server/runtime/memory_budget.h). Named
// *concurrency* so the ThreadSanitizer build runs them too: the budget is
// lock-free and shared by every request thread.
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "server/runtime/memory_budget.h"

namespace redline::server {
namespace {

constexpr int64_t kMiB = 1 << 20;

TEST(MemoryBudgetTest, LeasesAreCountedAndGivenBack) {
  MemoryBudget budget(100 * kMiB);
  {
    absl::StatusOr<MemoryBudget::Lease> a = budget.Acquire(40 * kMiB, "A");
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(budget.in_use_bytes(), 40 * kMiB);
    absl::StatusOr<MemoryBudget::Lease> b = budget.Acquire(60 * kMiB, "B");
    ASSERT_TRUE(b.ok());  // exactly at the limit
    EXPECT_EQ(budget.in_use_bytes(), 100 * kMiB);
    MemoryBudget::Lease moved = *std::move(b);
    EXPECT_EQ(budget.in_use_bytes(), 100 * kMiB);  // a move is not a release
    moved.Release();
    moved.Release();  // idempotent
    EXPECT_EQ(budget.in_use_bytes(), 40 * kMiB);
  }
  EXPECT_EQ(budget.in_use_bytes(), 0);
  EXPECT_EQ(budget.peak_bytes(), 100 * kMiB);
}

TEST(MemoryBudgetTest, ARequestPastTheLimitIsRefusedNamingTheLimit) {
  MemoryBudget budget(100 * kMiB);
  absl::StatusOr<MemoryBudget::Lease> a = budget.Acquire(80 * kMiB, "A");
  ASSERT_TRUE(a.ok());
  absl::StatusOr<MemoryBudget::Lease> b =
      budget.Acquire(30 * kMiB, "CheckGeometryRequest", 4 * kMiB);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  const std::string message(b.status().message());
  for (const char* part : {"CheckGeometryRequest of 4.0 MiB", "30.0 MiB", "80.0 MiB", "100.0 MiB",
                           "max_inflight_request_bytes"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  }
  EXPECT_EQ(budget.in_use_bytes(), 80 * kMiB);  // a refusal takes nothing
  EXPECT_EQ(budget.refused(), 1);
  a->Release();
  EXPECT_TRUE(budget.Acquire(30 * kMiB, "again").ok());
}

TEST(MemoryBudgetTest, ALoneRequestIsAlwaysAdmitted) {
  // Whatever max_request_bytes lets in can be answered when nothing else runs.
  MemoryBudget budget(10 * kMiB);
  absl::StatusOr<MemoryBudget::Lease> big = budget.Acquire(50 * kMiB, "big");
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(budget.Acquire(2 * kMiB, "second").ok());
}

TEST(MemoryBudgetTest, SmallRequestsAreNeverRefused) {
  // A point check must not fail because one large request holds the budget.
  MemoryBudget budget(10 * kMiB);
  absl::StatusOr<MemoryBudget::Lease> big = budget.Acquire(50 * kMiB, "big");
  ASSERT_TRUE(big.ok());
  absl::StatusOr<MemoryBudget::Lease> small =
      budget.Acquire(MemoryBudget::kAlwaysAdmitBytes - 1, "point");
  EXPECT_TRUE(small.ok());
  EXPECT_EQ(budget.in_use_bytes(), 50 * kMiB + MemoryBudget::kAlwaysAdmitBytes - 1);
}

TEST(MemoryBudgetTest, NoLimitCountsButNeverRefuses) {
  MemoryBudget budget(0);
  std::vector<MemoryBudget::Lease> leases;
  for (int i = 0; i < 10; ++i) leases.push_back(*budget.Acquire(100 * kMiB, "x"));
  EXPECT_EQ(budget.in_use_bytes(), 1000 * kMiB);
}

TEST(MemoryBudgetTest, EstimatesAndDefaults) {
  EXPECT_GE(EstimateWorkingBytes(kMiB, RequestEncoding::kJson), 8 * kMiB);
  EXPECT_GE(EstimateWorkingBytes(kMiB, RequestEncoding::kWkb), 8 * kMiB);
  EXPECT_GE(EstimateWorkingBytes(kMiB, RequestEncoding::kWkt), 4 * kMiB);
  EXPECT_GE(EstimateWorkingBytes(100, RequestEncoding::kSmall), 100);
  EXPECT_EQ(EstimateWorkingBytes(-5, RequestEncoding::kJson), 0);
  // The default fits one largest GeoJSON request, and never less than 256 MiB.
  EXPECT_EQ(InflightLimit(0, 64 * kMiB), EstimateWorkingBytes(64 * kMiB, RequestEncoding::kJson));
  EXPECT_EQ(InflightLimit(0, 1 * kMiB), 256 * kMiB);
  EXPECT_EQ(InflightLimit(-1, 64 * kMiB), 0);  // none
  EXPECT_EQ(InflightLimit(123, 64 * kMiB), 123);
}

TEST(MemoryBudgetConcurrencyTest, TheBoundHoldsUnderContention) {
  constexpr int64_t kLimit = 64 * kMiB;
  constexpr int64_t kLease = 10 * kMiB;
  MemoryBudget budget(kLimit, /*return_after_bytes=*/0);
  std::atomic<int64_t> held{0}, worst{0}, granted{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        absl::StatusOr<MemoryBudget::Lease> lease = budget.Acquire(kLease, "x");
        if (!lease.ok()) {
          ++refused;
          continue;
        }
        ++granted;
        const int64_t now = held.fetch_add(kLease) + kLease;
        int64_t w = worst.load();
        while (now > w && !worst.compare_exchange_weak(w, now)) {
        }
        held.fetch_sub(kLease);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_LE(worst.load(), kLimit);
  EXPECT_LE(budget.peak_bytes(), kLimit);
  EXPECT_EQ(budget.in_use_bytes(), 0);
  EXPECT_EQ(granted.load() + refused.load(), 8 * 2000);
  EXPECT_EQ(budget.refused(), refused.load());
  EXPECT_GT(granted.load(), 0);
}

TEST(MemoryReturnerConcurrencyTest, ABurstOfRequestsEndsInATrim) {
  MemoryReturner& returner = MemoryReturner::Get();
  const int64_t before = returner.trims();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) returner.Request();
    });
  }
  for (std::thread& t : threads) t.join();
  // One trim at most a second (plus a 0.2 s wait), off these threads.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (returner.trims() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(returner.trims(), before);
  EXPECT_LE(returner.trims(), before + 2);  // a burst costs one trim (two if one was due)
}

TEST(MemoryReturnerConcurrencyTest, ALargeLeaseEndingAsksForATrim) {
  MemoryReturner& returner = MemoryReturner::Get();
  MemoryBudget budget(0, /*return_after_bytes=*/kMiB);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));  // past any earlier trim
  const int64_t before = returner.trims();
  { absl::StatusOr<MemoryBudget::Lease> lease = budget.Acquire(2 * kMiB, "x"); }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (returner.trims() == before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_GT(returner.trims(), before);
}

}  // namespace
}  // namespace redline::server
