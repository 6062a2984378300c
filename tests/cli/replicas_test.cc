// The CLI's replica support: the --server list becomes one round-robin
// channel target with the retry policy (channel.h), and rollout's version
// match (rollout.h). The behaviour against real replicas is in
// tests/e2e/cluster_test.py.
#include <gtest/gtest.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "clients/cli/channel.h"
#include "clients/cli/rollout.h"

namespace redline::cli {
namespace {

TEST(ServerList, LiteralsBecomeOneIpv4Target) {
  EXPECT_FALSE(IsServerList("127.0.0.1:7001"));
  ASSERT_TRUE(IsServerList("127.0.0.1:7001,127.0.0.2:7002"));
  absl::StatusOr<MultiTarget> t = ResolveServerList("127.0.0.1:7001, 127.0.0.2:7002");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->target, "ipv4:127.0.0.1:7001,127.0.0.2:7002");
  EXPECT_EQ(t->first_host, "127.0.0.1");
  // Round-robin, skipping replicas whose health says NOT_SERVING, and the
  // checks retried on UNAVAILABLE; Overlay and Reload never.
  EXPECT_TRUE(absl::StrContains(t->service_config, R"("round_robin")"));
  EXPECT_TRUE(absl::StrContains(t->service_config, R"("serviceName":"redline.v1.Redline")"));
  EXPECT_TRUE(absl::StrContains(t->service_config, R"("method":"CheckPoint")"));
  EXPECT_TRUE(absl::StrContains(t->service_config, R"("retryableStatusCodes":["UNAVAILABLE"])"));
  EXPECT_FALSE(absl::StrContains(t->service_config, "Overlay"));
  EXPECT_FALSE(absl::StrContains(t->service_config, "Reload"));
}

TEST(ServerList, Ipv6LiteralsKeepTheirBrackets) {
  absl::StatusOr<MultiTarget> t = ResolveServerList("[::1]:7001,[::1]:7002");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->target, "ipv6:[::1]:7001,[::1]:7002");
}

TEST(ServerList, NamesResolve) {
  absl::StatusOr<MultiTarget> t = ResolveServerList("localhost:7001,127.0.0.1:7002");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(absl::StrContains(t->target, "127.0.0.1:7002")) << t->target;
  EXPECT_EQ(t->first_host, "localhost");
}

TEST(ServerList, EntriesThatAreNotHostPortAreRefused) {
  absl::StatusOr<MultiTarget> t = ResolveServerList("127.0.0.1:7001,nonsense");
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(absl::StrContains(t.status().message(), "'nonsense' is not HOST:PORT"));
  EXPECT_FALSE(ResolveServerList("127.0.0.1:7001,:7002").ok());
  EXPECT_FALSE(ResolveServerList("127.0.0.1:7001,host.invalid:7002").ok());
  // One gRPC target holds one address family.
  absl::StatusOr<MultiTarget> mixed = ResolveServerList("127.0.0.1:7001,[::1]:7002");
  ASSERT_FALSE(mixed.ok());
  EXPECT_TRUE(absl::StrContains(mixed.status().message(), "mixes IPv4 and IPv6"));
}

TEST(VersionMatches, VersionOrContentHashPrefix) {
  const std::string v = "20261208T014526Z-331b51b0224c";
  EXPECT_TRUE(VersionMatches(v, v));
  EXPECT_TRUE(VersionMatches(v, "331b51b0224c"));
  EXPECT_TRUE(VersionMatches(v, "331b51b0"));
  EXPECT_TRUE(VersionMatches(v, "331b51b0224c9f0e1d2c3b4a"));  // the full hash
  EXPECT_FALSE(VersionMatches(v, "331b51"));                   // too short to mean anything
  EXPECT_FALSE(VersionMatches(v, "20261208T014526Z-aaaaaaaaaaaa"));
  EXPECT_FALSE(VersionMatches(v, "deadbeefdead"));
  EXPECT_FALSE(VersionMatches(v, ""));
}

}  // namespace
}  // namespace redline::cli
