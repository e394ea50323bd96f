// GET /v1/merchant/events over real sockets: a merchant's payments arrive once, in order,
// only once durable, and to that merchant only; Last-Event-ID resumes without gaps or
// repeats; tickets open one stream once and expire; tokens never go in URLs; only merchants
// listen; quiet streams send keep-alives; a slow reader is dropped while everyone else
// carries on; and stopping the server ends open streams at once.
#include <google/protobuf/util/json_util.h>

#include <chrono>
#include <future>
#include <set>
#include <thread>
#include <vector>

#include "market4/v1/stall.pb.h"
#include "tests/gateway/gateway_fixture.h"
#include "tests/gateway/sse_client.h"

namespace market4 {
namespace merchant_events_test {

using testing::SseClient;
using testing::SseRecord;

std::map<std::string, std::string> Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

v1::MerchantEvent EventOf(const SseRecord& record) {
  v1::MerchantEvent event;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(record.data, &event).ok()) << record.data;
  EXPECT_EQ(record.id, std::to_string(event.id()));
  EXPECT_EQ(record.event, event.name());
  return event;
}

class MerchantEventsHttpTest : public GatewayFixture {
 protected:
  void SetUp() override {
    // One buyer places a dozen orders before paying them (the events must come in order).
    market_options_.max_unpaid_orders = 0;
    GatewayFixture::SetUp();
    merchant_ = NewMerchant("Cô Ba");
    other_ = NewMerchant("Chú Năm");
    buyer_ = NewBuyer("Anh Tư");
    Deposit(buyer_, 1'000'000);
    listing_ = NewListing(merchant_, 10'000, 1'000);
    other_listing_ = NewListing(other_, 62'000, 100, "Cá rô");
  }

  // Opens `merchant`'s stream with `headers` and checks that it is one.
  std::unique_ptr<SseClient> Listen(const std::string& target,
                                    std::map<std::string, std::string> headers) {
    auto stream = std::make_unique<SseClient>(server_->port());
    ClientResponse head = stream->Open(target, headers);
    EXPECT_EQ(head.status, 200) << head.body;
    EXPECT_EQ(head.Header("content-type"), "text/event-stream");
    EXPECT_EQ(head.Header("cache-control"), "no-store");
    EXPECT_EQ(head.Header("x-accel-buffering"), "no");
    EXPECT_EQ(head.Header("transfer-encoding"), "chunked");
    auto retry = stream->Next();
    EXPECT_TRUE(retry.has_value() && retry->retry == "3000");
    return stream;
  }
  std::unique_ptr<SseClient> Listen(const Principal& merchant,
                                    std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> headers = Bearer(merchant.token);
    headers.insert(extra.begin(), extra.end());
    return Listen("/v1/merchant/events", headers);
  }

  ClientResponse Open(const std::string& target, std::map<std::string, std::string> headers) {
    SseClient stream(server_->port());
    return stream.Open(target, headers);
  }

  // Places and pays an order of `quantity` from `listing`; returns its id.
  std::string PaidOrder(const std::string& listing, std::int64_t quantity = 1) {
    std::string order = OrderId(buyer_, listing, quantity);
    EXPECT_EQ(Act(buyer_, order, "pay").status, 200);
    return order;
  }

  // Pays `orders` one after another from another thread, on its own connection.
  std::future<void> PayInBackground(std::vector<std::string> orders,
                                    std::promise<void>* after_first = nullptr) {
    return std::async(std::launch::async, [this, orders, after_first] {
      HttpClient client("127.0.0.1", server_->port());
      for (std::size_t i = 0; i < orders.size(); ++i) {
        ClientResponse r =
            client.Send("POST", "/v1/orders/" + orders[i] + "/pay", "{}", Bearer(buyer_.token));
        EXPECT_EQ(r.status, 200) << r.body;
        if (i == 0 && after_first != nullptr) after_first->set_value();
      }
    });
  }

  std::vector<std::string> Orders(const std::string& listing, int count) {
    std::vector<std::string> orders;
    for (int i = 0; i < count; ++i) orders.push_back(OrderId(buyer_, listing, 1));
    return orders;
  }

  Principal merchant_, other_, buyer_;
  std::string listing_, other_listing_;
};

TEST_F(MerchantEventsHttpTest, PaymentsArriveOnceInOrderOnlyWhenDurable) {
  auto mine = Listen(merchant_);
  auto theirs = Listen(other_);
  std::vector<std::string> orders = Orders(listing_, 3);
  auto paying = PayInBackground(orders);
  std::uint64_t last_id = 0;
  for (const std::string& order : orders) {
    auto record = mine->NextEvent();
    ASSERT_TRUE(record.has_value());
    v1::MerchantEvent event = EventOf(*record);
    // Sent only after its batch was durable: the order reads as paid the moment it arrives.
    EXPECT_EQ(GetOrder(order).status(), v1::PAID);
    EXPECT_EQ(event.name(), "payment.received");
    EXPECT_EQ(event.kind(), "order");
    EXPECT_EQ(event.order_id(), order);
    EXPECT_EQ(event.amount(), 10'000);
    EXPECT_EQ(event.buyer_name(), "Anh Tư");
    EXPECT_EQ(event.merchant_id(), merchant_.id);
    EXPECT_GT(event.id(), last_id);
    last_id = event.id();
  }
  paying.get();
  // The other merchant heard none of that: its first event is its own payment.
  std::string theirs_paid = PaidOrder(other_listing_);
  auto record = theirs->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), theirs_paid);
  EXPECT_EQ(EventOf(*record).amount(), 62'000);
  // ... and this merchant does not hear of it: its next event is its next payment.
  std::string next = PaidOrder(listing_);
  record = mine->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), next);
}

TEST_F(MerchantEventsHttpTest, LastEventIdReplaysWhatWasMissedThenGoesOnLive) {
  auto stream = Listen(merchant_);
  std::string first = PaidOrder(listing_);
  auto record = stream->NextEvent();
  ASSERT_TRUE(record.has_value());
  std::string first_id = record->id;
  stream.reset();  // disconnected ...
  std::string second = PaidOrder(listing_);
  std::string third = PaidOrder(listing_);  // ... while these were paid

  stream = Listen(merchant_, {{"Last-Event-ID", first_id}});
  std::vector<std::string> seen;
  std::set<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    record = stream->NextEvent();
    ASSERT_TRUE(record.has_value());
    seen.push_back(EventOf(*record).order_id());
    ids.insert(record->id);
  }
  std::string fourth = PaidOrder(listing_);  // live, after the replay
  record = stream->NextEvent();
  ASSERT_TRUE(record.has_value());
  seen.push_back(EventOf(*record).order_id());
  ids.insert(record->id);
  EXPECT_EQ(seen, (std::vector<std::string>{second, third, fourth}));
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_FALSE(stream->NextEvent(std::chrono::milliseconds(200)).has_value());

  // Last-Event-ID: 0 replays everything; ?last_event_id= works for clients without headers.
  auto all = Listen(merchant_, {{"Last-Event-ID", "0"}});
  for (const std::string& order : {first, second, third, fourth}) {
    record = all->NextEvent();
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(EventOf(*record).order_id(), order);
  }
  auto query = Listen("/v1/merchant/events?last_event_id=" + first_id, Bearer(merchant_.token));
  record = query->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), second);
}

TEST_F(MerchantEventsHttpTest, ResumingWhilePaymentsFlowSeesEachExactlyOnce) {
  std::vector<std::string> orders = Orders(listing_, 12);
  std::promise<void> first_paid;
  std::future<void> first_answered = first_paid.get_future();
  auto paying = PayInBackground(orders, &first_paid);
  first_answered.wait();
  // Replay (stored events) and live events overlap here; the seam must keep each once.
  auto stream = Listen(merchant_, {{"Last-Event-ID", "0"}});
  std::vector<std::string> seen;
  std::uint64_t last_id = 0;
  while (seen.size() < orders.size()) {
    auto record = stream->NextEvent();
    ASSERT_TRUE(record.has_value()) << "after " << seen.size() << " events";
    v1::MerchantEvent event = EventOf(*record);
    EXPECT_GT(event.id(), last_id);
    last_id = event.id();
    seen.push_back(event.order_id());
  }
  paying.get();
  EXPECT_EQ(seen, orders);
  EXPECT_FALSE(stream->NextEvent(std::chrono::milliseconds(200)).has_value());
}

TEST_F(MerchantEventsHttpTest, TicketsOpenOneStreamOnceAndExpire) {
  ClientResponse issued = Send("POST", "/v1/merchant/events/tickets", merchant_.token);
  ASSERT_EQ(issued.status, 201) << issued.body;
  EXPECT_EQ(issued.Header("cache-control"), "no-store");
  auto ticket = ParseJson<v1::EventTicket>(issued);
  EXPECT_EQ(ticket.ticket().rfind("evt_", 0), 0u);
  EXPECT_EQ(ticket.expires_at().seconds(), clock_.NowNanos() / 1'000'000'000 + 60);

  // No Authorization header: the ticket alone opens this merchant's stream.
  auto stream = Listen("/v1/merchant/events?ticket=" + ticket.ticket(), {});
  std::string paid = PaidOrder(listing_);
  auto record = stream->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), paid);

  ClientResponse reused = Open("/v1/merchant/events?ticket=" + ticket.ticket(), {});
  EXPECT_EQ(reused.status, 401) << reused.body;
  EXPECT_EQ(ErrorCode(reused), "UNAUTHENTICATED");

  auto late =
      ParseJson<v1::EventTicket>(Send("POST", "/v1/merchant/events/tickets", merchant_.token));
  clock_.Advance(std::chrono::seconds(61));
  EXPECT_EQ(Open("/v1/merchant/events?ticket=" + late.ticket(), {}).status, 401);

  // A merchant's API token is not a ticket.
  EXPECT_EQ(Open("/v1/merchant/events?ticket=" + merchant_.token, {}).status, 401);
  // Tickets are for merchants.
  EXPECT_EQ(Send("POST", "/v1/merchant/events/tickets", buyer_.token).status, 403);
  EXPECT_EQ(Send("POST", "/v1/merchant/events/tickets", "").status, 401);
}

TEST_F(MerchantEventsHttpTest, TokensAreNeverAcceptedInTheUrl) {
  for (const char* name : {"token", "access_token"}) {
    ClientResponse r = Open(std::string("/v1/merchant/events?") + name + "=" + merchant_.token, {});
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(ErrorCode(r), "INVALID_ARGUMENT");
    // Refused even next to a valid Authorization header: the URL has already leaked it.
    EXPECT_EQ(Open(std::string("/v1/merchant/events?") + name + "=" + merchant_.token,
                   Bearer(merchant_.token))
                  .status,
              400);
  }
}

TEST_F(MerchantEventsHttpTest, OnlyMerchantsListenEachToTheirOwn) {
  ClientResponse nobody = Open("/v1/merchant/events", {});
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(nobody.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(Open("/v1/merchant/events", Bearer("not-a-token")).status, 401);
  ClientResponse buyer = Open("/v1/merchant/events", Bearer(buyer_.token));
  EXPECT_EQ(buyer.status, 403);
  EXPECT_EQ(ErrorCode(buyer), "PERMISSION_DENIED");
  EXPECT_EQ(Open("/v1/merchant/events", Bearer(kOperatorToken)).status, 403);
  ClientResponse bad_id =
      Open("/v1/merchant/events",
           {{"Authorization", "Bearer " + merchant_.token}, {"Last-Event-ID", "seven"}});
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(Send("POST", "/v1/merchant/events", merchant_.token).status, 405);
}

class QuietStreamTest : public MerchantEventsHttpTest {
 protected:
  QuietStreamTest() { hub_options_.keep_alive_interval = std::chrono::milliseconds(50); }
};

TEST_F(QuietStreamTest, KeepAliveCommentsArriveWhileNothingHappens) {
  auto stream = Listen(merchant_);
  for (int i = 0; i < 2; ++i) {
    auto record = stream->Next();
    ASSERT_TRUE(record.has_value());
    EXPECT_EQ(record->comment, "keep-alive");
    EXPECT_TRUE(record->event.empty());
  }
  std::string paid = PaidOrder(listing_);
  auto record = stream->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), paid);
}

class SlowReaderTest : public MerchantEventsHttpTest {
 protected:
  SlowReaderTest() { hub_options_.buffer_frames = 4; }
};

TEST_F(SlowReaderTest, ASlowReaderIsDroppedWhileEveryoneElseCarriesOn) {
  // A client that never reads, with a tiny receive window: the kernel's buffers fill, the
  // session's writes stall, its queue overflows, and it is dropped.
  SseClient slow(server_->port(), 4096);
  ASSERT_EQ(slow.Open("/v1/merchant/events", Bearer(merchant_.token)).status, 200);
  auto listening = Listen(other_);
  // Far more than any socket buffer holds, published the way the engine does.
  v1::MerchantEvent big;
  big.set_merchant_id(merchant_.id);
  big.set_name("payment.received");
  big.set_kind("order");
  big.set_buyer_name(std::string(4096, 'x'));
  for (std::uint64_t id = 1'000'000; id < 1'004'000; ++id) {
    big.set_id(id);
    hub_->Publish({big});
  }
  // The engine and the other merchant's stream carry on.
  std::string paid = PaidOrder(other_listing_);
  auto record = listening->NextEvent();
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(EventOf(*record).order_id(), paid);
  // The slow reader finds its connection closed, without the end of the stream: it was
  // dropped, not ended, and reconnects with Last-Event-ID.
  bool clean = true;
  ASSERT_TRUE(slow.WaitForClose(&clean, std::chrono::seconds(30)));
  EXPECT_FALSE(clean);
}

class StreamLimitTest : public MerchantEventsHttpTest {
 protected:
  StreamLimitTest() { hub_options_.max_streams_per_merchant = 2; }
};

TEST_F(StreamLimitTest, AMerchantMayOpenOnlySoManyStreams) {
  auto one = Listen(merchant_);
  auto two = Listen(merchant_);
  ClientResponse three = Open("/v1/merchant/events", Bearer(merchant_.token));
  EXPECT_EQ(three.status, 503) << three.body;
  EXPECT_EQ(ErrorCode(three), "UNAVAILABLE");
  auto others = Listen(other_);  // another merchant's are counted apart
}

TEST_F(MerchantEventsHttpTest, StoppingTheServerEndsOpenStreamsAtOnce) {
  auto stream = Listen(merchant_);
  auto started = std::chrono::steady_clock::now();
  server_->Stop();
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, std::chrono::seconds(2));  // the grace period is 10 s
  bool clean = false;
  ASSERT_TRUE(stream->WaitForClose(&clean));
  EXPECT_TRUE(clean);  // the stream ended with its last chunk
}

}  // namespace merchant_events_test
}  // namespace market4
