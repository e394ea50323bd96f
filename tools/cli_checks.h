// Checks on command-line values shared by market4's tools (market4d's options, market4-sim).
// Header-only CLI11 validators; any thread.
#pragma once

#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <string>

namespace market4::tools {

// A decimal integer from min to max. CLI11's own conversion would also take 0x10 or 0b11,
// and its Range validator calls "abc" out of range.
inline CLI::Validator WholeNumber(std::int64_t min, std::int64_t max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        std::int64_t value = 0;
        const char* end = text.data() + text.size();
        auto [stop, error] = std::from_chars(text.data(), end, value);
        if (!text.empty() && error == std::errc() && stop == end && value >= min && value <= max) {
          return "";
        }
        return "expected a whole number from " + std::to_string(min) + " to " +
               std::to_string(max) + ", got '" + text + "'";
      },
      "");
}

}  // namespace market4::tools
