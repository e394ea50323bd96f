// Metrics: what market4d counts about itself, rendered in the Prometheus text exposition
// format (version 0.0.4) for GET /metrics. Debian has no prometheus-cpp, so the format is
// written here: HELP and TYPE lines, label values escaped, histograms as cumulative
// _bucket{le} series with _sum and _count. Any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/histogram.h"
#include "engine/engine.h"

namespace market4::gateway {

// A label value in the text format: backslash, double quote and newline escaped.
std::string EscapeLabelValue(std::string_view value);

class Metrics {
 public:
  // `route` is the matched route ("POST /v1/transfers", with "*" for ids) or "unmatched";
  // `error_code` is the answer's Error code ("" for a success).
  void Record(const std::string& route, int status, std::string_view error_code, double seconds);
  // Open connections right now (the server's count); 0 until set.
  void CountConnectionsWith(std::function<std::size_t()> open_connections);
  // The whole exposition, including the engine's queue, batches, commits and open exceptions.
  std::string Render(engine::Engine& engine);

 private:
  std::mutex mutex_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // (route, status)
  std::map<std::string, std::unique_ptr<Histogram>> durations_;    // route
  std::map<std::string, std::uint64_t> rejections_;                // error code
  std::function<std::size_t()> open_connections_;
};

}  // namespace market4::gateway
