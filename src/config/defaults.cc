// SPDX-License-Identifier: Apache-2.0
#include "config/defaults.h"

namespace xfed::config {

Topology defaultTopology() {
  Topology t;
  t.sip_domains.push_back({std::string(kDefaultSipDomain), true});
  t.sites.push_back({std::string(kDefaultSite), "Default site", std::string(kDefaultEdgePool)});

  FrontEndPool fe;
  fe.fqdn = kDefaultFrontEndPool;
  fe.site = kDefaultSite;
  fe.machines.push_back({"fe1.contoso.test", "127.0.0.1", ""});
  t.front_end_pools.push_back(fe);

  EdgePool edge;
  edge.fqdn = kDefaultEdgePool;
  edge.external_fqdn = "xmpp.contoso.test";
  edge.site = kDefaultSite;
  edge.internal_address = "127.0.0.1";
  edge.external_address = "127.0.0.1";
  edge.xmpp_federation_enabled = true;
  edge.machines.push_back({"edge1.contoso.test", "127.0.0.1", "127.0.0.1"});
  t.edge_pools.push_back(edge);
  return t;
}

}  // namespace xfed::config
