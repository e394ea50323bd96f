// The gateway's slow-read thread (gateway/slow_reads.h): work runs there in order, at most
// the bound waits, and Stop runs what was queued before it.
#include "gateway/slow_reads.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

namespace market4::gateway {
namespace {

TEST(SlowReadsTest, WorkRunsInOrderOnAThreadOfItsOwnAndTheQueueIsBounded) {
  SlowReads slow(3);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<std::thread::id> started;
  std::vector<int> order;
  // The first holds the thread; three more wait; the fifth is refused.
  ASSERT_TRUE(slow.Run([&] {
    started.set_value(std::this_thread::get_id());
    released.wait();
  }));
  EXPECT_NE(started.get_future().get(), std::this_thread::get_id());
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(slow.Run([&order, i] { order.push_back(i); }));
  EXPECT_FALSE(slow.Run([&order] { order.push_back(99); }));
  release.set_value();
  // Stop runs what is queued, then refuses.
  slow.Stop();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(slow.Run([&order] { order.push_back(100); }));
  EXPECT_EQ(order.size(), 3u);
}

TEST(SlowReadsTest, RoomComesBackAsWorkFinishes) {
  SlowReads slow(1);
  for (int i = 0; i < 100; ++i) {
    std::promise<void> done;
    ASSERT_TRUE(slow.Run([&done] { done.set_value(); }));
    done.get_future().wait();
  }
}

}  // namespace
}  // namespace market4::gateway
