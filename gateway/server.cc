#include "gateway/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/codec.h"

namespace market4::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// How much the idle wait reads at once; the parser then enforces the real limits.
constexpr std::size_t kFirstReadBytes = 4096;

}  // namespace

struct ServerState {
  using Handler = Server::Handler;
  ServerOptions options;
  Handler handler;
  // Owned here but destroyed explicitly by ~Server: pending handlers hold this state, so
  // destroying the io_context (and its handlers) is what breaks that cycle.
  std::unique_ptr<net::io_context> io = std::make_unique<net::io_context>();
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> connections{0};
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
  Session(tcp::socket socket, std::shared_ptr<ServerState> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    ++state_->connections;
  }
  ~Session() { --state_->connections; }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->WaitForRequest(); });
  }

 private:
  // Waits for the first byte of the next request under the idle timeout; the read deadline
  // starts only when the request begins, so a slow client cannot hold a request open.
  void WaitForRequest() {
    if (state_->draining) return Close();
    if (buffer_.size() > 0) return ReadRequest();
    stream_.expires_after(state_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->Close();
                              self->buffer_.commit(n);
                              self->ReadRequest();
                            });
  }

  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(state_->options.max_header_bytes));
    stream_.expires_after(state_->options.read_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
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
    if (ec) return RejectAndClose(400, "INVALID_ARGUMENT", "malformed HTTP request");
    Dispatch(parser_->release());
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

  void Write(HttpResponse response, std::shared_ptr<Ticket> ticket) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->result(static_cast<unsigned>(response.status));
    message->version(11);
    message->set(http::field::server, "market4d");
    message->set(http::field::content_type, response.content_type);
    message->set("X-Request-Id", request_id_);
    for (auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !state_->draining);
    message->prepare_payload();
    status_ = response.status;
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
    WaitForRequest();
  }

  // Answers a request that could not be read, then closes: the stream position is unknown.
  void RejectAndClose(int status, std::string_view code, std::string_view message) {
    auto ticket = std::make_shared<Ticket>(shared_from_this(), state_);
    started_ = Clock::now();
    keep_alive_ = false;
    method_ = "-";
    target_ = "-";
    request_id_ = NewRequestId(*state_);
    Write(ErrorResponse(status, code, message, Format::kJson), std::move(ticket));
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<ServerState> state_;
  Clock::time_point started_;
  bool keep_alive_ = false;
  int status_ = 0;
  std::string method_, target_, request_id_;
};

// Over the connection limit: a short 503 written synchronously, then close.
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

void Accept(std::shared_ptr<ServerState> state) {
  state->acceptor->async_accept(
      net::make_strand(*state->io), [state](beast::error_code ec, tcp::socket socket) {
        if (ec == net::error::operation_aborted || !state->acceptor->is_open()) return;
        if (!ec) {
          if (state->connections >= state->options.max_connections) {
            spdlog::warn("refusing connection: {} open", state->connections.load());
            RefuseConnection(std::move(socket));
          } else {
            std::make_shared<Session>(std::move(socket), state)->Start();
          }
        }
        Accept(state);
      });
}

}  // namespace

Server::Server(ServerOptions options, Handler handler) : state_(std::make_shared<ServerState>()) {
  state_->options = std::move(options);
  state_->handler = std::move(handler);
}

Server::~Server() {
  Stop();
  state_->acceptor.reset();
  state_->io.reset();
}

Status Server::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(state_->options.host, ec);
  if (ec) return Status(Code::kInvalidArgument, "bad listen address: " + state_->options.host);
  tcp::endpoint endpoint(address, state_->options.port);
  auto& acceptor = state_->acceptor.emplace(net::make_strand(*state_->io));
  if (acceptor.open(endpoint.protocol(), ec); !ec) {
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  }
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return Status(Code::kIoError, "cannot listen on " + state_->options.host + ":" +
                                      std::to_string(state_->options.port) + ": " + ec.message());
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

void Server::Stop() {
  if (state_->threads.empty()) return;
  state_->draining = true;
  net::post(state_->acceptor->get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor->close(ignored);
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
