// SPDX-License-Identifier: Apache-2.0
#include "config/validation.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/errors.h"
#include "core/strings.h"

namespace xfed::config {
namespace {

bool isSimpleName(std::string_view name) {
  return !name.empty() && name.size() <= 64 &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

class Problems {
public:
  template <class... Parts>
  void add(Parts&&... parts) {
    std::string line;
    (line.append(parts), ...);
    list_.push_back(std::move(line));
  }
  std::vector<std::string> take() { return std::move(list_); }

private:
  std::vector<std::string> list_;
};

void checkMachines(Problems& problems, const std::string& what, const std::vector<Machine>& machines,
                   bool edge) {
  if (machines.empty()) {
    problems.add(what, ": lists no member machines; add at least one {\"fqdn\", \"",
                 edge ? "internalAddress\", \"externalAddress" : "address", "\"}");
  }
  for (const Machine& m : machines) {
    if (!core::isDnsName(m.fqdn)) {
      problems.add(what, ": machine FQDN '", m.fqdn, "' is not a valid DNS name");
    }
    if (!core::isIpAddress(m.internal_address)) {
      problems.add(what, ": machine '", m.fqdn, "' has ", edge ? "internal " : "", "address '",
                   m.internal_address, "', which is not an IP address (e.g. 127.0.0.1)");
    }
    if (edge && !core::isIpAddress(m.external_address)) {
      problems.add(what, ": machine '", m.fqdn, "' has external address '", m.external_address,
                   "', which is not an IP address (e.g. 127.0.0.1)");
    }
  }
}

}  // namespace

bool isValidSiteName(std::string_view name) { return isSimpleName(name); }
bool isValidTagName(std::string_view name) { return isSimpleName(name); }

std::vector<std::string> topologyProblems(const Topology& t) {
  Problems problems;

  // SIP domains: at least one, exactly one default, no duplicates.
  if (t.sip_domains.empty()) {
    problems.add("Topology: has no SIP domain; add one, e.g. {\"name\": \"contoso.test\", "
                 "\"default\": true}");
  }
  std::size_t defaults = 0;
  std::map<std::string, int> domain_seen;
  for (const SipDomain& d : t.sip_domains) {
    if (!core::isDnsName(d.name)) {
      problems.add("SIP domain '", d.name, "': is not a valid DNS name");
    }
    if (++domain_seen[core::toLower(d.name)] == 2) {
      problems.add("SIP domain '", d.name, "': is listed twice; remove the duplicate");
    }
    defaults += d.is_default ? 1 : 0;
  }
  if (!t.sip_domains.empty() && defaults != 1) {
    problems.add("Topology: has ", std::to_string(defaults),
                 " default SIP domains; mark exactly one with \"default\": true");
  }

  // Sites.
  if (t.sites.empty()) {
    problems.add("Topology: has no site; add one, e.g. {\"name\": \"Site1\"}");
  }
  std::map<std::string, int> site_seen;
  for (const Site& s : t.sites) {
    if (!isValidSiteName(s.name)) {
      problems.add("Site '", s.name, "': the name must be 1-64 letters, digits, '-', '_' or '.'");
    }
    if (++site_seen[core::toLower(s.name)] == 2) {
      problems.add("Site '", s.name, "': is defined twice; site names must be unique");
    }
  }

  // Pools and machines: FQDNs unique across the whole topology.
  std::map<std::string, std::string> fqdn_owner;
  auto claim = [&](const std::string& fqdn, const std::string& owner) {
    auto [it, inserted] = fqdn_owner.emplace(core::toLower(fqdn), owner);
    if (!inserted) {
      problems.add(owner, ": FQDN '", fqdn, "' is already used by ", it->second,
                   "; every pool and machine needs its own FQDN");
    }
  };
  auto checkPort = [&](const std::string& what, const char* name, std::uint16_t port) {
    if (port == 0) {
      problems.add(what, ": ", name, " is 0; use a port between 1 and 65535");
    }
  };
  auto checkSite = [&](const std::string& what, const std::string& site) {
    if (t.findSite(site) == nullptr) {
      problems.add(what, ": site '", site, "' does not exist; use one of the topology's sites");
    }
  };
  for (const FrontEndPool& p : t.front_end_pools) {
    std::string what = "Front end pool '" + p.fqdn + "'";
    if (!core::isDnsName(p.fqdn)) {
      problems.add(what, ": the FQDN is not a valid DNS name");
    }
    claim(p.fqdn, what);
    checkSite(what, p.site);
    checkPort(what, "sipPort", p.sip_port);
    checkPort(what, "sipTlsPort", p.sip_tls_port);
    checkMachines(problems, what, p.machines, false);
    for (const Machine& m : p.machines) {
      claim(m.fqdn, what + " machine '" + m.fqdn + "'");
    }
  }
  for (const EdgePool& p : t.edge_pools) {
    std::string what = "Edge pool '" + p.fqdn + "'";
    if (!core::isDnsName(p.fqdn)) {
      problems.add(what, ": the FQDN is not a valid DNS name");
    }
    if (!p.external_fqdn.empty() && !core::isDnsName(p.external_fqdn)) {
      problems.add(what, ": external FQDN '", p.external_fqdn, "' is not a valid DNS name");
    }
    claim(p.fqdn, what);
    checkSite(what, p.site);
    checkPort(what, "xmppPort", p.xmpp_port);
    checkPort(what, "internalPort", p.internal_port);
    if (p.xmpp_port != 0 && p.xmpp_port == p.internal_port) {
      problems.add(what, ": xmppPort and internalPort are both ", std::to_string(p.xmpp_port),
                   "; the external s2s port (5269) and the internal link (23456) must differ");
    }
    if (!core::isIpAddress(p.internal_address)) {
      problems.add(what, ": internal address '", p.internal_address, "' is not an IP address");
    }
    if (!core::isIpAddress(p.external_address)) {
      problems.add(what, ": external address '", p.external_address, "' is not an IP address");
    }
    checkMachines(problems, what, p.machines, true);
    for (const Machine& m : p.machines) {
      claim(m.fqdn, what + " machine '" + m.fqdn + "'");
    }
  }

  // XMPP federation routes: an XMPP-enabled edge pool, and in one site only (spec §1.1).
  const Site* routed = nullptr;
  for (const Site& s : t.sites) {
    if (!s.xmpp_federation_route) {
      continue;
    }
    const std::string& route = *s.xmpp_federation_route;
    std::string what = "Site '" + s.name + "'";
    const EdgePool* edge = t.findEdgePool(route);
    if (edge == nullptr) {
      if (t.findFrontEndPool(route) != nullptr) {
        problems.add(what, ": XMPP federation route '", route,
                     "' is a front end pool; route to an edge pool");
      } else {
        std::vector<std::string> names;
        for (const EdgePool& p : t.edge_pools) {
          names.push_back(p.fqdn);
        }
        problems.add(what, ": XMPP federation route '", route, "' is not a pool of the topology",
                     names.empty() ? "; add an edge pool first"
                                   : "; use one of its edge pools: " + core::join(names, ", "));
      }
    } else if (!edge->xmpp_federation_enabled) {
      problems.add(what, ": XMPP federation route '", route,
                   "' is an edge pool without XMPP federation enabled; enable it "
                   "(\"xmppFederationEnabled\": true) or route to an XMPP-enabled edge pool");
    }
    if (routed != nullptr) {
      problems.add(what, ": has an XMPP federation route, but site '", routed->name,
                   "' already has one; XMPP federation is hosted in one site only, so remove one "
                   "of the routes");
    } else {
      routed = &s;
    }
  }
  return problems.take();
}

core::Result<void> validateTopology(const Topology& topology) {
  std::vector<std::string> problems = topologyProblems(topology);
  if (problems.empty()) {
    return core::ok();
  }
  return core::fail(core::Errc::InvalidArgument,
                    "the topology is not valid:\n  " + core::join(problems, "\n  "));
}

NegotiationVerdict checkNegotiation(Negotiation tls, Negotiation sasl, bool dialback) {
  using N = Negotiation;
  NegotiationVerdict v;
  const char* kSaslNeedsTls =
      "SASL requires TLS; with TLS Optional or NotSupported, SASL negotiation may fail";
  // Invalid: nothing can authenticate the partner (spec §1.2, "SASL or Dialback must be enabled").
  if (!dialback && (sasl == N::NotSupported || tls == N::NotSupported)) {
    v.valid = false;
    v.reason = sasl == N::NotSupported
                   ? "SASL is NotSupported and dialback is off, so the partner can never be "
                     "authenticated; set -SupportDialbackNegotiation $true or allow SASL (which "
                     "needs TLS Required or Optional)"
                   : "SASL needs TLS but TLS is NotSupported, and dialback is off, so the partner "
                     "can never be authenticated; set -SupportDialbackNegotiation $true or "
                     "-TlsNegotiation Required";
    return v;
  }
  switch (tls) {
    case N::Required:
      switch (sasl) {
        case N::Required:
          v.expected = "SASL over TLS";
          if (dialback) {
            v.warning = "dialback will not operate when both TLS and SASL are Required";
          }
          break;
        case N::Optional:
          v.expected = dialback ? "SASL over TLS, TLS dialback" : "SASL over TLS";
          break;
        case N::NotSupported:
          v.expected = "TLS dialback";
          break;
      }
      break;
    case N::Optional:
      switch (sasl) {
        case N::Required:
        case N::Optional:
          v.expected = dialback ? "SASL over TLS, TLS dialback, TCP dialback" : "SASL over TLS";
          v.warning = kSaslNeedsTls;
          break;
        case N::NotSupported:
          v.expected = "TLS dialback, TCP dialback";
          break;
      }
      break;
    case N::NotSupported:
      v.expected = "TCP dialback";
      if (sasl != N::NotSupported) {
        v.warning = kSaslNeedsTls;
      }
      break;
  }
  return v;
}

core::Result<void> validatePartner(const XmppPartner& partner,
                                   const std::vector<XmppPartner>& others,
                                   const Topology& topology) {
  auto invalid = [](std::string message) {
    return core::fail(core::Errc::InvalidArgument, std::move(message));
  };
  std::vector<std::string> domains{partner.domain};
  domains.insert(domains.end(), partner.additional_domains.begin(),
                 partner.additional_domains.end());
  for (std::size_t i = 0; i < domains.size(); ++i) {
    const std::string& d = domains[i];
    if (!core::isDnsName(d)) {
      return invalid("'" + d + "' is not a valid domain name (e.g. fabrikam.com)");
    }
    if (topology.findSipDomain(d) != nullptr) {
      return invalid("'" + d + "' is one of this organisation's own SIP domains; a partner "
                     "domain must belong to another organisation");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (core::iequals(domains[j], d)) {
        return invalid("domain '" + d + "' is listed twice for partner '" + partner.domain + "'");
      }
    }
    for (const XmppPartner& other : others) {
      bool primary = core::iequals(other.domain, d);
      bool additional = std::any_of(other.additional_domains.begin(),
                                    other.additional_domains.end(),
                                    [&](const std::string& a) { return core::iequals(a, d); });
      if (primary || additional) {
        return invalid("domain '" + d + "' already belongs to partner '" + other.domain + "'" +
                       (primary ? "" : " as an additional domain") +
                       "; a domain can belong to one partner only");
      }
    }
  }
  if (!partner.proxy_fqdn.empty() && !core::isDnsName(partner.proxy_fqdn) &&
      !core::isIpAddress(partner.proxy_fqdn)) {
    return invalid("ProxyFqdn '" + partner.proxy_fqdn + "' is not a valid host name");
  }
  if (partner.connection_limit && *partner.connection_limit == 0) {
    return invalid("ConnectionLimit must be at least 1 (or $null for the global "
                   "PartnerConnectionLimit)");
  }
  if (partner.description.size() > 1024) {
    return invalid("Description is longer than 1024 characters");
  }
  NegotiationVerdict verdict = checkNegotiation(partner.tls_negotiation, partner.sasl_negotiation,
                                                partner.support_dialback_negotiation);
  if (!verdict.valid) {
    return invalid("TlsNegotiation " + std::string(toString(partner.tls_negotiation)) +
                   ", SaslNegotiation " + std::string(toString(partner.sasl_negotiation)) +
                   ", SupportDialbackNegotiation " +
                   (partner.support_dialback_negotiation ? "$true" : "$false") +
                   " is not a valid combination: " + verdict.reason);
  }
  return core::ok();
}

core::Result<void> validateGatewayConfiguration(const XmppGatewayConfiguration& c) {
  struct Bound {
    const char* name;
    std::uint32_t value;
    std::uint32_t min;
    std::uint32_t max;
  };
  const Bound bounds[] = {
      {"ConnectionLimit", c.connection_limit, 1, 1'000'000},
      {"PartnerConnectionLimit", c.partner_connection_limit, 1, 1'000'000},
      {"KeepAliveInterval", c.keep_alive_interval, 1, 86'400},
      {"StreamEstablishmentTimeout", c.stream_establishment_timeout, 1, 3'600},
      {"StreamInactivityTimeout", c.stream_inactivity_timeout, 1, 604'800},
      {"SubscriptionRefreshInterval", c.subscription_refresh_interval, 60, 2'592'000},
  };
  for (const Bound& b : bounds) {
    if (b.value < b.min || b.value > b.max) {
      return core::fail(core::Errc::InvalidArgument,
                        std::string(b.name) + " is " + std::to_string(b.value) +
                            "; it must be between " + std::to_string(b.min) + " and " +
                            std::to_string(b.max));
    }
  }
  if (c.partner_connection_limit > c.connection_limit) {
    return core::fail(core::Errc::InvalidArgument,
                      "PartnerConnectionLimit (" + std::to_string(c.partner_connection_limit) +
                          ") is larger than ConnectionLimit (" +
                          std::to_string(c.connection_limit) + "); lower it or raise "
                          "ConnectionLimit");
  }
  if (c.keep_alive_interval >= c.stream_inactivity_timeout) {
    return core::fail(core::Errc::InvalidArgument,
                      "KeepAliveInterval (" + std::to_string(c.keep_alive_interval) +
                          " s) must be shorter than StreamInactivityTimeout (" +
                          std::to_string(c.stream_inactivity_timeout) +
                          " s), or idle streams are closed before a keepalive is sent");
  }
  return core::ok();
}

}  // namespace xfed::config
