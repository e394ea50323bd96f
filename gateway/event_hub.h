// EventHub: the merchants' live event streams (GET /v1/merchant/events, Server-Sent Events).
// The engine hands it each durable batch's merchant events (Publish, on the engine's writer
// thread); it copies each into the bounded queue of every open stream of that event's
// merchant and wakes the stream's session, never touching a socket and never blocking. It
// also keeps the short-lived stream tickets, as hashes, in memory only: they are not ledger
// state, and a restart that forgets them only makes a browser ask for a new one.
// Owned by whoever wires the server (market4d's main, the test fixture): created before the
// engine, which calls Publish, and destroyed after it. Streams may outlive it. Every method
// may be called from any thread. No Beast here: the router and the sessions meet the stream
// through this header.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/limits.h"
#include "common/status.h"
#include "engine/clock.h"
#include "market4/v1/stall.pb.h"

namespace market4::gateway {

namespace v1 = ::market4::v1;

struct EventHubOptions {
  // Frames waiting for one stream's connection. A reader that falls this far behind is
  // dropped (it may resume with Last-Event-ID). Default: kEventStreamBufferFrames.
  std::size_t buffer_frames = kEventStreamBufferFrames;
  // Open streams, in total and per merchant; more are 503. Default: kMaxEventStreams,
  // kMaxEventStreamsPerMerchant.
  std::size_t max_streams = kMaxEventStreams;
  std::size_t max_streams_per_merchant = kMaxEventStreamsPerMerchant;
  // A stream with nothing to say sends a ": keep-alive" comment this often, so that
  // proxies keep it open and clients can tell it is alive. Default: 15 s.
  std::chrono::milliseconds keep_alive_interval = kEventKeepAliveInterval;
  // The `retry:` a stream starts with: how long EventSource waits before reconnecting.
  // Default: 3 s.
  std::chrono::milliseconds retry_delay = kEventRetryDelay;
  // How long a ticket may wait to be used. Default: 60 s.
  std::chrono::seconds ticket_ttl = kEventTicketTtl;
  // Tickets issued and not yet used or expired, per merchant and in total; more are 503.
  // Default: kMaxEventTicketsPerMerchant, kMaxEventTickets.
  std::size_t max_tickets_per_merchant = kMaxEventTicketsPerMerchant;
  std::size_t max_tickets = kMaxEventTickets;
  // Time for ticket expiry. Not owned; must outlive the hub. Default (nullptr): the system
  // clock.
  engine::Clock* clock = nullptr;
};

struct EventHubShared;  // private to event_hub.cc: the streams by merchant, under one mutex

// One open stream of one merchant: the frames waiting for its connection, and where it
// stands. The hub fills it (any thread); its session drains it with TakeReady, on the
// session's strand only, and is woken through the waker it sets. Destroying it unsubscribes.
class EventStream {
 public:
  enum class State {
    kOpen,
    kDropped,  // the reader fell behind (or replay failed): close the connection at once
    kClosed,   // the server is stopping: end the stream cleanly after what is queued
  };
  struct Ready {
    std::string bytes;  // to write now, whole frames; "" when nothing waits
    State state = State::kOpen;
  };
  // Stored events of the stream's merchant with ids above `after_id`, oldest first, at most
  // `limit` (engine::Query::ListMerchantEvents).
  using ReplaySource = std::function<Result<std::vector<v1::MerchantEvent>>(std::uint64_t after_id,
                                                                            std::size_t limit)>;

  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  const std::string& merchant_id() const { return merchant_id_; }
  std::chrono::milliseconds keep_alive_interval() const { return keep_alive_interval_; }
  State state() const;

  // What to write next: the `retry:` line first, then stored events (one replay page per
  // call), then live ones, each sent once and in id order: a live event at or below the
  // last id sent is skipped, so the seam between replay and live neither loses nor repeats
  // one. Session strand only (it may read the store).
  Ready TakeReady();

  // `wake` is called, under the stream's lock, whenever frames arrive or the state changes;
  // it must only post to the session's executor. Detach removes it: once Detach returns it
  // is never called again.
  void SetWaker(std::function<void()> wake);
  void Detach();
  // Ends the stream cleanly after what is queued (the server is stopping).
  void Close();

 private:
  friend class EventHub;
  struct Frame {
    std::uint64_t id;
    std::shared_ptr<const v1::MerchantEvent> event;  // shared by the merchant's streams
  };

  EventStream(std::shared_ptr<EventHubShared> hub, std::string merchant_id,
              std::optional<std::uint64_t> last_event_id, ReplaySource replay,
              const EventHubOptions& options);
  // Queues a live event; a full queue drops the stream. The hub's lock is held.
  void Push(const Frame& frame);
  void WakeLocked(bool state_changed);  // mutex_ held
  // Appends the next page of stored events; false if the store could not be read.
  bool ReplayPage(std::string* out);
  void Append(const v1::MerchantEvent& event, std::string* out);

  const std::shared_ptr<EventHubShared> hub_;
  const std::string merchant_id_;
  const std::size_t buffer_frames_;
  const std::chrono::milliseconds keep_alive_interval_;
  const std::chrono::milliseconds retry_delay_;
  const ReplaySource replay_;

  // The session's strand only.
  bool preamble_sent_ = false;
  bool replaying_ = false;
  std::uint64_t last_sent_ = 0;

  mutable std::mutex mutex_;  // guards what follows
  std::deque<Frame> queue_;
  State state_ = State::kOpen;
  std::function<void()> waker_;
  bool wake_pending_ = false;  // woken since the session last took the queue
};

class EventHub {
 public:
  explicit EventHub(EventHubOptions options = {});
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Hands durable events to their merchants' open streams (EngineOptions::on_merchant_events;
  // the engine's committing thread). Copies under a short lock and posts wake-ups; never blocks.
  void Publish(const std::vector<v1::MerchantEvent>& events);

  // Opens a stream of `merchant_id`'s events. With `last_event_id`, the stored events after
  // it come first (read through `replay` as the session writes), then live ones; without,
  // only events published from now on. UNAVAILABLE when too many streams are open, in total
  // or for this merchant.
  [[nodiscard]] Result<std::shared_ptr<EventStream>> Subscribe(
      const std::string& merchant_id, std::optional<std::uint64_t> last_event_id,
      EventStream::ReplaySource replay);

  // A single-use ticket that opens one stream of `merchant_id`'s events within ticket_ttl.
  // Only a hash of its secret part is kept. UNAVAILABLE when too many are outstanding.
  [[nodiscard]] Result<v1::EventTicket> IssueTicket(const std::string& merchant_id);
  // The merchant a ticket was issued to, consuming the ticket. UNAUTHENTICATED if it is
  // unknown, already used or expired.
  [[nodiscard]] Result<std::string> RedeemTicket(std::string_view ticket);

  // Open streams: all, or one merchant's.
  std::size_t open_streams() const;
  std::size_t open_streams(const std::string& merchant_id) const;

 private:
  // A ticket is "evt_<selector>_<secret>": the selector finds the record, and the secret's
  // SHA-256 is compared in constant time, so a lookup's timing tells nothing about a secret.
  struct TicketRecord {
    Sha256Digest secret_hash{};
    std::string merchant_id;
    std::int64_t expires_at_nanos = 0;
  };
  std::int64_t NowNanos() const;
  void ForgetTicket(std::map<std::string, TicketRecord>::iterator it);  // tickets_mutex_ held
  void ForgetExpiredTickets(std::int64_t now_nanos);                    // tickets_mutex_ held

  const EventHubOptions options_;
  mutable engine::SystemClock system_clock_;
  std::shared_ptr<EventHubShared> shared_;

  std::mutex tickets_mutex_;                             // guards what follows
  std::map<std::string, TicketRecord> tickets_;          // by selector
  std::map<std::string, std::size_t> merchant_tickets_;  // outstanding, per merchant
};

}  // namespace market4::gateway
