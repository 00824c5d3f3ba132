// SPDX-License-Identifier: Apache-2.0
#include "net/dns/static_resolver.h"

#include <system_error>
#include <utility>

#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

#include "net/dns/errors.h"
#include "net/dns/rdata.h"

namespace xfed::net::dns {
namespace {

// Waits as the behaviour says; a free coroutine so that it never touches the resolver.
asio::awaitable<core::Result<void>> waitAsTold(StaticResolver::Behaviour behaviour,
                                               std::string name) {
  if (!behaviour.hang && behaviour.delay.count() == 0) {
    co_return core::ok();
  }
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor);
  if (behaviour.hang) {
    timer.expires_after(StaticResolver::kHangBound);
  } else {
    timer.expires_after(behaviour.delay);
  }
  std::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    co_return dnsError(DnsErrc::Canceled, name + ": canceled");
  }
  if (behaviour.hang) {
    co_return dnsError(DnsErrc::Timeout, name + ": fake hang bound reached");
  }
  co_return core::ok();
}

}  // namespace

StaticResolver& StaticResolver::setSrv(std::string_view name, std::vector<SrvRecord> records) {
  srv_[normalizeName(name)] = std::move(records);
  return *this;
}

StaticResolver& StaticResolver::setAddresses(std::string_view host,
                                             std::vector<std::string> addresses) {
  addresses_[normalizeName(host)] = std::move(addresses);
  return *this;
}

StaticResolver& StaticResolver::setBehaviour(std::string_view name, Behaviour behaviour) {
  behaviours_[normalizeName(name)] = std::move(behaviour);
  return *this;
}

StaticResolver& StaticResolver::setError(std::string_view name, core::Error error) {
  behaviours_[normalizeName(name)].error = std::move(error);
  return *this;
}

StaticResolver& StaticResolver::setDelay(std::string_view name, std::chrono::milliseconds delay) {
  behaviours_[normalizeName(name)].delay = delay;
  return *this;
}

StaticResolver& StaticResolver::setHang(std::string_view name) {
  behaviours_[normalizeName(name)].hang = true;
  return *this;
}

StaticResolver::Behaviour StaticResolver::behaviourOf(const std::string& name) const {
  auto it = behaviours_.find(name);
  return it == behaviours_.end() ? Behaviour{} : it->second;
}

asio::awaitable<core::Result<std::vector<SrvRecord>>> StaticResolver::srv(std::string name) {
  std::string key = normalizeName(name);
  queries_.push_back("SRV " + key);
  if (!isQueryName(key)) {
    co_return dnsError(DnsErrc::InvalidName, "'" + name + "' is not a valid DNS name");
  }
  // Copied before the first suspension: `this` is not used after it.
  Behaviour behaviour = behaviourOf(key);
  auto it = srv_.find(key);
  std::vector<SrvRecord> records = it == srv_.end() ? std::vector<SrvRecord>{} : it->second;

  if (core::Result<void> waited = co_await waitAsTold(behaviour, key); !waited) {
    co_return waited.error();
  }
  if (behaviour.error) {
    co_return *behaviour.error;
  }
  co_return records;
}

asio::awaitable<core::Result<std::vector<std::string>>> StaticResolver::addresses(
    std::string host) {
  if (std::optional<std::string> literal = literalAddress(host)) {
    co_return std::vector<std::string>{std::move(*literal)};
  }
  std::string key = normalizeName(host);
  queries_.push_back("ADDR " + key);
  if (!isQueryName(key)) {
    co_return dnsError(DnsErrc::InvalidName, "'" + host + "' is not a valid DNS name");
  }
  Behaviour behaviour = behaviourOf(key);
  auto it = addresses_.find(key);
  std::vector<std::string> found = it == addresses_.end() ? std::vector<std::string>{} : it->second;

  if (core::Result<void> waited = co_await waitAsTold(behaviour, key); !waited) {
    co_return waited.error();
  }
  if (behaviour.error) {
    co_return *behaviour.error;
  }
  co_return found;
}

}  // namespace xfed::net::dns
