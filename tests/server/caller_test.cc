// CallerOf (server/grpc/auth.h): what a handler learns of who is calling,
// through a real gRPC server on loopback with the token check attached, as
// redlined sets it up (GrpcServerCredentials).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "redline/v1/redline.grpc.pb.h"
#include "server/grpc/auth.h"
#include "server/runtime/access.h"

namespace redline::server {
namespace {

// printf %s secret | sha256sum
constexpr char kSecretDigest[] = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";

// Answers Reload with the caller it sees, as "name|role|address" in the
// status message (a test double: the real Reload reloads).
class EchoCaller final : public v1::RedlineAdmin::CallbackService {
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context,
                                   const v1::ReloadRequest* /*request*/,
                                   v1::ReloadResponse* /*response*/) override {
    const Caller caller = CallerOf(*context);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(
        grpc::Status(grpc::StatusCode::ABORTED,
                     absl::StrCat(caller.name, "|", RoleName(caller.role), "|", caller.address)));
    return reactor;
  }
};

class CallerTest : public ::testing::Test {
 protected:
  // A server on 127.0.0.1, with tokens when `tokens` is set.
  void Start(bool tokens) {
    if (tokens) {
      path_ = (std::filesystem::temp_directory_path() /
               absl::StrCat("redline_caller_tokens_", getpid()))
                  .string();
      std::ofstream(path_) << "admin " << kSecretDigest << " ops\n";
      absl::StatusOr<std::unique_ptr<Authenticator>> auth =
          Authenticator::FromFile(path_, {}, nullptr);
      ASSERT_TRUE(auth.ok()) << auth.status();
      auth_ = *std::move(auth);
    } else {
      auth_ = std::make_unique<Authenticator>(AccessOptions{}, nullptr);
    }
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        GrpcServerCredentials("127.0.0.1:0", nullptr, auth_.get());
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_TRUE(server_ && port_ > 0);
    stub_ = v1::RedlineAdmin::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    if (!path_.empty()) std::remove(path_.c_str());
  }

  grpc::Status Call(const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty()) context.AddMetadata("authorization", authorization);
    v1::ReloadResponse response;
    return stub_->Reload(&context, v1::ReloadRequest(), &response);
  }

  std::string path_;
  std::unique_ptr<Authenticator> auth_;
  EchoCaller service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RedlineAdmin::Stub> stub_;
};

TEST_F(CallerTest, TheTokensNameRoleAndThePeer) {
  Start(/*tokens=*/true);
  const grpc::Status status = Call("Bearer secret");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_EQ(status.error_message().rfind("ops|admin|ipv4:127.0.0.1:", 0), 0u)
      << status.error_message();
  EXPECT_EQ(Call("").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Call("Bearer secreT").error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CallerTest, WithoutTokensAnAdminWithNoName) {
  Start(/*tokens=*/false);
  const grpc::Status status = Call("");
  ASSERT_EQ(status.error_code(), grpc::StatusCode::ABORTED) << status.error_message();
  EXPECT_EQ(status.error_message().rfind("|admin|ipv4:127.0.0.1:", 0), 0u)
      << status.error_message();
}

}  // namespace
}  // namespace redline::server
