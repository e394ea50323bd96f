#include "tools/ctl_http.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>

namespace market4::tools {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr int kHttpVersion = 11;
// The body goes out in pieces of this size, so an upload's progress can be shown.
constexpr std::size_t kUploadChunkBytes = 64 * 1024;
// Largest answer read (day reports and statements of a busy market are a few MiB).
constexpr std::uint64_t kMaxResponseBytes = 1ull << 30;

Status Unreachable(const std::string& what, const beast::error_code& ec) {
  return Status(Code::kUnavailable, what + ": " + ec.message());
}

http::request<http::empty_body> Header(const CtlEndpoint& endpoint, const CtlRequest& request) {
  http::request<http::empty_body> header(http::string_to_verb(request.method),
                                         endpoint.base_path + request.target, kHttpVersion);
  bool ipv6 = endpoint.host.find(':') != std::string::npos;
  header.set(http::field::host,
             (ipv6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + endpoint.port);
  header.set(http::field::user_agent, "market4ctl");
  header.set(http::field::connection, "close");
  header.set(http::field::accept, request.accept);
  if (!request.token.empty()) header.set(http::field::authorization, "Bearer " + request.token);
  if (!request.content_type.empty()) header.set(http::field::content_type, request.content_type);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    header.content_length(request.body.size());
  }
  return header;
}

// Writes the body in chunks, reporting each.
void WriteBody(tcp::socket& socket, const std::string& body, const UploadProgress& progress,
               beast::error_code& ec) {
  std::size_t sent = 0;
  while (!ec && sent < body.size()) {
    std::size_t piece = std::min(kUploadChunkBytes, body.size() - sent);
    net::write(socket, net::buffer(body.data() + sent, piece), ec);
    sent += piece;
    if (progress) progress(sent, body.size());
  }
}

}  // namespace

Result<CtlEndpoint> ParseServerUrl(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "http" || !parsed->has_authority() || parsed->host().empty() ||
      parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment()) {
    return Status(Code::kInvalidArgument,
                  "--url must be http://HOST[:PORT][/PATH], got '" + url + "'")
        .WithDetail("field", "url");
  }
  CtlEndpoint endpoint;
  endpoint.host = std::string(parsed->encoded_host_address());
  endpoint.port = parsed->has_port() ? std::string(parsed->port()) : "80";
  endpoint.base_path = std::string(parsed->encoded_path());
  while (!endpoint.base_path.empty() && endpoint.base_path.back() == '/') {
    endpoint.base_path.pop_back();
  }
  return endpoint;
}

Result<CtlResponse> SendRequest(const CtlEndpoint& endpoint, const CtlRequest& request,
                                const UploadProgress& progress) {
  net::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) return Unreachable("cannot resolve " + endpoint.host, ec);
  net::connect(socket, endpoints, ec);
  if (ec) return Unreachable("cannot connect to " + endpoint.host + ":" + endpoint.port, ec);
  auto header = Header(endpoint, request);
  http::request_serializer<http::empty_body> serializer(header);
  http::write_header(socket, serializer, ec);
  if (!ec) WriteBody(socket, request.body, progress, ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  // Read even after a failed write: a server that refuses a body early says why.
  beast::error_code read_ec;
  http::read(socket, buffer, parser, read_ec);
  if (read_ec) return Unreachable("no answer from the server", ec ? ec : read_ec);
  CtlResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.content_type = std::string(parser.get()[http::field::content_type]);
  response.body = std::move(parser.get().body());
  socket.shutdown(tcp::socket::shutdown_both, ec);  // the answer is in; may fail harmlessly
  return response;
}

}  // namespace market4::tools
