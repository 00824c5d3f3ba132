// SPDX-License-Identifier: Apache-2.0
#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace xfed::core {
namespace {

TEST(BoundedQueueTest, RefusesPastTheBoundAndHandsTheItemBack) {
  BoundedQueue<std::string> q(2);
  EXPECT_FALSE(q.tryPush("a"));
  EXPECT_FALSE(q.tryPush("b"));
  EXPECT_TRUE(q.full());
  std::optional<std::string> refused = q.tryPush("c");
  ASSERT_TRUE(refused);
  EXPECT_EQ(*refused, "c");
  EXPECT_EQ(q.size(), 2u);
}

TEST(BoundedQueueTest, IsFifoAndDrainEmptiesIt) {
  BoundedQueue<int> q(10);
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(q.tryPush(int{i}));
  }
  EXPECT_EQ(q.pop(), 0);
  std::deque<int> rest = q.drain();
  EXPECT_EQ(rest, (std::deque<int>{1, 2, 3, 4}));
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.tryPush(9)) << "usable again after drain";
}

TEST(BoundedQueueTest, HoldsMoveOnlyItems) {
  BoundedQueue<std::unique_ptr<int>> q(1);
  EXPECT_FALSE(q.tryPush(std::make_unique<int>(1)));
  auto back = q.tryPush(std::make_unique<int>(2));
  ASSERT_TRUE(back && *back);
  EXPECT_EQ(**back, 2);
  EXPECT_EQ(*q.pop(), 1);
}

}  // namespace
}  // namespace xfed::core
