// market4ctl against a real market4d (the binary, on port 0): subcommands run in-process
// through RunCtl with captured output, and the real market4ctl binary for its exit statuses.
// Also a backup through the CLI, restored by the CLI into a new data directory that a second
// market4d then serves.
#include "tools/ctl.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "market4/v1/backups.pb.h"
#include "market4/v1/market.pb.h"
#include "tests/test_util.h"

extern char** environ;

namespace market4 {
namespace ctl_test {

namespace v1 = ::market4::v1;

constexpr char kToken[] = "ctl-test-operator-token-00000001";
constexpr std::chrono::seconds kStartLimit{20};
constexpr std::chrono::seconds kExitLimit{60};
constexpr std::chrono::milliseconds kPoll{10};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A child process with the test's environment minus every MARKET4_ variable, plus
// `environment`; stdout and stderr go to files.
class Process {
 public:
  Process(const std::string& program, const std::vector<std::string>& arguments,
          const std::map<std::string, std::string>& environment, const std::string& log_prefix)
      : out_path_(log_prefix + ".out"), err_path_(log_prefix + ".err") {
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("MARKET4_", 0) != 0) env_text.emplace_back(*e);
    }
    for (const auto& [name, value] : environment) env_text.push_back(name + "=" + value);
    std::vector<char*> argv = {const_cast<char*>(program.c_str())};
    for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    int out = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      ::execve(program.c_str(), argv.data(), envp.data());
      std::_Exit(127);
    }
    ::close(out);
    ::close(err);
  }
  ~Process() {
    if (pid_ > 0) Stop(SIGKILL);
  }

  // The exit status once the process ends by itself; -1 if it does not within kExitLimit.
  int WaitExit() {
    for (auto waited = std::chrono::milliseconds(0); waited < kExitLimit; waited += kPoll) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(kPoll);
    }
    Stop(SIGKILL);
    return -1;
  }

  // market4d's port from its "listening on 127.0.0.1:PORT" line; 0 if it never came.
  std::uint16_t WaitListening() {
    const std::string marker = "listening on 127.0.0.1:";
    for (auto waited = std::chrono::milliseconds(0); waited < kStartLimit; waited += kPoll) {
      std::string log = out();
      if (auto at = log.find(marker); at != std::string::npos) {
        return static_cast<std::uint16_t>(std::stoi(log.substr(at + marker.size())));
      }
      std::this_thread::sleep_for(kPoll);
    }
    return 0;
  }

  void Stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  std::string out() const { return ReadFile(out_path_); }
  std::string err() const { return ReadFile(err_path_); }

 private:
  std::string out_path_, err_path_;
  pid_t pid_ = -1;
};

// market4d on port 0 over `data_dir`, with the test's operator token.
std::unique_ptr<Process> StartDaemon(const std::string& data_dir, std::uint16_t* port) {
  auto daemon = std::make_unique<Process>(
      MARKET4D_PATH, std::vector<std::string>{"--data-dir", data_dir, "--listen", "127.0.0.1:0"},
      std::map<std::string, std::string>{{"MARKET4_ADMIN_TOKEN", kToken}}, data_dir + "-market4d");
  *port = daemon->WaitListening();
  EXPECT_NE(*port, 0) << daemon->out() << daemon->err();
  return daemon;
}

struct Ran {
  int status = 0;
  std::string out;
  std::string err;
};

// Runs market4ctl's RunCtl in-process with `arguments`.
Ran Ctl(const std::vector<std::string>& arguments, const std::string& token = kToken) {
  std::vector<const char*> argv = {"market4ctl"};
  for (const auto& a : arguments) argv.push_back(a.c_str());
  std::ostringstream out, err;
  tools::CtlEnvironment environment{&out, &err, token, false};
  Ran ran;
  ran.status = tools::RunCtl(static_cast<int>(argv.size()), argv.data(), environment);
  ran.out = out.str();
  ran.err = err.str();
  return ran;
}

// A port nothing listens on: bound, then closed.
std::uint16_t ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

template <typename Message>
Message ParseJson(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &message).ok()) << text;
  return message;
}

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = StartDaemon(dir_.Sub("data"), &port_);
    url_ = "http://127.0.0.1:" + std::to_string(port_);
  }
  void TearDown() override { daemon_->Stop(SIGTERM); }

  Ran CreateMerchant(const std::string& name, bool json = true) {
    std::vector<std::string> arguments = {
        "--url", url_,      "merchants",  "create",     "--name",
        name,    "--phone", "0901234567", "--location", "Chợ Vị Thanh, sạp 12"};
    if (json) arguments.push_back("--json");
    return Ctl(arguments);
  }

  testing::TempDir dir_;
  std::unique_ptr<Process> daemon_;
  std::uint16_t port_ = 0;
  std::string url_;
};

TEST_F(CtlTest, MerchantsCreateAndListAsTableAndJson) {
  Ran created = CreateMerchant("Cô Ba");
  ASSERT_EQ(created.status, tools::kCtlOk) << created.err;
  auto response = ParseJson<v1::CreateMerchantResponse>(created.out);
  EXPECT_EQ(response.merchant().name(), "Cô Ba");
  EXPECT_FALSE(response.token().empty());
  Ran table = CreateMerchant("Chị Năm", /*json=*/false);
  ASSERT_EQ(table.status, tools::kCtlOk) << table.err;
  EXPECT_NE(table.out.find("merchant.name"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("Chị Năm"), std::string::npos) << table.out;

  Ran listed = Ctl({"merchants", "list", "--url", url_, "--json"});
  ASSERT_EQ(listed.status, tools::kCtlOk) << listed.err;
  auto list = ParseJson<v1::ListMerchantsResponse>(listed.out);
  ASSERT_EQ(list.merchants_size(), 2);
  listed = Ctl({"--url", url_, "merchants", "list"});
  ASSERT_EQ(listed.status, tools::kCtlOk) << listed.err;
  // A header line, then one aligned line per merchant.
  EXPECT_EQ(listed.out.rfind("ID", 0), 0u) << listed.out;
  EXPECT_NE(listed.out.find("LOCATION"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find(response.merchant().id()), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("Chị Năm"), std::string::npos) << listed.out;
}

TEST_F(CtlTest, ExitStatuses) {
  // Bad usage: no subcommand, unknown one, a missing required option, an unknown action.
  EXPECT_EQ(Ctl({}).status, tools::kCtlUsage);
  EXPECT_EQ(Ctl({"frobnicate"}).status, tools::kCtlUsage);
  EXPECT_EQ(Ctl({"--url", url_, "merchants", "create", "--name", "x"}).status, tools::kCtlUsage);
  EXPECT_EQ(Ctl({"exceptions", "resolve", "ex_1", "--action", "STEAL"}).status, tools::kCtlUsage);
  EXPECT_EQ(Ctl({"--url", "https://127.0.0.1:1", "merchants", "list"}).status, tools::kCtlUsage);
  Ran help = Ctl({"--help"});
  EXPECT_EQ(help.status, tools::kCtlOk);
  EXPECT_NE(help.out.find("Exit status"), std::string::npos) << help.out;
  // Unreachable.
  Ran unreachable =
      Ctl({"--url", "http://127.0.0.1:" + std::to_string(ClosedPort()), "merchants", "list"});
  EXPECT_EQ(unreachable.status, tools::kCtlUnreachable);
  EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos) << unreachable.err;
  // The server says no: a wrong token, an unknown exception.
  Ran refused = Ctl({"--url", url_, "merchants", "list"}, "not-the-token");
  EXPECT_EQ(refused.status, tools::kCtlFailed);
  EXPECT_NE(refused.err.find("HTTP 401 UNAUTHENTICATED"), std::string::npos) << refused.err;
  Ran missing = Ctl({"--url", url_, "exceptions", "resolve", "ex_nope", "--action", "DISMISS"});
  EXPECT_EQ(missing.status, tools::kCtlFailed) << missing.out;
  EXPECT_NE(missing.err.find("HTTP 404"), std::string::npos) << missing.err;
}

TEST_F(CtlTest, TokenFileBeatsTheEnvironment) {
  std::ofstream(dir_.Sub("token")) << kToken << "\n";
  Ran listed =
      Ctl({"--url", url_, "--token-file", dir_.Sub("token"), "merchants", "list"}, "wrong-token");
  EXPECT_EQ(listed.status, tools::kCtlOk) << listed.err;
  Ran unreadable = Ctl({"--url", url_, "--token-file", dir_.Sub("none"), "merchants", "list"});
  EXPECT_EQ(unreadable.status, tools::kCtlUsage) << unreadable.err;
}

TEST_F(CtlTest, BackupThenRestoreIntoANewDataDirectoryThatServes) {
  Ran created = CreateMerchant("Cô Ba");
  ASSERT_EQ(created.status, tools::kCtlOk) << created.err;
  std::string id = ParseJson<v1::CreateMerchantResponse>(created.out).merchant().id();
  Ran backup = Ctl({"--url", url_, "backup", "--to", dir_.Sub("backups"), "--json"});
  ASSERT_EQ(backup.status, tools::kCtlOk) << backup.err;
  auto made = ParseJson<v1::Backup>(backup.out);
  EXPECT_EQ(made.backup_id(), 1u);
  EXPECT_EQ(made.dir(), dir_.Sub("backups"));
  ASSERT_EQ(CreateMerchant("Not in the backup").status, tools::kCtlOk);

  Ran restored = Ctl({"restore", "--from", dir_.Sub("backups"), "--data-dir", dir_.Sub("new")});
  ASSERT_EQ(restored.status, tools::kCtlOk) << restored.err;
  EXPECT_NE(restored.out.find("market4d --data-dir " + dir_.Sub("new")), std::string::npos)
      << restored.out;
  EXPECT_TRUE(std::filesystem::is_directory(dir_.Sub("new/ledger")));
  Ran again = Ctl({"restore", "--from", dir_.Sub("backups"), "--data-dir", dir_.Sub("new")});
  EXPECT_EQ(again.status, tools::kCtlFailed);
  EXPECT_NE(again.err.find("refusing to restore"), std::string::npos) << again.err;

  std::uint16_t port = 0;
  auto second = StartDaemon(dir_.Sub("new"), &port);
  ASSERT_NE(port, 0);
  Ran listed =
      Ctl({"--url", "http://127.0.0.1:" + std::to_string(port), "merchants", "list", "--json"});
  ASSERT_EQ(listed.status, tools::kCtlOk) << listed.err;
  auto list = ParseJson<v1::ListMerchantsResponse>(listed.out);
  ASSERT_EQ(list.merchants_size(), 1);
  EXPECT_EQ(list.merchants(0).id(), id);
  second->Stop(SIGTERM);

  // The restored ledger verifies offline (its server stopped).
  Ran verified = Ctl({"verify", "--data-dir", dir_.Sub("new")});
  EXPECT_EQ(verified.status, tools::kCtlOk) << verified.out << verified.err;
  EXPECT_EQ(Ctl({"verify", "--data-dir", dir_.Sub("nowhere")}).status, tools::kCtlFailed);
}

// The real binary: its exit statuses and its --help.
TEST_F(CtlTest, BinaryExitStatuses) {
  auto run = [this](const std::vector<std::string>& arguments, const std::string& name) {
    Process ctl(MARKET4CTL_PATH, arguments, {{"MARKET4_TOKEN", kToken}}, dir_.Sub(name));
    int status = ctl.WaitExit();
    return std::make_pair(status, ctl.out() + ctl.err());
  };
  auto [status, text] = run({"--url", url_, "merchants", "list", "--json"}, "list");
  EXPECT_EQ(status, 0) << text;
  EXPECT_NE(text.find("\"merchants\""), std::string::npos) << text;
  EXPECT_EQ(run({"merchants"}, "usage").first, 2);
  EXPECT_EQ(run({"--url", "http://127.0.0.1:" + std::to_string(ClosedPort()), "merchants", "list"},
                "unreachable")
                .first,
            3);
  EXPECT_EQ(run({"--url", url_, "days", "close", "not-a-date"}, "refused").first, 1);
  auto [help_status, help] = run({"--help"}, "help");
  EXPECT_EQ(help_status, 0);
  EXPECT_NE(help.find("4  verify found the ledger tampered"), std::string::npos) << help;
}

}  // namespace ctl_test
}  // namespace market4
