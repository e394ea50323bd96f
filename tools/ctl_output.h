// How market4ctl shows things: the server's JSON as readable aligned text (scalars as
// "name  value" lines, nested objects flattened with dotted names, arrays of objects as
// tables), and progress on a terminal. Boost.JSON (header-only, compiled in ctl_output.cc)
// keeps the fields in the server's order. Single-threaded except Spinner, which draws from a
// thread of its own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <thread>

#include "common/status.h"

namespace market4::tools {

// `json` rendered for a person; INVALID_ARGUMENT if it is not JSON.
Result<std::string> RenderJson(const std::string& json);

// The "code" and "message" of an Error body, as "CODE: message"; the body itself (trimmed)
// when it is not one.
std::string DescribeErrorBody(const std::string& body);

// A progress bar on stderr, "label [#####.....]  45%  1.2/2.7 MiB", redrawn in place. Does
// nothing when `enabled` is false (stderr is not a terminal).
class ProgressBar {
 public:
  enum class Unit { kBytes, kCount };
  ProgressBar(std::ostream& err, bool enabled, std::string label, Unit unit);
  ~ProgressBar() { Finish(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void Update(std::uint64_t done, std::uint64_t total);
  // Ends the line. Idempotent.
  void Finish();

 private:
  std::ostream& err_;
  bool enabled_;
  std::string label_;
  Unit unit_;
  bool drawn_ = false;
  int last_percent_ = -1;
};

// For work whose size is unknown (a backup on the server, a restore): "label | 3 s", redrawn
// from its own thread every few tenths of a second until destroyed. Does nothing when
// `enabled` is false.
class Spinner {
 public:
  Spinner(std::ostream& err, bool enabled, std::string label);
  ~Spinner();
  Spinner(const Spinner&) = delete;
  Spinner& operator=(const Spinner&) = delete;

 private:
  std::ostream& err_;
  std::string label_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace market4::tools
