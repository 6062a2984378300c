#include "server/runtime/access.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/runtime/log.h"

namespace redline::server {
namespace {

struct MethodRole {
  const char* method;
  Role role;
};

// Every gRPC method callers are expected to use, with the role it needs.
// Reflection's and /metrics' entries are overridden by AccessOptions; a
// method missing here needs admin.
constexpr MethodRole kMethodRoles[] = {
    {"/redline.v1.Redline/CheckPoint", Role::kReader},
    {"/redline.v1.Redline/CheckGeometry", Role::kReader},
    {"/redline.v1.Redline/ListLayers", Role::kReader},
    {"/redline.v1.Redline/GetZones", Role::kReader},
    {"/redline.v1.Redline/Overlay", Role::kAnalyst},
    // A comparison of two whole versions is batch work, as Overlay is.
    {"/redline.v1.Redline/CompareVersions", Role::kAnalyst},
    {"/redline.v1.RedlineAdmin/Reload", Role::kAdmin},
    // The audit trail: who checked what.
    {"/redline.v1.RedlineAdmin/GetRecord", Role::kAdmin},
    {"/redline.v1.RedlineAdmin/ListRecords", Role::kAdmin},
    {"/grpc.health.v1.Health/Check", Role::kNone},
    {"/grpc.health.v1.Health/Watch", Role::kNone},
};

constexpr absl::string_view kReflectionPrefix = "/grpc.reflection.";

}  // namespace

Role RequiredRoleForMethod(absl::string_view full_method, const AccessOptions& options) {
  for (const MethodRole& entry : kMethodRoles) {
    if (full_method == entry.method) return entry.role;
  }
  if (absl::StartsWith(full_method, kReflectionPrefix)) {
    return options.open_reflection ? Role::kNone : Role::kAdmin;
  }
  return Role::kAdmin;
}

Role RequiredRoleForRoute(HttpRoute route, const AccessOptions& options) {
  switch (route) {
    case HttpRoute::kCheckPoint:
    case HttpRoute::kCheckGeometry:
    case HttpRoute::kLayers:
    case HttpRoute::kZones:
    case HttpRoute::kUpload:
    case HttpRoute::kRecord:
    case HttpRoute::kWebConfig:  // as the page's other reads: tokens in tile URLs stay inside
      return Role::kReader;
    case HttpRoute::kRecords:  // the audit trail: who checked what
      return Role::kAdmin;
    case HttpRoute::kCompare:  // as CompareVersions: batch work
      return Role::kAnalyst;
    case HttpRoute::kMetrics:
      return options.open_metrics ? Role::kNone : Role::kAdmin;
    case HttpRoute::kHealthz:  // as gRPC's health service: load balancers ask
    case HttpRoute::kPage:
      // Static files with no data in them: the page must load before it can
      // ask for a token.
      return Role::kNone;
  }
  return Role::kAdmin;
}

absl::string_view BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(authorization.substr(0, kScheme.size()), kScheme) ||
      (authorization[kScheme.size()] != ' ' && authorization[kScheme.size()] != '\t')) {
    return {};
  }
  return absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromFile(const std::string& path,
                                                                       AccessOptions options,
                                                                       Metrics* metrics) {
  absl::StatusOr<TokenTable> table = TokenTable::Load(path);
  if (!table.ok()) return table.status();
  auto auth = std::make_unique<Authenticator>(options, metrics);
  auth->path_ = path;
  auth->tokens_ = std::make_shared<const TokenTable>(*std::move(table));
  return auth;
}

absl::Status Authenticator::Reload() {
  if (!enabled()) return absl::OkStatus();
  absl::StatusOr<TokenTable> table = TokenTable::Load(path_);
  if (!table.ok()) return table.status();
  auto fresh = std::make_shared<const TokenTable>(*std::move(table));
  std::lock_guard lock(mu_);
  tokens_ = std::move(fresh);
  return absl::OkStatus();
}

std::shared_ptr<const TokenTable> Authenticator::tokens() const {
  std::lock_guard lock(mu_);
  return tokens_;
}

size_t Authenticator::token_count() const {
  const std::shared_ptr<const TokenTable> table = tokens();
  return table ? table->size() : 0;
}

AuthDecision Authenticator::Refuse(bool grpc, absl::string_view what, AuthDecision::Outcome outcome,
                                   Caller caller, std::string message) const {
  const bool unauthenticated = outcome == AuthDecision::Outcome::kUnauthenticated;
  if (metrics_ != nullptr) metrics_->CountAuthRefusal(grpc, unauthenticated);
  Log("WARN", "refused ", grpc ? "gRPC call " : "HTTP request ", what, " from ",
      caller.address.empty() ? "(address not known)" : caller.address, ": ",
      unauthenticated ? "unauthenticated: " : "permission denied: ", message);
  return {outcome, std::move(caller), std::move(message)};
}

AuthDecision Authenticator::Decide(bool grpc, absl::string_view what, Role required,
                                   absl::string_view authorization,
                                   absl::string_view address) const {
  Caller caller{.name = "", .role = Role::kAdmin, .address = std::string(address)};
  if (!enabled()) return {AuthDecision::Outcome::kAllowed, std::move(caller), ""};
  caller.role = Role::kNone;
  const absl::string_view token = BearerToken(authorization);
  std::optional<TokenHolder> holder;
  if (!token.empty()) holder = tokens()->Find(token);
  if (holder) {
    caller.name = holder->name;
    caller.role = holder->role;
  }
  if (required == Role::kNone || (holder && holder->role >= required)) {
    return {AuthDecision::Outcome::kAllowed, std::move(caller), ""};
  }
  if (!holder) {
    return Refuse(grpc, what, AuthDecision::Outcome::kUnauthenticated, std::move(caller),
                  token.empty() ? "no token: send 'authorization: Bearer TOKEN'"
                                : "the token is not known (or no longer valid)");
  }
  std::string message = absl::StrCat(holder->name, " (", RoleName(holder->role), ") may not call ",
                                     what, ": it needs the ", RoleName(required), " role");
  return Refuse(grpc, what, AuthDecision::Outcome::kDenied, std::move(caller), std::move(message));
}

}  // namespace redline::server
