#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/random/random.h"
#include "server/audit/audit_record.h"

namespace redline::server {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford's base32

void AppendBase32(uint64_t value, int digits, std::string* out) {
  for (int i = digits - 1; i >= 0; --i) out->push_back(kAlphabet[(value >> (5 * i)) & 31]);
}

}  // namespace

std::string NewRecordId(absl::Time at) {
  constexpr uint64_t k40 = uint64_t{1} << 40;
  // One generator per thread: seeded from the OS, never shared.
  thread_local absl::BitGen gen;
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(at));
  uint64_t high = absl::Uniform<uint64_t>(gen, 0, k40);
  uint64_t low = absl::Uniform<uint64_t>(gen, 0, k40);
  {
    // Ids made in the same millisecond still sort in the order they were
    // made (ListRecords pages by id): the random part then steps up from the
    // last id's by a random amount, as in ULID's monotonic mode, so the next
    // id cannot be had by adding one. A clock that steps back keeps the last
    // millisecond.
    // std::mutex, not absl::Mutex: ThreadSanitizer sees only pthread mutexes.
    static std::mutex mu;
    static uint64_t last_ms = 0;  // the three guarded by mu
    static uint64_t last_high = 0;
    static uint64_t last_low = 0;
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      low = last_low + 1 + absl::Uniform<uint64_t>(gen, 0, k40 >> 8);
      high = last_high + low / k40;
      low %= k40;
      if (high >= k40) {  // the millisecond's ids ran out: the next one's
        ++ms;
        high = 0;
      }
    }
    last_ms = ms;
    last_high = high;
    last_low = low;
  }
  std::string id = "R";
  id.reserve(27);
  AppendBase32(ms, 10, &id);
  AppendBase32(high, 8, &id);  // 40 bits
  AppendBase32(low, 8, &id);   // 40 more
  return id;
}

bool IsRecordId(std::string_view id) {
  if (id.size() != 27 || id[0] != 'R') return false;
  for (const char c : id.substr(1)) {
    if (std::string_view(kAlphabet).find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace redline::server
