#include "tests/gateway/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace market4::testing {
namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
}  // namespace

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  net::io_context io;
  std::optional<tcp::socket> socket;
  beast::flat_buffer buffer;

  bool Connect() {
    if (socket && socket->is_open()) return true;
    socket.emplace(io);
    buffer.clear();
    beast::error_code ec;
    socket->connect(tcp::endpoint(net::ip::make_address(host), port), ec);
    return !ec;
  }

  ClientResponse Read() {
    ClientResponse out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    beast::error_code ec;
    http::read(*socket, buffer, parser, ec);
    if (ec) {
      socket->close(ec);
      return out;
    }
    auto& message = parser.get();
    out.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = message.body();
    if (!message.keep_alive()) socket->close(ec);
    return out;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;

bool HttpClient::connected() const { return impl_->socket && impl_->socket->is_open(); }

ClientResponse HttpClient::Send(const std::string& method, const std::string& target,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers) {
  if (!impl_->Connect()) return {};
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, impl_->host);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  beast::error_code ec;
  http::write(*impl_->socket, request, ec);
  if (ec) {
    impl_->socket->close(ec);
    return {};
  }
  return impl_->Read();
}

ClientResponse HttpClient::SendRaw(const std::string& bytes) {
  if (!impl_->Connect()) return {};
  beast::error_code ec;
  net::write(*impl_->socket, net::buffer(bytes), ec);
  if (ec) return {};
  return impl_->Read();
}

}  // namespace market4::testing
