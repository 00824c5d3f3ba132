// SPDX-License-Identifier: Apache-2.0
#pragma once
// Helpers for the DNS tests: a scripted random source and a bounded coroutine runner.

#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "net/dns/srv.h"

namespace xfed::net::dns::testing {

/** Returns the scripted draws in order; any draw beyond the script fails the test. */
class ScriptedRandom final : public Random {
public:
  explicit ScriptedRandom(std::vector<std::uint32_t> draws = {}) : draws_(std::move(draws)) {}

  std::uint32_t uniform(std::uint32_t max_inclusive) override {
    bounds_.push_back(max_inclusive);
    if (next_ >= draws_.size()) {
      ADD_FAILURE() << "unexpected draw with bound " << max_inclusive;
      return 0;
    }
    std::uint32_t draw = draws_[next_++];
    EXPECT_LE(draw, max_inclusive) << "the script draws outside [0, " << max_inclusive << "]";
    return draw;
  }

  /** The bounds asked for, in order: the weight sums of each round. */
  const std::vector<std::uint32_t>& bounds() const { return bounds_; }
  bool exhausted() const { return next_ == draws_.size(); }

private:
  std::vector<std::uint32_t> draws_;
  std::vector<std::uint32_t> bounds_;
  std::size_t next_ = 0;
};

template <class T>
asio::awaitable<void> storeInto(asio::awaitable<T> operation, std::optional<T>* out) {
  out->emplace(co_await std::move(operation));
}

/**
 * Runs operation on io until it completes, for at most bound (the test's own deadline). If
 * cancel_after is set, a terminal cancellation is emitted once that much time has passed.
 * Returns nullopt (and fails the test) if the operation did not complete.
 */
template <class T>
std::optional<T> runBounded(asio::io_context& io, asio::awaitable<T> operation,
                            std::chrono::milliseconds bound = std::chrono::seconds(10),
                            std::optional<std::chrono::milliseconds> cancel_after = {}) {
  std::optional<T> result;
  std::exception_ptr exception;
  bool done = false;
  asio::cancellation_signal cancel;
  io.restart();
  asio::co_spawn(io, storeInto(std::move(operation), &result),
                 asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) {
                   exception = e;
                   done = true;
                 }));
  if (cancel_after) {
    io.run_for(*cancel_after);
    if (!done) {
      cancel.emit(asio::cancellation_type::terminal);
    }
    io.restart();
  }
  auto until = std::chrono::steady_clock::now() + bound;
  while (!done && std::chrono::steady_clock::now() < until) {
    if (io.run_one_until(until) == 0 && io.stopped()) {
      break;  // out of work: nothing can complete it any more
    }
  }
  EXPECT_TRUE(done) << "the operation did not complete within " << bound.count() << " ms";
  EXPECT_FALSE(exception) << "the operation threw";
  return result;
}

}  // namespace xfed::net::dns::testing
