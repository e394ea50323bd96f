// A second, independent CRC-16/CCITT-FALSE for checking common/emvco.h's table-driven one:
// one bit at a time, as the shift register ISO/IEC 13239 describes. For tests and fuzz
// targets (no GoogleTest here).
#pragma once

#include <cstdint>
#include <string_view>

namespace market4::testing {

inline std::uint16_t ReferenceCrc(std::string_view data) {
  std::uint16_t crc = 0xffff;
  for (unsigned char byte : data) {
    for (int bit = 7; bit >= 0; --bit) {
      bool feedback = ((crc >> 15) & 1) != ((byte >> bit) & 1);
      crc = static_cast<std::uint16_t>(crc << 1);
      if (feedback) crc ^= 0x1021;
    }
  }
  return crc;
}

}  // namespace market4::testing
