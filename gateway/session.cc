#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/limits.h"
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

// How much one read of a request head takes at once; the parser then enforces the real limits.
constexpr std::size_t kReadChunkBytes = 4096;
// Room in a connection's buffer beyond one whole request: chunk framing and the first bytes
// of a pipelined next request.
constexpr std::size_t kFramingSlackBytes = 16 * 1024;
// A refused connection is drained for at most this long, or this many bytes, before closing.
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kMaxLingerBytes = 1024 * 1024;
// The blank line that ends a request head.
constexpr std::string_view kEndOfHead = "\r\n\r\n";

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

class Session : public Evictable, public std::enable_shared_from_this<Session> {
 public:
  // The buffer never holds more than one whole request and a read's worth of the next: chunk
  // extensions and framing bytes, which the parser's body limit does not count, cannot grow
  // it without bound.
  Session(tcp::socket socket, std::shared_ptr<ServerState> state, ConnectionSlot slot)
      : client_(slot.client().to_string()),
        stream_(std::move(socket)),
        buffer_(state->options.max_header_bytes + state->options.max_body_bytes +
                kFramingSlackBytes),
        state_(std::move(state)),
        slot_(std::move(slot)) {}
  ~Session() override { state_->sessions.Remove(this); }

  void Start() {
    state_->sessions.Add(shared_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->WaitForRequest(self->state_->options.read_timeout);
    });
  }

 private:
  // Waits up to `wait` for the first byte of the next request. A new connection gets the
  // short read timeout, so silent connections cannot hold every slot; only a connection that
  // already completed a request may wait the idle timeout for its next one. The read deadline
  // starts again when the request begins, so a slow client cannot hold a request open.
  // `since`: when the wait began for the client (for a kept-alive connection, when its last
  // answer went out), so that which connection waited longest does not depend on how soon
  // each I/O thread got round to finishing its write.
  void WaitForRequest(std::chrono::milliseconds wait, Clock::rep since = 0) {
    if (state_->draining) return Close();
    reading_since_ = since != 0 ? since : Clock::now().time_since_epoch().count();
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
    body_limit_ = state_->options.max_body_bytes;
    parser_->body_limit(body_limit_);
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
    body_limit_ = BodyLimitFor(head, state_->options);
    parser_->body_limit(body_limit_);
    beast::error_code ec;
    buffer_.consume(parser_->put(buffer_.data(), ec));
    if (!ec && !parser_->is_header_done()) ec = http::error::bad_value;  // cannot happen
    if (ec) return OnReadError(ec);
    if (auto problem = FramingProblem(*parser_)) {
      return RejectAndClose(400, "INVALID_ARGUMENT", *problem);
    }
    if (parser_->is_done()) return Dispatch(parser_->release());
    head_fields_ = FieldCount();
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code read_ec, std::size_t) {
                       if (read_ec) return self->OnReadError(read_ec);
                       // Beast adds a chunked body's trailer fields to the header, where they
                       // would pass for headers nobody in front of us saw; none are accepted.
                       if (self->FieldCount() != self->head_fields_) {
                         return self->RejectAndClose(400, "INVALID_ARGUMENT",
                                                     "trailer fields are not accepted");
                       }
                       self->Dispatch(self->parser_->release());
                     });
  }

  std::size_t FieldCount() const {
    const auto& header = parser_->get();
    return static_cast<std::size_t>(std::distance(header.begin(), header.end()));
  }

  void OnReadError(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted) {
      return Close();
    }
    if (ec == http::error::body_limit || ec == http::error::buffer_overflow) {
      return RejectAndClose(413, "PAYLOAD_TOO_LARGE",
                            fmt::format("request body exceeds {} bytes", body_limit_));
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
    reading_since_ = 0;
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
    request.client = client_;
    method_ = request.method;
    target_ = request.target.substr(0, request.target.find('?'));
    request_id_ = request.request_id;
    // An answer made on this connection's own thread (a health check, most reads) is written
    // at once; one from another thread (the engine's writer, the slow-read thread) is posted.
    state_->handler(request, [ticket](HttpResponse response) {
      net::dispatch(ticket->session->stream_.get_executor(),
                    [ticket, response = std::move(response)]() mutable {
                      ticket->session->Write(std::move(response), ticket);
                    });
    });
  }

  // The answer to a HEAD request is its header alone, with the Content-Length the body would
  // have had (RFC 9110 §9.3.2); writing the body would make the client read it as the start
  // of the next response.
  void Write(HttpResponse response, std::shared_ptr<Ticket> ticket) {
    if (response.stream && !head_request_) {
      return StartStream(std::move(response), std::move(ticket));
    }
    if (!HeadersAreSafe(response)) {
      spdlog::error("rid={}: refusing to send a header field that is not valid HTTP", request_id_);
      response = ErrorResponse(500, "INTERNAL", "could not encode the response", Format::kJson);
    }
    status_ = response.status;
    bool keep_alive = keep_alive_ && !state_->draining;
    WriteHead(response, keep_alive, &head_);
    body_ = head_request_ || HasNoBody(response.status) ? std::string() : std::move(response.body);
    Send(keep_alive, std::move(ticket));
  }

  // The status line and header fields. Written here, because walking Beast's buffer
  // sequences for each field was the largest single cost of a small answer. A 1xx or 204
  // answer has neither a body nor a Content-Length (RFC 9110 §8.6).
  void WriteHead(const HttpResponse& response, bool keep_alive, std::string* out) const {
    auto reason =
        http::obsolete_reason(http::int_to_status(static_cast<unsigned>(response.status)));
    out->clear();
    out->append("HTTP/1.1 ").append(std::to_string(response.status)).append(1, ' ');
    out->append(reason.data(), reason.size()).append("\r\nServer: market4d");
    if (!response.content_type.empty()) {
      out->append("\r\nContent-Type: ").append(response.content_type);
    }
    out->append("\r\nX-Request-Id: ").append(request_id_);
    for (const auto& [name, value] : response.headers) {
      out->append("\r\n").append(name).append(": ").append(value);
    }
    if (!HasNoBody(response.status)) {
      out->append("\r\nContent-Length: ").append(std::to_string(response.body.size()));
    }
    if (!keep_alive) out->append("\r\nConnection: close");
    out->append("\r\n\r\n");
  }

  static bool HasNoBody(int status) { return (status >= 100 && status < 200) || status == 204; }

  // No header may carry a line break or a NUL (header injection), nor a name that is not an
  // HTTP token.
  static bool HeadersAreSafe(const HttpResponse& response) {
    auto safe_value = [](std::string_view value) {
      return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
    };
    auto safe_name = [](std::string_view name) {
      return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
      });
    };
    if (!safe_value(response.content_type)) return false;
    return std::all_of(response.headers.begin(), response.headers.end(), [&](const auto& header) {
      return safe_name(header.first) && safe_value(header.second);
    });
  }

  // Hands the connection to an event stream (stream_session.cc), which writes from now on and
  // closes it at the end: no further request is read here. Streams may hold only a share of
  // the connections, so that they cannot take every slot from requests.
  void StartStream(HttpResponse response, std::shared_ptr<Ticket> ticket) {
    std::size_t most =
        std::max<std::size_t>(1, state_->max_connections * kMaxEventStreamConnectionsPercent / 100);
    if (!state_->streams.Add(response.stream, most)) {
      keep_alive_ = false;
      return Write(
          ErrorResponse(503, "UNAVAILABLE", "too many event streams; retry later", Format::kJson),
          std::move(ticket));
    }
    status_ = response.status;
    StartEventStream(stream_.release_socket(), state_, std::move(slot_), std::move(response),
                     {method_, target_, request_id_, started_});
    // `ticket` goes now: the stream counts itself as in flight until it ends.
  }

  void Send(bool keep_alive, std::shared_ptr<Ticket> ticket) {
    answered_at_ = Clock::now().time_since_epoch().count();
    stream_.expires_after(state_->options.read_timeout);
    std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    net::async_write(stream_, buffers,
                     [self = shared_from_this(), keep_alive, ticket = std::move(ticket)](
                         beast::error_code ec, std::size_t) mutable {
                       ticket.reset();
                       self->body_ = std::string();  // let a large body go now, not next time
                       self->OnWrite(ec, keep_alive);
                     });
  }

  void OnWrite(beast::error_code ec, bool keep_alive) {
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
    spdlog::info("access {} {} {} {}us rid={}", method_, target_, status_, micros, request_id_);
    if (!ec && rejected_) return Linger(0);
    if (ec || !keep_alive) return Close();
    WaitForRequest(state_->options.idle_timeout, answered_at_);
  }

  // After refusing a request whose bytes we stopped reading: stop sending, then read and drop
  // what the client still sends, for a moment, before closing. Closing with unread bytes
  // makes the kernel reset the connection, and a reset can destroy the refusal before the
  // client reads it (the "lingering close" of RFC 9112 §9.6).
  void Linger(std::size_t drained) {
    if (drained == 0) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.expires_after(kLingerTime);
    }
    if (drained >= kMaxLingerBytes) return Close();
    stream_.async_read_some(net::buffer(linger_buffer_), [self = shared_from_this(), drained](
                                                             beast::error_code ec, std::size_t n) {
      if (ec) return self->Close();
      self->Linger(drained + n);
    });
  }

  // Answers a request that could not be read, then closes: the stream position is unknown.
  void RejectAndClose(int status, std::string_view code, std::string_view message) {
    reading_since_ = 0;
    auto ticket = std::make_shared<Ticket>(shared_from_this(), state_);
    started_ = Clock::now();
    keep_alive_ = false;
    head_request_ = false;
    rejected_ = true;
    method_ = "-";
    target_ = "-";
    request_id_ = NewRequestId(*state_);
    Write(ErrorResponse(status, code, message, Format::kJson), std::move(ticket));
  }

  // Gives the connection's slot back before the client can see the close, so that a client
  // who saw it may connect again at once and be admitted.
  void Close() {
    reading_since_ = 0;
    slot_.Release();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  Clock::rep ReadingSince() const override { return reading_since_; }

  void Evict() override {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }

  std::string client_;                        // ClientKey of the peer, as text
  std::atomic<Clock::rep> reading_since_{0};  // see Evictable::ReadingSince
  Clock::rep answered_at_ = 0;                // when the last answer's write began
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::shared_ptr<ServerState> state_;
  ConnectionSlot slot_;
  std::size_t head_searched_ = 0;  // bytes of the buffer already searched for kEndOfHead
  std::size_t head_fields_ = 0;    // header fields of the request being read, before its body
  std::size_t body_limit_ = 0;     // of the request being read (BodyLimitFor)
  Clock::time_point started_;
  bool keep_alive_ = false;
  bool head_request_ = false;
  bool rejected_ = false;  // the request was refused unread: linger, then close
  std::array<char, 4096> linger_buffer_{};
  int status_ = 0;
  std::string method_, target_, request_id_;
  std::string head_, body_;  // the answer being written
};

}  // namespace

void SessionRegistry::Add(const std::shared_ptr<Evictable>& session) {
  std::lock_guard lock(mutex_);
  sessions_.emplace(session.get(), session);
}

void SessionRegistry::Remove(const Evictable* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
}

std::size_t SessionRegistry::EvictLongestReaders(std::size_t count) {
  std::vector<std::pair<Clock::rep, std::shared_ptr<Evictable>>> readers;
  {
    std::lock_guard lock(mutex_);
    readers.reserve(sessions_.size());
    for (const auto& entry : sessions_) {
      std::shared_ptr<Evictable> session = entry.second.lock();
      Clock::rep since = session ? session->ReadingSince() : 0;
      if (since != 0) readers.emplace_back(since, std::move(session));
    }
  }
  count = std::min(count, readers.size());
  auto by_age = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::partial_sort(readers.begin(), readers.begin() + static_cast<std::ptrdiff_t>(count),
                    readers.end(), by_age);
  for (std::size_t i = 0; i < count; ++i) readers[i].second->Evict();
  return count;
}

std::size_t SessionRegistry::CountReaders() {
  std::lock_guard lock(mutex_);
  std::size_t readers = 0;
  for (const auto& entry : sessions_) {
    std::shared_ptr<Evictable> session = entry.second.lock();
    readers += session && session->ReadingSince() != 0 ? 1 : 0;
  }
  return readers;
}

void StartSession(tcp::socket socket, std::shared_ptr<ServerState> state, ConnectionSlot slot) {
  std::make_shared<Session>(std::move(socket), std::move(state), std::move(slot))->Start();
}

}  // namespace market4::gateway
