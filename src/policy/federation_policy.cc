// SPDX-License-Identifier: Apache-2.0
#include "policy/federation_policy.h"

#include <algorithm>

#include "config/validation.h"
#include "core/strings.h"

namespace xfed::policy {

const config::XmppPartner* findPartner(const std::vector<config::XmppPartner>& partners,
                                       std::string_view domain) {
  for (const config::XmppPartner& p : partners) {
    if (core::iequals(p.domain, domain)) {
      return &p;
    }
    for (const std::string& additional : p.additional_domains) {
      if (core::iequals(additional, domain)) {
        return &p;
      }
    }
  }
  return nullptr;
}

StreamPolicy decideStreamPolicy(std::string_view remote_domain,
                                const std::vector<config::XmppPartner>& partners,
                                const config::XmppGatewayConfiguration& gateway,
                                const config::AccessEdgeConfiguration& access_edge) {
  using N = config::Negotiation;
  StreamPolicy p;
  p.keepalive_interval_s = gateway.keep_alive_interval;
  p.stream_establishment_timeout_s = gateway.stream_establishment_timeout;
  p.stream_inactivity_timeout_s = gateway.stream_inactivity_timeout;
  if (!access_edge.allow_federated_users) {
    p.refusal = "federation is disabled on this edge (Set-CsAccessEdgeConfiguration "
                "-AllowFederatedUsers $true enables it)";
    return p;
  }
  const config::XmppPartner* partner = findPartner(partners, remote_domain);
  if (partner == nullptr) {
    p.refusal = std::string(remote_domain) +
                " is not an allowed XMPP partner of this organisation (New-CsXmppAllowedPartner)";
    return p;
  }
  p.partner = partner->domain;
  p.partner_type = partner->partner_type;
  p.tls_offered = partner->tls_negotiation != N::NotSupported;
  p.tls_required = partner->tls_negotiation == N::Required;
  p.sasl_external_allowed =
      partner->tls_negotiation != N::NotSupported && partner->sasl_negotiation != N::NotSupported;
  p.dialback_allowed = partner->support_dialback_negotiation &&
                       !(partner->tls_negotiation == N::Required &&
                         partner->sasl_negotiation == N::Required);
  if (!p.sasl_external_allowed && !p.dialback_allowed) {
    // Refused by New-/Set-CsXmppAllowedPartner; a store edited by other means may still hold it.
    p.refusal = "the settings of partner " + partner->domain +
                " allow no authentication method (SASL needs TLS, and dialback is off)";
    return p;
  }
  p.allowed = true;
  p.keepalive = partner->enable_keep_alive;
  p.connection_limit = std::min(partner->connection_limit.value_or(gateway.partner_connection_limit),
                                gateway.partner_connection_limit);
  p.expected = config::checkNegotiation(partner->tls_negotiation, partner->sasl_negotiation,
                                        partner->support_dialback_negotiation)
                   .expected;
  return p;
}

}  // namespace xfed::policy
