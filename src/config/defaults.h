// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "config/model.h"

namespace xfed::config {

/**
 * The embedded defaults a new data directory starts with: one site, the SIP domain
 * contoso.test, one front end pool and one edge pool (XMPP federation enabled, the site's XMPP
 * route) on loopback.
 */
Topology defaultTopology();

inline constexpr std::string_view kDefaultSite = "Site1";
inline constexpr std::string_view kDefaultSipDomain = "contoso.test";
inline constexpr std::string_view kDefaultFrontEndPool = "fe.contoso.test";
inline constexpr std::string_view kDefaultEdgePool = "edge.contoso.test";

}  // namespace xfed::config
