#include <cstdint>
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
  // One generator per thread: seeded from the OS, never shared, no lock.
  thread_local absl::BitGen gen;
  std::string id = "R";
  id.reserve(27);
  AppendBase32(static_cast<uint64_t>(absl::ToUnixMillis(at)), 10, &id);
  AppendBase32(absl::Uniform<uint64_t>(gen), 8, &id);  // 40 bits
  AppendBase32(absl::Uniform<uint64_t>(gen), 8, &id);  // 40 more
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
