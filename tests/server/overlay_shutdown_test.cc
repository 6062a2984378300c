// RedlineService at shutdown, through a real gRPC server on loopback: once
// draining, calls are still answered (off gRPC's threads), and an Overlay
// stream that StopOverlayStreams reaches ends UNAVAILABLE after the answers
// it owes, saying how many results it sent and where to resume.
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/grpc/redline_service.h"
#include "server/runtime/snapshot_holder.h"
#include "spatial/data/config.h"

namespace redline::server {
namespace {

namespace fs = std::filesystem;

class OverlayShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / absl::StrCat("overlay_shutdown_", ::getpid());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "zones.geojson")
        << R"({"type":"FeatureCollection","features":[{"type":"Feature",)"
           R"("properties":{"id":"A","name":"z","level":"一级"},"geometry":{"type":"Polygon",)"
           R"("coordinates":[[[120.99,29.99],[121.01,29.99],[121.01,30.01],[120.99,30.01],)"
           R"([120.99,29.99]]]}}]})";
    const fs::path config_path = dir_ / "redline.yaml";
    std::ofstream(config_path) << "layers:\n  - name: zones\n"
                                  "    kind: water_source_protection\n"
                                  "    source: zones.geojson\n    id_field: id\n"
                                  "    name_field: name\n";
    absl::StatusOr<Config> config = Config::LoadFile(config_path.string());
    ASSERT_TRUE(config.ok()) << config.status();
    absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Load(*config);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status();
    holder_ = std::make_unique<SnapshotHolder>(*snapshot);
    service_ = std::make_unique<RedlineService>(holder_.get());

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    stub_ = v1::Redline::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    fs::remove_all(dir_);
  }

  // A batch of `n` points around the zone.
  static v1::OverlayRequest Batch(int n) {
    v1::OverlayRequest request;
    for (int i = 0; i < n; ++i) {
      request.mutable_points()->add_x(120.995 + 0.001 * i);
      request.mutable_points()->add_y(30.0);
    }
    return request;
  }

  fs::path dir_;
  std::unique_ptr<SnapshotHolder> holder_;
  std::unique_ptr<RedlineService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::Redline::Stub> stub_;
};

TEST_F(OverlayShutdownTest, StoppedStreamSaysWhereToResume) {
  grpc::ClientContext context;
  auto stream = stub_->Overlay(&context);
  // Three batches and a one-feature message, each answered before the next.
  for (int n : {3, 4, 5}) {
    ASSERT_TRUE(stream->Write(Batch(n)));
    v1::OverlayResult result;
    ASSERT_TRUE(stream->Read(&result));
    EXPECT_TRUE(result.has_batch());
  }
  v1::OverlayRequest one;
  one.mutable_geometry()->set_wkt("POINT(121 30)");
  ASSERT_TRUE(stream->Write(one));
  v1::OverlayResult result;
  ASSERT_TRUE(stream->Read(&result));
  EXPECT_EQ(result.error(), "");

  service_->BeginDrain();
  EXPECT_EQ(service_->StopOverlayStreams(), 1);
  // Nothing more comes, and the status says how far the stream got.
  EXPECT_FALSE(stream->Read(&result));
  const grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_NE(status.error_message().find("the server is shutting down: 13 results sent"),
            std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("resume from input index 13"), std::string::npos)
      << status.error_message();
}

TEST_F(OverlayShutdownTest, StreamsAndCallsGoOnWhileDraining) {
  service_->BeginDrain();
  // A point check is answered as before, now on a worker.
  {
    grpc::ClientContext context;
    v1::CheckPointRequest request;
    request.set_x(121.0);
    request.set_y(30.0);
    v1::CheckResponse response;
    const grpc::Status status = stub_->CheckPoint(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.hits_size(), 1);
  }
  // A stream opened while draining, and ended by its client, ends OK: one
  // feature messages are answered on a worker too.
  grpc::ClientContext context;
  auto stream = stub_->Overlay(&context);
  v1::OverlayRequest one;
  one.mutable_geometry()->set_wkt("POINT(121 30)");
  ASSERT_TRUE(stream->Write(one));
  ASSERT_TRUE(stream->Write(Batch(2)));
  ASSERT_TRUE(stream->WritesDone());
  v1::OverlayResult result;
  ASSERT_TRUE(stream->Read(&result));
  EXPECT_EQ(result.error(), "");
  ASSERT_TRUE(stream->Read(&result));
  EXPECT_TRUE(result.has_batch());
  EXPECT_FALSE(stream->Read(&result));
  EXPECT_TRUE(stream->Finish().ok());
}

}  // namespace
}  // namespace redline::server
