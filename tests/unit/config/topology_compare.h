// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/model.h"

// Field-by-field comparison of topologies, so a field a parser drops is named in the failure.
namespace xfed::config::testing_support {

inline void expectSameMachines(const std::vector<Machine>& a, const std::vector<Machine>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE("machine " + std::to_string(i));
    EXPECT_EQ(a[i].fqdn, b[i].fqdn);
    EXPECT_EQ(a[i].internal_address, b[i].internal_address);
    EXPECT_EQ(a[i].external_address, b[i].external_address);
  }
}

/** Compares every field of config/model.h's Topology. */
inline void expectSameTopology(const Topology& a, const Topology& b) {
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.published_at, b.published_at);
  ASSERT_EQ(a.sip_domains.size(), b.sip_domains.size());
  for (std::size_t i = 0; i < a.sip_domains.size(); ++i) {
    SCOPED_TRACE("SIP domain " + std::to_string(i));
    EXPECT_EQ(a.sip_domains[i].name, b.sip_domains[i].name);
    EXPECT_EQ(a.sip_domains[i].is_default, b.sip_domains[i].is_default);
  }
  ASSERT_EQ(a.sites.size(), b.sites.size());
  for (std::size_t i = 0; i < a.sites.size(); ++i) {
    SCOPED_TRACE("site " + std::to_string(i));
    EXPECT_EQ(a.sites[i].name, b.sites[i].name);
    EXPECT_EQ(a.sites[i].description, b.sites[i].description);
    EXPECT_EQ(a.sites[i].xmpp_federation_route, b.sites[i].xmpp_federation_route);
  }
  ASSERT_EQ(a.front_end_pools.size(), b.front_end_pools.size());
  for (std::size_t i = 0; i < a.front_end_pools.size(); ++i) {
    SCOPED_TRACE("front end pool " + std::to_string(i));
    const FrontEndPool& x = a.front_end_pools[i];
    const FrontEndPool& y = b.front_end_pools[i];
    EXPECT_EQ(x.fqdn, y.fqdn);
    EXPECT_EQ(x.site, y.site);
    EXPECT_EQ(x.sip_port, y.sip_port);
    EXPECT_EQ(x.sip_tls_port, y.sip_tls_port);
    expectSameMachines(x.machines, y.machines);
  }
  ASSERT_EQ(a.edge_pools.size(), b.edge_pools.size());
  for (std::size_t i = 0; i < a.edge_pools.size(); ++i) {
    SCOPED_TRACE("edge pool " + std::to_string(i));
    const EdgePool& x = a.edge_pools[i];
    const EdgePool& y = b.edge_pools[i];
    EXPECT_EQ(x.fqdn, y.fqdn);
    EXPECT_EQ(x.external_fqdn, y.external_fqdn);
    EXPECT_EQ(x.site, y.site);
    EXPECT_EQ(x.internal_address, y.internal_address);
    EXPECT_EQ(x.external_address, y.external_address);
    EXPECT_EQ(x.xmpp_port, y.xmpp_port);
    EXPECT_EQ(x.internal_port, y.internal_port);
    EXPECT_EQ(x.xmpp_federation_enabled, y.xmpp_federation_enabled);
    expectSameMachines(x.machines, y.machines);
  }
}

}  // namespace xfed::config::testing_support
