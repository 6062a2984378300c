// Checks with an audit trail (handlers + server/audit) on the sample data:
// every answer names a record that holds the request, the data version, the
// verdict, the zones and the rules of that answer; and re-checking the
// stored request against the same snapshot gives the same answer.
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "redline/v1/redline.pb.h"
#include "server/audit/audit_log.h"
#include "server/handlers/handlers.h"
#include "tests/spatial/sample_snapshot.h"

namespace redline::server {
namespace {

using google::protobuf::util::MessageDifferencer;

class AuditCheckTest : public SampleSnapshotTest {
 protected:
  void SetUp() override {
    SampleSnapshotTest::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           absl::StrCat("redline_audit_check_test_", getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    absl::StatusOr<std::unique_ptr<AuditStore>> store =
        OpenAuditStore((dir_ / "audit.db").string());
    ASSERT_TRUE(store.ok()) << store.status();
    log_ = std::make_unique<AuditLog>(*std::move(store), AuditOptions{});
    audit_ = handlers::AuditContext{
        log_.get(), Caller{"zhang.wei", Role::kAdmin, "ipv4:10.0.0.7:5"}, "CheckPoint"};
  }
  void TearDown() override {
    log_.reset();
    std::filesystem::remove_all(dir_);
  }

  v1::AuditRecord Fetch(const std::string& id) {
    v1::GetRecordRequest request;
    request.set_record_id(id);
    v1::AuditRecord record;
    const grpc::Status st = handlers::GetRecord(log_.get(), request, &record);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return record;
  }

  // The same answer but for when it was made and the record naming it.
  static void ExpectSameAnswer(v1::CheckResponse a, v1::CheckResponse b) {
    for (v1::CheckResponse* r : {&a, &b}) {
      r->clear_checked_at();
      r->clear_record_id();
    }
    std::string diff;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differencer.Compare(a, b)) << diff;
  }

  std::filesystem::path dir_;
  std::unique_ptr<AuditLog> log_;
  handlers::AuditContext audit_;
};

TEST_F(AuditCheckTest, APointAnswerNamesItsRecordAndRechecksTheSame) {
  v1::CheckPointRequest request;
  request.set_x(121.069788);
  request.set_y(29.970780);
  request.mutable_options()->mutable_siting()->set_purpose(v1::Siting::OUTFALL);
  request.mutable_options()->mutable_siting()->set_outfall_type(v1::Siting::RIVER);
  v1::CheckResponse answer;
  ASSERT_TRUE(handlers::CheckPoint(sample(), request, &answer, &audit_).ok());
  ASSERT_TRUE(IsRecordId(answer.record_id())) << answer.record_id();
  ASSERT_GT(answer.hits_size(), 0);

  const v1::AuditRecord record = Fetch(answer.record_id());
  EXPECT_EQ(record.caller_name(), "zhang.wei");
  EXPECT_EQ(record.caller_address(), "ipv4:10.0.0.7:5");
  EXPECT_EQ(record.method(), "CheckPoint");
  EXPECT_EQ(record.dataset_version(), answer.dataset_version());
  EXPECT_EQ(record.verdict(), answer.verdict());
  EXPECT_EQ(record.as_of(), answer.as_of());
  ASSERT_EQ(record.zone_ids_size(), answer.hits_size());
  for (int i = 0; i < answer.hits_size(); ++i) {
    EXPECT_EQ(record.zone_ids(i),
              absl::StrCat(answer.hits(i).layer(), "/", answer.hits(i).zone_id()));
  }
  ASSERT_GT(record.rule_ids_size(), 0);
  EXPECT_EQ(record.rule_ids(0), answer.hits(0).rules(0).rule_id());
  EXPECT_TRUE(MessageDifferencer::Equals(record.options(), request.options()));
  EXPECT_EQ(record.geometry_encoding(), "point");
  ASSERT_EQ(record.geometry().size(), 21u);

  // The stored request, checked again against the same version.
  v1::CheckPointRequest again;
  double xy[2];
  std::memcpy(xy, record.geometry().data() + 5, sizeof xy);
  again.set_x(xy[0]);
  again.set_y(xy[1]);
  again.set_crs(record.crs());
  *again.mutable_options() = record.options();
  v1::CheckResponse second;
  ASSERT_TRUE(handlers::CheckPoint(sample(), again, &second, &audit_).ok());
  EXPECT_NE(second.record_id(), answer.record_id());  // a record of its own
  ExpectSameAnswer(answer, second);
}

TEST_F(AuditCheckTest, ASiteAnswerKeepsTheGeometryAsGiven) {
  v1::CheckGeometryRequest request;
  request.mutable_geometry()->set_wkt(
      "POLYGON((121.0690 29.9700,121.0710 29.9700,121.0710 29.9720,121.0690 29.9720,"
      "121.0690 29.9700))");
  request.mutable_options()->mutable_siting()->set_purpose(v1::Siting::DISCHARGING_PROJECT);
  audit_.method = "CheckGeometry";
  v1::CheckResponse answer;
  ASSERT_TRUE(handlers::CheckGeometry(sample(), request, &answer, &audit_).ok());
  const v1::AuditRecord record = Fetch(answer.record_id());
  EXPECT_EQ(record.geometry_encoding(), "wkt");
  EXPECT_EQ(record.geometry(), request.geometry().wkt());
  EXPECT_EQ(record.method(), "CheckGeometry");

  v1::CheckGeometryRequest again;
  again.mutable_geometry()->set_wkt(record.geometry());
  again.mutable_geometry()->set_crs(record.crs());
  *again.mutable_options() = record.options();
  v1::CheckResponse second;
  ASSERT_TRUE(handlers::CheckGeometry(sample(), again, &second).ok());
  ExpectSameAnswer(answer, second);
}

TEST_F(AuditCheckTest, WithoutAnAuditTrailAnswersNameNoRecord) {
  v1::CheckPointRequest request;
  request.set_x(121.069788);
  request.set_y(29.970780);
  v1::CheckResponse answer;
  ASSERT_TRUE(handlers::CheckPoint(sample(), request, &answer).ok());
  EXPECT_TRUE(answer.record_id().empty());
  v1::GetRecordRequest get;
  get.set_record_id(NewRecordId(absl::Now()));
  v1::AuditRecord record;
  EXPECT_EQ(handlers::GetRecord(nullptr, get, &record).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(handlers::GetRecord(log_.get(), get, &record).error_code(),
            grpc::StatusCode::NOT_FOUND);
  get.set_record_id("../etc/passwd");
  EXPECT_EQ(handlers::GetRecord(log_.get(), get, &record).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AuditCheckTest, ListRecordsByCallerAndTime) {
  v1::CheckPointRequest request;
  request.set_x(121.069788);
  request.set_y(29.970780);
  v1::CheckResponse answer;
  for (const char* name : {"a", "b", "a"}) {
    audit_.caller.name = name;
    ASSERT_TRUE(handlers::CheckPoint(sample(), request, &answer, &audit_).ok());
  }
  v1::ListRecordsRequest list;
  list.set_caller_name("a");
  list.set_page_size(1);
  v1::ListRecordsResponse page;
  ASSERT_TRUE(handlers::ListRecords(log_.get(), list, &page).ok());
  ASSERT_EQ(page.records_size(), 1);
  ASSERT_FALSE(page.next_page_token().empty());
  list.set_page_token(page.next_page_token());
  v1::ListRecordsResponse second;
  ASSERT_TRUE(handlers::ListRecords(log_.get(), list, &second).ok());
  ASSERT_EQ(second.records_size(), 1);
  EXPECT_EQ(second.records(0).record_id(), answer.record_id());
  EXPECT_TRUE(second.next_page_token().empty());
  // A range that ends before the first: nothing.
  list.clear_page_token();
  list.mutable_to()->set_seconds(1);
  v1::ListRecordsResponse none;
  ASSERT_TRUE(handlers::ListRecords(log_.get(), list, &none).ok());
  EXPECT_EQ(none.records_size(), 0);
}

}  // namespace
}  // namespace redline::server
