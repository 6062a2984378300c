// Bounds the memory that requests being answered may take together, and
// gives freed memory back to the operating system.
//
// Free of gRPC and HTTP, so the ThreadSanitizer build tests it; both
// transports take a lease per request (or per Overlay message) before the
// costly work and hold it until the answer is built.
//
// Why: a request's bytes expand several times while it is answered (the
// transport's copy, the parsed message, GEOS coordinates, the transformed
// copy, the answer). Four concurrent 50 MB GeoJSON requests peaked at
// 1.17 GB; unbounded, enough of them end the process. With the budget, a
// request whose estimate would pass the limit is refused at once with
// RESOURCE_EXHAUSTED (HTTP 503) instead of being started.
#ifndef REDLINE_SERVER_RUNTIME_MEMORY_BUDGET_H_
#define REDLINE_SERVER_RUNTIME_MEMORY_BUDGET_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace redline::server {

// How a request's geometry arrives; each expands by its own factor.
enum class RequestEncoding {
  kSmall,  // a point, options only: protobuf parse and answer
  kJson,   // GeoJSON or an HTTP JSON body
  kWkt,    // WKT text, or a coordinate table
  kWkb,    // binary WKB, or Overlay point columns
};

// The estimated peak working memory, in bytes, of answering a request of
// `request_bytes` bytes sent as `encoding` (request_bytes times a factor
// measured on a real server, see memory_budget.cc). Never less than
// request_bytes.
int64_t EstimateWorkingBytes(int64_t request_bytes, RequestEncoding encoding);

// Counts the estimated working memory of the requests being answered, and
// refuses a request that would take the total past the limit.
//
// A request is always admitted when nothing else holds a lease, so any
// request the size limit (max_request_bytes) lets in can be answered alone:
// the total is at most max(limit, the largest single estimate). A small
// request (an estimate under kAlwaysAdmitBytes: a point check, a small
// polygon) is always admitted and counted, so one large request never
// starves ordinary traffic; their number is bounded by the transports'
// threads.
//
// Thread-safe. Acquire and release are one compare-and-swap and one atomic
// subtraction: no lock, so the CheckPoint hot path can take a lease.
class MemoryBudget {
 public:
  // A share of the budget, given back when destroyed. Move-only. A lease
  // of at least the budget's return_after_bytes asks the MemoryReturner to
  // give freed memory back to the OS once it ends.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    int64_t bytes() const { return bytes_; }
    // Gives the share back now (idempotent).
    void Release();

   private:
    friend class MemoryBudget;
    Lease(MemoryBudget* budget, int64_t bytes) : budget_(budget), bytes_(bytes) {}
    MemoryBudget* budget_ = nullptr;
    int64_t bytes_ = 0;
  };

  static constexpr int64_t kAlwaysAdmitBytes = 1 << 20;

  // `limit_bytes` <= 0: no limit (leases are still counted).
  // `return_after_bytes`: leases at least this large trigger a return of
  // freed memory to the OS when they end; <= 0: never.
  explicit MemoryBudget(int64_t limit_bytes, int64_t return_after_bytes = 16 << 20);
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  // A lease of `bytes` (an estimate from EstimateWorkingBytes), or
  // RESOURCE_EXHAUSTED naming `what` (e.g. "CheckGeometry request") and its
  // size `request_bytes` (when >= 0), the estimate, what is in use and the
  // limit's config key. Allocates nothing unless it refuses.
  absl::StatusOr<Lease> Acquire(int64_t bytes, absl::string_view what, int64_t request_bytes = -1);

  int64_t limit_bytes() const { return limit_bytes_; }
  int64_t in_use_bytes() const { return in_use_.load(std::memory_order_relaxed); }
  int64_t peak_bytes() const { return peak_.load(std::memory_order_relaxed); }
  int64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  void Release(int64_t bytes);
  // Adds `bytes` if the limit allows; returns what was in use before, or
  // -(in use) - 1 when refused.
  int64_t AdmitLarge(int64_t bytes);

  const int64_t limit_bytes_;
  const int64_t return_after_bytes_;
  std::atomic<int64_t> in_use_{0};
  std::atomic<int64_t> peak_{0};
  std::atomic<int64_t> refused_{0};
};

// The default of max_inflight_request_bytes for a given max_request_bytes
// (see memory_budget.cc for the reasoning).
int64_t DefaultInflightLimit(int64_t max_request_bytes);
// The limit in force for the config's max_inflight_request_bytes: 0 gives
// the default, -1 none (returned as 0), anything else itself.
int64_t InflightLimit(int64_t configured, int64_t max_request_bytes);

// Gives freed heap memory back to the OS (glibc malloc_trim) on a thread of
// its own, at most once per min_interval, so neither a request nor a
// reload pays for it and a burst of triggers costs one trim. Process-wide.
class MemoryReturner {
 public:
  static MemoryReturner& Get();

  // Asks for a trim soon; returns at once. Cheap (one atomic exchange when
  // a trim is already pending).
  void Request();
  // Trims now, on the caller's thread (tests, shutdown).
  static void TrimNow();
  // Trims done so far.
  int64_t trims() const { return trims_.load(std::memory_order_relaxed); }

 private:
  MemoryReturner() = default;
  void Run();
  // Members of an object never destroyed: the thread may wait on them while
  // the process exits (a static condition variable would be destroyed
  // under it).
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> pending_{false};
  std::atomic<bool> started_{false};
  std::atomic<int64_t> trims_{0};
};

// Sets the allocator up for a long-running server that sees occasional very
// large requests (glibc mallopt: fixed mmap threshold, trim threshold, arena
// count; see memory_budget.cc for the figures). Call once, first thing in
// main(), before any thread starts. A no-op without glibc.
void ConfigureAllocatorForServer();

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_MEMORY_BUDGET_H_
