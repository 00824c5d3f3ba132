// SPDX-License-Identifier: Apache-2.0
#include "net/tls/identity.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/tls/test_pki.h"

namespace xfed::net::tls {
namespace {

using testing::CertSpec;
using testing::dnsSan;
using testing::San;
using testing::srvSan;
using testing::TestCa;
using testing::uriSan;
using testing::xmppSan;

const TestCa& ca() {
  static const TestCa kCa("identity test CA");
  return kCa;
}

PeerCertificate makeCert(std::string common_name, std::vector<San> sans) {
  CertSpec spec;
  spec.common_name = std::move(common_name);
  spec.sans = std::move(sans);
  return ca().issue(spec).peer();
}

struct IdentityCase {
  const char* name;
  std::string common_name;
  std::vector<San> sans;
  std::string domain;
  CnIdFallback cn_id;
  IdentityRule rule;
  std::string identifier_or_reason;  // the matched identifier, or a substring of the reason
};

class IdentityTableTest : public ::testing::TestWithParam<IdentityCase> {};

TEST_P(IdentityTableTest, MatchesAsRfc6125ProfiledForXmpp) {
  const IdentityCase& c = GetParam();
  const PeerCertificate cert = makeCert(c.common_name, c.sans);
  const IdentityVerdict verdict = verifyXmppServerIdentity(cert, c.domain, {c.cn_id});
  EXPECT_EQ(ruleName(verdict.rule), ruleName(c.rule)) << verdict.reason;
  if (c.rule == IdentityRule::None) {
    EXPECT_FALSE(verdict);
    EXPECT_NE(verdict.reason.find(c.identifier_or_reason), std::string::npos) << verdict.reason;
  } else {
    EXPECT_TRUE(verdict);
    EXPECT_EQ(verdict.identifier, c.identifier_or_reason);
    EXPECT_TRUE(verdict.reason.empty());
  }
}

constexpr CnIdFallback kNoCn = CnIdFallback::Never;
constexpr CnIdFallback kCn = CnIdFallback::WhenNoSubjectAltNames;
using R = IdentityRule;

// clang-format off: one case per line group reads better than one field per line.
INSTANTIATE_TEST_SUITE_P(
    Certificates, IdentityTableTest,
    ::testing::Values(
        // DNS-ID
        IdentityCase{"ExactDnsId",
                     "",
                     {dnsSan("example.net")},
                     "example.net",
                     kNoCn,
                     R::DnsId,
                     "example.net"},
        IdentityCase{"DnsIdIgnoresCase",
                     "",
                     {dnsSan("Example.NET")},
                     "eXample.net",
                     kNoCn,
                     R::DnsId,
                     "Example.NET"},
        IdentityCase{"DomainTrailingDotIgnored",
                     "",
                     {dnsSan("example.net")},
                     "example.net.",
                     kNoCn,
                     R::DnsId,
                     "example.net"},
        IdentityCase{"PresentedTrailingDotIgnored",
                     "",
                     {dnsSan("example.net.")},
                     "example.net",
                     kNoCn,
                     R::DnsId,
                     "example.net."},
        IdentityCase{"OtherNameIsReported",
                     "",
                     {dnsSan("xmpp.other.org")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "certificate names xmpp.other.org, not example.net"},
        IdentityCase{"SubdomainIsNotTheDomain",
                     "",
                     {dnsSan("xmpp.example.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "certificate names xmpp.example.net, not example.net"},
        IdentityCase{"ExactPreferredOverWildcard",
                     "",
                     {dnsSan("*.example.net"), dnsSan("chat.example.net")},
                     "chat.example.net",
                     kNoCn,
                     R::DnsId,
                     "chat.example.net"},
        IdentityCase{"NoIdnaConversion",
                     "",
                     {dnsSan("xn--bcher-kva.example")},
                     "bücher.example",
                     kNoCn,
                     R::None,
                     "not bücher.example"},
        IdentityCase{"ALabelComparesAsAscii",
                     "",
                     {dnsSan("xn--bcher-kva.example")},
                     "XN--BCHER-KVA.example",
                     kNoCn,
                     R::DnsId,
                     "xn--bcher-kva.example"},
        IdentityCase{"EmbeddedNulNeverMatches",
                     "",
                     {dnsSan(std::string("example.net\0.evil.org", 21))},
                     "example.net",
                     kNoCn,
                     R::None,
                     "malformed subjectAltName"},
        // Wildcards
        IdentityCase{"WildcardOneLabel",
                     "",
                     {dnsSan("*.example.net")},
                     "chat.example.net",
                     kNoCn,
                     R::WildcardDnsId,
                     "*.example.net"},
        IdentityCase{"WildcardIgnoresCase",
                     "",
                     {dnsSan("*.EXAMPLE.net")},
                     "Chat.Example.NET",
                     kNoCn,
                     R::WildcardDnsId,
                     "*.EXAMPLE.net"},
        IdentityCase{"WildcardNotTwoLabels",
                     "",
                     {dnsSan("*.example.net")},
                     "a.b.example.net",
                     kNoCn,
                     R::None,
                     "certificate names *.example.net, not a.b.example.net"},
        IdentityCase{"WildcardNotTheParent",
                     "",
                     {dnsSan("*.example.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "not example.net"},
        IdentityCase{"WildcardPartialLabelPrefix",
                     "",
                     {dnsSan("x*.example.net")},
                     "xy.example.net",
                     kNoCn,
                     R::None,
                     "not xy.example.net"},
        IdentityCase{"WildcardPartialLabelSuffix",
                     "",
                     {dnsSan("*x.example.net")},
                     "ax.example.net",
                     kNoCn,
                     R::None,
                     "not ax.example.net"},
        IdentityCase{"WildcardInsideLabel",
                     "",
                     {dnsSan("f*o.example.net")},
                     "foo.example.net",
                     kNoCn,
                     R::None,
                     "not foo.example.net"},
        IdentityCase{"WildcardOverTld",
                     "",
                     {dnsSan("*.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "certificate names *.net, not example.net"},
        IdentityCase{"WildcardNotLeftMost",
                     "",
                     {dnsSan("chat.*.net")},
                     "chat.example.net",
                     kNoCn,
                     R::None,
                     "not chat.example.net"},
        IdentityCase{"LoneWildcard", "", {dnsSan("*")}, "example", kNoCn, R::None, "not example"},
        IdentityCase{"TwoWildcards",
                     "",
                     {dnsSan("*.*.example.net")},
                     "a.b.example.net",
                     kNoCn,
                     R::None,
                     "not a.b.example.net"},
        // SRV-ID (RFC 4985, RFC 6120 §13.7.1.2.1)
        IdentityCase{"SrvId",
                     "",
                     {srvSan("_xmpp-server.example.net")},
                     "example.net",
                     kNoCn,
                     R::SrvId,
                     "_xmpp-server.example.net"},
        IdentityCase{"SrvIdIgnoresCase",
                     "",
                     {srvSan("_XMPP-Server.Example.NET")},
                     "example.net",
                     kNoCn,
                     R::SrvId,
                     "_XMPP-Server.Example.NET"},
        IdentityCase{"SrvIdOtherService",
                     "",
                     {srvSan("_xmpp-client.example.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "certificate names _xmpp-client.example.net (SRV-ID), not example.net"},
        IdentityCase{"SrvIdNoWildcard",
                     "",
                     {srvSan("_xmpp-server.*.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "not example.net"},
        IdentityCase{"SrvIdIsNotADnsId",
                     "",
                     {dnsSan("_xmpp-server.example.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "not example.net"},
        // XmppAddr (RFC 6120 §13.7.1.4)
        IdentityCase{"XmppAddr",
                     "",
                     {xmppSan("example.net")},
                     "example.net",
                     kNoCn,
                     R::XmppAddr,
                     "example.net"},
        IdentityCase{"XmppAddrIgnoresAsciiCase",
                     "",
                     {xmppSan("EXAMPLE.net")},
                     "example.NET",
                     kNoCn,
                     R::XmppAddr,
                     "EXAMPLE.net"},
        IdentityCase{"XmppAddrWithLocalpartIsAUser",
                     "",
                     {xmppSan("admin@example.net")},
                     "example.net",
                     kNoCn,
                     R::None,
                     "admin@example.net (XmppAddr)"},
        IdentityCase{"XmppAddrNoWildcard",
                     "",
                     {xmppSan("*.example.net")},
                     "chat.example.net",
                     kNoCn,
                     R::None,
                     "not chat.example.net"},
        IdentityCase{
            "MixedIdentifiersListed",
            "",
            {dnsSan("a.other.org"), srvSan("_xmpp-server.b.other.org"), xmppSan("c.other.org")},
            "example.net",
            kNoCn,
            R::None,
            "certificate names a.other.org, _xmpp-server.b.other.org (SRV-ID), "
            "c.other.org (XmppAddr), not example.net"},
        // CN-ID: RFC 9525 by default, RFC 6125 §6.4.4 when allowed
        IdentityCase{"CnOnlyRejectedByDefault",
                     "example.net",
                     {},
                     "example.net",
                     kNoCn,
                     R::None,
                     "certificate has no subjectAltName (its CN example.net is not used, "
                     "RFC 9525 §6.3), not example.net"},
        IdentityCase{"CnOnlyAcceptedWhenAllowed",
                     "example.net",
                     {},
                     "example.net",
                     kCn,
                     R::CnId,
                     "example.net"},
        IdentityCase{"CnWildcardWhenAllowed",
                     "*.example.net",
                     {},
                     "chat.example.net",
                     kCn,
                     R::CnId,
                     "*.example.net"},
        IdentityCase{"CnOnlyOtherName",
                     "other.org",
                     {},
                     "example.net",
                     kCn,
                     R::None,
                     "certificate names CN other.org, not example.net"},
        IdentityCase{"CnIgnoredWhenDnsIdPresent",
                     "example.net",
                     {dnsSan("other.org")},
                     "example.net",
                     kCn,
                     R::None,
                     "certificate names other.org, not example.net"},
        IdentityCase{"CnIgnoredWhenOnlyUriPresent",
                     "example.net",
                     {uriSan("xmpp:example.net")},
                     "example.net",
                     kCn,
                     R::None,
                     "xmpp:example.net (URI)"},
        IdentityCase{"CnIgnoredWhenXmppAddrPresent",
                     "example.net",
                     {xmppSan("other.org")},
                     "example.net",
                     kCn,
                     R::None,
                     "other.org (XmppAddr)"},
        IdentityCase{"NoNamesAtAll",
                     "",
                     {},
                     "example.net",
                     kCn,
                     R::None,
                     "certificate names nothing (no subjectAltName, no CN), not example.net"},
        // Bad reference identifiers
        IdentityCase{"EmptyDomain",
                     "",
                     {dnsSan("example.net")},
                     "",
                     kNoCn,
                     R::None,
                     "is not a domain to check"},
        IdentityCase{"WildcardDomain",
                     "",
                     {dnsSan("*.example.net")},
                     "*.example.net",
                     kNoCn,
                     R::None,
                     "is not a domain to check"},
        IdentityCase{"EmptyLabelDomain",
                     "",
                     {dnsSan("example.net")},
                     "example..net",
                     kNoCn,
                     R::None,
                     "is not a domain to check"}),
    [](const ::testing::TestParamInfo<IdentityCase>& info) { return info.param.name; });
// clang-format on

TEST(IdentityTest, LongNameListsAreShortened) {
  std::vector<San> sans;
  for (int i = 0; i < 11; ++i) {
    sans.push_back(dnsSan("host" + std::to_string(i) + ".other.org"));
  }
  const IdentityVerdict verdict = verifyXmppServerIdentity(makeCert("", sans), "example.net");
  EXPECT_FALSE(verdict);
  EXPECT_NE(verdict.reason.find("host7.other.org and 3 more, not example.net"), std::string::npos)
      << verdict.reason;
}

TEST(IdentityTest, PresentedIdentifiersListsEveryKind) {
  const PeerCertificate cert =
      makeCert("cn.example.net", {dnsSan("a.example.net"), srvSan("_xmpp-server.example.net"),
                                  xmppSan("example.net"), uriSan("xmpp:example.net")});
  const PresentedIdentifiers ids = presentedIdentifiers(cert);
  EXPECT_EQ(ids.dns_ids, std::vector<std::string>{"a.example.net"});
  EXPECT_EQ(ids.srv_ids, std::vector<std::string>{"_xmpp-server.example.net"});
  EXPECT_EQ(ids.xmpp_addrs, std::vector<std::string>{"example.net"});
  EXPECT_EQ(ids.uri_ids, std::vector<std::string>{"xmpp:example.net"});
  EXPECT_EQ(ids.common_name, "cn.example.net");
  EXPECT_FALSE(ids.malformed);
  EXPECT_TRUE(ids.hasSubjectAltNameIds());
}

TEST(IdentityTest, MatchesDnsIdDirectly) {
  EXPECT_TRUE(matchesDnsId("example.net", "EXAMPLE.NET."));
  EXPECT_TRUE(matchesDnsId("*.example.net", "a.example.net"));
  EXPECT_FALSE(matchesDnsId("*.example.net", ".example.net"));
  EXPECT_FALSE(matchesDnsId("*.example.net", "a..example.net"));
  EXPECT_FALSE(matchesDnsId("", "example.net"));
  EXPECT_FALSE(matchesDnsId("example.net", ""));
  EXPECT_FALSE(matchesDnsId("*.", "a."));
  EXPECT_FALSE(matchesDnsId("*.example.net", "*.example.net"));
}

}  // namespace
}  // namespace xfed::net::tls
