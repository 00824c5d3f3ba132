// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace xfed::net::dns {

/** The s2s port when a domain has no SRV records (RFC 6120 §3.2.2; IANA "xmpp-server"). */
inline constexpr std::uint16_t kDefaultS2sPort = 5269;

/** One SRV resource record (RFC 2782). */
struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  // host name without the trailing dot; "." means "no service" (RFC 2782)

  friend bool operator==(const SrvRecord&, const SrvRecord&) = default;
};

/** One place to connect to for a remote XMPP domain. */
struct ServiceTarget {
  std::string host;
  std::uint16_t port = kDefaultS2sPort;
  bool direct_tls = false;  // XEP-0368 `_xmpps-server`: TLS at once; false: TCP, then STARTTLS

  friend bool operator==(const ServiceTarget&, const ServiceTarget&) = default;
};

/**
 * The random source of SRV weight selection: the seam that lets tests script every draw.
 * Threading: none; each owner uses its own (or serializes use).
 */
class Random {
public:
  virtual ~Random() = default;

  /** A uniformly distributed integer in [0, max_inclusive]. */
  virtual std::uint32_t uniform(std::uint32_t max_inclusive) = 0;
};

/** Random over std::mt19937: not for secrets, fine for spreading load. */
class SeededRandom final : public Random {
public:
  explicit SeededRandom(std::uint32_t seed) : engine_(seed) {}

  /** A seed from std::random_device, for production use. */
  static std::uint32_t entropySeed();

  // Random
  std::uint32_t uniform(std::uint32_t max_inclusive) override;

private:
  std::mt19937 engine_;
};

/**
 * Puts SRV records in the order in which their targets are tried (RFC 2782, "Usage rules"):
 * ascending priority; within one priority, repeated weighted random selection. Each round
 * arranges the records not yet ordered with those of weight 0 first (otherwise in the order
 * given), draws a uniform number between 0 and the sum of their weights (inclusive), and picks
 * the first record whose running weight sum is >= the draw. A weight-0 record is therefore
 * picked only by a draw of 0 while records with weight remain, and records of weight 0 alone
 * keep the order given. No draw is made when the pick is forced (one record left, or a weight
 * sum of 0), which leaves the distribution unchanged.
 */
std::vector<SrvRecord> orderSrv(std::vector<SrvRecord> records, Random& random);

/** True when records is a "." answer: the service is decidedly not available (RFC 2782). */
bool isServiceDeclined(const std::vector<SrvRecord>& records);

/** What the SRV records of a domain say about its XMPP s2s service. */
enum class ServiceAvailability {
  Available,     // targets come from SRV records
  NotAvailable,  // target "." and no usable record: do not connect at all, no A/AAAA fallback
  NoSrvRecords,  // no SRV record of either kind: targets hold the fallback (domain, 5269)
};

struct MergedServices {
  ServiceAvailability availability = ServiceAvailability::NoSrvRecords;
  std::vector<ServiceTarget> targets;  // in try order; empty for NotAvailable
};

/**
 * Combines the `_xmpps-server._tcp` (direct TLS) and `_xmpp-server._tcp` (STARTTLS) records of
 * domain into one try order (XEP-0368 §3): both kinds are treated as one record set for RFC
 * 2782 ordering, so priorities and weights are mixed and a tie within a priority is decided by
 * the weighted random draw, not by the kind (no client preference is applied; XEP-0368 makes
 * one optional). For the arrangement that RFC 2782 leaves free, direct TLS records come before
 * STARTTLS records; it decides only between weight-0 records of one priority.
 *
 * A list whose targets are all "." declines that kind; "." records mixed with others are
 * ignored. With no usable record: NotAvailable if either kind was declined (RFC 2782; XEP-0368
 * §4 forbids the A/AAAA fallback once `_xmpps-server` answered "."), NoSrvRecords (with the
 * target domain:5269, STARTTLS, RFC 6120 §3.2.2) if both lists are empty.
 */
MergedServices mergeXmppServices(std::string_view domain, std::vector<SrvRecord> xmpps_server,
                                 std::vector<SrvRecord> xmpp_server, Random& random);

}  // namespace xfed::net::dns
