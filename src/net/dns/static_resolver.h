// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "net/dns/resolver.h"

namespace xfed::net::dns {

/**
 * An in-memory Resolver for tests: names map to records; a name can instead fail with a given
 * error, answer after a delay (an asio timer), or hang until canceled. Unknown names answer
 * empty (NXDOMAIN). Names match case-insensitively, with or without the trailing dot.
 *
 * Threading: configure before use; lookups from coroutines on one strand.
 * Lifetime: a lookup copies what it needs before it suspends, so the resolver may be
 *           destroyed while lookups wait (they still end by delay, hang bound or cancellation).
 */
class StaticResolver final : public Resolver {
public:
  /** How one name behaves. */
  struct Behaviour {
    std::optional<core::Error> error;    // answer this error instead of records
    std::chrono::milliseconds delay{0};  // answer after this long; 0: at once, without suspending
    bool hang = false;                   // no answer; only cancellation (or kHangBound) ends it
  };

  /** The bound of a hanging lookup, so that even a broken test ends. */
  static constexpr std::chrono::minutes kHangBound{10};

  StaticResolver& setSrv(std::string_view name, std::vector<SrvRecord> records);
  StaticResolver& setAddresses(std::string_view host, std::vector<std::string> addresses);
  StaticResolver& setBehaviour(std::string_view name, Behaviour behaviour);
  StaticResolver& setError(std::string_view name, core::Error error);
  StaticResolver& setDelay(std::string_view name, std::chrono::milliseconds delay);
  StaticResolver& setHang(std::string_view name);

  /** Every lookup so far, in order: "SRV <name>" or "ADDR <host>". */
  const std::vector<std::string>& queries() const { return queries_; }

  // Resolver
  asio::awaitable<core::Result<std::vector<SrvRecord>>> srv(std::string name) override;
  asio::awaitable<core::Result<std::vector<std::string>>> addresses(std::string host) override;

private:
  Behaviour behaviourOf(const std::string& name) const;

  std::map<std::string, std::vector<SrvRecord>, std::less<>> srv_;
  std::map<std::string, std::vector<std::string>, std::less<>> addresses_;
  std::map<std::string, Behaviour, std::less<>> behaviours_;
  std::vector<std::string> queries_;
};

}  // namespace xfed::net::dns
