// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.h"

namespace xfed::policy {

/** What the edge may do on an s2s stream with one remote domain, from the partner's settings. */
struct StreamPolicy {
  bool allowed = false;
  std::string refusal;             // why not, in words (stream error text and logs)
  std::string partner;             // the partner's primary domain (the remote may be additional)
  config::PartnerType partner_type = config::PartnerType::PublicUnverified;

  // TLS (STARTTLS on 5269, or direct TLS on 5270).
  bool tls_offered = false;        // inbound: offer STARTTLS; outbound: use it when offered
  bool tls_required = false;       // nothing but TLS negotiation before TLS

  // Authentication. At least one is true whenever allowed is.
  bool sasl_external_allowed = false;  // needs TLS and a certificate valid for the domain
  bool dialback_allowed = false;       // XEP-0220 (over TLS or TCP)

  bool keepalive = true;                    // send whitespace keepalives / XEP-0199 pings
  std::uint32_t connection_limit = 20;      // min(partner ConnectionLimit, PartnerConnectionLimit)
  std::uint32_t keepalive_interval_s = 300;
  std::uint32_t stream_establishment_timeout_s = 60;
  std::uint32_t stream_inactivity_timeout_s = 600;

  /** The expected authentication as the Lync negotiation table words it. */
  std::string expected;
};

/** The partner whose primary or additional domain is domain (case-insensitive), if any. */
const config::XmppPartner* findPartner(const std::vector<config::XmppPartner>& partners,
                                       std::string_view domain);

/**
 * Decides the policy for a stream with remote_domain (spec §1.2-§1.4, the negotiation table of
 * TechNet JJ552456). Pure. Refused when federation is off at the access edge, or the domain is
 * no partner's primary or additional domain.
 *
 *   TLS Required      offer STARTTLS as <required/>; refuse anything else first
 *   TLS Optional      offer / use STARTTLS when the other side can
 *   TLS NotSupported  never negotiate TLS (the Google Talk case)
 *   SASL EXTERNAL     possible when TLS is not NotSupported and SASL is not NotSupported
 *   dialback          when SupportDialbackNegotiation, except with TLS and SASL both Required
 *                     ("dialback will not operate if both are required")
 */
StreamPolicy decideStreamPolicy(std::string_view remote_domain,
                                const std::vector<config::XmppPartner>& partners,
                                const config::XmppGatewayConfiguration& gateway,
                                const config::AccessEdgeConfiguration& access_edge);

}  // namespace xfed::policy
