// The token file (tokens.h), the role table and the decisions made from it
// (access.h), and which addresses count as loopback (grpc/auth.h).
#include "server/runtime/tokens.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "server/grpc/auth.h"
#include "server/runtime/access.h"

namespace redline::server {
namespace {

// printf %s secret | sha256sum
constexpr char kSecretDigest[] = "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b";
// printf %s other | sha256sum
constexpr char kOtherDigest[] = "d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa";

TEST(TokensTest, DigestIsSha256) {
  const TokenDigest d = DigestOf("secret");
  std::string hex;
  for (unsigned char c : d) hex += absl::StrFormat("%02x", c);
  EXPECT_EQ(hex, kSecretDigest);
}

TEST(TokensTest, ParsesRolesCommentsAndBlankLines) {
  const std::string text = absl::StrCat("# who may call\n\n  reader ", kSecretDigest,
                                        "  zhang.wei   # desk\r\nadmin\t", kOtherDigest, "\tops\n");
  absl::StatusOr<TokenTable> table = TokenTable::Parse(text, "tokens.txt");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  const std::optional<TokenHolder> reader = table->Find("secret");
  ASSERT_TRUE(reader);
  EXPECT_EQ(reader->name, "zhang.wei");
  EXPECT_EQ(reader->role, Role::kReader);
  const std::optional<TokenHolder> admin = table->Find("other");
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->name, "ops");
  EXPECT_EQ(admin->role, Role::kAdmin);
  EXPECT_FALSE(table->Find("secreT"));
  EXPECT_FALSE(table->Find(""));
  // The digest itself is not a token.
  EXPECT_FALSE(table->Find(kSecretDigest));
}

TEST(TokensTest, UpperCaseHexIsTheSameDigest) {
  std::string upper = kSecretDigest;
  for (char& c : upper) c = static_cast<char>(toupper(c));
  absl::StatusOr<TokenTable> table = TokenTable::Parse(absl::StrCat("analyst ", upper, " a"), "t");
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(table->Find("secret"));
  EXPECT_EQ(table->Find("secret")->role, Role::kAnalyst);
}

TEST(TokensTest, EmptyFileHasNoTokens) {
  absl::StatusOr<TokenTable> table = TokenTable::Parse("# nobody yet\n", "t");
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->size(), 0u);
  EXPECT_FALSE(table->Find("secret"));
}

// Each bad line is refused with its line number and what is wrong.
TEST(TokensTest, BadLinesNameTheirLine) {
  struct Case {
    std::string line;
    std::string message;
  };
  const Case cases[] = {
      {absl::StrCat("reader ", kSecretDigest), "3 fields"},
      {absl::StrCat("reader ", kSecretDigest, " a b"), "3 fields"},
      {absl::StrCat("root ", kSecretDigest, " a"), "unknown role 'root'"},
      {"reader secret zhang.wei", "not a SHA-256 digest"},
      {absl::StrCat("reader ", std::string(kSecretDigest).substr(1), "0a a"), "not a SHA-256"},
      {absl::StrCat("reader ", std::string(kSecretDigest).substr(1), " a"), "not a SHA-256"},
      {absl::StrCat("reader ", std::string(kSecretDigest).substr(2), "zz a"), "not a SHA-256"},
      {absl::StrCat("Reader ", kSecretDigest, " a"), "unknown role"},
  };
  for (const Case& c : cases) {
    const std::string text = absl::StrCat("# header\nadmin ", kOtherDigest, " ops\n", c.line, "\n");
    absl::StatusOr<TokenTable> table = TokenTable::Parse(text, "tokens.txt");
    ASSERT_FALSE(table.ok()) << c.line;
    EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(table.status().message().find("tokens.txt:3: "), std::string::npos) << table.status();
    EXPECT_NE(table.status().message().find(c.message), std::string::npos) << table.status();
  }
  // A token pasted in place of its digest is not echoed into the message.
  absl::StatusOr<TokenTable> pasted = TokenTable::Parse("reader hunter2-the-token a", "t");
  ASSERT_FALSE(pasted.ok());
  EXPECT_EQ(pasted.status().message().find("hunter2"), std::string::npos) << pasted.status();
}

TEST(TokensTest, DuplicateDigestIsRefusedButANameMayHaveTwoTokens) {
  EXPECT_FALSE(TokenTable::Parse(
                   absl::StrCat("reader ", kSecretDigest, " a\nadmin ", kSecretDigest, " b\n"), "t")
                   .ok());
  absl::StatusOr<TokenTable> rotation = TokenTable::Parse(
      absl::StrCat("reader ", kSecretDigest, " a\nreader ", kOtherDigest, " a\n"), "t");
  ASSERT_TRUE(rotation.ok()) << rotation.status();
  EXPECT_EQ(rotation->Find("secret")->name, "a");
  EXPECT_EQ(rotation->Find("other")->name, "a");
}

TEST(TokensTest, MissingFileIsNotFound) {
  absl::StatusOr<TokenTable> table = TokenTable::Load("/nonexistent/tokens.txt");
  EXPECT_EQ(table.status().code(), absl::StatusCode::kNotFound);
}

TEST(AccessTest, BearerToken) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("  bearer \t abc  "), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(AccessTest, RoleTable) {
  const AccessOptions closed;
  EXPECT_EQ(RequiredRoleForMethod("/redline.v1.Redline/CheckPoint", closed), Role::kReader);
  EXPECT_EQ(RequiredRoleForMethod("/redline.v1.Redline/GetZones", closed), Role::kReader);
  EXPECT_EQ(RequiredRoleForMethod("/redline.v1.Redline/Overlay", closed), Role::kAnalyst);
  EXPECT_EQ(RequiredRoleForMethod("/redline.v1.RedlineAdmin/Reload", closed), Role::kAdmin);
  EXPECT_EQ(RequiredRoleForMethod("/grpc.health.v1.Health/Check", closed), Role::kNone);
  EXPECT_EQ(RequiredRoleForMethod("/grpc.health.v1.Health/Watch", closed), Role::kNone);
  const char* reflection = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";
  EXPECT_EQ(RequiredRoleForMethod(reflection, closed), Role::kAdmin);
  EXPECT_EQ(RequiredRoleForMethod(reflection, {.open_reflection = true}), Role::kNone);
  // Unknown methods (added later, or made up) need admin.
  EXPECT_EQ(RequiredRoleForMethod("/redline.v1.RedlineAdmin/ListRecords", closed), Role::kAdmin);
  EXPECT_EQ(RequiredRoleForMethod("", closed), Role::kAdmin);
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kCheckPoint, closed), Role::kReader);
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kRecord, closed), Role::kReader);
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kMetrics, closed), Role::kAdmin);
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kMetrics, {.open_metrics = true}), Role::kNone);
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kPage, closed), Role::kNone);
  // As CompareVersions.
  EXPECT_EQ(RequiredRoleForRoute(HttpRoute::kCompare, closed), Role::kAnalyst);
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             absl::StrCat("redline_tokens_", getpid(), "_",
                          ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    Write(absl::StrCat("analyst ", kSecretDigest, " bob\n"));
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void Write(const std::string& text) { std::ofstream(path_, std::ios::trunc) << text; }

  std::string path_;
};

TEST_F(AuthenticatorTest, DecidesAndCountsRefusals) {
  Metrics metrics;
  absl::StatusOr<std::unique_ptr<Authenticator>> auth =
      Authenticator::FromFile(path_, {}, &metrics);
  ASSERT_TRUE(auth.ok()) << auth.status();
  using O = AuthDecision::Outcome;
  AuthDecision d = (*auth)->Decide(true, "m", Role::kAnalyst, "Bearer secret", "ipv4:1.2.3.4:5");
  EXPECT_EQ(d.outcome, O::kAllowed);
  EXPECT_EQ(d.caller.name, "bob");
  EXPECT_EQ(d.caller.role, Role::kAnalyst);
  EXPECT_EQ(d.caller.address, "ipv4:1.2.3.4:5");
  d = (*auth)->Decide(true, "m", Role::kAdmin, "Bearer secret", "a");
  EXPECT_EQ(d.outcome, O::kDenied);
  EXPECT_NE(d.message.find("needs the admin role"), std::string::npos);
  EXPECT_EQ(d.message.find("secret"), std::string::npos);
  EXPECT_EQ((*auth)->Decide(false, "p", Role::kReader, "", "a").outcome, O::kUnauthenticated);
  EXPECT_EQ((*auth)->Decide(false, "p", Role::kReader, "Bearer nope", "a").outcome,
            O::kUnauthenticated);
  // Open methods let anyone in, with whatever the token says.
  d = (*auth)->Decide(true, "health", Role::kNone, "", "a");
  EXPECT_EQ(d.outcome, O::kAllowed);
  EXPECT_EQ(d.caller.role, Role::kNone);
  EXPECT_EQ(metrics.auth_refusals(/*grpc=*/true, /*unauthenticated=*/false), 1u);
  EXPECT_EQ(metrics.auth_refusals(/*grpc=*/false, /*unauthenticated=*/true), 2u);
  EXPECT_EQ(metrics.auth_refusals(/*grpc=*/true, /*unauthenticated=*/true), 0u);
}

TEST_F(AuthenticatorTest, ReloadSwapsTokensAndKeepsThemOnError) {
  absl::StatusOr<std::unique_ptr<Authenticator>> auth = Authenticator::FromFile(path_, {}, nullptr);
  ASSERT_TRUE(auth.ok()) << auth.status();
  Write(absl::StrCat("reader ", kOtherDigest, " carol\n"));
  ASSERT_TRUE((*auth)->Reload().ok());
  using O = AuthDecision::Outcome;
  EXPECT_EQ((*auth)->Decide(true, "m", Role::kReader, "Bearer secret", "").outcome,
            O::kUnauthenticated);
  EXPECT_EQ((*auth)->Decide(true, "m", Role::kReader, "Bearer other", "").caller.name, "carol");
  Write("admin not-a-digest eve\n");
  const absl::Status bad = (*auth)->Reload();
  EXPECT_NE(bad.message().find(":1: "), std::string::npos) << bad;
  EXPECT_EQ((*auth)->Decide(true, "m", Role::kReader, "Bearer other", "").outcome, O::kAllowed);
}

TEST(AccessTest, WithoutTokensEveryoneIsAdmin) {
  Authenticator open({}, nullptr);
  EXPECT_FALSE(open.enabled());
  const AuthDecision d = open.Decide(true, "m", Role::kAdmin, "", "addr");
  EXPECT_EQ(d.outcome, AuthDecision::Outcome::kAllowed);
  EXPECT_EQ(d.caller.role, Role::kAdmin);
  EXPECT_EQ(d.caller.name, "");
}

TEST(AccessTest, LoopbackAddresses) {
  for (const char* a : {"127.0.0.1:1", "127.1.2.3:0", "[::1]:5", "localhost:9", "unix:/tmp/s"}) {
    EXPECT_TRUE(IsLoopbackAddress(a)) << a;
  }
  for (const char* a : {"0.0.0.0:1", "10.0.0.1:2", "[::]:3", "example.org:4", "128.0.0.1:5",
                        "127.example.org:6", "[::ffff:10.0.0.1]:7"}) {
    EXPECT_FALSE(IsLoopbackAddress(a)) << a;
  }
}

}  // namespace
}  // namespace redline::server
