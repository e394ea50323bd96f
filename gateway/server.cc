#include "gateway/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
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

namespace market4::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// How much one read of a request head takes at once; the parser then enforces the real limits.
constexpr std::size_t kReadChunkBytes = 4096;
// How long the accept loop rests after accept failed (descriptors exhausted, most likely).
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
// Refused connections are logged at most once per this interval, with a count, so that a
// flood of connections cannot also flood the log.
constexpr std::chrono::seconds kRefusalLogInterval{1};
// The blank line that ends a request head.
constexpr std::string_view kEndOfHead = "\r\n\r\n";

}  // namespace

struct ServerState {
  using Handler = Server::Handler;
  ServerOptions options;
  Handler handler;
  // Owned here but destroyed explicitly by ~Server: pending handlers hold this state, so
  // destroying the io_context (and its handlers) is what breaks that cycle.
  std::unique_ptr<net::io_context> io = std::make_unique<net::io_context>();
  // The acceptor runs on a strand of its own; its retry timer and the accept_* and refusal
  // fields below belong to that strand too.
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> accept_timer;
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

namespace {

std::string NewRequestId(ServerState& state) {
  return fmt::format("{}-{:x}", state.request_prefix, ++state.next_request);
}

bool IsSafeRequestId(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<ServerState> state, ConnectionSlot slot)
      : stream_(std::move(socket)), state_(std::move(state)), slot_(std::move(slot)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->WaitForRequest(self->state_->options.read_timeout);
    });
  }

 private:
  // Waits up to `wait` for the first byte of the next request. A new connection gets the
  // short read timeout, so silent connections cannot hold every slot; only a connection that
  // already completed a request may wait the idle timeout for its next one. The read deadline
  // starts again when the request begins, so a slow client cannot hold a request open.
  void WaitForRequest(std::chrono::milliseconds wait) {
    if (state_->draining) return Close();
    if (buffer_.size() > 0) return StartRequest();
    stream_.expires_after(wait);
    stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->StartRequest();
                            });
  }

  void StartRequest() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->options.max_header_bytes));
    head_searched_ = 0;
    stream_.expires_after(state_->options.read_timeout);  // for the whole request
    ReadHead();
  }

  std::string_view Buffered() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  }

  // Reads until the buffer holds the whole request head. The head is checked as raw bytes
  // before the parser sees it, because the parser would quietly unfold obsolete folding.
  void ReadHead() {
    std::string_view bytes = Buffered();
    std::size_t overlap = kEndOfHead.size() - 1;  // the end may straddle the last read
    std::size_t from = head_searched_ < overlap ? 0 : head_searched_ - overlap;
    std::size_t end = bytes.find(kEndOfHead, from);
    if (end != std::string_view::npos) return ParseHead(bytes.substr(0, end + 2));
    head_searched_ = bytes.size();
    if (bytes.size() >= state_->options.max_header_bytes) {
      return OnReadError(http::error::header_limit);
    }
    stream_.async_read_some(buffer_.prepare(kReadChunkBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();  // timeout, EOF or reset mid-head
                              self->buffer_.commit(n);
                              self->ReadHead();
                            });
  }

  // Parses the complete head in the buffer, checks its framing, then reads the body (if any)
  // with the same parser.
  void ParseHead(std::string_view head) {
    if (HasObsoleteLineFolding(head)) {
      return RejectAndClose(400, "INVALID_ARGUMENT", "obsolete line folding in a header");
    }
    beast::error_code ec;
    buffer_.consume(parser_->put(buffer_.data(), ec));
    if (!ec && !parser_->is_header_done()) ec = http::error::bad_value;  // cannot happen
    if (ec) return OnReadError(ec);
    if (auto problem = FramingProblem(*parser_)) {
      return RejectAndClose(400, "INVALID_ARGUMENT", *problem);
    }
    if (parser_->is_done()) return Dispatch(parser_->release());
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                       if (read_ec) return self->OnReadError(read_ec);
                       self->Dispatch(self->parser_->release());
                     });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return Close();
    }
    if (ec == http::error::body_limit) {
      return RejectAndClose(
          413, "PAYLOAD_TOO_LARGE",
          fmt::format("request body exceeds {} bytes", state_->options.max_body_bytes));
    }
    if (ec == http::error::header_limit) {
      return RejectAndClose(
          431, "HEADERS_TOO_LARGE",
          fmt::format("request headers exceed {} bytes", state_->options.max_header_bytes));
    }
    RejectAndClose(400, "INVALID_ARGUMENT", "malformed HTTP request");
  }

  // One request being answered. It keeps the session alive and counts as in flight until the
  // last copy is gone: the engine's copy of the answer callback, the posted write, and the
  // write itself. Server::Stop waits for the count to reach zero, so no copy can outlive the
  // io_context that the session's socket belongs to.
  struct Ticket {
    Ticket(std::shared_ptr<Session> s, std::shared_ptr<ServerState> st)
        : session(std::move(s)), state(std::move(st)) {
      ++state->in_flight;
    }
    ~Ticket() {
      session.reset();  // first, so the session is gone before Stop can see zero
      --state->in_flight;
    }
    std::shared_ptr<Session> session;
    std::shared_ptr<ServerState> state;
  };

  void Dispatch(http::request<http::string_body> message) {
    auto ticket = std::make_shared<Ticket>(shared_from_this(), state_);
    started_ = Clock::now();
    keep_alive_ = message.keep_alive();
    head_request_ = message.method() == http::verb::head;
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    std::string_view client_id = message["X-Request-Id"];
    request.request_id =
        IsSafeRequestId(client_id) ? std::string(client_id) : NewRequestId(*state_);
    request.body = std::move(message.body());
    method_ = request.method;
    target_ = request.target.substr(0, request.target.find('?'));
    request_id_ = request.request_id;
    state_->handler(request, [ticket](HttpResponse response) {
      net::post(ticket->session->stream_.get_executor(),
                [ticket, response = std::move(response)]() mutable {
                  ticket->session->Write(std::move(response), ticket);
                });
    });
  }

  // The answer to a HEAD request is its header alone, with the Content-Length the body would
  // have had (RFC 9110 §9.3.2); writing the body would make the client read it as the start
  // of the next response.
  void Write(HttpResponse response, std::shared_ptr<Ticket> ticket) {
    http::response_header<> header;
    header.result(static_cast<unsigned>(response.status));
    header.version(11);
    header.set(http::field::server, "market4d");
    header.set(http::field::content_type, response.content_type);
    header.set("X-Request-Id", request_id_);
    for (auto& [name, value] : response.headers) header.set(name, value);
    status_ = response.status;
    bool keep_alive = keep_alive_ && !state_->draining;
    if (head_request_) {
      auto message = std::make_shared<http::response<http::empty_body>>(std::move(header));
      message->content_length(response.body.size());
      message->keep_alive(keep_alive);
      return Send(std::move(message), std::move(ticket));
    }
    auto message = std::make_shared<http::response<http::string_body>>(std::move(header),
                                                                       std::move(response.body));
    message->keep_alive(keep_alive);
    message->prepare_payload();
    Send(std::move(message), std::move(ticket));
  }

  template <typename Message>
  void Send(std::shared_ptr<Message> message, std::shared_ptr<Ticket> ticket) {
    stream_.expires_after(state_->options.read_timeout);
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message, ticket = std::move(ticket)](
                          beast::error_code ec, std::size_t) mutable {
                        ticket.reset();
                        self->OnWrite(ec, message->keep_alive());
                      });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
    spdlog::info("access {} {} {} {}us rid={}", method_, target_, status_, micros, request_id_);
    if (ec || !keep_alive) return Close();
    WaitForRequest(state_->options.idle_timeout);
  }

  // Answers a request that could not be read, then closes: the stream position is unknown.
  void RejectAndClose(int status, std::string_view code, std::string_view message) {
    auto ticket = std::make_shared<Ticket>(shared_from_this(), state_);
    started_ = Clock::now();
    keep_alive_ = false;
    head_request_ = false;
    method_ = "-";
    target_ = "-";
    request_id_ = NewRequestId(*state_);
    Write(ErrorResponse(status, code, message, Format::kJson), std::move(ticket));
  }

  // Gives the connection's slot back before the client can see the close, so that a client
  // who saw it may connect again at once and be admitted.
  void Close() {
    slot_.Release();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;
  std::size_t head_searched_ = 0;  // bytes of the buffer already searched for kEndOfHead
  Clock::time_point started_;
  bool keep_alive_ = false;
  bool head_request_ = false;
  int status_ = 0;
  std::string method_, target_, request_id_;
};

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
      std::make_shared<Session>(std::move(socket), state, std::move(slot))->Start();
      return;
    }
    case Admission::kServerFull:
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
  state->acceptor->async_accept(
      net::make_strand(*state->io), [state](beast::error_code ec, tcp::socket socket) {
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
}

Server::~Server() {
  Stop();
  state_->accept_timer.reset();
  state_->acceptor.reset();
  state_->io.reset();
}

Status Server::Start() {
  auto fit = FitConnections(state_->options.max_connections, RaiseOpenFileLimit());
  if (!fit.ok()) return fit.status();
  state_->max_connections = fit.value();
  const std::string& host = state_->options.host;
  auto endpoints = ListenEndpoints(*state_->io, host, state_->options.port);
  if (!endpoints.ok()) return endpoints.status();
  auto& acceptor = state_->acceptor.emplace(net::make_strand(*state_->io));
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
  for (int i = 0; i < std::max(1, state_->options.threads); ++i) {
    state_->threads.emplace_back([state = state_] { state->io->run(); });
  }
  return Status::Ok();
}

std::uint16_t Server::port() const {
  beast::error_code ec;
  return state_->acceptor ? state_->acceptor->local_endpoint(ec).port() : 0;
}

std::size_t Server::max_connections() const { return state_->max_connections; }

void Server::Stop() {
  if (state_->threads.empty()) return;
  state_->draining = true;
  net::post(state_->acceptor->get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
    state->accept_timer->cancel();
  });
  auto deadline = Clock::now() + state_->options.shutdown_grace;
  while (state_->in_flight > 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  state_->io->stop();
  for (auto& thread : state_->threads) thread.join();
  state_->threads.clear();
}

}  // namespace market4::gateway
