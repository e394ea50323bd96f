// A real market4d as a child process, for the kill -9 trials: started on a data directory and
// a loopback port, polled until it answers, and killed with any signal.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/gateway/http_client.h"

namespace market4::testing {

// A loopback port that was free a moment ago.
inline std::uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t size = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size);
  ::close(fd);
  return ntohs(address.sin_port);
}

// The flags that let one test client, from one address, play every buyer, merchant and
// provider at full speed: the abuse limits (tested elsewhere) would refuse it.
inline std::vector<std::string> UnlimitedFlags() {
  return {"--requests-per-address",
          "0",
          "--requests-per-token",
          "0",
          "--registrations-per-address-hour",
          "0",
          "--callbacks-per-address",
          "0",
          "--max-unpaid-orders",
          "0",
          "--max-unpaid-value",
          "0",
          "--max-unpaid-share",
          "0"};
}

class Daemon {
 public:
  // Starts `binary` on `data_dir` with the operator token `token`; its output is appended to
  // `log_path`. `flags` come after --data-dir, --listen and --log-level warn.
  Daemon(const std::string& binary, const std::string& data_dir, std::uint16_t port,
         const std::string& token, const std::string& log_path,
         const std::vector<std::string>& flags = UnlimitedFlags())
      : port_(port) {
    std::string listen = "127.0.0.1:" + std::to_string(port);
    std::vector<std::string> args = {"market4d", "--data-dir",  data_dir, "--listen",
                                     listen,     "--log-level", "warn"};
    args.insert(args.end(), flags.begin(), flags.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("MARKET4_ADMIN_TOKEN", token.c_str(), 1);
      FILE* out = std::freopen(log_path.c_str(), "a", stdout);
      (void)out;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      std::_Exit(127);
    }
  }
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;
  ~Daemon() {
    if (pid_ > 0) Kill(SIGKILL);
  }

  // Polls /healthz until the daemon answers; a child process has no other readiness signal.
  bool WaitReady() {
    for (int i = 0; i < 1000; ++i) {
      HttpClient probe("127.0.0.1", port_);
      if (probe.Send("GET", "/healthz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Sends `signal`, waits for the process, and returns the raw wait status.
  int Kill(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace market4::testing
