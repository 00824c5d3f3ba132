// SPDX-License-Identifier: Apache-2.0
// Internal to src/net/tls: OpenSSL ownership and error helpers. Not for use outside this
// directory (the rest of xfed sees TlsContext, TlsEngine, PeerCertificate and identity.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

namespace xfed::net::tls::detail {

template <auto FreeFn>
struct OpensslDeleter {
  template <class T>
  void operator()(T* object) const {
    FreeFn(object);
  }
};

/**
 * Drains this thread's OpenSSL error queue into one line, each entry with its added data
 * ("error:80000002:system library::No such file or directory (calling fopen(/x, r))").
 * Returns fallback when the queue is empty.
 */
std::string drainOpensslErrors(std::string_view fallback = "no OpenSSL error reported");

/** Lower-cases ASCII letters only: no locale, no IDNA (RFC 6125 §6.4.1 for A-labels). */
char asciiLower(char c);
std::string asciiLower(std::string_view text);
bool asciiIequals(std::string_view a, std::string_view b);

}  // namespace xfed::net::tls::detail
