#include "gateway/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "gateway/codec.h"
#include "gateway/connections.h"
#include "gateway/descriptors.h"
#include "gateway/framing.h"
#include "gateway/listen.h"
#include "gateway/server_state.h"

namespace market4::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// How long the accept loop rests after accept failed (descriptors exhausted, most likely).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Refused connections are logged at most once per this interval, with a count, so that a
// flood of connections cannot also flood the log.
constexpr std::chrono::seconds kRefusalLogInterval{1};

// Over a connection limit: a short 503 written synchronously, then close.
void RefuseConnection(tcp::socket socket) {
  static const std::string kBody = R"({"code":"UNAVAILABLE","message":"too many connections"})";
  static const std::string kReply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: " +
      std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
  beast::error_code ignored;
  net::write(socket, net::buffer(kReply), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
}

void LogRefusal(ServerState& state, const net::ip::address& client, std::string_view why) {
  ++state.refusals_unlogged;
  auto now = Clock::now();
  if (now - state.last_refusal_log < kRefusalLogInterval) return;
  spdlog::warn("refused {} connection(s) since the last report; the last from {}: {} ({} open)",
               state.refusals_unlogged, client.to_string(), why, state.connections.total());
  state.refusals_unlogged = 0;
  state.last_refusal_log = now;
}

// A full server admits a new connection in place of the one that has waited longest for a
// request (SessionRegistry), if any is waiting, and closes a few more of the longest waiting
// so that the next newcomers find room without another search. The client's own limit still
// holds.
constexpr std::size_t kEvictionBatchDivisor = 32;  // a full server of 1,024 evicts 32 at once

bool AdmitInPlaceOfAReader(const std::shared_ptr<ServerState>& state,
                           const net::ip::address& client, tcp::socket& socket) {
  using Admission = ConnectionCounter::Admission;
  if (state->connections.AdmitInPlaceOfAnother(
          client, state->options.max_connections_per_address) != Admission::kAdmitted) {
    return false;
  }
  ConnectionSlot slot(&state->connections, client);
  std::size_t batch = std::max<std::size_t>(1, state->max_connections / kEvictionBatchDivisor);
  if (state->sessions.EvictLongestReaders(batch) == 0) return false;  // `slot` gives it back
  StartSession(std::move(socket), state, std::move(slot));
  return true;
}

// Starts a session for an accepted socket, or refuses it if the server or its client is full.
void Admit(const std::shared_ptr<ServerState>& state, tcp::socket socket) {
  beast::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;  // the client is already gone
  net::ip::address client = ClientKey(remote.address());
  using Admission = ConnectionCounter::Admission;
  switch (state->connections.Admit(client, state->max_connections,
                                   state->options.max_connections_per_address)) {
    case Admission::kAdmitted: {
      ConnectionSlot slot(&state->connections, client);
      StartSession(std::move(socket), state, std::move(slot));
      return;
    }
    case Admission::kServerFull:
      if (AdmitInPlaceOfAReader(state, client, socket)) return;
      LogRefusal(*state, client, "server full");
      break;
    case Admission::kClientFull:
      LogRefusal(*state, client, "too many connections from this client");
      break;
  }
  RefuseConnection(std::move(socket));
}

void Accept(std::shared_ptr<ServerState> state);

// Accept failed, most likely for want of descriptors (EMFILE, ENFILE). That lasts until
// connections close, and re-arming at once would spin a core on the same error; so the loop
// rests a moment instead, and logs once per run of failures.
void PauseAccepting(std::shared_ptr<ServerState> state, beast::error_code ec) {
  if (state->accept_failures++ == 0) {
    spdlog::warn("cannot accept connections: {}; retrying every {} ms", ec.message(),
                 kAcceptRetryDelay.count());
  }
  state->accept_timer->expires_after(kAcceptRetryDelay);
  state->accept_timer->async_wait([state](beast::error_code wait_ec) {
    if (wait_ec || !state->acceptor->is_open()) return;
    Accept(state);
  });
}

void Accept(std::shared_ptr<ServerState> state) {
  net::io_context& context = *state->contexts[state->next_context++ % state->contexts.size()];
  state->acceptor->async_accept(
      context.get_executor(), [state](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !state->acceptor->is_open()) return;
        if (ec) return PauseAccepting(state, ec);
        if (state->accept_failures > 0) {
          spdlog::info("accepting connections again after {} failed attempts",
                       std::exchange(state->accept_failures, 0));
        }
        Admit(state, std::move(socket));
        Accept(state);
      });
}

}  // namespace

Server::Server(ServerOptions options, Handler handler) : state_(std::make_shared<ServerState>()) {
  state_->options = std::move(options);
  state_->handler = std::move(handler);
  state_->max_connections = state_->options.max_connections;
  for (int i = 0; i < std::max(1, state_->options.threads); ++i) {
    // Concurrency hint 1: only this context's own thread runs it (others only post to it).
    state_->contexts.push_back(std::make_unique<net::io_context>(1));
  }
}

Server::~Server() {
  Stop();
  state_->keep_running.clear();
  state_->accept_timer.reset();
  state_->acceptor.reset();
  state_->contexts.clear();
}

Status Server::Start() {
  auto fit = FitConnections(state_->options.max_connections, RaiseOpenFileLimit());
  if (!fit.ok()) return fit.status();
  state_->max_connections = fit.value();
  const std::string& host = state_->options.host;
  net::io_context& first = *state_->contexts.front();
  auto endpoints = ListenEndpoints(first, host, state_->options.port);
  if (!endpoints.ok()) return endpoints.status();
  auto& acceptor = state_->acceptor.emplace(net::make_strand(first));
  beast::error_code ec;
  for (const tcp::endpoint& endpoint : endpoints.value()) {
    if (!(ec = Listen(acceptor, endpoint))) break;
  }
  if (ec) {
    return Status(Code::kIoError, "cannot listen on " + host + ":" +
                                      std::to_string(state_->options.port) + ": " + ec.message());
  }
  state_->accept_timer.emplace(acceptor.get_executor());
  state_->request_prefix = fmt::format("{:x}", Clock::now().time_since_epoch().count() & 0xffffff);
  Accept(state_);
  for (auto& context : state_->contexts) {
    state_->keep_running.push_back(net::make_work_guard(*context));
    state_->threads.emplace_back([context = context.get()] { context->run(); });
  }
  return Status::Ok();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  return state_->acceptor ? state_->acceptor->local_endpoint(ec).port() : 0;
}

std::size_t Server::max_connections() const { return state_->max_connections; }

std::size_t Server::open_connections() const { return state_->connections.total(); }

std::size_t Server::waiting_connections() const { return state_->sessions.CountReaders(); }

void Server::Stop() {
  if (state_->threads.empty()) return;
  state_->draining = true;
  net::post(state_->acceptor->get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
    state->accept_timer->cancel();
  });
  // Event streams never finish by themselves: end them (each counts as in flight until its
  // connection is closed).
  state_->streams.CloseAll();
  auto deadline = Clock::now() + state_->options.shutdown_grace;
  while (state_->in_flight > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  state_->keep_running.clear();
  for (auto& context : state_->contexts) context->stop();
  for (auto& thread : state_->threads) thread.join();
  state_->threads.clear();
  state_->streams.DetachAll();
}

}  // namespace market4::gateway
