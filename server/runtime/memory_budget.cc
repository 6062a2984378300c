#include "server/runtime/memory_budget.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace redline::server {
namespace {

// Working memory per request byte: the peak RSS growth of one CheckGeometry
// call over the size of its request, measured on redlined (Release build,
// one sample layer, a 199,000-vertex polygon, gRPC; the growth includes
// gRPC's receive buffer and the parsed copy):
//   GeoJSON 7.8 MiB -> +65 MiB (8.3x); WKT 7.4 MiB -> +35 MiB (4.7x);
//   WKB 3.0 MiB -> +25 MiB (8.2x: 16 bytes a vertex on the wire, 24 in
//   GEOS, several copies). JSON padded with white space expands less, so
//   the factors are upper bounds. A point check: the request and the answer.
constexpr double kSmallFactor = 2;
constexpr double kJsonFactor = 8.5;
constexpr double kWktFactor = 5;
constexpr double kWkbFactor = 8.5;

std::string Mib(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

int64_t EstimateWorkingBytes(int64_t request_bytes, RequestEncoding encoding) {
  double factor = kSmallFactor;
  switch (encoding) {
    case RequestEncoding::kSmall:
      factor = kSmallFactor;
      break;
    case RequestEncoding::kJson:
      factor = kJsonFactor;
      break;
    case RequestEncoding::kWkt:
      factor = kWktFactor;
      break;
    case RequestEncoding::kWkb:
      factor = kWkbFactor;
      break;
  }
  const int64_t bytes = std::max<int64_t>(request_bytes, 0);
  return std::max(bytes, static_cast<int64_t>(static_cast<double>(bytes) * factor));
}

int64_t DefaultInflightLimit(int64_t max_request_bytes) {
  // Room for one request of the largest size in the most expansive
  // encoding, and never under 256 MiB: ordinary traffic (requests of a few
  // kB to a few MB) never meets it, while a second very large request
  // waits its turn instead of doubling the peak. With the default
  // max_request_bytes (64 MiB) it is 544 MiB.
  return std::max<int64_t>(int64_t{256} << 20,
                           EstimateWorkingBytes(max_request_bytes, RequestEncoding::kJson));
}

int64_t InflightLimit(int64_t configured, int64_t max_request_bytes) {
  if (configured == 0) return DefaultInflightLimit(max_request_bytes);
  return configured < 0 ? 0 : configured;
}

MemoryBudget::MemoryBudget(int64_t limit_bytes, int64_t return_after_bytes)
    : limit_bytes_(limit_bytes), return_after_bytes_(return_after_bytes) {}

absl::StatusOr<MemoryBudget::Lease> MemoryBudget::Acquire(int64_t bytes, absl::string_view what,
                                                          int64_t request_bytes) {
  bytes = std::max<int64_t>(bytes, 0);
  int64_t in_use;
  if (bytes < kAlwaysAdmitBytes || limit_bytes_ <= 0) {
    // Admitted whatever is in use: one atomic add, no loop (the hot path).
    in_use = in_use_.fetch_add(bytes, std::memory_order_relaxed);
  } else {
    in_use = AdmitLarge(bytes);
    if (in_use < 0) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s%s needs an estimated %s of working memory, and requests being answered "
          "already hold %s of the %s limit (max_inflight_request_bytes): retry later, "
          "send smaller requests, or raise max_inflight_request_bytes",
          what, request_bytes >= 0 ? absl::StrCat(" of ", Mib(request_bytes)) : "", Mib(bytes),
          Mib(-in_use - 1), Mib(limit_bytes_)));
    }
  }
  // The peak is for metrics and tests: a relaxed max is enough.
  const int64_t now = in_use + bytes;
  int64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return Lease(this, bytes);
}

int64_t MemoryBudget::AdmitLarge(int64_t bytes) {
  int64_t in_use = in_use_.load(std::memory_order_relaxed);
  for (;;) {
    // Alone, any request is admitted: the size limit already let it in.
    if (in_use > 0 && in_use + bytes > limit_bytes_) return -in_use - 1;
    if (in_use_.compare_exchange_weak(in_use, in_use + bytes, std::memory_order_relaxed)) {
      return in_use;
    }
  }
}

void MemoryBudget::Release(int64_t bytes) {
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  if (return_after_bytes_ > 0 && bytes >= return_after_bytes_) {
    MemoryReturner::Get().Request();
  }
}

MemoryBudget::Lease::Lease(Lease&& other) noexcept : budget_(other.budget_), bytes_(other.bytes_) {
  other.budget_ = nullptr;
  other.bytes_ = 0;
}

MemoryBudget::Lease& MemoryBudget::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

MemoryBudget::Lease::~Lease() { Release(); }

void MemoryBudget::Lease::Release() {
  if (budget_ != nullptr) budget_->Release(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

// ------------------------------------------------------------ MemoryReturner

namespace {

// A trim walks every arena and madvises its free pages away: a few ms for
// a few hundred MB. Once a second at most keeps that off any request's
// latency even under a stream of large requests.
constexpr std::chrono::milliseconds kMinTrimInterval(1000);
// Waiting a little after the trigger lets requests still holding the old
// snapshot (or the tail of a large answer being sent) free their memory
// first, so one trim catches it.
constexpr std::chrono::milliseconds kTrimDelay(200);

}  // namespace

MemoryReturner& MemoryReturner::Get() {
  static MemoryReturner* returner = new MemoryReturner();  // never destroyed
  return *returner;
}

void MemoryReturner::Request() {
  if (pending_.exchange(true, std::memory_order_acq_rel)) return;  // one is due
  if (!started_.exchange(true, std::memory_order_acq_rel)) {
    std::thread([this] { Run(); }).detach();
  }
  std::lock_guard<std::mutex> lock(mu_);
  cv_.notify_one();
}

void MemoryReturner::TrimNow() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void MemoryReturner::Run() {
  auto last = std::chrono::steady_clock::now() - kMinTrimInterval;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire); });
    }
    const auto due =
        std::max(std::chrono::steady_clock::now() + kTrimDelay, last + kMinTrimInterval);
    std::this_thread::sleep_until(due);
    // Cleared before the trim: a trigger during it asks for the next one.
    pending_.store(false, std::memory_order_release);
    TrimNow();
    last = std::chrono::steady_clock::now();
    trims_.fetch_add(1, std::memory_order_relaxed);
  }
}

void ConfigureAllocatorForServer() {
#if defined(__GLIBC__)
  // glibc raises its mmap threshold to the size of each large block freed
  // (up to 32 MiB), so after the first big request every later buffer of a
  // few MB comes from the heap, where freed memory stays. A fixed threshold
  // (which also fixes the trim threshold) keeps blocks of 1 MiB and more
  // in their own mappings, returned to the OS the moment they are freed.
  if (const char* env = std::getenv("REDLINE_MALLOC_DEFAULTS"); env == nullptr || *env == 0) {
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
  }
#endif
}

}  // namespace redline::server
