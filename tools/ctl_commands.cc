// market4ctl's HTTP subcommands: one request each, the answer shown as a table, as the
// server's JSON (--json) or as it came (CSV).
#include "tools/ctl_commands.h"

#include <boost/json.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/ctl_output.h"

namespace market4::tools {
namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";
constexpr int kHttpOkFirst = 200;
constexpr int kHttpOkLast = 299;
constexpr int kHttpUnauthorized = 401;

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kInvalidArgument, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(Code::kInvalidArgument, "cannot read " + path);
  return text.str();
}

// --token-file beats $MARKET4_TOKEN; surrounding whitespace (a final newline) is dropped.
Result<std::string> Token(const CtlContext& context) {
  std::string token = context.environment.token;
  if (!context.token_file.empty()) {
    auto text = ReadFile(context.token_file);
    if (!text.ok())
      return Status(Code::kInvalidArgument, "--token-file: " + text.status().message());
    token = std::move(text).value();
  }
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!token.empty() && space(token.back())) token.pop_back();
  while (!token.empty() && space(token.front())) token.erase(token.begin());
  return token;
}

int ShowAnswer(const CtlContext& context, const CtlResponse& response, Show show) {
  if (response.status < kHttpOkFirst || response.status > kHttpOkLast) {
    std::string message =
        "HTTP " + std::to_string(response.status) + " " + DescribeErrorBody(response.body);
    if (response.status == kHttpUnauthorized) {
      message += " (send the operator token: $" + std::string(kCtlTokenEnv) + " or --token-file)";
    }
    return Fail(context, kCtlFailed, message);
  }
  bool is_json = response.content_type.rfind("application/json", 0) == 0;
  if (response.body.empty()) return kCtlOk;
  if (show == Show::kRaw || context.json || !is_json) {
    context.out() << response.body;
    if (response.body.back() != '\n') context.out() << "\n";
    return kCtlOk;
  }
  auto text = RenderJson(response.body);
  if (!text.ok()) return Fail(context, kCtlFailed, text.status().message());
  context.out() << text.value();
  return kCtlOk;
}

}  // namespace

int Fail(const CtlContext& context, int status, const std::string& message) {
  context.err() << "market4ctl: " << message << "\n";
  return status;
}

std::string JsonFields(const std::vector<std::pair<std::string, std::string>>& fields) {
  boost::json::object object;
  for (const auto& [name, value] : fields) {
    if (!value.empty()) object[name] = value;
  }
  return boost::json::serialize(object);
}

std::string Encode(const std::string& text) {
  std::string encoded;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += {'%', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
    }
  }
  return encoded;
}

int RunExchange(const CtlContext& context, Exchange exchange) {
  auto endpoint = ParseServerUrl(context.url);
  if (!endpoint.ok()) return Fail(context, kCtlUsage, endpoint.status().message());
  auto token = Token(context);
  if (!token.ok()) return Fail(context, kCtlUsage, token.status().message());
  exchange.request.token = token.value();
  Result<CtlResponse> response = Status(Code::kInternal, "not sent");
  {
    Spinner spinner(context.err(), context.environment.terminal && !exchange.spin.empty(),
                    exchange.spin);
    ProgressBar bar(context.err(), context.environment.terminal && exchange.upload, "uploading",
                    ProgressBar::Unit::kBytes);
    response =
        SendRequest(endpoint.value(), exchange.request,
                    [&bar](std::uint64_t sent, std::uint64_t total) { bar.Update(sent, total); });
  }
  if (!response.ok()) {
    return Fail(context, kCtlUnreachable,
                "cannot reach " + context.url + ": " + response.status().message());
  }
  return ShowAnswer(context, response.value(), exchange.show);
}

int Reconcile(const CtlContext& context, const std::string& provider, const std::string& date,
              const std::string& file) {
  auto body = ReadFile(file);
  if (!body.ok()) return Fail(context, kCtlUsage, body.status().message());
  Exchange exchange;
  exchange.request = {
      "POST",     "/v1/providers/" + Encode(provider) + "/settlements/" + Encode(date),
      "",         "application/json",
      "text/csv", std::move(body).value()};
  exchange.upload = true;
  return RunExchange(context, std::move(exchange));
}

// DIR is on the server's machine; a relative one is taken from here, where market4ctl
// usually runs (next to the server).
int Backup(const CtlContext& context, const std::string& dir) {
  std::error_code ec;
  std::string absolute = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec || dir.empty()) return Fail(context, kCtlUsage, "--to: not a directory path: " + dir);
  Exchange exchange;
  exchange.request = {"POST",
                      "/v1/admin/backups",
                      "",
                      "application/json",
                      "application/json",
                      JsonFields({{"dir", absolute}})};
  exchange.spin = "backing up";
  return RunExchange(context, std::move(exchange));
}

}  // namespace market4::tools
