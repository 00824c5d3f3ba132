// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "core/result.h"

namespace xfed::config {

/**
 * Every problem of a topology, each naming the object and the fix ("Site 'Site2': XMPP
 * federation route 'edge2.contoso.test' is not an edge pool; ..."). Empty when valid.
 */
std::vector<std::string> topologyProblems(const Topology& topology);

/** InvalidArgument listing topologyProblems() when there are any. */
core::Result<void> validateTopology(const Topology& topology);

/**
 * One row of the negotiation matrix of lync-xmpp-spec.md §1.2 (TechNet JJ552456): which
 * authentication a TLS / SASL / dialback combination yields, whether it is valid, and the
 * documented warning.
 */
struct NegotiationVerdict {
  bool valid = true;
  std::string expected;                // e.g. "SASL over TLS, TLS dialback"
  std::optional<std::string> warning;  // saved, but printed
  std::string reason;                  // why it is invalid
};

NegotiationVerdict checkNegotiation(Negotiation tls, Negotiation sasl, bool dialback);

/**
 * A partner on its own and against the others (domains are DNS names, unique across all
 * partners' primary and additional domains, not one of our SIP domains; ProxyFqdn a DNS name;
 * ConnectionLimit >= 1; the negotiation matrix). others excludes the partner itself.
 */
core::Result<void> validatePartner(const XmppPartner& partner,
                                   const std::vector<XmppPartner>& others,
                                   const Topology& topology);

/** Bounds of Set-CsXmppGatewayConfiguration values. */
core::Result<void> validateGatewayConfiguration(const XmppGatewayConfiguration& configuration);

/** Site names: 1-64 of letters, digits, '-', '_', '.'. */
bool isValidSiteName(std::string_view name);
/** Tag (per-user policy) names: 1-64 of letters, digits, '-', '_', '.', no ':'. */
bool isValidTagName(std::string_view name);

}  // namespace xfed::config
