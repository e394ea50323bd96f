#include "gateway/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace market4::gateway {
namespace {

std::array<unsigned char, 32> Hash(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::string Hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0xf]);
  }
  return out;
}

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

}  // namespace

Result<std::string> RandomHexToken(std::size_t bytes) {
  std::vector<unsigned char> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    return Status(Code::kInternal, "the random generator failed");
  }
  return Hex(raw.data(), raw.size());
}

std::string TokenHash(std::string_view token) {
  auto digest = Hash(token);
  return Hex(digest.data(), digest.size());
}

AdminAuth::AdminAuth(std::string_view token) : token_hash_(Hash(token)) {}

Result<AdminAuth> AdminAuth::Load(const std::string& data_dir, std::string* token_path) {
  token_path->clear();
  if (const char* env = std::getenv(kAdminTokenEnv); env && *env) {
    if (std::string_view(env).size() < kMinTokenBytes) {
      return Status(Code::kInvalidArgument, "MARKET4_ADMIN_TOKEN must be at least 16 characters");
    }
    return AdminAuth(env);
  }
  std::string path = data_dir + "/" + kAdminTokenFile;
  *token_path = path;
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    std::string token = Trim(text.str());
    if (token.size() < kMinTokenBytes)
      return Status(Code::kInvalidArgument, path + " is too short");
    return AdminAuth(token);
  }
  auto token = RandomHexToken(32);
  if (!token.ok()) return token.status();
  if (Status s = WriteNewTokenFile(path, token.value()); !s.ok()) return s;
  return AdminAuth(token.value());
}

bool AdminAuth::IsOperator(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) !=
        std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  auto presented = Hash(authorization.substr(kScheme.size()));
  return CRYPTO_memcmp(presented.data(), token_hash_.data(), token_hash_.size()) == 0;
}

}  // namespace market4::gateway
