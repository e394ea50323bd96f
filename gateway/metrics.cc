#include "gateway/metrics.h"

#include <fmt/format.h>

#include "common/limits.h"

namespace market4::gateway {
namespace {

// Request durations, in seconds: from the first byte of the request to the answer handed to
// the server (the engine's fsync included).
const std::vector<double> kDurationBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                             0.05,   0.1,   0.25,   0.5,   1,    2.5};

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A number as Prometheus reads it: integers without a fraction, others in shortest form.
std::string Number(double value) { return fmt::format("{}", value); }

// `labels` is "" or `key="value",...` without braces.
void Series(std::string& out, std::string_view name, std::string_view labels, double value) {
  if (labels.empty()) {
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, Number(value));
  } else {
    fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, Number(value));
  }
}

void HistogramSeries(std::string& out, std::string_view name, const std::string& labels,
                     const Histogram& histogram) {
  Histogram::Snapshot snapshot = histogram.Read();
  const std::string prefix = labels.empty() ? "" : labels + ",";
  for (std::size_t i = 0; i < histogram.bounds().size(); ++i) {
    Series(out, fmt::format("{}_bucket", name),
           fmt::format("{}le=\"{}\"", prefix, Number(histogram.bounds()[i])),
           static_cast<double>(snapshot.cumulative[i]));
  }
  std::uint64_t count = snapshot.cumulative.back();
  Series(out, fmt::format("{}_bucket", name), prefix + "le=\"+Inf\"", static_cast<double>(count));
  Series(out, fmt::format("{}_sum", name), labels, snapshot.sum);
  Series(out, fmt::format("{}_count", name), labels, static_cast<double>(count));
}

void EngineSeries(std::string& out, engine::Engine& engine) {
  Header(out, "market4_engine_queue_depth", "gauge", "Commands waiting for the writer.");
  Series(out, "market4_engine_queue_depth", "", static_cast<double>(engine.queue_depth()));
  engine::Engine::Counters counters = engine.counters();
  Header(out, "market4_engine_batches_total", "counter", "Batches committed (one fsync each).");
  Series(out, "market4_engine_batches_total", "", static_cast<double>(counters.batches));
  Header(out, "market4_engine_commands_total", "counter", "Commands committed in batches.");
  Series(out, "market4_engine_commands_total", "", static_cast<double>(counters.commands));
  Header(out, "market4_engine_batches_handed_over_total", "counter",
         "Batches the committer thread committed while the writer applied the next.");
  Series(out, "market4_engine_batches_handed_over_total", "",
         static_cast<double>(counters.handed_over));
  Header(out, "market4_engine_batch_commands", "histogram", "Commands per committed batch.");
  HistogramSeries(out, "market4_engine_batch_commands", "", engine.batch_sizes());
  Header(out, "market4_engine_commit_seconds", "histogram",
         "Time to write and fsync one batch, in seconds.");
  HistogramSeries(out, "market4_engine_commit_seconds", "", engine.commit_seconds());
  Header(out, "market4_exceptions_open", "gauge", "Provider exceptions waiting for an operator.");
  Series(out, "market4_exceptions_open", "", static_cast<double>(engine.open_exceptions()));
  Header(out, "market4_accounts_unwritten", "gauge",
         "Accounts changed since their record was last written (their balances are in the "
         "change logs).");
  Series(out, "market4_accounts_unwritten", "", static_cast<double>(engine.unwritten_accounts()));
  Header(out, "market4_change_logs_live", "gauge",
         "Change logs a read of an account may search (at most 16).");
  Series(out, "market4_change_logs_live", "", static_cast<double>(engine.live_change_logs()));
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string escaped;
  escaped.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      escaped += "\\\\";
    } else if (c == '"') {
      escaped += "\\\"";
    } else if (c == '\n') {
      escaped += "\\n";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

void Metrics::Record(const std::string& route, int status, std::string_view error_code,
                     double seconds) {
  Histogram* duration = nullptr;
  {
    std::lock_guard lock(mutex_);
    ++requests_[{route, status}];
    if (!error_code.empty()) ++rejections_[std::string(error_code)];
    auto& slot = durations_[route];
    if (!slot) slot = std::make_unique<Histogram>(kDurationBounds);
    duration = slot.get();  // never removed, so safe to use after the lock
  }
  duration->Observe(seconds);
}

void Metrics::CountConnectionsWith(std::function<std::size_t()> open_connections) {
  std::lock_guard lock(mutex_);
  open_connections_ = std::move(open_connections);
}

std::string Metrics::Render(engine::Engine& engine) {
  std::string out;
  std::lock_guard lock(mutex_);
  Header(out, "market4_http_requests_total", "counter",
         "HTTP requests answered, by route and status.");
  for (const auto& [key, count] : requests_) {
    Series(out, "market4_http_requests_total",
           fmt::format("route=\"{}\",status=\"{}\"", EscapeLabelValue(key.first), key.second),
           static_cast<double>(count));
  }
  Header(
      out, "market4_http_request_duration_seconds", "histogram",
      "Time from a whole request read to its answer handed to the server, in seconds, by route.");
  for (const auto& [route, histogram] : durations_) {
    HistogramSeries(out, "market4_http_request_duration_seconds",
                    fmt::format("route=\"{}\"", EscapeLabelValue(route)), *histogram);
  }
  Header(out, "market4_http_rejections_total", "counter",
         "Requests answered with an error, by its stable code.");
  for (const auto& [code, count] : rejections_) {
    Series(out, "market4_http_rejections_total", fmt::format("code=\"{}\"", EscapeLabelValue(code)),
           static_cast<double>(count));
  }
  Header(out, "market4_http_open_connections", "gauge", "Open client connections.");
  Series(out, "market4_http_open_connections", "",
         static_cast<double>(open_connections_ ? open_connections_() : 0));
  EngineSeries(out, engine);
  return out;
}

}  // namespace market4::gateway
