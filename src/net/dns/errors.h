// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <system_error>

#include "core/result.h"

namespace xfed::net::dns {

/**
 * Why a DNS lookup or an XMPP server resolution failed. An empty answer (NXDOMAIN, NODATA) is
 * not an error of a single lookup: Resolver returns an empty list for it.
 */
enum class DnsErrc {
  NoService = 1,    // the SRV target is "." (RFC 2782): the domain offers no XMPP s2s service
  NotFound,         // no SRV records and no A/AAAA records: nothing to connect to
  Timeout,          // the lookup's deadline passed first
  ServerFailure,    // SERVFAIL, REFUSED or another error RCODE; retry later
  Bogus,            // DNSSEC validation failed: the answer must not be used
  Malformed,        // the answer could not be parsed
  InvalidName,      // the name asked for is not a valid DNS name
  ResolverFailure,  // the resolver itself failed (setup, out of memory, libunbound error)
  Canceled,         // the lookup was canceled (its awaiter was canceled, or the resolver closed)
};

const std::error_category& dnsErrorCategory() noexcept;

inline std::error_code make_error_code(DnsErrc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), dnsErrorCategory()};
}

inline core::Error dnsError(DnsErrc errc, std::string detail) {
  return core::makeError(make_error_code(errc), std::move(detail));
}

/** True when error carries errc (of this category). */
inline bool isDnsError(const core::Error& error, DnsErrc errc) {
  return error.code == make_error_code(errc);
}

}  // namespace xfed::net::dns

template <>
struct std::is_error_code_enum<xfed::net::dns::DnsErrc> : std::true_type {};
