// Key encodings for the store: fixed-width big-endian integers so that byte order is
// numeric order and range scans come out sorted. Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace market4::storage {

// 8 bytes, most significant first.
std::string EncodeSequence(std::uint64_t sequence);
std::optional<std::uint64_t> DecodeSequence(std::string_view bytes);

// account id, 0x00, big-endian sequence. Ids never contain 0x00 (the engine checks).
std::string AccountIndexKey(std::string_view account_id, std::uint64_t sequence);
std::string AccountIndexPrefix(std::string_view account_id);

}  // namespace market4::storage
