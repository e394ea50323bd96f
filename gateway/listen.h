// Private to gateway/: where the server listens. A host may be a name ("localhost"), which is
// resolved; IPv4 addresses are tried first. Called once by Server::Start.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace market4::gateway {

// The endpoints host:port names, IPv4 first; INVALID_ARGUMENT if it names none.
Result<std::vector<boost::asio::ip::tcp::endpoint>> ListenEndpoints(boost::asio::io_context& io,
                                                                    const std::string& host,
                                                                    std::uint16_t port);
// Opens, binds and listens `acceptor` on `endpoint` (closing it first if open).
boost::system::error_code Listen(boost::asio::ip::tcp::acceptor& acceptor,
                                 const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace market4::gateway
