// Private to gateway/: what the server's accept loop (server.cc) and its sessions
// (session.cc) share: the state of one Server, owned through a shared_ptr by the Server and
// by every live session and pending handler. Fields are safe to use from any I/O thread
// unless their comment names a strand.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/connections.h"
#include "gateway/server.h"

namespace market4::gateway {

using Clock = std::chrono::steady_clock;

struct ServerState {
  using Handler = Server::Handler;
  ServerOptions options;
  Handler handler;
  // Owned here but destroyed explicitly by ~Server: pending handlers hold this state, so
  // destroying the io_context (and its handlers) is what breaks that cycle.
  std::unique_ptr<boost::asio::io_context> io = std::make_unique<boost::asio::io_context>();
  // The acceptor runs on a strand of its own; its retry timer and the accept_* and refusal
  // fields below belong to that strand too.
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::optional<boost::asio::steady_timer> accept_timer;
  std::size_t accept_failures = 0;  // in a row; 0 when the last accept worked
  std::size_t refusals_unlogged = 0;
  Clock::time_point last_refusal_log{};
  std::size_t max_connections = 0;  // options.max_connections fitted to the descriptor limit
  ConnectionCounter connections;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_request{0};
  std::string request_prefix;
};

// Starts serving an admitted connection (session.cc); the session holds `slot` until it
// closes.
void StartSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                  ConnectionSlot slot);

}  // namespace market4::gateway
