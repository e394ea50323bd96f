// The server side of an event stream: a connection whose request opened a stream of
// Server-Sent Events. It writes the head (chunked transfer-encoding, Connection: close), then
// loops on the connection's strand: take the frames that are ready, write them as one chunk;
// with nothing ready, wait to be woken by the hub or for the keep-alive interval, and then
// write a comment. The read and idle deadlines of requests do not apply; each write has the
// server's read_timeout as its deadline, and a stalled write drops the connection. It also
// reads (and discards) whatever the client sends, to notice at once when it goes.
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <string>
#include <utility>

#include "gateway/server_state.h"

namespace market4::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr std::string_view kKeepAliveComment = ": keep-alive\n\n";
// Bytes read at once from a streaming client, only to notice when it closes.
constexpr std::size_t kDiscardBytes = 512;

// One stream counted as in flight for as long as it lives, so that Server::Stop waits for it
// (after closing it) before the io_context goes. The first member of StreamSession, so the
// last destroyed: the count drops only once the socket and timer are gone.
class InFlight {
 public:
  explicit InFlight(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
    ++state_->in_flight;
  }
  ~InFlight() { --state_->in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
  ServerState& state() const { return *state_; }

 private:
  std::shared_ptr<ServerState> state_;
};

class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  StreamSession(tcp::socket socket, std::shared_ptr<ServerState> state, ConnectionSlot slot,
                HttpResponse response, StreamRequest request)
      : in_flight_(state),
        state_(std::move(state)),
        stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        slot_(std::move(slot)),
        events_(std::move(response.stream)),
        response_(std::move(response)),
        request_(std::move(request)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->stream_.expires_never();  // no read deadline: a stream is read only to see EOF
      self->WatchForClose();
      std::weak_ptr<StreamSession> weak = self;
      self->events_->SetWaker([weak, executor = self->stream_.get_executor()] {
        // The strong reference goes into the posted handler, never stays here: the last one
        // must not be dropped under the hub's and the stream's locks.
        if (auto strong = weak.lock()) {
          net::post(executor, [strong = std::move(strong)]() mutable { strong->OnWake(); });
        }
      });
      self->WriteHead();
    });
  }

 private:
  void WriteHead() {
    head_.emplace(http::status::ok, 11);
    head_->set(http::field::server, "market4d");
    head_->set(http::field::content_type, response_.content_type);
    head_->set("X-Request-Id", request_.request_id);
    for (auto& [name, value] : response_.headers) head_->set(name, value);
    head_->chunked(true);
    head_->keep_alive(false);  // the connection ends with the stream
    serializer_.emplace(*head_);
    stream_.expires_after(state_->options.read_timeout);
    http::async_write_header(
        stream_, *serializer_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWritten(ec); });
  }

  // Writes what is ready, or waits for it.
  void Pump() {
    if (ended_) return;
    EventStream::Ready ready = events_->TakeReady();
    if (ready.state == EventStream::State::kDropped) return End("dropped: too slow a reader");
    if (!ready.bytes.empty()) return WriteChunk(std::move(ready.bytes));
    if (ready.state == EventStream::State::kClosed) return WriteLastChunk();
    waiting_ = true;
    timer_.expires_after(events_->keep_alive_interval());
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      self->waiting_ = false;
      if (self->ended_) return;
      if (ec) return self->Pump();  // woken: frames arrived or the stream closed
      self->WriteChunk(std::string(kKeepAliveComment));
    });
  }

  // On the strand, after the hub queued frames or the stream's state changed.
  void OnWake() {
    if (ended_) return;
    if (events_->state() == EventStream::State::kDropped) {
      return End("dropped: too slow a reader");  // at once, even in the middle of a write
    }
    if (waiting_) timer_.cancel();  // a write in progress calls Pump when it is done
  }

  void WriteChunk(std::string bytes) {
    out_ = std::move(bytes);
    ++chunks_;
    stream_.expires_after(state_->options.read_timeout);
    net::async_write(
        stream_, http::make_chunk(net::buffer(out_)),
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnWritten(ec); });
  }

  void OnWritten(beast::error_code ec) {
    if (ended_) return;
    if (ec) return End(ec == beast::error::timeout ? "write timed out" : "client gone");
    Pump();
  }

  void WriteLastChunk() {
    stream_.expires_after(state_->options.read_timeout);
    net::async_write(stream_, http::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, std::size_t) {
                       self->End("server stopping");
                     });
  }

  // Reads and drops what the client sends (a pipelined request is not served on a stream);
  // an end of stream or error means the client is gone.
  void WatchForClose() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (self->ended_) return;
                              if (ec) return self->End("client closed");
                              self->WatchForClose();
                            });
  }

  void End(std::string_view why) {
    if (ended_) return;
    ended_ = true;
    events_->Detach();
    state_->streams.Remove(events_.get());
    timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    slot_.Release();
    auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - request_.started)
            .count();
    spdlog::info("access {} {} 200 {}us rid={} stream of {}: {} chunks, ended: {}", request_.method,
                 request_.target, micros, request_.request_id, events_->merchant_id(), chunks_,
                 why);
  }

  InFlight in_flight_;  // first: destroyed last
  std::shared_ptr<ServerState> state_;
  beast::tcp_stream stream_;
  net::steady_timer timer_;
  ConnectionSlot slot_;
  std::shared_ptr<EventStream> events_;
  HttpResponse response_;  // its head, until written
  StreamRequest request_;
  std::optional<http::response<http::empty_body>> head_;
  std::optional<http::response_serializer<http::empty_body>> serializer_;
  std::string out_;  // the chunk being written
  std::array<char, kDiscardBytes> discard_{};
  std::size_t chunks_ = 0;  // written after the head
  bool waiting_ = false;
  bool ended_ = false;
};

}  // namespace

bool StreamRegistry::Add(std::shared_ptr<EventStream> stream, std::size_t most) {
  std::lock_guard lock(mutex_);
  if (closed_ || streams_.size() >= most) return false;
  const EventStream* key = stream.get();
  streams_.emplace(key, std::move(stream));
  return true;
}

void StreamRegistry::Remove(const EventStream* stream) {
  std::shared_ptr<EventStream> removed;  // released after the lock
  std::lock_guard lock(mutex_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  removed = std::move(it->second);
  streams_.erase(it);
}

void StreamRegistry::CloseAll() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (auto& [key, stream] : streams_) stream->Close();
}

void StreamRegistry::DetachAll() {
  std::map<const EventStream*, std::shared_ptr<EventStream>> detached;  // released after
  std::lock_guard lock(mutex_);
  for (auto& [key, stream] : streams_) stream->Detach();
  detached.swap(streams_);
}

void StartEventStream(tcp::socket socket, std::shared_ptr<ServerState> state, ConnectionSlot slot,
                      HttpResponse response, StreamRequest request) {
  std::make_shared<StreamSession>(std::move(socket), std::move(state), std::move(slot),
                                  std::move(response), std::move(request))
      ->Start();
}

}  // namespace market4::gateway
