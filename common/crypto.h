// Hashes, MACs and randomness, on OpenSSL, for every layer: API token hashes (engine and
// gateway), provider webhook signatures (gateway), and the ledger's hash chain later
// (engine). Pure functions; any thread.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace market4 {

using Sha256Digest = std::array<unsigned char, 32>;

Sha256Digest Sha256(std::string_view data);
// SHA-256 of `first` followed by `second`, without joining them first.
Sha256Digest Sha256(std::string_view first, std::string_view second);
// Raw MAC bytes of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HmacSha512(std::string_view key, std::string_view data);

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Bytes of lower- or upper-case hex; false on odd length or a non-hex character.
bool HexDecode(std::string_view hex, std::string* bytes);

// Standard base64 (RFC 4648 §4, with padding).
std::string Base64Encode(std::string_view bytes);
// Bytes of padded standard base64; false on anything else (wrong length, characters, padding).
bool Base64Decode(std::string_view text, std::string* bytes);

// Compares without leaking where they differ (only the lengths may leak).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `bytes` bytes from OpenSSL's CSPRNG, as lower-case hex.
[[nodiscard]] Result<std::string> RandomHex(std::size_t bytes);

}  // namespace market4
