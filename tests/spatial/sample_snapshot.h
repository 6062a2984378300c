// A test fixture holding the bundled sample data (data/sample), loaded once
// per test suite: many suites query it and a load takes seconds.
#ifndef REDLINE_TESTS_SPATIAL_SAMPLE_SNAPSHOT_H_
#define REDLINE_TESTS_SPATIAL_SAMPLE_SNAPSHOT_H_

#include <memory>

#include "gtest/gtest.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"

namespace redline {

class SampleSnapshotTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<Config> config =
        Config::LoadFile(REDLINE_SOURCE_DIR "/data/sample/redline.yaml");
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const Snapshot>> snap = Snapshot::Load(*config);
    ASSERT_TRUE(snap.ok()) << snap.status();
    snapshot_ = new std::shared_ptr<const Snapshot>(*std::move(snap));
  }
  static void TearDownTestSuite() {
    delete snapshot_;
    snapshot_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(snapshot_, nullptr) << "the sample did not load"; }

  static const Snapshot& sample() { return **snapshot_; }
  static const std::shared_ptr<const Snapshot>& sample_ptr() { return *snapshot_; }

 private:
  static inline std::shared_ptr<const Snapshot>* snapshot_ = nullptr;
};

}  // namespace redline

#endif  // REDLINE_TESTS_SPATIAL_SAMPLE_SNAPSHOT_H_
