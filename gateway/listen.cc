#include "gateway/listen.h"

#include <algorithm>
#include <boost/asio.hpp>

namespace market4::gateway {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Clients told "localhost" often try 127.0.0.1 alone, hence IPv4 first.
Result<std::vector<tcp::endpoint>> ListenEndpoints(net::io_context& io, const std::string& host,
                                                   std::uint16_t port) {
  tcp::resolver resolver(io);
  error_code ec;
  auto results = resolver.resolve(host, std::to_string(port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty()) {
    return Status(Code::kInvalidArgument,
                  "bad listen address: " + host + (ec ? ": " + ec.message() : ""));
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  std::stable_partition(endpoints.begin(), endpoints.end(),
                        [](const tcp::endpoint& e) { return e.address().is_v4(); });
  return endpoints;
}

error_code Listen(tcp::acceptor& acceptor, const tcp::endpoint& endpoint) {
  error_code ec;
  if (acceptor.is_open()) acceptor.close(ec);
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  return ec;
}

}  // namespace market4::gateway
