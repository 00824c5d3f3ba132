// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "net/dns/srv.h"

namespace xfed::net::dns {

/** DNS RR types used here (RFC 1035, RFC 3596, RFC 2782). */
inline constexpr int kTypeA = 1;
inline constexpr int kTypeAaaa = 28;
inline constexpr int kTypeSrv = 33;
inline constexpr int kClassIn = 1;

/**
 * Parses the RDATA of an SRV record (RFC 2782: priority, weight, port, target) in
 * uncompressed wire format. The target is returned without the trailing dot, or "." for the
 * root. Labels may hold letters, digits, '-' and '_' only. Errors: DnsErrc::Malformed.
 */
core::Result<SrvRecord> parseSrvRdata(std::string_view rdata);

/** Parses A (4 bytes) or AAAA (16 bytes) RDATA into text ("192.0.2.1", "2001:db8::1"). */
core::Result<std::string> parseAddressRdata(std::string_view rdata);

/**
 * host as an IP address in text form if it is a literal: "192.0.2.1", "2001:db8::1" or the
 * bracketed "[2001:db8::1]" (RFC 7622 §3.2), returned without brackets.
 */
std::optional<std::string> literalAddress(std::string_view host);

/** Lower case, one trailing dot removed: "Example.NET." -> "example.net". */
std::string normalizeName(std::string_view name);

/**
 * A name that may be sent to a resolver: 1-253 characters, labels of 1-63 characters of
 * letters, digits, '-' and '_' (service labels like "_xmpp-server" need the underscore).
 */
bool isQueryName(std::string_view name);

}  // namespace xfed::net::dns
