// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <system_error>

namespace xfed::net::tls {

/**
 * Why a TLS connection (TlsEngine) stopped. Configuration errors (TlsContext) use core::Errc:
 * IoFailure for unreadable or unparsable files, InvalidArgument for bad options.
 */
enum class TlsErrc {
  HandshakeFailed = 1,  // the handshake did not complete; detail has OpenSSL's reason and alert
  ProtocolError,        // after the handshake: a bad record, an unexpected message, a bad MAC
  Closed,               // the operation needs an open connection (after close() or a failure)
  Internal,             // OpenSSL could not allocate or was misused: a bug or out of memory
};

const std::error_category& tlsErrorCategory() noexcept;

inline std::error_code make_error_code(TlsErrc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), tlsErrorCategory()};
}

}  // namespace xfed::net::tls

template <>
struct std::is_error_code_enum<xfed::net::tls::TlsErrc> : std::true_type {};
