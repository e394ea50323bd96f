#include "common/assert.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

namespace market4 {
namespace {

thread_local std::function<void(const Status&)> fatal_handler;

}  // namespace

void Fatal(const Status& status) {
  spdlog::critical("fatal: {}", status.ToString());
  if (fatal_handler) fatal_handler(status);
  // Write out what is logged, but leave the logger in place: other threads may still be
  // logging, and spdlog::shutdown() would destroy the logger under them.
  if (auto logger = spdlog::default_logger()) logger->flush();
  std::_Exit(kFatalExitStatus);
}

ScopedFatalHandler::ScopedFatalHandler(std::function<void(const Status&)> handler)
    : previous_(std::move(fatal_handler)) {
  fatal_handler = std::move(handler);
}

ScopedFatalHandler::~ScopedFatalHandler() { fatal_handler = std::move(previous_); }

void AssertionFailed(std::string_view expression, std::string_view message, std::string_view file,
                     int line) {
  Fatal(Status(Code::kInternal,
               "assertion failed: " + std::string(expression) + ": " + std::string(message))
            .WithDetail("at", std::string(file) + ":" + std::to_string(line)));
}

}  // namespace market4
