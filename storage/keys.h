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

// owner, 0x00, big-endian sequence: one owner's entries (an account's transfers, a buyer's
// orders) sorted by sequence. Owners never contain 0x00 (the engine checks ids).
std::string IndexKey(std::string_view owner, std::uint64_t sequence);
std::string IndexPrefix(std::string_view owner);

}  // namespace market4::storage
