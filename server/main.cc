// redlined: loads the configured zone layers and serves redline.v1 over gRPC.
//
//   redlined --config data/sample/redline.yaml --listen 127.0.0.1:50051
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT), 2 for a bad config
// or flag, 1 when the data cannot be loaded or an address cannot be bound
// (in use by another process included: ports are not shared). SIGHUP (or
// the RedlineAdmin.Reload RPC) reloads the data without downtime.
//
// SIGTERM/SIGINT stop it gracefully: health turns NOT_SERVING at once, calls
// are still answered for --drain_seconds (so load balancers can move away;
// a second signal cuts this short), then no new calls are taken and those
// that arrived get --grace_seconds to finish (Overlay streams still open
// near its end stop and say where to resume; see ShutDown).
#include <errno.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <string.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/audit/audit_log.h"
#include "server/grpc/admin_service.h"
#include "server/grpc/auth.h"
#include "server/grpc/redline_service.h"
#include "server/http/http_api.h"
#include "server/runtime/access.h"
#include "server/runtime/flag_help.h"
#include "server/runtime/log.h"
#include "server/runtime/memory_budget.h"
#include "server/runtime/watcher.h"
#include "spatial/data/config.h"
#include "spatial/snapshot.h"
#include "version/version.h"

ABSL_FLAG(std::string, config, "", "YAML config listing the zone layers");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "HOST:PORT to serve gRPC on");
ABSL_FLAG(std::string, http, "127.0.0.1:8080",
          "HOST:PORT for the HTTP/JSON API and the staff desk page; \"off\" for none");
ABSL_FLAG(std::string, web_root, "",
          "directory of the staff desk page (default: web/ beside the redlined binary)");
ABSL_FLAG(std::vector<std::string>, http_allowed_hosts, {},
          "more host names browsers may reach the HTTP API by (besides IP addresses, "
          "localhost and the --http host; \"*\": any); other Host headers get 403");
ABSL_FLAG(std::vector<std::string>, http_allowed_origins, {},
          "origins (scheme://host[:port]) besides the server's own whose pages may POST to "
          "the HTTP API; others get 403");
ABSL_FLAG(int, http_max_connections, 1024, "HTTP connections open at once; more get 503");
ABSL_FLAG(int, http_max_connections_per_client, 128,
          "HTTP connections open at once from one client address; more get 503");
ABSL_FLAG(int, drain_seconds, 5,
          "on SIGTERM/SIGINT, how long to keep answering with health NOT_SERVING "
          "before taking no new calls (0: stop taking them at once)");
ABSL_FLAG(std::string, audit, "",
          "the audit trail: an SQLite FILE (created when missing) or a postgresql:// URL; "
          "every answered check is recorded there and its answer names the record. Empty: none");
ABSL_FLAG(int, audit_retention_days, 0,
          "delete audit records older than this many days, at start and daily (0: keep forever)");
ABSL_FLAG(bool, audit_fail_open, false,
          "answer checks even when the audit trail cannot be written (default: refuse them, "
          "UNAVAILABLE, until it can)");
ABSL_FLAG(int, grace_seconds, 10,
          "after the drain, how long the calls that arrived may take to finish");
ABSL_FLAG(std::string, tokens, "",
          "file of bearer tokens with roles, one 'ROLE SHA256-HEX NAME' a line (re-read on "
          "SIGHUP); without it every caller may do everything");
ABSL_FLAG(std::string, tls_cert, "", "PEM certificate (chain): TLS on the gRPC and the HTTP port");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: clients (gRPC and HTTP) must show a certificate they signed "
          "(mutual TLS)");
ABSL_FLAG(int, tls_reload_seconds, 60,
          "how often the TLS files are re-read (renewed certificates are taken up; open "
          "connections stay)");
ABSL_FLAG(bool, insecure, false,
          "allow plain text on an address other than loopback (behind a TLS proxy, say)");
ABSL_FLAG(std::string, log_level, "info",
          "info, or debug: also one line per repaired feature at start (info has one summary "
          "line per layer)");

namespace redline::server {
namespace {

// Which rules are in force, and from where: a config without `rules:` gets
// the built-in defaults; `rules: []` gets none, and no verdict at all.
void LogRules(const Snapshot& snapshot) {
  const RuleSet& rules = snapshot.rules();
  if (rules.rules().empty()) {
    Log("WARN", "no rules in force (", rules.files().size(),
        " rule files): every verdict is VERDICT_UNSPECIFIED, \"no rules in force\"; "
        "leave 'rules:' out of the config for the built-in defaults");
    return;
  }
  Log("INFO", rules.rules().size(), " rules in force from ",
      snapshot.config().rules_from == Config::RulesFrom::kConfig
          ? "the config's rule files"
          : "the built-in default rule set (no 'rules:' in the config)",
      ": ", absl::StrJoin(rules.files(), ", "));
}

// The repairs of one layer in one line: how many, and of what fault
// ("layer counties: 89 features repaired (Self-intersection 85, Ring
// Self-intersection 4)"); a county layer drawn by hand can have hundreds,
// and one line each buried the rest of the start-up log. Each one is
// logged with --log_level debug.
void LogRepairs(const LayerReport& r, bool debug) {
  std::vector<std::pair<std::string, int>> faults;  // in order of first sight
  int repaired = 0;
  for (const LoadIssue& issue : r.issues) {
    if (issue.action != LoadIssue::Action::kRepaired) continue;
    ++repaired;
    if (debug) Log("DEBUG", "layer ", r.name, ": ", issue.feature, ": repaired: ", issue.reason);
    // The fault is GEOS's reason before where and how ("Self-intersection
    // near 120.1E 30.2N; repaired with ...").
    const std::string fault = issue.reason.substr(0, issue.reason.find_first_of(";["))
                                  .substr(0, issue.reason.find(" near "));
    auto it =
        std::find_if(faults.begin(), faults.end(), [&](const auto& f) { return f.first == fault; });
    if (it == faults.end()) {
      faults.emplace_back(fault, 1);
    } else {
      ++it->second;
    }
  }
  if (repaired == 0) return;
  std::vector<std::string> parts;
  parts.reserve(faults.size());
  for (const auto& [fault, n] : faults) parts.push_back(absl::StrCat(fault, " ", n));
  Log("WARN", "layer ", r.name, ": ", repaired, repaired == 1 ? " feature" : " features",
      " repaired (", absl::StrJoin(parts, ", "), ") with make-valid",
      debug ? "" : "; each one with --log_level debug");
}

void LogReports(const Snapshot& snapshot) {
  const bool debug = absl::GetFlag(FLAGS_log_level) == "debug";
  for (const LayerState& layer : snapshot.layers()) {
    const LayerReport& r = layer.report;
    Log("INFO", absl::StrFormat("layer %s (%s) from %s [%s, %s]: %d features, %d zones, "
                                "%d vertices, %d repaired, %d skipped, %.2f s",
                                r.name, ZoneKindName(r.kind), r.source, r.driver, r.source_crs,
                                r.features_read, r.zones_loaded, r.vertices, r.repaired, r.skipped,
                                r.load_seconds));
    LogRepairs(r, debug);
    // Skipped features and notes stay one line each: each is a zone not
    // served, or served on an assumption.
    for (const LoadIssue& issue : r.issues) {
      if (issue.action == LoadIssue::Action::kRepaired) continue;
      Log("WARN", "layer ", r.name, ": ", issue.feature, ": ",
          issue.action == LoadIssue::Action::kSkipped ? "SKIPPED" : "note", ": ", issue.reason);
    }
  }
  LogRules(snapshot);
}

// The page's files: --web_root, else web/ beside this binary (where the
// build puts them).
std::string WebRoot() {
  std::string root = absl::GetFlag(FLAGS_web_root);
  if (!root.empty()) return root;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "web" : (exe.parent_path() / "web").string();
}

struct HttpAddress {
  std::string host;  // as written, for the log
  std::string bind;  // without IPv6 brackets, for bind()
  int port = 0;
};

// --http as an address; nullopt for "off" (or empty).
absl::StatusOr<std::optional<HttpAddress>> ParseHttpFlag() {
  const std::string http = absl::GetFlag(FLAGS_http);
  if (http.empty() || http == "off") return std::optional<HttpAddress>();
  const size_t colon = http.rfind(':');
  HttpAddress address;
  if (colon == std::string::npos || !absl::SimpleAtoi(http.substr(colon + 1), &address.port) ||
      address.port < 0 || address.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http '", http, "' is not HOST:PORT (or off)"));
  }
  address.host = http.substr(0, colon);
  address.bind = address.host;
  if (address.bind.size() > 2 && address.bind.front() == '[' && address.bind.back() == ']') {
    address.bind = address.bind.substr(1, address.bind.size() - 2);
  }
  return std::optional<HttpAddress>(address);
}

absl::StatusOr<std::unique_ptr<HttpApi>> StartHttp(const HttpAddress& address,
                                                   const SnapshotHolder& holder,
                                                   const Reloader& reloader, const Config& config,
                                                   Metrics* metrics, MemoryBudget* budget,
                                                   const Authenticator* auth, AuditLog* audit,
                                                   const std::optional<TlsFiles>& tls) {
  HttpOptions options{.web_root = WebRoot(),
                      .max_request_bytes = config.max_request_bytes,
                      .allowed_hosts = absl::GetFlag(FLAGS_http_allowed_hosts),
                      .allowed_origins = absl::GetFlag(FLAGS_http_allowed_origins),
                      .budget = budget,
                      .auth = auth,
                      .audit = audit};
  options.connections.max_connections = absl::GetFlag(FLAGS_http_max_connections);
  options.connections.max_connections_per_client =
      absl::GetFlag(FLAGS_http_max_connections_per_client);
  options.connections.tls = tls;
  auto api = std::make_unique<HttpApi>(&holder, &reloader, std::move(options), metrics);
  if (absl::Status st = api->Start(address.bind, address.port); !st.ok()) return st;
  Log("INFO", "HTTP API and staff desk on ", tls ? "https://" : "http://", address.host, ":",
      api->port(), "/",
      !tls                     ? ""
      : tls->client_ca.empty() ? " (TLS)"
                               : " (TLS, client certificates required)");
  return api;
}

// Where to serve and how: --http, and the TLS files when given.
struct AddressFlags {
  std::optional<HttpAddress> http;
  std::optional<TlsFiles> tls;
};
absl::StatusOr<std::optional<TlsFiles>> TransportFlags(const std::string& listen,
                                                       const std::optional<HttpAddress>& http);

absl::StatusOr<AddressFlags> ReadAddressFlags(const std::string& listen) {
  absl::StatusOr<std::optional<HttpAddress>> http = ParseHttpFlag();
  if (!http.ok()) return http.status();
  absl::StatusOr<std::optional<TlsFiles>> tls = TransportFlags(listen, *http);
  if (!tls.ok()) return tls.status();
  return AddressFlags{*std::move(http), *std::move(tls)};
}

// What the ports are served with: TLS on gRPC when --tls_cert is given,
// tokens when --tokens is, and the credentials that carry both.
struct Security {
  std::optional<TlsFiles> tls;
  std::unique_ptr<Authenticator> auth;
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// --tls_* and --insecure against the addresses served: plain text is for
// loopback, anything else needs TLS or --insecure. --tls_cert serves both
// ports with TLS.
absl::StatusOr<std::optional<TlsFiles>> TransportFlags(const std::string& listen,
                                                       const std::optional<HttpAddress>& http) {
  std::optional<TlsFiles> tls;
  const std::string cert = absl::GetFlag(FLAGS_tls_cert), key = absl::GetFlag(FLAGS_tls_key);
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together: give both");
  }
  if (!cert.empty()) {
    tls = TlsFiles{cert, key, absl::GetFlag(FLAGS_tls_client_ca),
                   absl::GetFlag(FLAGS_tls_reload_seconds)};
    if (tls->reload_s < 1) return absl::InvalidArgumentError("--tls_reload_seconds must be >= 1");
  } else if (!absl::GetFlag(FLAGS_tls_client_ca).empty()) {
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  }
  const bool insecure = absl::GetFlag(FLAGS_insecure);
  std::vector<std::string> plain;  // non-loopback addresses served in plain text
  if (!tls && !IsLoopbackAddress(listen)) plain.push_back("gRPC on " + listen);
  if (!tls && http && !IsLoopbackAddress(absl::StrCat(http->host, ":", http->port))) {
    plain.push_back(absl::StrCat("HTTP on ", http->host, ":", http->port));
  }
  if (!plain.empty() && !insecure) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing plain text on an address other than loopback (", absl::StrJoin(plain, ", "),
        "): give --tls_cert and --tls_key, listen on 127.0.0.1, or give --insecure"));
  }
  for (const std::string& what : plain) {
    Log("WARN", "--insecure: ", what, " is plain text, readable by anyone on the path");
  }
  return tls;
}

// The token check (without --tokens: none, and the log says so) and the
// gRPC credentials that carry it.
absl::StatusOr<Security> SetUpSecurity(const std::string& listen, std::optional<TlsFiles> tls,
                                       const Config& config, Metrics* metrics) {
  Security security{.tls = std::move(tls)};
  const AccessOptions access{.open_metrics = config.open_metrics,
                             .open_reflection = config.open_reflection};
  const std::string tokens = absl::GetFlag(FLAGS_tokens);
  if (tokens.empty()) {
    security.auth = std::make_unique<Authenticator>(access, metrics);
    Log("WARN", "no --tokens: calls are unauthenticated, every caller may do everything");
  } else {
    absl::StatusOr<std::unique_ptr<Authenticator>> auth =
        Authenticator::FromFile(tokens, access, metrics);
    if (!auth.ok()) return auth.status();
    security.auth = *std::move(auth);
    Log("INFO", "tokens from ", tokens, ": ", security.auth->token_count(),
        " (re-read on SIGHUP); /metrics ", access.open_metrics ? "open" : "admin only",
        ", reflection ", access.open_reflection ? "open" : "admin only");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      GrpcServerCredentials(listen, security.tls ? &*security.tls : nullptr, security.auth.get());
  if (!credentials.ok()) return credentials.status();
  security.credentials = *std::move(credentials);
  if (security.tls) {
    Log("INFO", "gRPC TLS with ", security.tls->cert,
        security.tls->client_ca.empty() ? "" : " and client certificates from ",
        security.tls->client_ca, " (files re-read every ", security.tls->reload_s, " s)");
  }
  return security;
}

// SIGHUP: the data and the token file are read again.
void OnSighup(Reloader& reloader, Authenticator& auth) {
  // Not waited for here: a SIGTERM during a long load is still heard.
  Log("INFO", "received SIGHUP: ",
      reloader.Request(nullptr) ? "reloading" : "a reload is under way already");
  if (!auth.enabled()) return;
  if (absl::Status st = auth.Reload(); !st.ok()) {
    Log("ERROR", "token file not re-read, the tokens in force stay: ", st.message());
  } else {
    Log("INFO", "token file re-read: ", auth.token_count(), " tokens");
  }
}

// Waits up to `period` for one of `signals`; SIGHUP is ignored (the server
// is going away). Returns the signal, or 0 when the period ended.
int WaitForSignal(const sigset_t& signals, absl::Duration period) {
  const absl::Time until = absl::Now() + period;
  for (;;) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return 0;
    const timespec timeout = absl::ToTimespec(left);
    const int sig = sigtimedwait(&signals, nullptr, &timeout);
    if (sig == SIGHUP) {
      Log("INFO", "received SIGHUP while shutting down: not reloading");
    } else if (sig > 0) {
      return sig;
    } else if (errno != EINTR && errno != EAGAIN) {
      return 0;
    }
  }
}

// The graceful stop, on SIGTERM or SIGINT (`why`), in three phases:
//  1. drain: health NOT_SERVING at once (the server and each service), but
//     every call still answered, HTTP too, for --drain_seconds, so that load
//     balancers and clients checking health move away first; a second
//     signal ends it early;
//  2. stop taking calls: new HTTP requests get 503, gRPC takes no new call,
//     and the calls that arrived get --grace_seconds to finish;
//  3. near the end of the grace period (2 s before, or a quarter of it when
//     shorter than 8 s), Overlay streams still open stop reading, write the
//     answers they owe and end UNAVAILABLE with how far they got; at its
//     end gRPC cancels whatever still runs.
void ShutDown(const char* why, const sigset_t& signals, grpc::Server& server,
              RedlineService& service, HttpApi* http, int drain_s) {
  const absl::Duration grace = absl::Seconds(absl::GetFlag(FLAGS_grace_seconds));
  server.GetHealthCheckService()->SetServingStatus(false);
  if (http != nullptr) http->SetServing(false);  // /healthz 503 with gRPC's health
  // Off gRPC's threads from here on, so none waits unmatched at Shutdown.
  service.BeginDrain();
  if (drain_s > 0) {
    Log("INFO", "received ", why, ": health NOT_SERVING; still answering for ", drain_s,
        " s (drain; a second signal ends it)");
    if (const int sig = WaitForSignal(signals, absl::Seconds(drain_s)); sig != 0) {
      Log("INFO", "received ", strsignal(sig), ": drain ended early");
    }
  } else {
    Log("INFO", "received ", why, ": health NOT_SERVING; no drain");
  }
  Log("INFO", "taking no new calls; those under way get up to ", absl::FormatDuration(grace),
      " to finish");
  if (http != nullptr) http->Drain();
  const absl::Time start = absl::Now();
  absl::Notification stopped;
  std::thread cutter([&] {
    const absl::Duration cut_at = grace - std::min(absl::Seconds(2), grace / 4);
    if (stopped.WaitForNotificationWithTimeout(cut_at)) return;
    if (const int n = service.StopOverlayStreams(); n > 0) {
      Log("WARN", "grace period nearly over: ", n,
          " Overlay stream(s) stop after the answers they owe (UNAVAILABLE, with where to "
          "resume)");
    }
  });
  server.Shutdown(absl::ToChronoTime(start + grace));
  stopped.Notify();
  cutter.join();
  const absl::Duration took = absl::Now() - start;
  if (took >= grace) {
    Log("WARN", "grace period over after ", absl::FormatDuration(took),
        ": any call still running was cancelled");
  } else {
    Log("INFO", "every call finished, ", absl::FormatDuration(took), " into the grace period");
  }
}

// --drain_seconds and --grace_seconds are 0 or more; logs which is not.
bool ShutdownFlagsOk() {
  const std::pair<const char*, int> flags[] = {
      {"drain_seconds", absl::GetFlag(FLAGS_drain_seconds)},
      {"grace_seconds", absl::GetFlag(FLAGS_grace_seconds)}};
  for (const auto& [name, value] : flags) {
    if (value < 0) {
      Log("ERROR", "--", name, "=", value, " is negative: give 0 or more seconds");
      return false;
    }
  }
  return true;
}

// The gRPC server on `listen`, with the health and reflection services;
// null (and logged) when the address cannot be bound. `port`: the port bound.
std::unique_ptr<grpc::Server> StartGrpc(const std::string& listen,
                                        std::shared_ptr<grpc::ServerCredentials> credentials,
                                        const Config& config,
                                        std::initializer_list<grpc::Service*> services, int* port) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, std::move(credentials), port);
  // gRPC sets SO_REUSEPORT by default: a second server on this address would
  // start happily and take half the calls, perhaps with other data. Without
  // it, an address in use fails here (BuildAndStart returns null, or a
  // server with no port bound).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.max_request_bytes));
  for (grpc::Service* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || *port == 0) {
    Log("ERROR", "cannot listen for gRPC on ", listen,
        ": the address is in use (is another redlined running?) or not this machine's");
    if (server) server->Shutdown();
    return nullptr;
  }
  return server;
}

// Blocks the shutdown signals (and SIGHUP) in every thread started from
// here on; one thread waits for them (sigwait in Run).
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Whether SIGTERM or SIGINT arrived (blocked, so pending) while loading.
bool StopAskedDuringLoad() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

// Health SERVING for the server and both services, and the log line saying
// what is served where.
void AnnounceServing(grpc::Server& server, const std::string& listen, int port,
                     const Snapshot& snapshot) {
  grpc::HealthCheckServiceInterface* health = server.GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus("redline.v1.Redline", true);
  health->SetServingStatus("redline.v1.RedlineAdmin", true);
  // Name the port actually bound: with --listen HOST:0 the OS picks one.
  const std::string bound = absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  Log("INFO",
      absl::StrFormat("serving %d zones in %d layers, dataset %s, on %s", snapshot.zones().size(),
                      snapshot.layers().size(), snapshot.version(), bound));
}

// The source watcher when the config asks for one (watch_interval_s > 0).
std::unique_ptr<Watcher> StartWatcher(const Config& config, const std::string& config_path,
                                      const std::string& fingerprint, Reloader* reloader) {
  if (config.watch_interval_s <= 0) return nullptr;
  auto watcher = std::make_unique<Watcher>(config_path, absl::Seconds(config.watch_interval_s),
                                           reloader, fingerprint);
  Log("INFO", "watching the sources every ", config.watch_interval_s, " s");
  return watcher;
}

// Until the server stops: SIGHUP reloads the data and the tokens; SIGTERM
// and SIGINT stop the server (ShutDown). `stop_asked`: one came while
// loading (no drain).
void HandleSignals(const sigset_t& signals, Reloader& reloader, Authenticator& auth,
                   grpc::Server& server, RedlineService& service, HttpApi* http, bool stop_asked) {
  int sig = 0;
  while (sigwait(&signals, &sig) == 0 && sig == SIGHUP) OnSighup(reloader, auth);
  ShutDown(strsignal(sig), signals, server, service, http,
           stop_asked ? 0 : absl::GetFlag(FLAGS_drain_seconds));
}

// The audit trail when --audit names one; null when it does not. Not OK
// when the store cannot be opened: the server then does not start, rather
// than answer checks it was told to record.
absl::StatusOr<std::unique_ptr<AuditLog>> StartAudit() {
  const std::string where = absl::GetFlag(FLAGS_audit);
  if (where.empty()) return std::unique_ptr<AuditLog>();
  AuditOptions options;
  options.retention_days = absl::GetFlag(FLAGS_audit_retention_days);
  options.fail_open = absl::GetFlag(FLAGS_audit_fail_open);
  if (options.retention_days < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--audit_retention_days=", options.retention_days,
                     " is negative: give 0 (keep forever) or more"));
  }
  absl::StatusOr<std::unique_ptr<AuditStore>> store = OpenAuditStore(where);
  if (!store.ok()) return store.status();
  auto log = std::make_unique<AuditLog>(*std::move(store), options);
  Log("INFO", "audit trail in ", log->Describe(), "; records kept ",
      options.retention_days > 0 ? absl::StrCat(options.retention_days, " days") : "forever",
      options.fail_open ? "; checks answered even when it cannot be written (--audit_fail_open)"
                        : "; checks refused while it cannot be written");
  return log;
}

// At the stop: what is queued is written now; a store still failing gets a
// few seconds, then what it could not take is logged as lost.
void StopAudit(std::unique_ptr<AuditLog> audit) {
  if (audit == nullptr) return;
  if (absl::Status st = audit->Flush(absl::Seconds(5)); !st.ok()) {
    Log("ERROR", "stopping with ", audit->stats().queued,
        " audit records unwritten (they are lost): ", st.message());
  }
}

// The flags that say where and how to serve, read before anything is
// loaded: a malformed one is refused (logged; nullopt) at once.
struct StartFlags {
  std::string config_path;
  std::string listen;
  AddressFlags addresses;
};
std::optional<StartFlags> ReadStartFlags() {
  StartFlags flags{absl::GetFlag(FLAGS_config), absl::GetFlag(FLAGS_listen), {}};
  if (flags.config_path.empty()) {
    Log("ERROR", "--config FILE is required");
    return std::nullopt;
  }
  absl::StatusOr<AddressFlags> addresses = ReadAddressFlags(flags.listen);
  if (!addresses.ok()) {
    Log("ERROR", addresses.status().message());
    return std::nullopt;
  }
  if (!ShutdownFlagsOk()) return std::nullopt;
  if (const std::string level = absl::GetFlag(FLAGS_log_level);
      level != "info" && level != "debug") {
    Log("ERROR", "--log_level '", level, "': give info or debug");
    return std::nullopt;
  }
  flags.addresses = *std::move(addresses);
  return flags;
}

int Run() {
  std::optional<StartFlags> flags = ReadStartFlags();
  if (!flags) return 2;
  const std::string& config_path = flags->config_path;
  const std::string& listen = flags->listen;
  AddressFlags* addresses = &flags->addresses;
  const sigset_t signals = BlockShutdownSignals();
  // A peer gone while OpenSSL writes to it (the HTTP port's TLS writes
  // through write(2), without MSG_NOSIGNAL) must be an EPIPE, not the end.
  ::signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<Config> config = Config::LoadFile(config_path);
  if (!config.ok()) {
    Log("ERROR", "bad config: ", config.status().message());
    return 2;
  }
  Metrics metrics;
  absl::StatusOr<Security> security =
      SetUpSecurity(listen, std::move(addresses->tls), *config, &metrics);
  if (!security.ok()) {
    Log("ERROR", security.status().message());
    return 2;
  }
  // Taken before the load, so that an edit made while loading is a change.
  const std::string fingerprint =
      config->watch_interval_s > 0 ? SourceFingerprint(config_path) : std::string();
  Log("INFO", "loading ", config->layers.size(), " layers from ", config_path);
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Load(*config);
  if (!snapshot.ok()) {
    Log("ERROR", "cannot load data: ", snapshot.status().message());
    return 1;
  }
  LogReports(**snapshot);
  SnapshotHolder holder(*snapshot);
  Reloader reloader(config_path, &holder);
  // Fixed at start, like max_request_bytes (gRPC's receive limit).
  MemoryBudget budget(InflightLimit(config->max_inflight_request_bytes, config->max_request_bytes));
  Log("INFO", "in-flight request memory limit (max_inflight_request_bytes): ",
      budget.limit_bytes() > 0 ? absl::StrCat(budget.limit_bytes() >> 20, " MiB") : "none");
  absl::StatusOr<std::unique_ptr<AuditLog>> audit = StartAudit();
  if (!audit.ok()) {
    Log("ERROR", audit.status().message());
    return absl::IsInvalidArgument(audit.status()) ? 2 : 1;
  }
  if (AuditLog* log = audit->get()) metrics.SetExtra([log] { return log->MetricsText(); });
  RedlineService service(&holder, &reloader, &metrics, &budget, audit->get());
  RedlineAdminService admin(&reloader, &metrics, audit->get());

  int port = 0;
  std::unique_ptr<grpc::Server> server =
      StartGrpc(listen, security->credentials, *config, {&service, &admin}, &port);
  if (!server) return 1;
  absl::StatusOr<std::unique_ptr<HttpApi>> http =
      addresses->http ? StartHttp(*addresses->http, holder, reloader, *config, &metrics, &budget,
                                  security->auth.get(), audit->get(), security->tls)
                      : absl::StatusOr<std::unique_ptr<HttpApi>>(nullptr);
  if (!http.ok()) {
    Log("ERROR", http.status().message());
    server->Shutdown();
    return 1;
  }
  // Told to stop while loading: it never said SERVING, so no load balancer
  // sends it calls and there is nothing to drain.
  const bool stop_asked = StopAskedDuringLoad();
  // /healthz first: once the "serving" line is logged, both healths say so.
  if (!stop_asked && *http) (*http)->SetServing(true);
  if (!stop_asked) AnnounceServing(*server, listen, port, **snapshot);
  std::unique_ptr<Watcher> watcher = StartWatcher(*config, config_path, fingerprint, &reloader);

  std::thread waiter([&] {
    HandleSignals(signals, reloader, *security->auth, *server, service, http->get(), stop_asked);
  });
  server->Wait();
  waiter.join();
  if (*http) (*http)->Stop();
  watcher.reset();
  StopAudit(std::move(*audit));
  Log("INFO", "stopped");
  return 0;
}

// Flags may be written with dashes (--tls-cert, as the CLI writes its
// own) or underscores (--tls_cert, Abseil's names): the dashes in a flag's
// name, never in its value, become underscores. "--" ends the flags.
void AcceptDashedFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (strcmp(arg, "--") == 0) return;
    if (arg[0] != '-') continue;
    for (char* c = arg + (arg[1] == '-' ? 2 : 1); *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

}  // namespace
}  // namespace redline::server

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Serves Redline siting checks.\n  redlined --config FILE [--listen HOST:PORT] "
      "[--http HOST:PORT|off] [--web_root DIR] [--drain_seconds N] [--grace_seconds N]\n"
      "  [--tokens FILE] [--tls_cert FILE --tls_key FILE [--tls_client_ca FILE]] [--insecure]\n"
      "  [--audit FILE|postgresql://...] [--audit_retention_days N] [--audit_fail_open]");
  // --version (Abseil's own flag) prints this line and exits 0.
  absl::FlagsUsageConfig usage_config;
  usage_config.version_string = [] { return redline::VersionLine("redlined") + "\n"; };
  absl::SetFlagsUsageConfig(usage_config);
  redline::server::ConfigureAllocatorForServer();  // before any thread starts
  if (std::optional<int> done =
          redline::server::CheckCommandLine(argc, argv, absl::ProgramUsageMessage())) {
    return *done;
  }
  redline::server::AcceptDashedFlags(argc, argv);
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves Mutex deadlock
  // detection on: every lock and unlock (gRPC's own included) then updates
  // a lock graph with stack traces. Release builds of Abseil turn it off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return redline::server::Run();
}
