// SPDX-License-Identifier: Apache-2.0
#include "policy/federation_policy.h"

#include <gtest/gtest.h>

namespace xfed::policy {
namespace {

using config::Negotiation;

struct Row {
  const char* name;
  Negotiation tls;
  Negotiation sasl;
  bool dialback;
  bool tls_offered;
  bool tls_required;
  bool sasl_external;
  bool dialback_allowed;
};

// The negotiation table of spec §1.2 (TechNet JJ552456), as the edge applies it. Invalid rows
// (no method at all) are refused by the admin commands and covered separately below.
constexpr Row kRows[] = {
    {"Required_Required_True", Negotiation::Required, Negotiation::Required, true, true, true, true,
     false},
    {"Required_Required_False", Negotiation::Required, Negotiation::Required, false, true, true,
     true, false},
    {"Optional_Required_True", Negotiation::Optional, Negotiation::Required, true, true, false,
     true, true},
    {"Optional_Required_False", Negotiation::Optional, Negotiation::Required, false, true, false,
     true, false},
    {"NotSupported_Required_True", Negotiation::NotSupported, Negotiation::Required, true, false,
     false, false, true},
    {"Required_Optional_True", Negotiation::Required, Negotiation::Optional, true, true, true, true,
     true},
    {"Required_Optional_False", Negotiation::Required, Negotiation::Optional, false, true, true,
     true, false},
    {"Optional_Optional_True", Negotiation::Optional, Negotiation::Optional, true, true, false, true,
     true},
    {"Optional_Optional_False", Negotiation::Optional, Negotiation::Optional, false, true, false,
     true, false},
    {"NotSupported_Optional_True", Negotiation::NotSupported, Negotiation::Optional, true, false,
     false, false, true},
    {"Required_NotSupported_True", Negotiation::Required, Negotiation::NotSupported, true, true,
     true, false, true},
    {"Optional_NotSupported_True", Negotiation::Optional, Negotiation::NotSupported, true, true,
     false, false, true},
    {"NotSupported_NotSupported_True", Negotiation::NotSupported, Negotiation::NotSupported, true,
     false, false, false, true},
};

config::AccessEdgeConfiguration federationOn() { return {.allow_federated_users = true}; }

class StreamPolicyMatrixTest : public testing::TestWithParam<Row> {};

TEST_P(StreamPolicyMatrixTest, AppliesTheRow) {
  const Row& row = GetParam();
  config::XmppPartner partner;
  partner.domain = "fabrikam.com";
  partner.tls_negotiation = row.tls;
  partner.sasl_negotiation = row.sasl;
  partner.support_dialback_negotiation = row.dialback;
  StreamPolicy p = decideStreamPolicy("fabrikam.com", {partner}, {}, federationOn());
  ASSERT_TRUE(p.allowed) << p.refusal;
  EXPECT_EQ(p.tls_offered, row.tls_offered);
  EXPECT_EQ(p.tls_required, row.tls_required);
  EXPECT_EQ(p.sasl_external_allowed, row.sasl_external);
  EXPECT_EQ(p.dialback_allowed, row.dialback_allowed);
  EXPECT_FALSE(p.expected.empty());
}

INSTANTIATE_TEST_SUITE_P(Spec12, StreamPolicyMatrixTest, testing::ValuesIn(kRows),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StreamPolicyTest, UnknownDomainIsRefusedWithTheReason) {
  StreamPolicy p = decideStreamPolicy("evil.example", {}, {}, federationOn());
  EXPECT_FALSE(p.allowed);
  EXPECT_NE(p.refusal.find("evil.example is not an allowed XMPP partner"), std::string::npos);
}

TEST(StreamPolicyTest, FederationOffAtTheAccessEdgeRefusesEveryone) {
  config::XmppPartner partner;
  partner.domain = "fabrikam.com";
  StreamPolicy p = decideStreamPolicy("fabrikam.com", {partner}, {}, {});
  EXPECT_FALSE(p.allowed);
  EXPECT_NE(p.refusal.find("-AllowFederatedUsers $true"), std::string::npos) << p.refusal;
}

TEST(StreamPolicyTest, AdditionalDomainsBelongToTheirPartner) {
  config::XmppPartner partner;
  partner.domain = "fabrikam.com";
  partner.additional_domains = {"chat.fabrikam.com"};
  partner.partner_type = config::PartnerType::Federated;
  StreamPolicy p = decideStreamPolicy("CHAT.fabrikam.com", {partner}, {}, federationOn());
  ASSERT_TRUE(p.allowed);
  EXPECT_EQ(p.partner, "fabrikam.com");
  EXPECT_EQ(p.partner_type, config::PartnerType::Federated);
}

TEST(StreamPolicyTest, ConnectionLimitIsTheLowerOfPartnerAndGlobal) {
  config::XmppPartner partner;
  partner.domain = "fabrikam.com";
  config::XmppGatewayConfiguration gateway;
  gateway.partner_connection_limit = 20;
  EXPECT_EQ(decideStreamPolicy("fabrikam.com", {partner}, gateway, federationOn()).connection_limit,
            20u);
  partner.connection_limit = 5;
  EXPECT_EQ(decideStreamPolicy("fabrikam.com", {partner}, gateway, federationOn()).connection_limit,
            5u);
  partner.connection_limit = 50;
  EXPECT_EQ(decideStreamPolicy("fabrikam.com", {partner}, gateway, federationOn()).connection_limit,
            20u);
}

TEST(StreamPolicyTest, SettingsWithNoMethodAreRefusedEvenIfStored) {
  config::XmppPartner partner;
  partner.domain = "fabrikam.com";
  partner.tls_negotiation = Negotiation::NotSupported;
  partner.support_dialback_negotiation = false;
  StreamPolicy p = decideStreamPolicy("fabrikam.com", {partner}, {}, federationOn());
  EXPECT_FALSE(p.allowed);
  EXPECT_NE(p.refusal.find("no authentication method"), std::string::npos);
}

TEST(StreamPolicyTest, KeepAliveAndTimeoutsComeThrough) {
  config::XmppPartner partner;
  partner.domain = "gmail.com";
  partner.enable_keep_alive = false;
  config::XmppGatewayConfiguration gateway;
  gateway.keep_alive_interval = 30;
  gateway.stream_inactivity_timeout = 90;
  gateway.stream_establishment_timeout = 10;
  StreamPolicy p = decideStreamPolicy("gmail.com", {partner}, gateway, federationOn());
  EXPECT_FALSE(p.keepalive);
  EXPECT_EQ(p.keepalive_interval_s, 30u);
  EXPECT_EQ(p.stream_inactivity_timeout_s, 90u);
  EXPECT_EQ(p.stream_establishment_timeout_s, 10u);
}

}  // namespace
}  // namespace xfed::policy
