// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asio/any_io_executor.hpp>

#include "core/result.h"
#include "net/dns/resolver.h"

namespace xfed::net::dns {

namespace detail {
class UnboundCore;  // libunbound and Asio details (unbound_resolver.cc)
}  // namespace detail

/** Settings of an UnboundResolver. The defaults query nothing on loopback and validate nothing. */
struct UnboundConfig {
  /**
   * Upstream servers as "ip" or "ip@port" (libunbound forward-addr syntax). Only these are
   * queried (forward-zone "."). Empty: full recursion from the root servers.
   */
  std::vector<std::string> forwarders;
  /**
   * Zones that libunbound answers NXDOMAIN by itself (RFC 6761 names such as "test") and that
   * must be asked upstream instead: each becomes `local-zone: "<zone>." transparent`, and
   * `domain-insecure` when DNSSEC is on.
   */
  std::vector<std::string> transparent_zones;
  /**
   * DNSSEC: a trust anchor file kept current by RFC 5011 (auto-trust-anchor-file). Empty: no
   * trust anchor and no validator module, so no answer is validated (test zones, labs).
   */
  std::string trust_anchor_file;
  /**
   * Allow upstream servers on 127.0.0.0/8 and ::1 ("do-not-query-localhost: no"). Forced on
   * when a forwarder is on loopback.
   */
  bool query_localhost = false;
  /** The bound of each lookup; then it fails with DnsErrc::Timeout. */
  std::chrono::milliseconds query_deadline = kDefaultLookupDeadline;
  /** A hosts(5) file to answer from first. Empty: none (not even /etc/hosts). */
  std::string hosts_file;
  /** Further libunbound options, as ("name:", "value") for ub_ctx_set_option. */
  std::vector<std::pair<std::string, std::string>> extra_options;
};

/**
 * One libunbound setting, in the order applied. `option` is a ub_ctx_set_option name ending
 * in ':', or one of the calls "forward-addr" (ub_ctx_set_fwd), "hosts" (ub_ctx_hosts) and
 * "auto-trust-anchor-file" (ub_ctx_add_ta_autr).
 */
struct UnboundSetting {
  std::string option;
  std::string value;

  friend bool operator==(const UnboundSetting&, const UnboundSetting&) = default;
};

/** The settings for config, validated. Errors: core::Errc::InvalidArgument naming the value. */
core::Result<std::vector<UnboundSetting>> unboundSettings(const UnboundConfig& config);

/**
 * Resolver over libunbound's asynchronous API. libunbound resolves in a thread of its own;
 * its result pipe (ub_fd) is watched by the io_context, and ub_process() runs on this
 * resolver's strand. Each lookup waits on a timer of its own (its deadline); the answer is
 * posted to the awaiting coroutine's executor, which cancels that timer.
 *
 * Threading: srv() and addresses() may be awaited from coroutines on any strand of the
 *            io_context (or on a single-threaded io_context); libunbound is touched only on
 *            this resolver's own strand. Destroy it where none of its handlers can run at the
 *            same time: on the thread of a single-threaded io_context, or after it stopped.
 * Lifetime:  owned by app/. Destroying it cancels every lookup in flight (ub_cancel, then
 *            ub_ctx_delete, which joins libunbound's thread); their awaiters complete with
 *            DnsErrc::Canceled, and nothing calls back into the destroyed resolver.
 */
class UnboundResolver final : public Resolver {
public:
  static core::Result<std::unique_ptr<UnboundResolver>> create(asio::any_io_executor executor,
                                                               const UnboundConfig& config);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  /** Lookups waiting for libunbound now; call where the resolver's handlers cannot run. */
  std::size_t pendingForTest() const;

  // Resolver
  asio::awaitable<core::Result<std::vector<SrvRecord>>> srv(std::string name) override;
  asio::awaitable<core::Result<std::vector<std::string>>> addresses(std::string host) override;

private:
  UnboundResolver(std::shared_ptr<detail::UnboundCore> core, std::chrono::milliseconds deadline);

  // The only strong reference: lookups and handlers hold weak ones, so destruction is final.
  std::shared_ptr<detail::UnboundCore> core_;
  std::chrono::milliseconds deadline_;
};

}  // namespace xfed::net::dns
