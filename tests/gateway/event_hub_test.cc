// The event hub without sockets: frames, replay then live with nothing lost or repeated at
// the seam, "from now on" without a last id, the bounded buffer that drops a slow reader,
// stream limits, and single-use tickets that expire.
#include "gateway/event_hub.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace market4::gateway {
namespace event_hub_test {

v1::MerchantEvent Event(std::uint64_t id, const std::string& merchant = "m_1") {
  v1::MerchantEvent event;
  event.set_id(id);
  event.set_merchant_id(merchant);
  event.set_name("payment.received");
  event.set_kind("order");
  event.set_order_id("o_" + std::to_string(id));
  event.set_amount(10'000);
  event.set_buyer_name("Anh Tư");
  return event;
}

// The ids of the frames in `bytes`, in order.
std::vector<std::uint64_t> Ids(const std::string& bytes) {
  std::vector<std::uint64_t> ids;
  for (std::size_t at = bytes.find("id: "); at != std::string::npos;
       at = bytes.find("\nid: ", at + 1)) {
    ids.push_back(std::stoull(bytes.substr(at + (bytes[at] == '\n' ? 5 : 4))));
  }
  return ids;
}

// A store of `count` events of m_1 (ids 1..count), read the way the engine's query does.
EventStream::ReplaySource Store(std::uint64_t count, int* reads = nullptr) {
  return [count, reads](std::uint64_t after, std::size_t limit) {
    if (reads != nullptr) ++*reads;
    std::vector<v1::MerchantEvent> page;
    for (std::uint64_t id = after + 1; id <= count && page.size() < limit; ++id) {
      page.push_back(Event(id));
    }
    return Result<std::vector<v1::MerchantEvent>>(page);
  };
}

// Everything the stream has ready now, over as many calls as it takes.
std::string Drain(EventStream& stream) {
  std::string all;
  for (EventStream::Ready ready = stream.TakeReady(); !ready.bytes.empty();
       ready = stream.TakeReady()) {
    all += ready.bytes;
  }
  return all;
}

TEST(EventHubTest, FrameIsIdEventAndOneLineOfJson) {
  EventHub hub;
  auto stream = hub.Subscribe("m_1", std::nullopt, nullptr);
  ASSERT_TRUE(stream.ok());
  v1::MerchantEvent event = Event(7);
  event.set_buyer_name("Anh\nTư");  // cannot happen (names are checked), but must not split
  hub.Publish({event});
  EXPECT_EQ(stream.value()->TakeReady().bytes,
            "retry: 3000\n\n"
            "id: 7\nevent: payment.received\n"
            R"(data: {"id":"7","merchant_id":"m_1","name":"payment.received","kind":"order",)"
            R"("order_id":"o_7","request_code":"","payout_id":"","amount":"10000",)"
            R"("buyer_name":"Anh\nTư","status":""})"
            "\n\n");
}

TEST(EventHubTest, WithoutLastEventIdOnlyNewEventsOfTheMerchantCome) {
  EventHub hub;
  int reads = 0;
  auto stream = hub.Subscribe("m_1", std::nullopt, Store(5, &reads));
  ASSERT_TRUE(stream.ok());
  hub.Publish({Event(6), Event(7, "m_2"), Event(8)});
  EXPECT_EQ(Ids(Drain(*stream.value())), (std::vector<std::uint64_t>{6, 8}));
  EXPECT_EQ(reads, 0);  // nothing stored is replayed
}

TEST(EventHubTest, ReplayThenLiveLosesAndRepeatsNothing) {
  EventHub hub;
  int reads = 0;
  // 450 stored events: three replay pages. Events 440..460 are also published while the
  // stream replays (committed after it subscribed): each must come exactly once.
  auto stream = hub.Subscribe("m_1", 0, Store(450, &reads));
  ASSERT_TRUE(stream.ok());
  std::vector<v1::MerchantEvent> live;
  for (std::uint64_t id = 440; id <= 460; ++id) live.push_back(Event(id));
  hub.Publish(live);
  std::vector<std::uint64_t> expected;
  for (std::uint64_t id = 1; id <= 460; ++id) expected.push_back(id);
  EXPECT_EQ(Ids(Drain(*stream.value())), expected);
  EXPECT_EQ(reads, 3);
  hub.Publish({Event(461)});
  EXPECT_EQ(Ids(stream.value()->TakeReady().bytes), (std::vector<std::uint64_t>{461}));
}

TEST(EventHubTest, ResumesAfterTheLastEventId) {
  EventHub hub;
  auto stream = hub.Subscribe("m_1", 3, Store(5));
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(Ids(Drain(*stream.value())), (std::vector<std::uint64_t>{4, 5}));
}

TEST(EventHubTest, ASlowReaderIsDroppedAndWokenOnce) {
  EventHubOptions options;
  options.buffer_frames = 3;
  EventHub hub(options);
  auto slow = hub.Subscribe("m_1", std::nullopt, nullptr);
  auto other = hub.Subscribe("m_2", std::nullopt, nullptr);
  ASSERT_TRUE(slow.ok() && other.ok());
  int wakes = 0;
  slow.value()->SetWaker([&wakes] { ++wakes; });
  hub.Publish({Event(1), Event(2), Event(3, "m_2"), Event(4)});
  EXPECT_EQ(slow.value()->state(), EventStream::State::kOpen);
  hub.Publish({Event(5)});  // the fourth queued frame: over the buffer
  EXPECT_EQ(slow.value()->state(), EventStream::State::kDropped);
  // Woken for the first frame (the others waited for the session to take it), and again when
  // dropped: a session stalled in a write must hear of that at once.
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(slow.value()->TakeReady().state, EventStream::State::kDropped);
  EXPECT_EQ(Ids(Drain(*other.value())), (std::vector<std::uint64_t>{3}));
  int other_wakes = 0;
  other.value()->SetWaker([&other_wakes] { ++other_wakes; });
  other.value()->Detach();  // from now on never woken
  other.value()->Close();
  EXPECT_EQ(other_wakes, 0);
}

TEST(EventHubTest, CloseEndsAfterWhatIsQueued) {
  EventHub hub;
  auto stream = hub.Subscribe("m_1", std::nullopt, nullptr);
  ASSERT_TRUE(stream.ok());
  hub.Publish({Event(1)});
  stream.value()->Close();
  EventStream::Ready ready = stream.value()->TakeReady();
  EXPECT_EQ(Ids(ready.bytes), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(ready.state, EventStream::State::kClosed);
}

TEST(EventHubTest, StreamsAreLimitedInTotalAndPerMerchant) {
  EventHubOptions options;
  options.max_streams = 3;
  options.max_streams_per_merchant = 2;
  EventHub hub(options);
  auto a = hub.Subscribe("m_1", std::nullopt, nullptr);
  auto b = hub.Subscribe("m_1", std::nullopt, nullptr);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(hub.Subscribe("m_1", std::nullopt, nullptr).status().code(), Code::kUnavailable);
  auto c = hub.Subscribe("m_2", std::nullopt, nullptr);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(hub.Subscribe("m_3", std::nullopt, nullptr).status().code(), Code::kUnavailable);
  EXPECT_EQ(hub.open_streams(), 3u);
  a = Status(Code::kInternal, "closed");  // the stream is destroyed: unsubscribed
  EXPECT_EQ(hub.open_streams("m_1"), 1u);
  EXPECT_TRUE(hub.Subscribe("m_1", std::nullopt, nullptr).ok());
}

TEST(EventHubTest, StreamsMayOutliveTheHub) {
  std::shared_ptr<EventStream> stream;
  {
    EventHub hub;
    stream = hub.Subscribe("m_1", std::nullopt, nullptr).value();
  }
  EXPECT_EQ(stream->TakeReady().bytes, "retry: 3000\n\n");
}

class EventTicketTest : public ::testing::Test {
 protected:
  EventTicketTest() {
    options_.clock = &clock_;
    options_.max_tickets_per_merchant = 2;
    options_.max_tickets = 3;
  }
  engine::ManualClock clock_;
  EventHubOptions options_;
};

TEST_F(EventTicketTest, ATicketOpensOneStreamOnceWithinItsLifetime) {
  EventHub hub(options_);
  auto ticket = hub.IssueTicket("m_1");
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->ticket().rfind("evt_", 0), 0u);
  EXPECT_EQ(ticket->expires_at().seconds() * 1'000'000'000 + ticket->expires_at().nanos(),
            clock_.NowNanos() + 60'000'000'000);
  auto redeemed = hub.RedeemTicket(ticket->ticket());
  ASSERT_TRUE(redeemed.ok());
  EXPECT_EQ(redeemed.value(), "m_1");
  EXPECT_EQ(hub.RedeemTicket(ticket->ticket()).status().code(), Code::kUnauthenticated);

  auto late = hub.IssueTicket("m_1");
  ASSERT_TRUE(late.ok());
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(hub.RedeemTicket(late->ticket()).status().code(), Code::kUnauthenticated);
}

TEST_F(EventTicketTest, AWrongSecretNeitherOpensNorSpendsTheTicket) {
  EventHub hub(options_);
  auto ticket = hub.IssueTicket("m_1");
  ASSERT_TRUE(ticket.ok());
  std::string forged = ticket->ticket();
  forged.back() = forged.back() == '0' ? '1' : '0';
  for (const std::string& wrong : {forged, std::string("evt_"), std::string("m_1"),
                                   ticket->ticket().substr(0, ticket->ticket().size() - 1)}) {
    EXPECT_EQ(hub.RedeemTicket(wrong).status().code(), Code::kUnauthenticated) << wrong;
  }
  EXPECT_TRUE(hub.RedeemTicket(ticket->ticket()).ok());
}

TEST_F(EventTicketTest, OutstandingTicketsAreBoundedAndExpiryFreesThem) {
  EventHub hub(options_);
  ASSERT_TRUE(hub.IssueTicket("m_1").ok());
  ASSERT_TRUE(hub.IssueTicket("m_1").ok());
  EXPECT_EQ(hub.IssueTicket("m_1").status().code(), Code::kUnavailable);  // per merchant
  auto other = hub.IssueTicket("m_2");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(hub.IssueTicket("m_3").status().code(), Code::kUnavailable);  // in total
  ASSERT_TRUE(hub.RedeemTicket(other->ticket()).ok());                    // used: freed
  EXPECT_TRUE(hub.IssueTicket("m_3").ok());
  clock_.Advance(std::chrono::seconds(61));  // all expired: swept when a limit is reached
  EXPECT_TRUE(hub.IssueTicket("m_1").ok());
  EXPECT_TRUE(hub.IssueTicket("m_1").ok());
  EXPECT_TRUE(hub.IssueTicket("m_2").ok());
}

}  // namespace event_hub_test
}  // namespace market4::gateway
