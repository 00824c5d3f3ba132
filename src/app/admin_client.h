// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace xfed::app {

/**
 * One request on the admin socket of a running xfed: the protocol is one JSON object per line
 * each way. Requests: {"op":"status"}, {"op":"reload"}, {"op":"stop","graceful":false}.
 * Replies: {"ok":true,...} or {"ok":false,"error":"..."}.
 * Errors: core::Errc::Unavailable when nothing listens (the service is stopped), IoFailure on a
 * broken exchange or a timeout.
 */
core::Result<std::string> adminRequest(const std::filesystem::path& socket,
                                       std::string_view request_json,
                                       std::chrono::milliseconds timeout);

}  // namespace xfed::app
