// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "core/result.h"
#include "net/dns/srv.h"

namespace xfed::net::dns {

/** The default bound of one DNS lookup. */
inline constexpr std::chrono::milliseconds kDefaultLookupDeadline{10'000};

/**
 * Asynchronous DNS lookups for coroutines: the seam that tests replace (StaticResolver) and
 * that UnboundResolver implements over libunbound.
 *
 * Every implementation keeps this contract:
 * - an empty list means that the name does not exist (NXDOMAIN) or has no record of the type
 *   asked for (NODATA);
 * - an error (DnsErrc) means that the answer is not known: ServerFailure (SERVFAIL, REFUSED),
 *   Timeout, Bogus (DNSSEC), InvalidName, Canceled, ...;
 * - every lookup ends by a deadline of its own;
 * - a lookup whose awaiting coroutine is canceled (terminal cancellation: an awaitable
 *   operator, a parallel group, a canceled co_spawn) completes soon with DnsErrc::Canceled.
 *
 * Threading and lifetime: see each implementation.
 */
class Resolver {
public:
  virtual ~Resolver() = default;

  /**
   * The SRV records of name (e.g. "_xmpp-server._tcp.example.net"), in the order received.
   * Targets have no trailing dot; "." is kept as is.
   */
  virtual asio::awaitable<core::Result<std::vector<SrvRecord>>> srv(std::string name) = 0;

  /**
   * The A and AAAA addresses of host as text, interleaved IPv6 first (RFC 8305 §4). A literal
   * address ("192.0.2.1", "2001:db8::1", "[2001:db8::1]") is returned as is, without a lookup.
   */
  virtual asio::awaitable<core::Result<std::vector<std::string>>> addresses(std::string host) = 0;
};

/** Static targets that replace DNS for some domains: tests, and a partner's ProxyFqdn. */
struct Overrides {
  /** Keys: domains in lower case without a trailing dot. Values: targets in try order. */
  std::map<std::string, std::vector<ServiceTarget>, std::less<>> targets;

  /** Sets the targets of domain (normalized: lower case, no trailing dot). */
  void set(std::string_view domain, std::vector<ServiceTarget> domain_targets);

  /** The targets for domain (matched case-insensitively), or nullptr. */
  const std::vector<ServiceTarget>* find(std::string_view domain) const;
};

/**
 * Parses a list of STARTTLS targets separated by commas or spaces, each "host", "host:port",
 * "[ipv6]" or "[ipv6]:port" ("xmpp.example.net:5269, 192.0.2.7, [2001:db8::7]:5270"); the port
 * defaults to 5269. Errors: core::Errc::InvalidArgument naming the bad entry.
 */
core::Result<std::vector<ServiceTarget>> parseTargetList(std::string_view text);

/** Where the targets of a ResolvedServer came from. */
enum class TargetSource {
  Override,  // Overrides
  Srv,       // _xmpps-server._tcp and _xmpp-server._tcp records (XEP-0368, RFC 6120 §3.2.1)
  Fallback,  // no SRV records: the domain itself on 5269 (RFC 6120 §3.2.2)
};

struct ResolvedTarget {
  ServiceTarget service;
  /**
   * Addresses already known for service.host: literal addresses, and the A/AAAA lookup that the
   * fallback needs anyway. Empty: look up service.host when this target's turn comes (RFC 6120
   * §3.2.1: resolve the next target only once the previous one failed).
   */
  std::vector<std::string> addresses;

  friend bool operator==(const ResolvedTarget&, const ResolvedTarget&) = default;
};

struct ResolvedServer {
  std::string domain;  // normalized: lower case, no trailing dot
  TargetSource source = TargetSource::Srv;
  std::vector<ResolvedTarget> targets;  // in try order, never empty
  /**
   * Lookups that failed without preventing a result (one SRV kind failed, the other gave
   * targets); the caller logs them at warn and counts them.
   */
  std::vector<core::Error> degraded;
};

/**
 * The whole XMPP s2s lookup for domain:
 * 1. an override for domain, if configured, is returned as is (no DNS);
 * 2. a literal IP domain is its own target on 5269;
 * 3. otherwise `_xmpps-server._tcp.<domain>` and `_xmpp-server._tcp.<domain>` are looked up in
 *    parallel and merged (mergeXmppServices); if neither exists, the A/AAAA records of domain
 *    are looked up and domain:5269 (STARTTLS) is the one target.
 * Each lookup is bounded by lookup_deadline, so the whole takes at most twice that.
 *
 * Errors: DnsErrc::NoService ("." target: the domain has no XMPP service), NotFound (no SRV and
 * no A/AAAA records), InvalidName, and the Resolver's errors (ServerFailure, Timeout, ...). A
 * failed SRV lookup never leads to the A/AAAA fallback, since the records may exist.
 *
 * Lifetime: resolver, random and overrides must outlive the returned awaitable.
 */
asio::awaitable<core::Result<ResolvedServer>> resolveServer(
    Resolver& resolver, std::string domain, Random& random, const Overrides& overrides,
    std::chrono::milliseconds lookup_deadline = kDefaultLookupDeadline);

}  // namespace xfed::net::dns
