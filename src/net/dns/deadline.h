// SPDX-License-Identifier: Apache-2.0
#pragma once
// Coroutine helpers for the DNS code: a deadline around a Result-valued awaitable, two such
// awaitables in parallel, and a cancellation check. Heavy Asio includes: include this from
// .cc files only. (Candidates for core/deadline.h once that exists.)

#include <array>
#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/experimental/parallel_group.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "core/errors.h"
#include "core/result.h"
#include "net/dns/errors.h"

namespace xfed::net::dns::detail {

/**
 * True once the calling coroutine was canceled. After that, co_await of another awaitable
 * would throw (Asio's throw_if_cancelled default), so check before each further co_await.
 */
inline asio::awaitable<bool> isCanceled() {
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// co_spawn hands over T() on an exception, and Result<T> has no default: wrap it.
template <class T>
asio::awaitable<std::optional<T>> asOptional(asio::awaitable<T> operation) {
  co_return co_await std::move(operation);
}

/** An exception that escaped a lookup (a bug or bad_alloc) as an Internal error. */
inline core::Error exceptionError(const std::exception_ptr& exception, std::string_view what) {
  try {
    std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    return core::fail(core::Errc::Internal, std::string(what) + ": " + e.what());
  } catch (...) {
    return core::fail(core::Errc::Internal, std::string(what) + ": unknown exception");
  }
}

template <class T>
core::Result<T> unwrap(std::exception_ptr exception, std::optional<core::Result<T>> result,
                       std::string_view what) {
  if (exception) {
    return exceptionError(exception, what);
  }
  if (!result) {
    return core::fail(core::Errc::Internal, std::string(what) + ": ended without a result");
  }
  return std::move(*result);
}

/**
 * Runs operation with a deadline. When the deadline passes first, the operation is canceled
 * (it must honour terminal cancellation, as Resolver promises), and the result is
 * DnsErrc::Timeout naming `what`. Cancellation of the caller cancels both.
 */
template <class T>
asio::awaitable<core::Result<T>> withDeadline(asio::awaitable<core::Result<T>> operation,
                                              std::chrono::steady_clock::duration deadline,
                                              std::string what) {
  if (co_await isCanceled()) {
    co_return dnsError(DnsErrc::Canceled, what + ": canceled");
  }
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, deadline);
  auto [order, exception, result, timer_error] =
      co_await asio::experimental::make_parallel_group(
          asio::co_spawn(executor, asOptional(std::move(operation)), asio::experimental::deferred),
          timer.async_wait(asio::experimental::deferred))
          .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
  if (order[0] == 1 && !timer_error) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline).count();
    co_return dnsError(DnsErrc::Timeout, what + ": no answer within " + std::to_string(ms) + " ms");
  }
  co_return unwrap(exception, std::move(result), what);
}

/** Runs a and b in parallel and returns both results. */
template <class A, class B>
asio::awaitable<std::pair<core::Result<A>, core::Result<B>>> whenBoth(
    asio::awaitable<core::Result<A>> a, asio::awaitable<core::Result<B>> b) {
  if (co_await isCanceled()) {
    co_return std::pair<core::Result<A>, core::Result<B>>{dnsError(DnsErrc::Canceled, "canceled"),
                                                          dnsError(DnsErrc::Canceled, "canceled")};
  }
  auto executor = co_await asio::this_coro::executor;
  auto [order, a_exception, a_result, b_exception, b_result] =
      co_await asio::experimental::make_parallel_group(
          asio::co_spawn(executor, asOptional(std::move(a)), asio::experimental::deferred),
          asio::co_spawn(executor, asOptional(std::move(b)), asio::experimental::deferred))
          .async_wait(asio::experimental::wait_for_all(), asio::use_awaitable);
  (void)order;
  co_return std::pair<core::Result<A>, core::Result<B>>{
      unwrap(a_exception, std::move(a_result), "first parallel lookup"),
      unwrap(b_exception, std::move(b_result), "second parallel lookup")};
}

}  // namespace xfed::net::dns::detail
