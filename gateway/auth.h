// Operator authentication. The operator's bearer token comes from MARKET4_ADMIN_TOKEN or,
// when that is unset, from <data-dir>/admin.token, generated (256 random bits, mode 0600) on
// first start. Only the token's SHA-256 is kept in memory, and presented tokens are compared
// by hash in constant time. Immutable after construction; any thread.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "common/status.h"

namespace market4::gateway {

inline constexpr char kAdminTokenEnv[] = "MARKET4_ADMIN_TOKEN";
inline constexpr char kAdminTokenFile[] = "admin.token";
inline constexpr std::size_t kMinTokenBytes = 16;  // 128 bits if random

class AdminAuth {
 public:
  explicit AdminAuth(std::string_view token);

  // From the environment, else from (or newly into) <data_dir>/admin.token.
  // `token_path` receives the file used, or "" when the environment supplied the token.
  [[nodiscard]] static Result<AdminAuth> Load(const std::string& data_dir, std::string* token_path);

  // True when `authorization` is "Bearer <the operator token>".
  bool IsOperator(std::string_view authorization) const;

 private:
  std::array<unsigned char, 32> token_hash_{};
};

// Hex SHA-256 of an API token: the only form in which merchant and buyer tokens are kept.
std::string TokenHash(std::string_view token);

// Hex of `bytes` random bytes from OpenSSL's CSPRNG.
[[nodiscard]] Result<std::string> RandomHexToken(std::size_t bytes);

}  // namespace market4::gateway
