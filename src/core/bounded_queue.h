// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

namespace xfed::core {

/**
 * A FIFO with a hard bound. tryPush() refuses past the bound and hands the item back, so the
 * caller can bounce it (nothing is dropped silently). The bound is fixed at construction.
 * Threading: none (the owner's strand serialises access).
 */
template <class T>
class BoundedQueue {
public:
  explicit BoundedQueue(std::size_t bound) : bound_(bound) {}

  /** Appends item; when full, returns it unchanged instead. */
  std::optional<T> tryPush(T&& item) {
    if (items_.size() >= bound_) {
      return std::optional<T>(std::move(item));
    }
    items_.push_back(std::move(item));
    return std::nullopt;
  }

  bool empty() const { return items_.empty(); }
  bool full() const { return items_.size() >= bound_; }
  std::size_t size() const { return items_.size(); }
  std::size_t bound() const { return bound_; }
  T& front() { return items_.front(); }
  const T& front() const { return items_.front(); }

  T pop() {
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }

  /** Removes and returns every item, oldest first (e.g. to bounce them all exactly once). */
  std::deque<T> drain() { return std::exchange(items_, {}); }

private:
  std::size_t bound_;
  std::deque<T> items_;
};

}  // namespace xfed::core
