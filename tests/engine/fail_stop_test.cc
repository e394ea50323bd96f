// Fail-stop: when storage refuses a write, the engine must stop the process rather than go on
// with state it could not persist, and every command it had answered must still be there after
// a restart. The failure is real: the child process gets a file-size limit (RLIMIT_FSIZE), so
// RocksDB's write-ahead log write fails with EFBIG partway through a stream of transfers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "tests/test_util.h"

namespace market4::engine {
namespace fail_stop_test {

constexpr rlim_t kFileSizeLimitBytes = 1 << 20;

v1::CreateTransfersRequest OneTransfer(int n) {
  v1::CreateTransfersRequest request;
  auto* t = request.add_transfers();
  t->set_id("t" + std::to_string(n));
  t->set_debit_account_id("source");
  t->set_credit_account_id("sink");
  t->set_amount(1);
  t->set_code(1);
  return request;
}

// Reports an answered transfer's number to the parent, one line each (atomic on a pipe).
bool Report(int report_fd, int n) {
  std::string line = std::to_string(n) + "\n";
  return write(report_fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
}

// Submits `window` transfers at once, from `first` on, and waits for every answer; false
// once one was refused (the engine stopped without stopping the process).
bool SubmitWindow(Engine& engine, int first, int window, int report_fd,
                  std::vector<int>* calls = nullptr) {
  std::mutex mutex;
  std::condition_variable answered;
  int left = window;
  bool all_ok = true;
  for (int n = first; n < first + window; ++n) {
    engine.Submit<CreateTransfers>(CreateTransfers{OneTransfer(n)},
                                   [&, n](Answer<v1::CreateTransfersResponse> answer) {
                                     bool ok = answer.status.ok() && Report(report_fd, n);
                                     std::lock_guard lock(mutex);
                                     if (calls) ++(*calls)[static_cast<std::size_t>(n)];
                                     all_ok = all_ok && ok;
                                     if (--left == 0) answered.notify_one();
                                   });
  }
  std::unique_lock lock(mutex);
  answered.wait(lock, [&] { return left == 0; });
  return all_ok;
}

// Opens the engine with `on_fatal` (unset: the default exits with status 70), creates the
// two accounts, then limits the size of the files the process may write, so that RocksDB's
// write-ahead log soon fails with EFBIG. Exits the child (3-5) if any step fails.
std::unique_ptr<Engine> OpenWithFileSizeLimit(const std::string& path,
                                              std::function<void(const Status&)> on_fatal) {
  signal(SIGXFSZ, SIG_IGN);  // let write() fail with EFBIG instead of killing us
  EngineOptions options;
  options.store.path = path;
  options.on_fatal = std::move(on_fatal);
  auto engine = Engine::Open(std::move(options));
  if (!engine.ok()) std::_Exit(3);
  for (const char* id : {"source", "sink"}) {
    v1::CreateAccountRequest account;
    account.set_id(id);
    if (!engine.value()->Execute(CreateAccount{account}).status.ok()) std::_Exit(4);
  }
  rlimit limit{kFileSizeLimitBytes, kFileSizeLimitBytes};
  if (setrlimit(RLIMIT_FSIZE, &limit) != 0) std::_Exit(5);
  return std::move(engine).value();
}

// The child: streams transfers, `window` at a time, until the engine gives up, reporting
// each answered id. A window of one is committed by the writer itself; larger windows make
// batches the committer thread commits (engine/commit.cc).
[[noreturn]] void RunChild(const std::string& path, int report_fd, int window) {
  std::unique_ptr<Engine> engine = OpenWithFileSizeLimit(path, nullptr);
  for (int n = 0;; n += window) {
    if (!SubmitWindow(*engine, n, window, report_fd)) break;
  }
  std::_Exit(6);  // answered "unavailable" without stopping the process: wrong
}

// The child with an on_fatal handler, as tests run the engine: the process goes on after
// the failure, so every command must be answered exactly once (kUnavailable from the
// failure on), a later one refused at once, the handler called once, and the engine must
// still stop. Exits 0 when all of that held.
[[noreturn]] void RunChildWithHandler(const std::string& path, int report_fd, int window) {
  static std::atomic<int> fatal_calls{0};
  std::unique_ptr<Engine> engine =
      OpenWithFileSizeLimit(path, [](const Status&) { fatal_calls.fetch_add(1); });
  std::vector<int> calls;
  for (int n = 0;; n += window) {
    calls.resize(static_cast<std::size_t>(n + window));
    if (!SubmitWindow(*engine, n, window, report_fd, &calls)) break;
  }
  if (engine->Execute(CreateTransfers{OneTransfer(-1)}).status.code() != Code::kUnavailable) {
    std::_Exit(7);
  }
  engine.reset();  // stops: must not wait forever on a committer that failed
  for (int count : calls) {
    if (count != 1) std::_Exit(8);
  }
  std::_Exit(fatal_calls.load() == 1 ? 0 : 9);
}

void CheckFailStop(int window, bool handler = false) {
  testing::TempDir dir;
  std::string path = dir.Sub("ledger");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    if (handler) RunChildWithHandler(path, fds[1], window);
    RunChild(path, fds[1], window);
  }
  close(fds[1]);
  std::string reported;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) reported.append(buffer, n);
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  if (handler) {
    ASSERT_EQ(WEXITSTATUS(status), 0) << "see RunChildWithHandler's exit codes";
  } else {
    EXPECT_EQ(WEXITSTATUS(status), 70) << "the engine must exit 70 on a storage failure";
  }

  std::vector<int> answered;
  for (std::size_t start = 0, end; (end = reported.find('\n', start)) != std::string::npos;
       start = end + 1) {
    answered.push_back(std::stoi(reported.substr(start, end - start)));
  }
  ASSERT_GT(answered.size(), 100u) << "the limit should allow some transfers first";

  EngineOptions options;
  options.store.path = path;
  auto engine = Engine::Open(std::move(options));  // checks the invariants on start
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  for (int n : answered) {
    ASSERT_TRUE(engine.value()->Read().GetTransfer("t" + std::to_string(n)).ok()) << "lost t" << n;
  }
  auto sink = engine.value()->Read().GetAccount("sink");
  ASSERT_TRUE(sink.ok());
  EXPECT_GE(sink->credits_posted(), static_cast<std::int64_t>(answered.size()));
  // At most the batch that failed may have reached the disk unanswered.
  EXPECT_LE(sink->credits_posted(), static_cast<std::int64_t>(answered.size()) + window);
  EXPECT_TRUE(engine.value()->Read().AuditHistory().ok());
}

TEST(FailStopTest, StorageFailureStopsTheProcessAndLosesNothingAnswered) { CheckFailStop(1); }

TEST(FailStopTest, AFailedCommitOnTheCommitterThreadStopsTheProcessAndLosesNothingAnswered) {
  CheckFailStop(500);
}

TEST(FailStopTest, WithAHandlerAFailedCommitAnswersEveryCommandOnceAndTheEngineStillStops) {
  CheckFailStop(500, true);
}

}  // namespace fail_stop_test
}  // namespace market4::engine
