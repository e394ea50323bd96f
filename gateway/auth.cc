#include "gateway/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/limits.h"

namespace market4::gateway {
namespace {

std::string Trim(std::string text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

Status WriteNewTokenFile(const std::string& path, const std::string& token) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kIoError, "cannot create " + path);
  std::string line = token + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status(Code::kIoError, "cannot write " + path);
  return Status::Ok();
}

Status TooShort(const std::string& where) {
  return Status(Code::kInvalidArgument,
                where + " must be at least " + std::to_string(kMinAdminTokenBytes) + " characters");
}

}  // namespace

std::string TokenHash(std::string_view token) {
  auto digest = Sha256(token);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::optional<std::string_view> BearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view rest = authorization.substr(kScheme.size());
  std::size_t spaces = rest.find_first_not_of(' ');
  if (spaces == 0 || spaces == std::string_view::npos) return std::nullopt;
  std::string_view token = rest.substr(spaces);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  if (token.empty() || token.find(' ') != std::string_view::npos) return std::nullopt;
  return token;
}

AdminAuth::AdminAuth(std::string_view token, std::string mint_key)
    : token_hash_(Sha256(token)), mint_key_(std::move(mint_key)) {}

std::string AdminAuth::Mint(std::string_view purpose, std::string_view scope,
                            std::string_view key) const {
  std::string data;
  data.reserve(purpose.size() + scope.size() + key.size() + 2);
  ((((data += purpose) += '\0') += scope) += '\0') += key;
  return HexEncode(HmacSha256(mint_key_, data));
}

namespace {

// The secret in `path`, or a new random one written there (0600) if there is none yet.
Result<std::string> ReadOrCreateSecret(const std::string& path) {
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = Trim(text.str());
    if (secret.size() < kMinAdminTokenBytes) return TooShort(path);
    return secret;
  }
  auto secret = RandomHex(kTokenRandomBytes);
  if (!secret.ok()) return secret.status();
  if (Status s = WriteNewTokenFile(path, secret.value()); !s.ok()) return s;
  return secret;
}

// Without randomness (never seen), the token's hash: still secret, only not fresh.
std::string RandomMintKey(std::string_view token) {
  auto random = RandomHex(kTokenRandomBytes);
  return random.ok() ? random.value() : TokenHash(token);
}

}  // namespace

AdminAuth::AdminAuth(std::string_view token) : AdminAuth(token, RandomMintKey(token)) {}

Result<AdminAuth> AdminAuth::Load(const std::string& data_dir, std::string* token_path) {
  token_path->clear();
  auto mint_key = ReadOrCreateSecret(data_dir + "/" + kMintKeyFile);
  if (!mint_key.ok()) return mint_key.status();
  if (const char* env = std::getenv(kAdminTokenEnv); env && *env) {
    if (std::string_view(env).size() < kMinAdminTokenBytes) return TooShort(kAdminTokenEnv);
    return AdminAuth(env, std::move(mint_key).value());
  }
  *token_path = data_dir + "/" + kAdminTokenFile;
  auto token = ReadOrCreateSecret(*token_path);
  if (!token.ok()) return token.status();
  return AdminAuth(token.value(), std::move(mint_key).value());
}

bool AdminAuth::IsOperator(std::string_view token) const {
  auto presented = Sha256(token);
  return CRYPTO_memcmp(presented.data(), token_hash_.data(), token_hash_.size()) == 0;
}

}  // namespace market4::gateway
