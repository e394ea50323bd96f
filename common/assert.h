// M4_ASSERT: invariants and impossible states, checked in every build. A broken invariant in
// software that holds money must stop the process rather than continue on wrong state, so a
// failed assertion goes to Fatal: it is logged, the thread's fatal handler (the engine's
// on_fatal while the writer thread runs) hears of it, and the process exits with status 70.
// Any thread.
#pragma once

#include <functional>
#include <string_view>

#include "common/status.h"

namespace market4 {

// Exit status of a fail-stop: EX_SOFTWARE.
inline constexpr int kFatalExitStatus = 70;

// Logs `status`, tells this thread's fatal handler, and exits the process with status 70.
[[noreturn]] void Fatal(const Status& status);

// Installs `handler` as this thread's fatal handler until the returned guard is destroyed.
// The engine's writer thread installs EngineOptions::on_fatal, so tests hear of assertions.
class ScopedFatalHandler {
 public:
  explicit ScopedFatalHandler(std::function<void(const Status&)> handler);
  ~ScopedFatalHandler();
  ScopedFatalHandler(const ScopedFatalHandler&) = delete;
  ScopedFatalHandler& operator=(const ScopedFatalHandler&) = delete;

 private:
  std::function<void(const Status&)> previous_;
};

[[noreturn]] void AssertionFailed(std::string_view expression, std::string_view message,
                                  std::string_view file, int line);

}  // namespace market4

#define M4_ASSERT(condition, message)                                                      \
  do {                                                                                     \
    if (!(condition)) ::market4::AssertionFailed(#condition, message, __FILE__, __LINE__); \
  } while (false)
