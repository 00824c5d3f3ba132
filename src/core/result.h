// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cassert>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace xfed::core {

/** An error that crossed a boundary: a categorized code plus a message for the admin or log. */
struct Error {
  std::error_code code;
  std::string detail;  // says what is wrong and, where known, what would be right; never secrets
};

Error makeError(std::error_code code, std::string detail = {});

/**
 * Value-or-Error. A subset of C++23 std::expected<T, Error> (has_value, operator bool, value,
 * error, operator*, operator->), kept small because clang 14 with libstdc++ 12 has no
 * <expected>. Moving to the standard type later is mechanical.
 */
template <class T>
class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  const Error& error() const { return std::get<1>(state_); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok() { return {}; }

}  // namespace xfed::core

#define XFED_CONCAT_INNER(a, b) a##b
#define XFED_CONCAT(a, b) XFED_CONCAT_INNER(a, b)

/** Returns the error of a Result-valued expression from the enclosing function. */
#define XFED_TRY(expr)                          \
  do {                                          \
    auto&& xfed_try_result_ = (expr);           \
    if (!xfed_try_result_) {                    \
      return xfed_try_result_.error();          \
    }                                           \
  } while (false)

#define XFED_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp) {                                      \
    return tmp.error();                            \
  }                                                \
  lhs = std::move(tmp).value()

/** Binds the value of a Result-valued expression or returns its error. */
#define XFED_ASSIGN_OR_RETURN(lhs, expr) \
  XFED_ASSIGN_OR_RETURN_IMPL(XFED_CONCAT(xfed_result_, __LINE__), lhs, expr)
