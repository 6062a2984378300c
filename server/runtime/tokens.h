// Bearer tokens with roles, as the operator lists them in the --tokens file:
//
//   # ROLE   SHA256-HEX (of the token)                                        NAME
//   reader   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 zhang.wei
//   admin    2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae ops
//
// One token a line, three fields separated by blanks; `#` starts a comment,
// blank lines are skipped. The file holds digests only: the tokens
// themselves are never stored, so reading the file gives no one a way in.
// A name may have several tokens (rotation); a digest may appear once.
//
// Lookups hash the presented token with SHA-256 and compare it with every
// digest in constant time (CRYPTO_memcmp), so neither the time taken nor an
// early exit says how much of a digest matched.
#ifndef REDLINE_SERVER_RUNTIME_TOKENS_H_
#define REDLINE_SERVER_RUNTIME_TOKENS_H_

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/runtime/caller.h"

namespace redline::server {

using TokenDigest = std::array<unsigned char, 32>;

// "reader", "analyst", "admin"; nullopt for anything else.
std::optional<Role> ParseRole(absl::string_view name);
const char* RoleName(Role role);

// SHA-256 of `token`.
TokenDigest DigestOf(absl::string_view token);

struct TokenHolder {
  std::string name;
  Role role = Role::kNone;
};

class TokenTable {
 public:
  // Parses a token file's text; `origin` names it in messages
  // ("tokens.txt:7: ..."). A bad line is an InvalidArgumentError naming its
  // line number and what is wrong, never quoting the digest.
  static absl::StatusOr<TokenTable> Parse(absl::string_view text, absl::string_view origin);
  // Reads and parses `path`; NotFound/PermissionDenied when it cannot be read.
  static absl::StatusOr<TokenTable> Load(const std::string& path);

  // Who holds `token`; nullopt when no line lists its digest. Takes the
  // same time whichever line matches, or none.
  std::optional<TokenHolder> Find(absl::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    TokenDigest digest;
    TokenHolder holder;
  };
  std::vector<Entry> entries_;
};

}  // namespace redline::server

#endif  // REDLINE_SERVER_RUNTIME_TOKENS_H_
