// Who is calling. The operator's bearer token comes from MARKET4_ADMIN_TOKEN or, when that is
// unset, from <data-dir>/admin.token, generated (256 random bits, mode 0600) on first start.
// Only the token's SHA-256 is kept in memory, and presented tokens are compared by hash in
// constant time. Merchant and buyer tokens are kept only as their SHA-256 (TokenHash) in the
// engine. Immutable after construction; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/crypto.h"
#include "common/status.h"

namespace market4::gateway {

inline constexpr char kAdminTokenEnv[] = "MARKET4_ADMIN_TOKEN";
inline constexpr char kAdminTokenFile[] = "admin.token";
// The key that derives ids and tokens from Idempotency-Keys (Mint): 256 random bits made on
// first start, mode 0600, kept whatever supplies the operator token.
inline constexpr char kMintKeyFile[] = "mint.key";

class AdminAuth {
 public:
  // With a mint key of its own, random (tests; ids minted here differ between instances).
  explicit AdminAuth(std::string_view token);

  // From the environment, else from (or newly into) <data_dir>/admin.token; the mint key
  // from (or newly into) <data_dir>/mint.key. `token_path` receives the token file used, or
  // "" when the environment supplied the token.
  [[nodiscard]] static Result<AdminAuth> Load(const std::string& data_dir, std::string* token_path);

  // True when `token` (taken from an Authorization header) is the operator token.
  bool IsOperator(std::string_view token) const;

  // 64 hex characters that only this server can compute from (purpose, scope, key): the id
  // and token of a creation retried under one Idempotency-Key come out the same, so the
  // retry's answer can carry the token without the token ever being stored.
  std::string Mint(std::string_view purpose, std::string_view scope, std::string_view key) const;

 private:
  AdminAuth(std::string_view token, std::string mint_key);
  Sha256Digest token_hash_{};
  std::string mint_key_;
};

// The token of an `Authorization: Bearer <token>` header. The scheme is case-insensitive
// (RFC 9110 §11.1) and may be followed by several spaces; nullopt for any other header.
std::optional<std::string_view> BearerToken(std::string_view authorization);

// Hex SHA-256 of an API token: the only form in which merchant and buyer tokens are kept.
std::string TokenHash(std::string_view token);

}  // namespace market4::gateway
