// Private to gateway/: what the server's accept loop (server.cc) and its sessions
// (session.cc) share: the state of one Server, owned through a shared_ptr by the Server and
// by every live session and pending handler. Fields are safe to use from any I/O thread
// unless their comment names a strand.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/connections.h"
#include "gateway/event_hub.h"
#include "gateway/server.h"

namespace market4::gateway {

using Clock = std::chrono::steady_clock;

// The event streams being written (stream_session.cc), so that Stop can end them: a stream
// otherwise stays open for as long as its client does. Any I/O thread and Stop's thread.
class StreamRegistry {
 public:
  // False, and nothing added, if `most` streams are open already or CloseAll has run.
  bool Add(std::shared_ptr<EventStream> stream, std::size_t most);
  void Remove(const EventStream* stream);
  // Ends every stream cleanly after what it has queued, and refuses new ones.
  void CloseAll();
  // After the I/O threads stopped: no stream may wake a session (and post into an
  // io_context about to be destroyed) again.
  void DetachAll();

 private:
  std::mutex mutex_;
  bool closed_ = false;
  std::map<const EventStream*, std::shared_ptr<EventStream>> streams_;
};

// What the accept loop may ask of a live session (session.cc).
class Evictable {
 public:
  virtual ~Evictable() = default;
  // Since when (Clock ticks) the session has been waiting for or reading a request; 0 while
  // it answers one, or once it is closed.
  virtual Clock::rep ReadingSince() const = 0;
  // Closes the connection, on the session's own strand.
  virtual void Evict() = 0;
};

// Every live request session, so that a full server can make room for new connections by
// closing those that have waited longest for a request: slow (slowloris) and silent clients
// are the oldest readers, while a normal client's request is read in moments. Without this,
// 1,000 such connections held every slot until their read timeouts and refused everyone
// else. Any I/O thread and the accept strand.
class SessionRegistry {
 public:
  void Add(const std::shared_ptr<Evictable>& session);
  void Remove(const Evictable* session);
  // Asks up to `count` of the longest-reading sessions to close, oldest first, and returns
  // how many it asked. Finding them takes one pass over every session, so a full server
  // evicts a few at a time rather than one per new connection.
  std::size_t EvictLongestReaders(std::size_t count);
  // Sessions waiting for or reading a request now (tests wait for it).
  std::size_t CountReaders();

 private:
  std::mutex mutex_;
  std::unordered_map<const Evictable*, std::weak_ptr<Evictable>> sessions_;
};

struct ServerState {
  using Handler = Server::Handler;
  ServerOptions options;
  Handler handler;
  // One io_context per I/O thread, run by that thread alone; a connection stays on the
  // context it was accepted onto for life. Nothing is handed from one thread to the other
  // and no scheduler lock is shared: with one context for all threads, every answer posted
  // back woke whichever thread was idle (a context switch per request). The acceptor runs on
  // the first. Owned here but destroyed explicitly by ~Server: pending handlers hold this
  // state, so destroying the contexts (and their handlers) is what breaks that cycle.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  // Keeps each context's run() going while it has no connection yet; cleared by Stop.
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>
      keep_running;
  std::size_t next_context = 0;  // the accept strand's round robin
  // The acceptor runs on a strand of its own; its retry timer and the accept_* and refusal
  // fields below belong to that strand too.
  std::optional<boost::asio::ip::tcp::acceptor> acceptor;
  std::optional<boost::asio::steady_timer> accept_timer;
  std::size_t accept_failures = 0;  // in a row; 0 when the last accept worked
  std::size_t refusals_unlogged = 0;
  Clock::time_point last_refusal_log{};
  std::size_t max_connections = 0;  // options.max_connections fitted to the descriptor limit
  ConnectionCounter connections;
  SessionRegistry sessions;
  std::vector<std::thread> threads;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> draining{false};
  std::atomic<std::uint64_t> next_request{0};
  std::string request_prefix;
  StreamRegistry streams;
};

// Starts serving an admitted connection (session.cc); the session holds `slot` until it
// closes.
void StartSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                  ConnectionSlot slot);

// What the access log says of a request whose answer is an event stream.
struct StreamRequest {
  std::string method, target, request_id;
  Clock::time_point started;
};
// Takes over a connection whose answer opens an event stream (stream_session.cc): writes
// `response`'s head, then the stream's frames and keep-alives until the stream ends, the
// client goes, or a write stalls; then closes. The stream must already be in
// state->streams; it is removed when it ends.
void StartEventStream(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerState> state,
                      ConnectionSlot slot, HttpResponse response, StreamRequest request);

}  // namespace market4::gateway
