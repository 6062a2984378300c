// The audit trail's store and writer (server/audit/) against a real SQLite
// file: records round-trip, are listed by time and caller in pages, cannot
// be updated; the check path only queues and the writer writes in batches;
// a store that cannot be written refuses records (fail closed) until it
// can again, or takes them anyway (fail open); retention deletes old ones.
#include "server/audit/audit_log.h"

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/audit/audit_record.h"
#include "server/audit/audit_store.h"

namespace redline::server {
namespace {

class AuditTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("redline_audit_test_", getpid(), "_",
                        testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "audit.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static AuditRecord Record(absl::Time at, const std::string& caller, int n = 0) {
    AuditRecord r;
    r.id = NewRecordId(at);
    r.at = at;
    r.caller_name = caller;
    r.caller_address = "ipv4:127.0.0.1:4000";
    r.method = "CheckPoint";
    r.geometry_encoding = "point";
    r.geometry = std::string("\x01\x01\0\0\0", 5) + std::string(16, '\x7f');
    r.crs = "EPSG:4549";
    r.options = std::string("\x0a\x02\x08\x01", 4);  // bytes, NUL-free but binary
    r.as_of = "2026-01-02";
    r.dataset_version = absl::StrCat("v", n);
    r.verdict = "PROHIBITED";
    r.zone_ids = {"water_source/WS-1", "red_line/RL-2"};
    r.rule_ids = {"wpl-64", "erl-1"};
    return r;
  }

  std::unique_ptr<AuditStore> Store() {
    absl::StatusOr<std::unique_ptr<AuditStore>> store = OpenAuditStore(path_);
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AuditTest, RecordIdsAreUniqueSortableAndWellFormed) {
  std::set<std::string> ids;
  std::string previous;
  const absl::Time start = absl::FromUnixMillis(1795000000000);
  for (int i = 0; i < 20000; ++i) {
    const std::string id = NewRecordId(start + absl::Milliseconds(i));
    EXPECT_TRUE(IsRecordId(id)) << id;
    EXPECT_GT(id, previous);  // one millisecond later sorts after
    previous = id;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 20000u);
  // The same millisecond, or a clock stepping back: still distinct, and in
  // the order made.
  std::string last = NewRecordId(start);
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRecordId(start - absl::Milliseconds(i % 3));
    EXPECT_GT(id, last);
    last = id;
  }
  EXPECT_FALSE(IsRecordId("R01"));
  EXPECT_FALSE(IsRecordId("X" + NewRecordId(start).substr(1)));
  EXPECT_FALSE(IsRecordId(NewRecordId(start).substr(0, 26) + "u"));  // not in the alphabet
}

TEST_F(AuditTest, StoreKeepsEveryFieldAndListsByTimeAndCaller) {
  std::unique_ptr<AuditStore> store = Store();
  ASSERT_NE(store, nullptr);
  const absl::Time t0 = absl::FromUnixSeconds(1795000000);
  std::vector<AuditRecord> records;
  for (int i = 0; i < 25; ++i) {
    records.push_back(Record(t0 + absl::Seconds(i), i % 2 ? "li.na" : "zhang.wei", i));
  }
  records[3].method = "Overlay";
  records[3].features = 1000;
  records[3].with_hits = 12;
  records[3].errors = 2;
  records[3].by_verdict = {{"CLEAR", 986}, {"PROHIBITED", 12}};
  ASSERT_TRUE(store->Append(records).ok());

  absl::StatusOr<std::optional<AuditRecord>> got = store->Get(records[3].id);
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_TRUE(got->has_value());
  const AuditRecord& r = **got;
  EXPECT_EQ(r.at, records[3].at);
  EXPECT_EQ(r.caller_name, "li.na");
  EXPECT_EQ(r.geometry, records[3].geometry);  // binary, NULs included
  EXPECT_EQ(r.options, records[3].options);
  EXPECT_EQ(r.crs, "EPSG:4549");
  EXPECT_EQ(r.zone_ids, records[3].zone_ids);
  EXPECT_EQ(r.rule_ids, records[3].rule_ids);
  EXPECT_EQ(r.features, 1000);
  EXPECT_EQ(r.with_hits, 12);
  EXPECT_EQ(r.errors, 2);
  EXPECT_EQ(r.by_verdict, records[3].by_verdict);
  EXPECT_FALSE(store->Get(NewRecordId(t0))->has_value());

  // Time range [t0+5, t0+15), one caller, pages of 2.
  RecordQuery q;
  q.from = t0 + absl::Seconds(5);
  q.to = t0 + absl::Seconds(15);
  q.caller_name = "zhang.wei";
  q.page_size = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    absl::StatusOr<RecordPage> page = store->List(q);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const AuditRecord& p : page->records) seen.push_back(p.dataset_version);
    if (page->next_after_id.empty()) break;
    q.after_id = page->next_after_id;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"v6", "v8", "v10", "v12", "v14"}));
}

TEST_F(AuditTest, RecordsCannotBeUpdated) {
  std::unique_ptr<AuditStore> store = Store();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append({Record(absl::Now(), "a")}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_NE(
      sqlite3_exec(db, "UPDATE audit_records SET verdict = 'CLEAR'", nullptr, nullptr, &message),
      SQLITE_OK);
  ASSERT_NE(message, nullptr);
  EXPECT_NE(std::string(message).find("append-only"), std::string::npos) << message;
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST_F(AuditTest, SubmitOnlyQueuesAndTheWriterWritesInBatches) {
  AuditOptions options;
  options.flush_interval = absl::Hours(1);  // only a full batch or a Flush writes
  options.max_batch = 1000;
  AuditLog log(Store(), options);
  for (int i = 0; i < 999; ++i) ASSERT_TRUE(log.Submit(Record(absl::Now(), "a", i)).ok());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(log.stats().written, 0);  // fewer than a batch, no flush: still queued
  EXPECT_EQ(log.stats().queued, 999u);
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_EQ(log.stats().written, 999);
  EXPECT_EQ(log.stats().batches, 1);  // one transaction

  for (int i = 0; i < 4500; ++i) ASSERT_TRUE(log.Submit(Record(absl::Now(), "b", i)).ok());
  ASSERT_TRUE(log.Flush().ok());
  const AuditLog::Stats s = log.stats();
  EXPECT_EQ(s.written, 999 + 4500);
  EXPECT_LE(s.batches, 1 + 10);  // batches, not a transaction per record
  absl::StatusOr<RecordPage> all = log.List({.page_size = 10000});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->records.size(), 999u + 4500u);
}

TEST_F(AuditTest, AFlushIntervalWritesWithoutBeingAsked) {
  AuditOptions options;
  options.flush_interval = absl::Milliseconds(100);
  AuditLog log(Store(), options);
  ASSERT_TRUE(log.Submit(Record(absl::Now(), "a")).ok());
  const absl::Time until = absl::Now() + absl::Seconds(5);
  while (log.stats().written == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(log.stats().written, 1);
}

// Another connection holds the file locked (as a careless backup would):
// batches fail, and checks are refused until the lock goes.
class LockedFile {
 public:
  explicit LockedFile(const std::string& path) {
    sqlite3_open(path.c_str(), &db_);
    locked_ = sqlite3_exec(db_, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~LockedFile() { sqlite3_close(db_); }
  bool locked() const { return locked_; }
  void Release() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
  bool locked_ = false;
};

// Submits until one is refused (or `timeout` passes); returns the refusal.
absl::Status SubmitUntilRefused(AuditLog& log, absl::Duration timeout) {
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    AuditRecord r;
    r.at = absl::Now();
    r.id = NewRecordId(r.at);
    if (absl::Status st = log.Submit(r); !st.ok()) return st;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::OkStatus();
}

TEST_F(AuditTest, FailsClosedWhileTheStoreCannotBeWrittenAndRecovers) {
  AuditOptions options;
  options.flush_interval = absl::Milliseconds(50);
  AuditLog log(Store(), options);
  ASSERT_TRUE(log.Writable().ok());
  LockedFile lock(path_);
  ASSERT_TRUE(lock.locked());
  const absl::Status refused = SubmitUntilRefused(log, absl::Seconds(20));
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_NE(refused.message().find("audit-fail-open"), std::string::npos) << refused;
  EXPECT_TRUE(absl::IsUnavailable(log.Writable()));
  EXPECT_GT(log.stats().refused, 0);
  EXPECT_GT(log.stats().failed_batches, 0);
  EXPECT_NE(log.MetricsText().find("\nredline_audit_failing 1\n"), std::string::npos)
      << log.MetricsText();

  lock.Release();
  // The records queued before the failure are written, and new ones taken.
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (!log.Writable().ok() && absl::Now() < until) absl::SleepFor(absl::Milliseconds(50));
  ASSERT_TRUE(log.Writable().ok());
  AuditRecord r = Record(absl::Now(), "after");
  ASSERT_TRUE(log.Submit(r).ok());
  ASSERT_TRUE(log.Flush().ok());
  absl::StatusOr<std::optional<AuditRecord>> got = log.Get(r.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ(log.stats().queued, 0u);
  EXPECT_NE(log.MetricsText().find("\nredline_audit_failing 0\n"), std::string::npos);
}

TEST_F(AuditTest, FailOpenKeepsAnsweringAndWritesOnceItCan) {
  AuditOptions options;
  options.flush_interval = absl::Milliseconds(50);
  options.fail_open = true;
  AuditLog log(Store(), options);
  LockedFile lock(path_);
  ASSERT_TRUE(lock.locked());
  std::vector<std::string> ids;
  const absl::Time until = absl::Now() + absl::Seconds(20);
  while (log.stats().failed_batches == 0 && absl::Now() < until) {
    AuditRecord r = Record(absl::Now(), "open");
    ids.push_back(r.id);
    ASSERT_TRUE(log.Submit(r).ok());  // never refused
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_GT(log.stats().failed_batches, 0);
  EXPECT_TRUE(log.Writable().ok());
  lock.Release();
  ASSERT_TRUE(log.Flush(absl::Seconds(20)).ok());
  for (const std::string& id : ids) {
    absl::StatusOr<std::optional<AuditRecord>> got = log.Get(id);
    ASSERT_TRUE(got.ok() && got->has_value()) << id;
  }
}

TEST_F(AuditTest, RetentionDeletesOnlyOldRecordsAtStart) {
  const absl::Time now = absl::Now();
  const AuditRecord old_one = Record(now - absl::Hours(24 * 40), "old");
  const AuditRecord recent = Record(now - absl::Hours(24 * 20), "recent");
  {
    std::unique_ptr<AuditStore> store = Store();
    ASSERT_TRUE(store->Append({old_one, recent}).ok());
  }
  AuditOptions options;
  options.retention_days = 30;
  AuditLog log(Store(), options);
  // The writer prunes before its first batch: after a Flush it has.
  ASSERT_TRUE(log.Submit(Record(now, "new")).ok());
  ASSERT_TRUE(log.Flush().ok());
  EXPECT_FALSE(log.Get(old_one.id)->has_value());
  EXPECT_TRUE(log.Get(recent.id)->has_value());
  EXPECT_EQ(log.stats().pruned, 1);

  // 0 keeps everything.
  AuditLog keep(Store(), AuditOptions{});
  ASSERT_TRUE(keep.Submit(Record(now, "new")).ok());
  ASSERT_TRUE(keep.Flush().ok());
  EXPECT_TRUE(keep.Get(recent.id)->has_value());
  EXPECT_EQ(keep.stats().pruned, 0);
}

TEST_F(AuditTest, RecordsSurviveReopening) {
  const AuditRecord r = Record(absl::Now(), "a");
  {
    AuditLog log(Store(), AuditOptions{});
    ASSERT_TRUE(log.Submit(r).ok());
  }  // the destructor writes what is queued
  AuditLog again(Store(), AuditOptions{});
  absl::StatusOr<std::optional<AuditRecord>> got = again.Get(r.id);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->dataset_version, r.dataset_version);
}

TEST_F(AuditTest, AnUnwritableFileIsAnErrorAtOpen) {
  absl::StatusOr<std::unique_ptr<AuditStore>> store =
      OpenAuditStore((dir_ / "no" / "such" / "folder" / "audit.db").string());
  EXPECT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("audit.db"), std::string::npos) << store.status();
}

}  // namespace
}  // namespace redline::server
