#include "storage/keys.h"

namespace market4::storage {

std::string EncodeSequence(std::uint64_t sequence) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(sequence & 0xff);
    sequence >>= 8;
  }
  return out;
}

std::optional<std::uint64_t> DecodeSequence(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

std::string IndexPrefix(std::string_view account_id) {
  std::string out(account_id);
  out.push_back('\0');
  return out;
}

std::string IndexKey(std::string_view account_id, std::uint64_t sequence) {
  return IndexPrefix(account_id) + EncodeSequence(sequence);
}

}  // namespace market4::storage
