#include "gateway/event_hub.h"

#include <google/protobuf/util/time_util.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <utility>

#include "gateway/codec.h"

namespace market4::gateway {

// The streams by merchant. Shared by the hub and its streams, so a stream that outlives the
// hub can still unsubscribe. Lock order: this mutex, then a stream's.
struct EventHubShared {
  std::mutex mutex;
  std::multimap<std::string, EventStream*> streams;  // by merchant id
};

namespace {

constexpr char kTicketPrefix[] = "evt_";
constexpr char kTicketSeparator = '_';

Status TicketRefused() {
  return Status(Code::kUnauthenticated, "the ticket is unknown, already used or expired");
}

}  // namespace

// --- EventStream ---

EventStream::EventStream(std::shared_ptr<EventHubShared> hub, std::string merchant_id,
                         std::optional<std::uint64_t> last_event_id, ReplaySource replay,
                         const EventHubOptions& options)
    : hub_(std::move(hub)),
      merchant_id_(std::move(merchant_id)),
      buffer_frames_(std::max<std::size_t>(1, options.buffer_frames)),
      keep_alive_interval_(options.keep_alive_interval),
      retry_delay_(options.retry_delay),
      replay_(std::move(replay)),
      replaying_(last_event_id.has_value()),
      last_sent_(last_event_id.value_or(0)) {}

EventStream::~EventStream() {
  std::lock_guard lock(hub_->mutex);
  auto [first, last] = hub_->streams.equal_range(merchant_id_);
  for (auto it = first; it != last; ++it) {
    if (it->second == this) {
      hub_->streams.erase(it);
      break;
    }
  }
}

EventStream::State EventStream::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void EventStream::SetWaker(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  waker_ = std::move(wake);
  if (!queue_.empty() || state_ != State::kOpen) WakeLocked(true);
}

void EventStream::Detach() {
  std::function<void()> old;  // destroyed after the lock is released
  std::lock_guard lock(mutex_);
  old = std::exchange(waker_, nullptr);
}

void EventStream::Close() {
  std::lock_guard lock(mutex_);
  if (state_ != State::kOpen) return;
  state_ = State::kClosed;
  WakeLocked(true);
}

void EventStream::Push(const Frame& frame) {
  std::lock_guard lock(mutex_);
  if (state_ != State::kOpen) return;
  if (queue_.size() >= buffer_frames_) {
    // Too slow a reader: it is dropped rather than allowed to hold events (and memory) back.
    // Everything it missed is stored; it resumes with Last-Event-ID.
    state_ = State::kDropped;
    queue_.clear();
    return WakeLocked(true);
  }
  queue_.push_back(frame);
  WakeLocked(false);
}

// New frames need one wake-up until the session takes them; a change of state always wakes
// it, because a session stalled in a write has seen the earlier wake-up and not yet taken
// anything.
void EventStream::WakeLocked(bool state_changed) {
  if ((wake_pending_ && !state_changed) || !waker_) return;
  wake_pending_ = true;
  waker_();
}

EventStream::Ready EventStream::TakeReady() {
  Ready ready;
  if (!preamble_sent_) {
    ready.bytes = fmt::format("retry: {}\n\n", retry_delay_.count());
    preamble_sent_ = true;
  }
  if (replaying_) {
    if (!ReplayPage(&ready.bytes)) return {"", State::kDropped};
    if (replaying_) {
      ready.state = state();
      return ready;
    }
  }
  std::deque<Frame> live;
  {
    std::lock_guard lock(mutex_);
    wake_pending_ = false;
    live.swap(queue_);
    ready.state = state_;
  }
  if (ready.state == State::kDropped) return {"", State::kDropped};
  for (const Frame& frame : live) {
    if (frame.id <= last_sent_) continue;  // already sent by the replay
    Append(*frame.event, &ready.bytes);
  }
  return ready;
}

bool EventStream::ReplayPage(std::string* out) {
  auto page = replay_ ? replay_(last_sent_, kEventReplayPageSize)
                      : Result<std::vector<v1::MerchantEvent>>(std::vector<v1::MerchantEvent>());
  if (!page.ok()) {
    spdlog::warn("event stream of {}: cannot read stored events: {}", merchant_id_,
                 page.status().ToString());
    return false;
  }
  for (const v1::MerchantEvent& event : page.value()) Append(event, out);
  if (page->size() < kEventReplayPageSize) replaying_ = false;  // caught up with the store
  return true;
}

// One frame: `id`, `event` and the event's protobuf JSON on one `data` line (the JSON
// printer escapes every line break inside strings, so the frame cannot be split).
void EventStream::Append(const v1::MerchantEvent& event, std::string* out) {
  std::string json = MessageResponse(200, event, Format::kJson).body;
  while (!json.empty() && json.back() == '\n') json.pop_back();
  fmt::format_to(std::back_inserter(*out), "id: {}\nevent: {}\ndata: {}\n\n", event.id(),
                 event.name(), json);
  last_sent_ = event.id();
}

// --- EventHub ---

EventHub::EventHub(EventHubOptions options)
    : options_(std::move(options)), shared_(std::make_shared<EventHubShared>()) {}

EventHub::~EventHub() = default;

void EventHub::Publish(const std::vector<v1::MerchantEvent>& events) {
  std::lock_guard lock(shared_->mutex);
  for (const v1::MerchantEvent& event : events) {
    auto [first, last] = shared_->streams.equal_range(event.merchant_id());
    if (first == last) continue;
    EventStream::Frame frame{event.id(), std::make_shared<const v1::MerchantEvent>(event)};
    for (auto it = first; it != last; ++it) it->second->Push(frame);
  }
}

Result<std::shared_ptr<EventStream>> EventHub::Subscribe(const std::string& merchant_id,
                                                         std::optional<std::uint64_t> last_event_id,
                                                         EventStream::ReplaySource replay) {
  std::lock_guard lock(shared_->mutex);
  if (shared_->streams.size() >= options_.max_streams) {
    return Status(Code::kUnavailable, "too many event streams are open; retry later");
  }
  if (shared_->streams.count(merchant_id) >= options_.max_streams_per_merchant) {
    return Status(Code::kUnavailable,
                  "this merchant has too many event streams open; close one or retry later");
  }
  std::shared_ptr<EventStream> stream(
      new EventStream(shared_, merchant_id, last_event_id, std::move(replay), options_));
  shared_->streams.emplace(merchant_id, stream.get());
  return stream;
}

std::size_t EventHub::open_streams() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->streams.size();
}

std::size_t EventHub::open_streams(const std::string& merchant_id) const {
  std::lock_guard lock(shared_->mutex);
  return shared_->streams.count(merchant_id);
}

std::int64_t EventHub::NowNanos() const {
  return (options_.clock != nullptr ? options_.clock : &system_clock_)->NowNanos();
}

void EventHub::ForgetTicket(std::map<std::string, TicketRecord>::iterator it) {
  auto count = merchant_tickets_.find(it->second.merchant_id);
  if (count != merchant_tickets_.end() && --count->second == 0) merchant_tickets_.erase(count);
  tickets_.erase(it);
}

void EventHub::ForgetExpiredTickets(std::int64_t now_nanos) {
  for (auto it = tickets_.begin(); it != tickets_.end();) {
    auto next = std::next(it);
    if (it->second.expires_at_nanos <= now_nanos) ForgetTicket(it);
    it = next;
  }
}

Result<v1::EventTicket> EventHub::IssueTicket(const std::string& merchant_id) {
  auto selector = RandomHex(kEventTicketSelectorBytes);
  if (!selector.ok()) return selector.status();
  auto secret = RandomHex(kEventTicketSecretBytes);
  if (!secret.ok()) return secret.status();
  std::int64_t now = NowNanos();
  std::int64_t expires_at =
      now + std::chrono::duration_cast<std::chrono::nanoseconds>(options_.ticket_ttl).count();
  std::lock_guard lock(tickets_mutex_);
  auto mine = [&] {
    auto it = merchant_tickets_.find(merchant_id);
    return it == merchant_tickets_.end() ? 0 : it->second;
  };
  // Expired tickets are swept only when a limit is reached: until then they cost little, and
  // a sweep costs a pass over them all.
  if (tickets_.size() >= options_.max_tickets || mine() >= options_.max_tickets_per_merchant) {
    ForgetExpiredTickets(now);
  }
  if (tickets_.size() >= options_.max_tickets || mine() >= options_.max_tickets_per_merchant) {
    return Status(Code::kUnavailable, "too many unused event tickets; use one or retry later");
  }
  if (!tickets_
           .emplace(selector.value(), TicketRecord{Sha256(secret.value()), merchant_id, expires_at})
           .second) {
    return Status(Code::kUnavailable, "could not issue a ticket; retry");  // 2^-64
  }
  ++merchant_tickets_[merchant_id];
  v1::EventTicket ticket;
  ticket.set_ticket(kTicketPrefix + selector.value() + kTicketSeparator + secret.value());
  *ticket.mutable_expires_at() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(expires_at);
  return ticket;
}

Result<std::string> EventHub::RedeemTicket(std::string_view ticket) {
  std::string_view prefix = kTicketPrefix;
  if (ticket.substr(0, prefix.size()) != prefix) return TicketRefused();
  ticket.remove_prefix(prefix.size());
  std::size_t separator = ticket.find(kTicketSeparator);
  if (separator == std::string_view::npos) return TicketRefused();
  std::string selector(ticket.substr(0, separator));
  Sha256Digest secret_hash = Sha256(ticket.substr(separator + 1));
  std::int64_t now = NowNanos();
  std::lock_guard lock(tickets_mutex_);
  auto it = tickets_.find(selector);
  if (it == tickets_.end()) return TicketRefused();
  std::string_view presented(reinterpret_cast<const char*>(secret_hash.data()), secret_hash.size());
  std::string_view stored(reinterpret_cast<const char*>(it->second.secret_hash.data()),
                          it->second.secret_hash.size());
  // A wrong secret leaves the ticket in place: knowing a selector (it is no secret) must not
  // let anyone spend another's ticket.
  if (!ConstantTimeEquals(presented, stored)) return TicketRefused();
  std::string merchant_id = it->second.merchant_id;
  bool expired = it->second.expires_at_nanos <= now;
  ForgetTicket(it);  // single use, whether or not it was still valid
  if (expired) return TicketRefused();
  return merchant_id;
}

}  // namespace market4::gateway
