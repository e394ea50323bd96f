// market4-sim: reads the command line (tools/sim.h), signs the callback once and sends it as
// many times as asked over a plain synchronous Beast HTTP/1.1 client, one connection per
// delivery, printing "HTTP <status> <body>" for each. Exit 0 when every answer was 2xx, 1
// otherwise, 2 for a bad command line.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <iostream>
#include <string>

#include "tools/sim.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using market4::tools::SimRequest;

constexpr int kHttpVersion = 11;

struct Answer {
  int status = 0;  // 0: no answer came
  std::string body;
  std::string error;
};

http::request<http::string_body> BeastRequest(const SimRequest& request) {
  http::request<http::string_body> beast_request(http::string_to_verb(request.method),
                                                 request.target, kHttpVersion);
  bool ipv6 = request.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + request.host + "]" : request.host;
  beast_request.set(http::field::host, host + ":" + request.port);
  beast_request.set(http::field::user_agent, "market4-sim");
  beast_request.set(http::field::connection, "close");
  for (const auto& [name, value] : request.headers) beast_request.set(name, value);
  beast_request.body() = request.body;
  beast_request.prepare_payload();
  return beast_request;
}

Answer Send(const SimRequest& request) {
  Answer answer;
  net::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(request.host, request.port, ec);
  if (!ec) net::connect(socket, endpoints, ec);
  auto beast_request = BeastRequest(request);
  if (!ec) http::write(socket, beast_request, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  if (!ec) http::read(socket, buffer, response, ec);
  if (ec) {
    answer.error = ec.message();
    return answer;
  }
  answer.status = static_cast<int>(response.result_int());
  answer.body = std::move(response.body());
  socket.shutdown(tcp::socket::shutdown_both, ec);  // the answer is in; this may fail harmlessly
  return answer;
}

}  // namespace

int main(int argc, char** argv) {
  auto parse = market4::tools::ParseSimCommand(argc, argv);
  std::cout << parse.out;
  std::cerr << parse.err;
  if (parse.exit_code != market4::tools::kSimContinue) return parse.exit_code;
  auto request = market4::tools::BuildSimRequest(parse.options);
  if (!request.ok()) {
    std::cerr << "market4-sim: " << request.status().message() << "\n";
    return market4::tools::kSimUsage;
  }
  bool all_2xx = true;
  for (int i = 0; i < parse.options.times; ++i) {
    Answer answer = Send(request.value());
    if (answer.status == 0) {
      std::cout << "HTTP 0 (no answer: " << answer.error << ")" << std::endl;
    } else {
      std::cout << "HTTP " << answer.status << (answer.body.empty() ? "" : " ") << answer.body
                << std::endl;
    }
    all_2xx = all_2xx && answer.status >= 200 && answer.status < 300;
  }
  return all_2xx ? market4::tools::kSimAll2xx : market4::tools::kSimNot2xx;
}
