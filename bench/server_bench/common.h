// What every part of the server benchmark shares: the clock, the generic
// stub, the method names, the sample extent and the gRPC byte helpers.
#ifndef REDLINE_BENCH_SERVER_BENCH_COMMON_H_
#define REDLINE_BENCH_SERVER_BENCH_COMMON_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

namespace redline::bench {

using Clock = std::chrono::steady_clock;
using Stub = grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer>;

constexpr char kHealthCheck[] = "/grpc.health.v1.Health/Check";
constexpr char kCheckPoint[] = "/redline.v1.Redline/CheckPoint";
constexpr char kCheckGeometry[] = "/redline.v1.Redline/CheckGeometry";

// The sample extent (EPSG:4490) for random points.
constexpr double kMinLon = 118.5, kMaxLon = 122.5, kMinLat = 27.5, kMaxLat = 31.0;
constexpr int kCircleVertices = 1000;

[[noreturn]] void Die(const std::string& message);

double Micros(Clock::duration d);

grpc::ByteBuffer ToBuffer(const std::string& bytes);

std::string FromBuffer(const grpc::ByteBuffer& buffer);

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target);

}  // namespace redline::bench

#endif  // REDLINE_BENCH_SERVER_BENCH_COMMON_H_
