// SPDX-License-Identifier: Apache-2.0
#include "net/dns/resolver.h"

#include <charconv>
#include <optional>
#include <utility>

#include "core/errors.h"
#include "core/strings.h"
#include "net/dns/deadline.h"
#include "net/dns/errors.h"
#include "net/dns/rdata.h"

namespace xfed::net::dns {
namespace {

using Srv = std::vector<SrvRecord>;

core::Result<ServiceTarget> parseTarget(std::string_view entry) {
  auto bad = [&](std::string_view why) {
    return core::fail(core::Errc::InvalidArgument,
                      "target '" + std::string(entry) + "': " + std::string(why) +
                          " (expected host, host:port, [ipv6] or [ipv6]:port)");
  };
  std::string_view host = entry;
  std::optional<std::string_view> port_text;
  if (entry.front() == '[') {
    std::size_t close = entry.find(']');
    if (close == std::string_view::npos) {
      return bad("missing ']'");
    }
    host = entry.substr(1, close - 1);
    std::string_view rest = entry.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return bad("unexpected text after ']'");
      }
      port_text = rest.substr(1);
    }
    if (!literalAddress(entry.substr(0, close + 1))) {
      return bad("not an IPv6 address in brackets");
    }
  } else if (std::size_t colon = entry.find(':'); colon != std::string_view::npos) {
    if (entry.find(':', colon + 1) != std::string_view::npos) {
      return bad("an IPv6 address with a port needs brackets");
    }
    host = entry.substr(0, colon);
    port_text = entry.substr(colon + 1);
  }
  if (host.empty() || (!core::isDnsName(host) && !literalAddress(host))) {
    return bad("not a host name or IP address");
  }
  std::uint16_t port = kDefaultS2sPort;
  if (port_text) {
    unsigned value = 0;
    auto [end, ec] =
        std::from_chars(port_text->data(), port_text->data() + port_text->size(), value);
    if (ec != std::errc() || end != port_text->data() + port_text->size() || value == 0 ||
        value > 65535) {
      return bad("port must be 1-65535");
    }
    port = static_cast<std::uint16_t>(value);
  }
  return ServiceTarget{normalizeName(host), port, false};
}

ResolvedTarget withKnownAddresses(ServiceTarget target) {
  ResolvedTarget resolved{std::move(target), {}};
  if (std::optional<std::string> address = literalAddress(resolved.service.host)) {
    resolved.addresses.push_back(std::move(*address));
  }
  return resolved;
}

core::Error canceled(const std::string& domain) {
  return dnsError(DnsErrc::Canceled, "resolving " + domain + ": canceled");
}

}  // namespace

void Overrides::set(std::string_view domain, std::vector<ServiceTarget> domain_targets) {
  targets[normalizeName(domain)] = std::move(domain_targets);
}

const std::vector<ServiceTarget>* Overrides::find(std::string_view domain) const {
  auto it = targets.find(normalizeName(domain));
  return it == targets.end() ? nullptr : &it->second;
}

core::Result<std::vector<ServiceTarget>> parseTargetList(std::string_view text) {
  std::vector<ServiceTarget> targets;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find_first_of(", \t", at);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    if (std::string_view entry = text.substr(at, end - at); !entry.empty()) {
      XFED_ASSIGN_OR_RETURN(ServiceTarget target, parseTarget(entry));
      targets.push_back(std::move(target));
    }
    at = end + 1;
  }
  if (targets.empty()) {
    return core::fail(core::Errc::InvalidArgument, "the target list is empty");
  }
  return targets;
}

asio::awaitable<core::Result<ResolvedServer>> resolveServer(
    Resolver& resolver, std::string domain, Random& random, const Overrides& overrides,
    std::chrono::milliseconds lookup_deadline) {
  ResolvedServer server;
  server.domain = normalizeName(domain);
  const std::string& name = server.domain;

  if (const std::vector<ServiceTarget>* targets = overrides.find(name)) {
    server.source = TargetSource::Override;
    for (const ServiceTarget& target : *targets) {
      server.targets.push_back(withKnownAddresses(target));
    }
    if (server.targets.empty()) {
      co_return core::fail(core::Errc::InvalidArgument,
                           "the override for " + name + " lists no target");
    }
    co_return server;
  }
  if (std::optional<std::string> address = literalAddress(name)) {
    server.source = TargetSource::Fallback;
    server.targets.push_back({{*address, kDefaultS2sPort, false}, {*address}});
    co_return server;
  }
  if (!core::isDnsName(name)) {
    co_return dnsError(DnsErrc::InvalidName, "'" + domain + "' is not a valid domain name");
  }

  std::string xmpps_name = "_xmpps-server._tcp." + name;
  std::string xmpp_name = "_xmpp-server._tcp." + name;
  auto [xmpps, xmpp] = co_await detail::whenBoth(
      detail::withDeadline(resolver.srv(xmpps_name), lookup_deadline, "SRV " + xmpps_name),
      detail::withDeadline(resolver.srv(xmpp_name), lookup_deadline, "SRV " + xmpp_name));

  if (!xmpps && !xmpp) {
    co_return xmpp.error();
  }
  if (!xmpps || !xmpp) {
    // One kind is unknown. Its records might exist, so neither "no service" nor the A/AAAA
    // fallback may be concluded; only targets of the other kind can be used.
    const core::Error& failure = xmpps ? xmpp.error() : xmpps.error();
    MergedServices merged = mergeXmppServices(name, xmpps ? std::move(*xmpps) : Srv{},
                                              xmpp ? std::move(*xmpp) : Srv{}, random);
    if (merged.availability != ServiceAvailability::Available) {
      co_return failure;
    }
    server.source = TargetSource::Srv;
    for (ServiceTarget& target : merged.targets) {
      server.targets.push_back(withKnownAddresses(std::move(target)));
    }
    server.degraded.push_back(failure);
    co_return server;
  }

  MergedServices merged = mergeXmppServices(name, std::move(*xmpps), std::move(*xmpp), random);
  switch (merged.availability) {
    case ServiceAvailability::Available:
      server.source = TargetSource::Srv;
      for (ServiceTarget& target : merged.targets) {
        server.targets.push_back(withKnownAddresses(std::move(target)));
      }
      co_return server;
    case ServiceAvailability::NotAvailable:
      co_return dnsError(DnsErrc::NoService,
                         "domain has no XMPP service: " + name + " publishes SRV target \".\"");
    case ServiceAvailability::NoSrvRecords:
      break;
  }

  // RFC 6120 §3.2.2: no SRV records, so the domain itself on 5269.
  if (co_await detail::isCanceled()) {
    co_return canceled(name);
  }
  core::Result<std::vector<std::string>> addresses =
      co_await detail::withDeadline(resolver.addresses(name), lookup_deadline, "A/AAAA " + name);
  if (!addresses) {
    co_return addresses.error();
  }
  if (addresses->empty()) {
    co_return dnsError(DnsErrc::NotFound, name + " has no SRV records and no A/AAAA records");
  }
  server.source = TargetSource::Fallback;
  server.targets.push_back({std::move(merged.targets.front()), std::move(addresses).value()});
  co_return server;
}

}  // namespace xfed::net::dns
