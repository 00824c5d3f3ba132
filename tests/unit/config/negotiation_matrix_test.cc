// SPDX-License-Identifier: Apache-2.0
// The negotiation validity matrix of lync-xmpp-spec.md §1.2 (one test per row), partner
// validation and the bounds of Set-CsXmppGatewayConfiguration (§1.3).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/model.h"
#include "config/validation.h"
#include "core/errors.h"

namespace xfed::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using N = Negotiation;

// ------------------------------------------------------------------------- the matrix (§1.2)

struct MatrixRow {
  N tls;
  N sasl;
  bool dialback;
  bool valid;
  const char* expected;  // "" for invalid rows
  bool warning;
};

// Straight from the table of spec §1.2, in its order.
const MatrixRow kMatrix[] = {
    {N::Required, N::Required, true, true, "SASL over TLS", true},
    {N::Required, N::Required, false, true, "SASL over TLS", false},
    {N::Optional, N::Required, true, true, "SASL over TLS, TLS dialback, TCP dialback", true},
    {N::Optional, N::Required, false, true, "SASL over TLS", true},
    {N::NotSupported, N::Required, true, true, "TCP dialback", true},
    {N::NotSupported, N::Required, false, false, "", false},
    {N::Required, N::Optional, true, true, "SASL over TLS, TLS dialback", false},
    {N::Required, N::Optional, false, true, "SASL over TLS", false},
    {N::Optional, N::Optional, true, true, "SASL over TLS, TLS dialback, TCP dialback", true},
    {N::Optional, N::Optional, false, true, "SASL over TLS", true},
    {N::NotSupported, N::Optional, true, true, "TCP dialback", true},
    {N::NotSupported, N::Optional, false, false, "", false},
    {N::Required, N::NotSupported, true, true, "TLS dialback", false},
    {N::Required, N::NotSupported, false, false, "", false},
    {N::Optional, N::NotSupported, true, true, "TLS dialback, TCP dialback", false},
    {N::Optional, N::NotSupported, false, false, "", false},
    {N::NotSupported, N::NotSupported, true, true, "TCP dialback", false},
    {N::NotSupported, N::NotSupported, false, false, "", false},
};

class NegotiationMatrix : public ::testing::TestWithParam<MatrixRow> {};

TEST_P(NegotiationMatrix, GivesTheDocumentedVerdict) {
  const MatrixRow& row = GetParam();
  NegotiationVerdict verdict = checkNegotiation(row.tls, row.sasl, row.dialback);
  EXPECT_EQ(verdict.valid, row.valid);
  if (row.valid) {
    EXPECT_EQ(verdict.expected, row.expected);
    EXPECT_EQ(verdict.warning.has_value(), row.warning)
        << "warning: " << verdict.warning.value_or("(none)");
    if (verdict.warning) {
      EXPECT_FALSE(verdict.warning->empty());
    }
    EXPECT_TRUE(verdict.reason.empty()) << verdict.reason;
  } else {
    EXPECT_TRUE(verdict.expected.empty()) << verdict.expected;
    EXPECT_FALSE(verdict.warning.has_value());
    // The reason says what to change: dialback on, or something that lets SASL run.
    EXPECT_THAT(verdict.reason, HasSubstr("-SupportDialbackNegotiation $true"));
  }
}

std::string rowName(const ::testing::TestParamInfo<MatrixRow>& info) {
  return std::string(toString(info.param.tls)) + "_" + std::string(toString(info.param.sasl)) +
         "_" + (info.param.dialback ? "True" : "False");
}

INSTANTIATE_TEST_SUITE_P(Spec12, NegotiationMatrix, ::testing::ValuesIn(kMatrix), rowName);

TEST(NegotiationMatrixTable, CoversEveryCombinationOnce) {
  // 3 x 3 x 2 rows, none repeated: a typo in the table above would hide a combination.
  std::vector<std::string> seen;
  for (const MatrixRow& row : kMatrix) {
    std::string key = rowName(::testing::TestParamInfo<MatrixRow>(row, 0));
    EXPECT_EQ(std::count(seen.begin(), seen.end(), key), 0) << key;
    seen.push_back(key);
  }
  EXPECT_EQ(seen.size(), 18u);
}

TEST(NegotiationMatrixTable, InvalidExactlyWhenDialbackIsOffAndSaslCannotRun) {
  for (N tls : {N::Required, N::Optional, N::NotSupported}) {
    for (N sasl : {N::Required, N::Optional, N::NotSupported}) {
      for (bool dialback : {true, false}) {
        bool sasl_possible = sasl != N::NotSupported && tls != N::NotSupported;
        EXPECT_EQ(checkNegotiation(tls, sasl, dialback).valid, dialback || sasl_possible)
            << toString(tls) << "/" << toString(sasl) << "/" << dialback;
      }
    }
  }
}

// ------------------------------------------------------------------------- validatePartner

XmppPartner partner(std::string domain) {
  XmppPartner p;
  p.domain = std::move(domain);
  return p;
}

TEST(ValidatePartner, AcceptsTheSpecDefaults) {
  EXPECT_TRUE(validatePartner(partner("fabrikam.com"), {}, defaultTopology()));
}

TEST(ValidatePartner, AcceptsTheGoogleTalkExample) {
  // New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported -SaslNegotiation
  // NotSupported -EnableKeepAlive $false -SupportDialbackNegotiation $true (spec §1.2).
  XmppPartner p = partner("gmail.com");
  p.tls_negotiation = N::NotSupported;
  p.sasl_negotiation = N::NotSupported;
  p.enable_keep_alive = false;
  p.support_dialback_negotiation = true;
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
}

TEST(ValidatePartner, RefusesAnInvalidCombinationNamingTheSettings) {
  XmppPartner p = partner("fabrikam.com");
  p.tls_negotiation = N::NotSupported;
  p.sasl_negotiation = N::Required;
  p.support_dialback_negotiation = false;
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(r.error().detail,
              AllOf(HasSubstr("TlsNegotiation NotSupported"), HasSubstr("SaslNegotiation Required"),
                    HasSubstr("SupportDialbackNegotiation $false"),
                    HasSubstr("not a valid combination")));
}

TEST(ValidatePartner, RefusesEveryInvalidRowOfTheMatrix) {
  for (const MatrixRow& row : kMatrix) {
    XmppPartner p = partner("fabrikam.com");
    p.tls_negotiation = row.tls;
    p.sasl_negotiation = row.sasl;
    p.support_dialback_negotiation = row.dialback;
    EXPECT_EQ(static_cast<bool>(validatePartner(p, {}, defaultTopology())), row.valid)
        << toString(row.tls) << "/" << toString(row.sasl) << "/" << row.dialback;
  }
}

TEST(ValidatePartner, RefusesAPrimaryDomainThatIsNotADnsName) {
  for (const char* bad : {"", "fabrikam..com", "-fabrikam.com", "fab rikam.com", "user@fabrikam.com",
                          "*.fabrikam.com", "fabrikam.com."}) {
    core::Result<void> r = validatePartner(partner(bad), {}, defaultTopology());
    ASSERT_FALSE(r) << "'" << bad << "'";
    EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(r.error().detail, HasSubstr("'" + std::string(bad) + "' is not a valid domain name"));
  }
}

TEST(ValidatePartner, RefusesAnAdditionalDomainThatIsNotADnsName) {
  XmppPartner p = partner("fabrikam.com");
  p.additional_domains = {"chat.fabrikam.com", "bad_domain.fabrikam.com"};
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("'bad_domain.fabrikam.com' is not a valid domain name"));
}

TEST(ValidatePartner, RefusesADomainThatIsAnotherPartnersPrimaryDomain) {
  XmppPartner p = partner("fabrikam.com");
  p.additional_domains = {"litware.com"};
  std::vector<XmppPartner> others{partner("Litware.COM")};
  core::Result<void> r = validatePartner(p, others, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("'litware.com'"), HasSubstr("partner 'Litware.COM'"),
                                      HasSubstr("one partner only")));
  EXPECT_THAT(r.error().detail, ::testing::Not(HasSubstr("additional domain")));
}

TEST(ValidatePartner, RefusesADomainThatIsAnotherPartnersAdditionalDomain) {
  XmppPartner other = partner("litware.com");
  other.additional_domains = {"im.litware.com"};
  core::Result<void> r = validatePartner(partner("IM.litware.com"), {other}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("'IM.litware.com'"), HasSubstr("'litware.com'"),
                                      HasSubstr("as an additional domain")));
}

TEST(ValidatePartner, AcceptsDomainsThatNoOtherPartnerUses) {
  XmppPartner other = partner("litware.com");
  other.additional_domains = {"im.litware.com"};
  XmppPartner p = partner("fabrikam.com");
  p.additional_domains = {"im.fabrikam.com"};
  EXPECT_TRUE(validatePartner(p, {other}, defaultTopology()));
}

TEST(ValidatePartner, RefusesTheSameDomainTwiceInOnePartner) {
  XmppPartner p = partner("fabrikam.com");
  p.additional_domains = {"Fabrikam.com"};
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("listed twice"));
}

TEST(ValidatePartner, RefusesOurOwnSipDomainAsPrimaryOrAdditionalDomain) {
  core::Result<void> primary = validatePartner(partner("Contoso.Test"), {}, defaultTopology());
  ASSERT_FALSE(primary);
  EXPECT_EQ(primary.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(primary.error().detail,
              AllOf(HasSubstr("'Contoso.Test'"), HasSubstr("own SIP domains")));

  XmppPartner p = partner("fabrikam.com");
  p.additional_domains = {"contoso.test"};
  core::Result<void> additional = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(additional);
  EXPECT_THAT(additional.error().detail, HasSubstr("own SIP domains"));
}

TEST(ValidatePartner, RefusesConnectionLimitZero) {
  XmppPartner p = partner("fabrikam.com");
  p.connection_limit = 0;
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(r.error().detail, HasSubstr("ConnectionLimit must be at least 1"));
}

TEST(ValidatePartner, AcceptsConnectionLimitOneOrUnset) {
  XmppPartner p = partner("fabrikam.com");
  p.connection_limit = 1;
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
  p.connection_limit.reset();
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
}

TEST(ValidatePartner, RefusesAProxyFqdnThatIsNeitherAHostNameNorAnAddress) {
  XmppPartner p = partner("fabrikam.com");
  p.proxy_fqdn = "proxy fabrikam";
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("ProxyFqdn 'proxy fabrikam'"));
  p.proxy_fqdn = "proxy.fabrikam.com";
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
  p.proxy_fqdn = "192.0.2.7";
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
}

TEST(ValidatePartner, RefusesADescriptionLongerThan1024Characters) {
  XmppPartner p = partner("fabrikam.com");
  p.description = std::string(1024, 'x');
  EXPECT_TRUE(validatePartner(p, {}, defaultTopology()));
  p.description.push_back('x');
  core::Result<void> r = validatePartner(p, {}, defaultTopology());
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("Description"));
}

// ------------------------------------------------------------------ validateGatewayConfiguration

TEST(ValidateGatewayConfiguration, AcceptsTheDefaults) {
  EXPECT_TRUE(validateGatewayConfiguration(XmppGatewayConfiguration{}));
}

TEST(ValidateGatewayConfiguration, DefaultsAreTheDocumentedValues) {
  XmppGatewayConfiguration c;
  EXPECT_EQ(c.connection_limit, 1000u);
  EXPECT_EQ(c.partner_connection_limit, 20u);
  EXPECT_EQ(c.keep_alive_interval, 300u);
  EXPECT_EQ(c.stream_establishment_timeout, 60u);
  EXPECT_EQ(c.stream_inactivity_timeout, 600u);
  EXPECT_EQ(c.subscription_refresh_interval, 28800u);
  EXPECT_FALSE(c.enable_logging_all_message_bodies);
}

struct BoundCase {
  const char* name;
  std::uint32_t XmppGatewayConfiguration::*field;
  std::uint32_t min;
  std::uint32_t max;
};

// Each field alone, with the others at values that keep the cross-field rules satisfied.
class GatewayBounds : public ::testing::TestWithParam<BoundCase> {
protected:
  static XmppGatewayConfiguration base() {
    XmppGatewayConfiguration c;
    c.connection_limit = 1'000'000;
    c.partner_connection_limit = 1;
    c.keep_alive_interval = 1;
    c.stream_inactivity_timeout = 604'800;
    return c;
  }
};

TEST_P(GatewayBounds, AcceptsTheLimitsAndRefusesJustOutsideNamingTheSetting) {
  const BoundCase& b = GetParam();
  for (std::uint32_t ok : {b.min, b.max}) {
    XmppGatewayConfiguration c = base();
    if (b.field == &XmppGatewayConfiguration::stream_inactivity_timeout && ok == 1) {
      continue;  // KeepAliveInterval (at least 1) must stay shorter: tested separately below
    }
    c.*b.field = ok;
    core::Result<void> r = validateGatewayConfiguration(c);
    EXPECT_TRUE(r) << b.name << " = " << ok << ": " << (r ? "" : r.error().detail);
  }
  std::vector<std::uint32_t> outside{b.max + 1};
  if (b.min > 0) {
    outside.push_back(b.min - 1);
  }
  for (std::uint32_t bad : outside) {
    XmppGatewayConfiguration c = base();
    c.*b.field = bad;
    core::Result<void> r = validateGatewayConfiguration(c);
    ASSERT_FALSE(r) << b.name << " = " << bad;
    EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(r.error().detail,
                AllOf(HasSubstr(std::string(b.name) + " is " + std::to_string(bad)),
                      HasSubstr("between " + std::to_string(b.min) + " and " +
                                std::to_string(b.max))));
  }
}

const BoundCase kBounds[] = {
    {"ConnectionLimit", &XmppGatewayConfiguration::connection_limit, 1, 1'000'000},
    {"PartnerConnectionLimit", &XmppGatewayConfiguration::partner_connection_limit, 1, 1'000'000},
    {"KeepAliveInterval", &XmppGatewayConfiguration::keep_alive_interval, 1, 86'400},
    {"StreamEstablishmentTimeout", &XmppGatewayConfiguration::stream_establishment_timeout, 1,
     3'600},
    {"StreamInactivityTimeout", &XmppGatewayConfiguration::stream_inactivity_timeout, 1, 604'800},
    {"SubscriptionRefreshInterval", &XmppGatewayConfiguration::subscription_refresh_interval, 60,
     2'592'000},
};

INSTANTIATE_TEST_SUITE_P(Bounds, GatewayBounds, ::testing::ValuesIn(kBounds),
                         [](const ::testing::TestParamInfo<BoundCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(ValidateGatewayConfiguration, RefusesAPartnerLimitAboveTheTotalLimit) {
  XmppGatewayConfiguration c;
  c.connection_limit = 10;
  c.partner_connection_limit = 11;
  core::Result<void> r = validateGatewayConfiguration(c);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("PartnerConnectionLimit (11)"),
                                      HasSubstr("ConnectionLimit (10)")));
  c.partner_connection_limit = 10;
  EXPECT_TRUE(validateGatewayConfiguration(c));
}

TEST(ValidateGatewayConfiguration, RefusesAKeepAliveIntervalNotShorterThanTheInactivityTimeout) {
  XmppGatewayConfiguration c;
  c.keep_alive_interval = 600;
  c.stream_inactivity_timeout = 600;
  core::Result<void> r = validateGatewayConfiguration(c);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("KeepAliveInterval (600 s)"),
                                      HasSubstr("StreamInactivityTimeout (600 s)")));
  c.keep_alive_interval = 599;
  EXPECT_TRUE(validateGatewayConfiguration(c));
}

}  // namespace
}  // namespace xfed::config
