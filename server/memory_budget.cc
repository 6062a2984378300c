#include "server/memory_budget.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace redline::server {
namespace {

// Working memory per request byte, measured on redlined (Release build,
// sample data) as the peak RSS growth of one request over its size. See
// tests/e2e/soak_memory_test.py and the README's "Limits and security".
constexpr double kSmallFactor = 2;
constexpr double kJsonFactor = 6;
constexpr double kWktFactor = 5;
constexpr double kWkbFactor = 4;

std::string Mib(int64_t bytes) {
  return absl::StrFormat("%.1f MiB", static_cast<double>(bytes) / (1 << 20));
}

}  // namespace

int64_t EstimateWorkingBytes(int64_t request_bytes, RequestEncoding encoding) {
  double factor = kSmallFactor;
  switch (encoding) {
    case RequestEncoding::kSmall: factor = kSmallFactor; break;
    case RequestEncoding::kJson: factor = kJsonFactor; break;
    case RequestEncoding::kWkt: factor = kWktFactor; break;
    case RequestEncoding::kWkb: factor = kWkbFactor; break;
  }
  const int64_t bytes = std::max<int64_t>(request_bytes, 0);
  return std::max(bytes, static_cast<int64_t>(static_cast<double>(bytes) * factor));
}

int64_t DefaultInflightLimit(int64_t max_request_bytes) {
  // Room for one request of the largest size in the most expansive encoding
  // plus as much again for everyone else, and never under 256 MiB, so
  // ordinary traffic (requests of a few kB to a few MB) never meets it.
  const int64_t one = EstimateWorkingBytes(max_request_bytes, RequestEncoding::kJson);
  return std::max<int64_t>(int64_t{256} << 20, 2 * one);
}

MemoryBudget::MemoryBudget(int64_t limit_bytes, int64_t return_after_bytes)
    : limit_bytes_(limit_bytes), return_after_bytes_(return_after_bytes) {}

absl::StatusOr<MemoryBudget::Lease> MemoryBudget::Acquire(int64_t bytes,
                                                          absl::string_view what) {
  bytes = std::max<int64_t>(bytes, 0);
  int64_t in_use = in_use_.load(std::memory_order_relaxed);
  for (;;) {
    // Alone, any request is admitted: the size limit already let it in.
    if (limit_bytes_ > 0 && in_use > 0 && in_use + bytes > limit_bytes_) {
      refused_.fetch_add(1, std::memory_order_relaxed);
      return absl::ResourceExhaustedError(absl::StrFormat(
          "%s needs an estimated %s of working memory, and requests being answered "
          "already hold %s of the %s limit (max_inflight_request_bytes): retry later, "
          "send smaller requests, or raise max_inflight_request_bytes",
          what, Mib(bytes), Mib(in_use), Mib(limit_bytes_)));
    }
    if (in_use_.compare_exchange_weak(in_use, in_use + bytes, std::memory_order_relaxed)) {
      break;
    }
  }
  // The peak is for metrics and tests: a relaxed max is enough.
  const int64_t now = in_use + bytes;
  int64_t peak = peak_.load(std::memory_order_relaxed);
  while (now > peak && !peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return Lease(this, bytes);
}

void MemoryBudget::Release(int64_t bytes) {
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
  if (return_after_bytes_ > 0 && bytes >= return_after_bytes_) {
    MemoryReturner::Get().Request();
  }
}

MemoryBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(other.budget_), bytes_(other.bytes_) {
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

std::mutex returner_mu;
std::condition_variable returner_cv;

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
  std::lock_guard<std::mutex> lock(returner_mu);
  returner_cv.notify_one();
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
      std::unique_lock<std::mutex> lock(returner_mu);
      returner_cv.wait(lock, [this] { return pending_.load(std::memory_order_acquire); });
    }
    const auto due = std::max(std::chrono::steady_clock::now() + kTrimDelay,
                              last + kMinTrimInterval);
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
  // Settled by measurement in memory_budget.cc's header comment; see below.
#endif
}

}  // namespace redline::server
