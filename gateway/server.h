// Server: market4d's HTTP/1.1 front door on Boost.Beast. A pool of I/O threads runs one
// io_context; each connection is a session that reads one request at a time under a
// deadline, hands it to a handler (the Router), and writes the answer when it comes. The
// server owns its threads; Start and Stop are called from one controlling thread (main).
// It also guards the process: request framing is strict (no smuggled requests), connections
// are capped in total and per client address, and sockets never take the descriptors that
// storage needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/limits.h"
#include "common/status.h"
#include "gateway/http.h"

namespace market4::gateway {

struct ServerOptions {
  // Address to listen on. Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  // Port; 0 picks a free one (see Server::port). Default: 8080.
  std::uint16_t port = 8080;
  // I/O threads. Default: 2.
  int threads = 2;
  // Largest request body; larger is answered 413 and the connection closed. Default: 64 KiB.
  std::size_t max_body_bytes = kMaxBodyBytes;
  // Largest body of a settlement upload (POST /v1/providers/{id}/settlements/{date}), the one
  // route allowed more than max_body_bytes; larger is 413. Default: 16 MiB.
  std::size_t max_settlement_body_bytes = kMaxSettlementBodyBytes;
  // Largest request head (request line and headers); larger is 431. Default: 8 KiB.
  std::size_t max_header_bytes = kMaxHeaderBytes;
  // Time allowed to receive a whole request once its first byte arrived. Default: 10 s.
  std::chrono::milliseconds read_timeout{10'000};
  // How long a keep-alive connection may wait for its next request. Default: 60 s.
  std::chrono::milliseconds idle_timeout{60'000};
  // Open connections beyond this are answered 503 and closed. Start lowers it to fit the
  // open-file limit (see the descriptor budget (gateway/descriptors.h)). Default: 1,024.
  std::size_t max_connections = 1024;
  // Open connections from one client beyond this are answered 503 and closed, so that one
  // client cannot take every slot. A client is an IPv4 address or an IPv6 /64 prefix (one
  // host commonly holds a whole /64). Behind a reverse proxy every request comes from the
  // proxy's address: raise this to max_connections there. Default: 64.
  std::size_t max_connections_per_address = 64;
  // On Stop, how long in-flight requests may take to finish. Default: 10 s.
  std::chrono::milliseconds shutdown_grace{10'000};
};

struct ServerState;  // private to server.cc

class Server {
 public:
  // `respond` may be called on any thread, exactly once per request.
  using Handler = std::function<void(const HttpRequest&, std::function<void(HttpResponse)>)>;

  Server(ServerOptions options, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Raises the open-file limit, resolves the host (a name or a numeric address), binds,
  // listens and starts the I/O threads. A name is served on its first IPv4 address if it has
  // one, else on its first address. Fails if the open-file limit leaves no descriptor for
  // connections after the descriptor budget (gateway/descriptors.h).
  [[nodiscard]] Status Start();
  // The bound port (useful with port 0).
  std::uint16_t port() const;
  // The connection limit in force after Start: options.max_connections, lowered if the
  // open-file limit minus the descriptor budget (gateway/descriptors.h) is smaller.
  std::size_t max_connections() const;
  // Client connections open now (event streams included). Any thread.
  std::size_t open_connections() const;
  // Connections waiting for (or reading) their next request now, the ones a full server may
  // close for a newcomer. Any thread.
  std::size_t waiting_connections() const;
  // Stops accepting, lets in-flight requests finish (up to shutdown_grace), then stops the
  // I/O threads. A keep-alive connection closes after its current answer; one waiting for
  // its next request may still send it during the grace period, and is then answered. Open
  // event streams are ended at once (after what they have queued).
  void Stop();

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace market4::gateway
