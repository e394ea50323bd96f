// What every fuzz target shares: FuzzInput, which reads the fuzzer's bytes as a few fields
// (separated by NUL bytes, so that mutations keep the fields apart and seed files stay
// readable), and Require, which stops the run when a property fails so that libFuzzer keeps the
// input as a crash. Fuzz targets only; one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace market4::fuzz {

// Aborts (libFuzzer reports it and saves the input) unless `holds`, printing which property
// failed and `detail`.
inline void Require(bool holds, std::string_view property, std::string_view detail = {}) {
  if (holds) return;
  std::fprintf(stderr, "\nPROPERTY FAILED: %.*s\n%.*s\n", static_cast<int>(property.size()),
               property.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size)
      : rest_(reinterpret_cast<const char*>(data), size) {}

  bool empty() const { return rest_.empty(); }

  // The next byte, or 0 when the input is used up.
  std::uint8_t Byte() {
    if (rest_.empty()) return 0;
    auto byte = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  // The bytes up to the next NUL (which is consumed), or all that is left.
  std::string Field() {
    std::string_view field = rest_.substr(0, rest_.find('\0'));
    rest_.remove_prefix(field.size() < rest_.size() ? field.size() + 1 : field.size());
    return std::string(field);
  }

  // A field read as a decimal number: its leading digits (at most 18, so it fits), negated if
  // the field starts with '-'; 0 without digits.
  std::int64_t Integer() {
    std::string field = Field();
    std::size_t at = !field.empty() && field[0] == '-' ? 1 : 0;
    std::int64_t value = 0;
    for (std::size_t digits = 0; at < field.size() && digits < 18; ++at, ++digits) {
      if (field[at] < '0' || field[at] > '9') break;
      value = value * 10 + (field[at] - '0');
    }
    return !field.empty() && field[0] == '-' ? -value : value;
  }

  // Everything left.
  std::string Rest() {
    std::string rest(rest_);
    rest_ = {};
    return rest;
  }

 private:
  std::string_view rest_;
};

}  // namespace market4::fuzz
