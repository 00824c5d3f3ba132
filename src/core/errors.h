// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <system_error>

#include "core/result.h"

namespace xfed::core {

/** Generic error conditions shared by the control plane (store, admin, config). */
enum class Errc {
  InvalidArgument = 1,  // the caller gave a bad value; detail says which and what is right
  NotFound,             // the named object does not exist
  AlreadyExists,        // an object with that identity exists
  FailedPrecondition,   // the request is valid but the current state forbids it
  StoreFailure,         // the store (SQLite) failed; detail has the driver's message
  IoFailure,            // a file or socket operation failed
  Unavailable,          // a running service could not be reached
  Internal,             // a bug
};

const std::error_category& errorCategory() noexcept;

inline std::error_code make_error_code(Errc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), errorCategory()};
}

inline Error fail(Errc errc, std::string detail) { return makeError(make_error_code(errc), std::move(detail)); }

}  // namespace xfed::core

template <>
struct std::is_error_code_enum<xfed::core::Errc> : std::true_type {};
