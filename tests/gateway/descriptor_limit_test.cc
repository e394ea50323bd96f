// The server under a small open-file limit. The limit is process-wide and cannot be raised
// back, so the server runs in a child process: this test binary again, started fresh (fork
// and exec, so no threads or RocksDB state are inherited) with the limit set. The child holds
// a real engine on RocksDB. Checked: sockets leave the descriptors that storage needs, and
// when accept runs out of descriptors anyway, the accept loop rests instead of spinning a
// core, logs once, and serves again once descriptors are free.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "gateway/descriptors.h"
#include "gateway/server.h"
#include "tests/gateway/raw_connection.h"
#include "tests/test_util.h"

extern char** environ;

namespace market4::gateway {
namespace descriptor_limit_test {

using testing::ClientResponse;
using testing::RawConnection;

// Connections the child's server may hold. Below 1,088 descriptors the budget gives storage
// and sockets half each of what the process does not keep (gateway/descriptors.h).
constexpr std::size_t kConnections = 40;
constexpr rlim_t kDescriptorLimit = kProcessDescriptors + 2 * kConnections;
// Connections beyond kConnections while descriptors are still free: refused with 503, since
// every held connection is being answered (none waits for a request that a full server could
// close it for).
constexpr int kOverTheLimit = 8;
// Connections that arrive while the child has no descriptor left to accept them with.
constexpr int kWhileExhausted = 4;
// While accept has no descriptors, the child may use at most kMaxCpuInWindow of CPU time over
// kCpuWindow of wall time. A spinning accept loop takes most of a core (about 360 ms of the
// 500 on a shared 2-core machine); a resting one wakes 5 times. A generous bound on
// behaviour, not a performance figure.
constexpr std::chrono::milliseconds kCpuWindow{500};
constexpr std::chrono::milliseconds kMaxCpuInWindow{100};
// How long the parent waits for a line from the child before failing.
constexpr int kChildReplyTimeoutMs = 20'000;
// Set in the child's environment: "<fd to read commands>,<fd to write reports>,<data dir>".
constexpr char kChildVariable[] = "MARKET4_DESCRIPTOR_LIMIT_CHILD";
constexpr char kHealthCheck[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
// A request the child answers only when the parent says so.
constexpr char kHold[] = "GET /hold HTTP/1.1\r\nHost: x\r\n\r\n";

// ---- The child ----

struct Channel {
  int in = -1;
  int out = -1;
  void Report(const std::string& key, const std::string& value) const {
    std::string line = key + " " + value + "\n";
    if (write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(20);
  }
  void Await(char step) const {
    char got = 0;
    if (read(in, &got, 1) != 1 || got != step) _exit(21);
  }
};

std::size_t OpenDescriptors() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count - 1;  // the iterator's own
}

std::chrono::milliseconds CpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return std::chrono::duration_cast<std::chrono::milliseconds>(micros(usage.ru_utime) +
                                                               micros(usage.ru_stime));
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

bool CreateAccount(engine::Engine& engine, const std::string& id) {
  engine::CreateAccount account;
  account.request.set_id(id);
  return engine.Execute(account).ok();
}

[[noreturn]] void RunChild(const char* setup) {
  Channel channel;
  char dir[4096] = {};
  if (std::sscanf(setup, "%d,%d,%4095s", &channel.in, &channel.out, dir) != 3) _exit(10);
  rlimit limit{kDescriptorLimit, kDescriptorLimit};
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(11);
  auto log = std::make_shared<std::ostringstream>();
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(*log);
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("child", sink));
  spdlog::set_level(spdlog::level::info);

  engine::EngineOptions engine_options;
  engine_options.store.path = std::string(dir) + "/ledger";
  engine_options.store.max_open_files =
      static_cast<int>(PlanDescriptors(kDescriptorLimit)->storage);
  engine_options.tick_interval = std::chrono::hours(1);
  auto engine = engine::Engine::Open(std::move(engine_options));
  if (!engine.ok() || !CreateAccount(*engine.value(), "before")) _exit(12);
  ServerOptions options;
  options.port = 0;
  options.max_connections_per_address = kDescriptorLimit;  // only the server-wide cap counts
  std::mutex mutex;
  std::vector<std::function<void(HttpResponse)>> held;
  auto ok = [] { return HttpResponse{200, "application/json", R"({"status":"ok"})", {}}; };
  Server server(options, [&](const HttpRequest& request, auto respond) {
    if (request.target != "/hold") return respond(ok());
    std::lock_guard lock(mutex);
    held.push_back(std::move(respond));
  });
  if (!server.Start().ok()) _exit(13);
  channel.Report("port", std::to_string(server.port()));
  channel.Report("max_connections", std::to_string(server.max_connections()));

  channel.Await('0');  // the parent sent a held request on every connection the server allows
  auto held_count = [&] {
    std::lock_guard lock(mutex);
    return held.size();
  };
  for (int i = 0; i < 2000 && held_count() < kConnections; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  channel.Report("held", std::to_string(held_count()));

  channel.Await('1');
  channel.Report("free_descriptors", std::to_string(kDescriptorLimit - OpenDescriptors()));
  channel.Report("engine_write", CreateAccount(*engine.value(), "during") ? "ok" : "failed");
  std::vector<int> burned;  // the rest of the process takes every descriptor left
  for (int fd; (fd = open("/dev/null", O_RDONLY)) >= 0;) burned.push_back(fd);
  channel.Report("exhausted", errno == EMFILE ? "yes" : "no");

  channel.Await('2');  // connections are waiting in the accept queue
  auto cpu_before = CpuTime();
  std::this_thread::sleep_for(kCpuWindow);  // a measurement window, not synchronization
  channel.Report("cpu_ms", std::to_string((CpuTime() - cpu_before).count()));
  for (int fd : burned) close(fd);

  channel.Await('3');  // the held requests are answered
  for (auto& respond : held) respond(ok());

  channel.Await('4');  // the parent is done
  server.Stop();
  engine.value().reset();
  channel.Report("accept_warnings", std::to_string(Count(log->str(), "cannot accept")));
  channel.Report("accept_recoveries",
                 std::to_string(Count(log->str(), "accepting connections again")));
  _exit(0);
}

// ---- The parent ----

class Child {
 public:
  // Starts this binary again, running only this test, as the child.
  void Start(const std::string& dir) {
    int commands[2], reports[2];
    ASSERT_EQ(pipe(commands), 0);
    ASSERT_EQ(pipe(reports), 0);
    std::string setup = std::string(kChildVariable) + "=" + std::to_string(commands[0]) + "," +
                        std::to_string(reports[1]) + "," + dir;
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) env.push_back(*e);
    env.push_back(setup.data());
    env.push_back(nullptr);
    std::string filter =
        "--gtest_filter=" +
        std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
        "." + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string self = "/proc/self/exe";
    char* argv[] = {self.data(), filter.data(), nullptr};
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      close(commands[1]);
      close(reports[0]);
      if (int null = open("/dev/null", O_WRONLY); null >= 0) dup2(null, STDOUT_FILENO);
      execve(self.c_str(), argv, env.data());
      _exit(30);
    }
    close(commands[0]);
    close(reports[1]);
    commands_ = commands[1];
    reports_ = reports[0];
  }

  ~Child() {
    if (commands_ >= 0) close(commands_);
    if (reports_ >= 0) close(reports_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  void Tell(char step) { ASSERT_EQ(write(commands_, &step, 1), 1); }

  // The value the child reported under `key` (its reports come in a fixed order).
  std::string Expect(const std::string& key) {
    std::string line;
    for (char c = 0; c != '\n';) {
      pollfd ready{reports_, POLLIN, 0};
      if (poll(&ready, 1, kChildReplyTimeoutMs) != 1 || read(reports_, &c, 1) != 1) {
        ADD_FAILURE() << "no report '" << key << "' from the child";
        return "";
      }
      if (c != '\n') line += c;
    }
    EXPECT_EQ(line.substr(0, line.find(' ')), key);
    return line.substr(line.find(' ') + 1);
  }

  int Wait() {
    int status = 0;
    waitpid(std::exchange(pid_, -1), &status, 0);
    return status;
  }

 private:
  pid_t pid_ = -1;
  int commands_ = -1;
  int reports_ = -1;
};

ClientResponse HealthCheck(RawConnection& connection, const std::string& request = kHealthCheck) {
  if (!connection.Send(request)) return {};
  return connection.ReadResponse();
}

TEST(DescriptorLimitTest, SocketsLeaveStorageItsDescriptorsAndAcceptRestsWhenOut) {
  if (const char* setup = std::getenv(kChildVariable)) RunChild(setup);
  market4::testing::TempDir dir;
  Child child;
  ASSERT_NO_FATAL_FAILURE(child.Start(dir.path()));
  auto port = static_cast<std::uint16_t>(std::stoi("0" + child.Expect("port")));
  ASSERT_NE(port, 0);
  ASSERT_EQ(child.Expect("max_connections"), std::to_string(kConnections));

  // Every slot taken by a connection being answered; the next ones are refused.
  std::vector<RawConnection> held;
  for (std::size_t i = 0; i < kConnections; ++i) {
    held.emplace_back(port);
    ASSERT_TRUE(held.back().Send(kHold)) << "connection " << i;
  }
  child.Tell('0');
  ASSERT_EQ(child.Expect("held"), std::to_string(kConnections));
  for (int i = 0; i < kOverTheLimit; ++i) {
    RawConnection refused(port);
    EXPECT_EQ(refused.ReadResponse().status, 503);
  }
  child.Tell('1');
  EXPECT_GE(std::stoul("0" + child.Expect("free_descriptors")),
            PlanDescriptors(kDescriptorLimit)->storage);
  EXPECT_EQ(child.Expect("engine_write"), "ok");
  ASSERT_EQ(child.Expect("exhausted"), "yes");

  // These wait in the accept queue while accept fails for want of descriptors.
  std::vector<RawConnection> waiting;
  for (int i = 0; i < kWhileExhausted; ++i) waiting.emplace_back(port);
  child.Tell('2');
  std::string cpu_ms = child.Expect("cpu_ms");
  EXPECT_LT(std::stol("0" + cpu_ms), kMaxCpuInWindow.count()) << "ms of CPU: the accept loop spins";
  // The child gave its descriptors back: they are accepted, and refused (the server is full).
  for (RawConnection& connection : waiting) EXPECT_EQ(connection.ReadResponse().status, 503);

  // The held requests are answered; then every held connection closes, their slots come
  // back, and a new client is served.
  child.Tell('3');
  for (RawConnection& connection : held) EXPECT_EQ(connection.ReadResponse().status, 200);
  for (RawConnection& connection : held) {
    EXPECT_EQ(
        HealthCheck(connection, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .status,
        200);
    EXPECT_TRUE(connection.ClosedByServer());
  }
  RawConnection fresh(port);
  EXPECT_EQ(HealthCheck(fresh).status, 200);
  child.Tell('4');
  EXPECT_EQ(child.Expect("accept_warnings"), "1");
  EXPECT_EQ(child.Expect("accept_recoveries"), "1");
  int status = child.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace descriptor_limit_test
}  // namespace market4::gateway
