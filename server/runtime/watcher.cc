#include "server/runtime/watcher.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/runtime/log.h"
#include "spatial/data/config.h"
#include "spatial/data/loader.h"

namespace redline::server {
namespace fs = std::filesystem;
namespace {

void AddPath(const fs::path& path, std::string& out) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  const auto size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  absl::StrAppend(&out, path.string(), "@", ec ? -1 : time.time_since_epoch().count(), ":", size,
                  ";");
}

void AddSource(const LayerConfig& layer, std::string& out) {
  const std::string& source = layer.source;
  if (!layer.watch_query.empty()) {
    // A database: ask it. An error is part of the fingerprint too, so a
    // source that comes back triggers a reload.
    absl::StatusOr<std::string> version = SourceVersion(layer);
    absl::StrAppend(&out, layer.name, "=",
                    version.ok() ? *version : std::string(version.status().message()), ";");
    return;
  }
  if (absl::StartsWith(source, "PG:") || absl::StartsWith(source, "/vsi")) return;
  std::error_code ec;
  if (fs::is_directory(source, ec)) {  // FileGDB and other folder formats
    for (const auto& entry : fs::directory_iterator(source, ec)) AddPath(entry.path(), out);
    return;
  }
  AddPath(source, out);
  // A Shapefile is several files; an edit may touch only the .dbf.
  const fs::path p(source);
  for (const char* ext : {".dbf", ".shx", ".prj", ".cpg"}) {
    fs::path side = p;
    side.replace_extension(ext);
    if (side != p && fs::exists(side, ec)) AddPath(side, out);
  }
}

}  // namespace

std::string SourceFingerprint(const std::string& config_path) {
  std::string out;
  AddPath(config_path, out);
  absl::StatusOr<Config> config = Config::LoadFile(config_path);
  if (!config.ok()) return out;  // a broken config: the reload will say why
  for (const std::string& rule : config->rule_files) AddPath(rule, out);
  for (const LayerConfig& layer : config->layers) AddSource(layer, out);
  return out;
}

Watcher::Watcher(std::string config_path, absl::Duration interval, Reloader* reloader,
                 std::string loaded)
    : config_path_(std::move(config_path)),
      interval_(interval),
      reloader_(reloader),
      last_(std::move(loaded)) {
  thread_ = std::thread([this] { Run(); });
}

Watcher::~Watcher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watcher::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [&] { return stop_; })) {
    lock.unlock();
    const absl::Time looked = absl::Now();
    std::string now = SourceFingerprint(config_path_);
    if (now != last_) {
      Log("INFO", "watch: the sources changed: reloading");
      const ReloadOutcome outcome = reloader_->Reload();
      // Even after a failed reload, wait for the next change before
      // retrying. But an attempt that was already under way (the reload
      // joined it) may have read the files before this change: then the
      // next poll sees the change again and asks once more.
      if (outcome.at >= looked) last_ = std::move(now);
    }
    lock.lock();
  }
}

}  // namespace redline::server
