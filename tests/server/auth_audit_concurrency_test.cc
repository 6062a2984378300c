// The synchronisation of tokens and of the audit trail, under
// ThreadSanitizer too (tests/CMakeLists.txt builds *concurrency*_test.cc
// there): calls decided while the token file is re-read (SIGHUP) see either
// the old tokens or the new ones, never a torn table; records submitted from
// many threads while the writer thread flushes all reach the store, once.
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_log.h"
#include "server/audit/audit_record.h"
#include "server/audit/audit_store.h"
#include "server/runtime/access.h"

namespace redline::server {
namespace {

// sha256("alpha") and sha256("beta").
constexpr char kAlpha[] = "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8";
constexpr char kBeta[] = "f44e64e75f3948e9f73f8dfa94721c4ce8cbb4f265c4790c702b2d41cfbf2753";

class ConcurrencyTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("redline_concurrency_", getpid(), "_",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  static void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }

  std::filesystem::path dir_;
};

TEST_F(ConcurrencyTest, DecisionsDuringTokenReloadsSeeOneTableOrTheOther) {
  const std::string path = Path("tokens.txt");
  const std::string with_alpha = absl::StrCat("reader ", kAlpha, " alpha\n");
  const std::string with_both = absl::StrCat(with_alpha, "admin ", kBeta, " beta\n");
  WriteFile(path, with_alpha);
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      Authenticator::FromFile(path, AccessOptions{}, nullptr);
  ASSERT_TRUE(auth.ok()) << auth.status();
  std::atomic<bool> stop{false};
  std::atomic<int> alpha_refused{0}, beta_seen{0};
  std::vector<std::thread> callers;
  callers.reserve(4);
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        // alpha is in every version of the file: never refused.
        AuthDecision a = (*auth)->Decide(true, "/redline.v1.Redline/CheckPoint", Role::kReader,
                                         "Bearer alpha", "ipv4:127.0.0.1:1");
        if (a.outcome != AuthDecision::Outcome::kAllowed || a.caller.name != "alpha") {
          ++alpha_refused;
        }
        AuthDecision b = (*auth)->Decide(true, "/redline.v1.RedlineAdmin/Reload", Role::kAdmin,
                                         "Bearer beta", "ipv4:127.0.0.1:2");
        if (b.outcome == AuthDecision::Outcome::kAllowed) ++beta_seen;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    WriteFile(path, i % 2 == 0 ? with_both : with_alpha);
    ASSERT_TRUE((*auth)->Reload().ok());
  }
  WriteFile(path, with_both);
  ASSERT_TRUE((*auth)->Reload().ok());
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (beta_seen.load() == 0 && absl::Now() < deadline) absl::SleepFor(absl::Milliseconds(1));
  stop = true;
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(alpha_refused.load(), 0);
  EXPECT_GT(beta_seen.load(), 0);
  EXPECT_EQ((*auth)->token_count(), 2u);
}

TEST_F(ConcurrencyTest, RecordsFromManyThreadsAllReachTheStoreOnce) {
  absl::StatusOr<std::unique_ptr<AuditStore>> store = OpenAuditStore(Path("audit.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  AuditOptions options;
  options.flush_interval = absl::Milliseconds(5);
  AuditLog log(*std::move(store), options);
  constexpr int kThreads = 4, kEach = 300;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kEach; ++i) {
        AuditRecord r;
        r.at = absl::Now();
        r.id = NewRecordId(r.at);
        r.caller_name = absl::StrCat("caller", t);
        r.method = "CheckPoint";
        r.verdict = "CLEAR";
        ASSERT_TRUE(log.Submit(std::move(r)).ok());
        if (i % 50 == 0) (void)log.stats();  // read beside the writer
      }
    });
  }
  std::thread flusher([&log] {
    for (int i = 0; i < 20; ++i) (void)log.Flush(absl::Seconds(5));
  });
  for (std::thread& t : threads) t.join();
  flusher.join();
  ASSERT_TRUE(log.Flush(absl::Seconds(10)).ok());
  EXPECT_EQ(log.stats().written, kThreads * kEach);
  std::set<std::string> ids;
  RecordQuery query;
  query.page_size = 1000;
  for (int t = 0; t < kThreads; ++t) {
    query.caller_name = absl::StrCat("caller", t);
    query.after_id.clear();
    int seen = 0;
    do {
      absl::StatusOr<RecordPage> page = log.List(query);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const AuditRecord& r : page->records) {
        ids.insert(r.id);
        ++seen;
      }
      query.after_id = page->next_after_id;
    } while (!query.after_id.empty());
    EXPECT_EQ(seen, kEach) << query.caller_name;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace redline::server
