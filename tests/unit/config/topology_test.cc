// SPDX-License-Identifier: Apache-2.0
// The embedded default topology, every topologyProblems() rule, the topology document (JSON and
// XML), and the names of config/model.h.
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/model.h"
#include "config/topology_compare.h"
#include "config/topology_json.h"
#include "config/validation.h"
#include "core/errors.h"

namespace xfed::config {
namespace {

using testing_support::expectSameTopology;

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

/** Every problem that contains all of the given fragments; the test wants exactly one. */
std::vector<std::string> problemsWith(const Topology& t, std::vector<std::string> fragments) {
  std::vector<std::string> out;
  for (const std::string& p : topologyProblems(t)) {
    bool all = true;
    for (const std::string& f : fragments) {
      all = all && p.find(f) != std::string::npos;
    }
    if (all) {
      out.push_back(p);
    }
  }
  return out;
}

std::string allProblems(const Topology& t) {
  std::string out;
  for (const std::string& p : topologyProblems(t)) {
    out += "\n  " + p;
  }
  return out.empty() ? "(none)" : out;
}

/** A second site with its own pools, valid on its own (no XMPP route). */
Topology twoSiteTopology() {
  Topology t = defaultTopology();
  t.sites.push_back({"Site2", "Second site", std::nullopt});
  FrontEndPool fe;
  fe.fqdn = "fe2.contoso.test";
  fe.site = "Site2";
  fe.machines.push_back({"fe2-1.contoso.test", "127.0.0.2", ""});
  t.front_end_pools.push_back(fe);
  EdgePool edge;
  edge.fqdn = "edge2.contoso.test";
  edge.external_fqdn = "xmpp2.contoso.test";
  edge.site = "Site2";
  edge.internal_address = "127.0.0.2";
  edge.external_address = "127.0.0.2";
  edge.xmpp_federation_enabled = true;
  edge.machines.push_back({"edge2-1.contoso.test", "127.0.0.2", "127.0.0.2"});
  t.edge_pools.push_back(edge);
  return t;
}

// ------------------------------------------------------------------------- defaultTopology

TEST(DefaultTopology, IsValid) {
  EXPECT_THAT(topologyProblems(defaultTopology()), IsEmpty()) << allProblems(defaultTopology());
  EXPECT_TRUE(validateTopology(defaultTopology()));
}

TEST(DefaultTopology, HasTheEmbeddedDefaults) {
  Topology t = defaultTopology();
  ASSERT_THAT(t.sip_domains, SizeIs(1));
  EXPECT_EQ(t.sip_domains[0].name, "contoso.test");
  EXPECT_TRUE(t.sip_domains[0].is_default);
  EXPECT_EQ(t.defaultSipDomain(), "contoso.test");

  ASSERT_THAT(t.sites, SizeIs(1));
  EXPECT_EQ(t.sites[0].name, "Site1");
  ASSERT_TRUE(t.sites[0].xmpp_federation_route.has_value());
  EXPECT_EQ(*t.sites[0].xmpp_federation_route, "edge.contoso.test");

  ASSERT_THAT(t.front_end_pools, SizeIs(1));
  EXPECT_EQ(t.front_end_pools[0].fqdn, "fe.contoso.test");
  EXPECT_EQ(t.front_end_pools[0].site, "Site1");
  EXPECT_EQ(t.front_end_pools[0].sip_port, 5060);
  EXPECT_EQ(t.front_end_pools[0].sip_tls_port, 5061);
  EXPECT_THAT(t.front_end_pools[0].machines, SizeIs(1));

  ASSERT_THAT(t.edge_pools, SizeIs(1));
  const EdgePool& edge = t.edge_pools[0];
  EXPECT_EQ(edge.fqdn, "edge.contoso.test");
  EXPECT_EQ(edge.site, "Site1");
  EXPECT_TRUE(edge.xmpp_federation_enabled);
  EXPECT_EQ(edge.xmpp_port, 5269);
  EXPECT_EQ(edge.internal_port, 23456);
  EXPECT_THAT(edge.machines, SizeIs(1));
}

TEST(DefaultTopology, NamedConstantsMatchTheContent) {
  Topology t = defaultTopology();
  EXPECT_NE(t.findSite(kDefaultSite), nullptr);
  EXPECT_NE(t.findSipDomain(kDefaultSipDomain), nullptr);
  EXPECT_NE(t.findFrontEndPool(kDefaultFrontEndPool), nullptr);
  EXPECT_NE(t.findEdgePool(kDefaultEdgePool), nullptr);
}

TEST(Topology, FindersIgnoreCase) {
  Topology t = defaultTopology();
  EXPECT_NE(t.findSite("SITE1"), nullptr);
  EXPECT_NE(t.findFrontEndPool("FE.Contoso.Test"), nullptr);
  EXPECT_NE(t.findEdgePool("EDGE.contoso.test"), nullptr);
  EXPECT_NE(t.findSipDomain("Contoso.TEST"), nullptr);
  EXPECT_EQ(t.findSite("Site2"), nullptr);
  EXPECT_EQ(t.findFrontEndPool("edge.contoso.test"), nullptr);
}

// ------------------------------------------------------------------------- topologyProblems

TEST(TopologyProblems, RouteToAnUnknownPoolNamesTheSiteAndTheEdgePoolsToUse) {
  Topology t = defaultTopology();
  t.sites[0].xmpp_federation_route = "nosuch.contoso.test";
  EXPECT_THAT(problemsWith(t, {"Site 'Site1'", "'nosuch.contoso.test'", "not a pool",
                               "use one of its edge pools: edge.contoso.test"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, RouteToAnUnknownPoolWithoutEdgePoolsSaysToAddOne) {
  Topology t = defaultTopology();
  t.edge_pools.clear();
  EXPECT_THAT(problemsWith(t, {"Site 'Site1'", "'edge.contoso.test'", "add an edge pool first"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, RouteToAFrontEndPoolSaysToRouteToAnEdgePool) {
  Topology t = defaultTopology();
  t.sites[0].xmpp_federation_route = "fe.contoso.test";
  EXPECT_THAT(problemsWith(t, {"Site 'Site1'", "'fe.contoso.test'", "is a front end pool",
                               "route to an edge pool"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, RouteToAnEdgePoolWithoutXmppSaysToEnableIt) {
  Topology t = defaultTopology();
  t.edge_pools[0].xmpp_federation_enabled = false;
  EXPECT_THAT(problemsWith(t, {"Site 'Site1'", "'edge.contoso.test'",
                               "without XMPP federation enabled", "\"xmppFederationEnabled\": true"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, AnEdgePoolWithoutXmppIsFineWhenNoSiteRoutesToIt) {
  Topology t = defaultTopology();
  t.edge_pools[0].xmpp_federation_enabled = false;
  t.sites[0].xmpp_federation_route.reset();
  EXPECT_THAT(topologyProblems(t), IsEmpty()) << allProblems(t);
}

TEST(TopologyProblems, ASecondXmppRouteInAnotherSiteNamesBothSites) {
  Topology t = twoSiteTopology();
  ASSERT_THAT(topologyProblems(t), IsEmpty()) << allProblems(t);
  t.sites[1].xmpp_federation_route = "edge2.contoso.test";
  EXPECT_THAT(problemsWith(t, {"Site 'Site2'", "site 'Site1' already has one", "one site only",
                               "remove one of the routes"}),
              SizeIs(1))
      << allProblems(t);
  EXPECT_THAT(topologyProblems(t), SizeIs(1)) << allProblems(t);
}

TEST(TopologyProblems, APoolAndAMachineWithTheSameFqdnAreReported) {
  Topology t = defaultTopology();
  t.edge_pools[0].machines[0].fqdn = "FE.contoso.test";
  EXPECT_THAT(problemsWith(t, {"Edge pool 'edge.contoso.test' machine 'FE.contoso.test'",
                               "FQDN 'FE.contoso.test' is already used by Front end pool "
                               "'fe.contoso.test'",
                               "needs its own FQDN"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, TwoPoolsWithTheSameFqdnAreReported) {
  Topology t = twoSiteTopology();
  t.edge_pools[1].fqdn = "fe2.contoso.test";
  EXPECT_THAT(problemsWith(t, {"Edge pool 'fe2.contoso.test'", "already used by Front end pool "
                               "'fe2.contoso.test'"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, APoolInAnUnknownSiteNamesThePoolAndTheSite) {
  Topology t = defaultTopology();
  t.front_end_pools[0].site = "Redmond";
  EXPECT_THAT(problemsWith(t, {"Front end pool 'fe.contoso.test'", "site 'Redmond' does not exist",
                               "use one of the topology's sites"}),
              SizeIs(1))
      << allProblems(t);
  Topology e = defaultTopology();
  e.edge_pools[0].site = "Dublin";
  EXPECT_THAT(problemsWith(e, {"Edge pool 'edge.contoso.test'", "site 'Dublin' does not exist"}),
              SizeIs(1))
      << allProblems(e);
}

TEST(TopologyProblems, NoDefaultSipDomainSaysToMarkExactlyOne) {
  Topology t = defaultTopology();
  t.sip_domains[0].is_default = false;
  EXPECT_THAT(problemsWith(t, {"has 0 default SIP domains", "mark exactly one"}), SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, TwoDefaultSipDomainsSaysToMarkExactlyOne) {
  Topology t = defaultTopology();
  t.sip_domains.push_back({"fabrikam.test", true});
  EXPECT_THAT(problemsWith(t, {"has 2 default SIP domains", "mark exactly one"}), SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, NoSipDomainAtAllSaysToAddOne) {
  Topology t = defaultTopology();
  t.sip_domains.clear();
  EXPECT_THAT(topologyProblems(t), ElementsAre(HasSubstr("has no SIP domain; add one")))
      << allProblems(t);
}

TEST(TopologyProblems, ADuplicateOrInvalidSipDomainIsReported) {
  Topology t = defaultTopology();
  t.sip_domains.push_back({"CONTOSO.test", false});
  t.sip_domains.push_back({"bad_domain", false});
  EXPECT_THAT(problemsWith(t, {"SIP domain 'CONTOSO.test'", "listed twice"}), SizeIs(1))
      << allProblems(t);
  EXPECT_THAT(problemsWith(t, {"SIP domain 'bad_domain'", "not a valid DNS name"}), SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, ABadMachineAddressNamesTheMachineAndGivesAnExample) {
  Topology t = defaultTopology();
  t.front_end_pools[0].machines[0].internal_address = "localhost";
  EXPECT_THAT(problemsWith(t, {"Front end pool 'fe.contoso.test'", "machine 'fe1.contoso.test'",
                               "'localhost'", "not an IP address (e.g. 127.0.0.1)"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, ABadEdgeAddressNamesThePoolAndWhichAddress) {
  Topology t = defaultTopology();
  t.edge_pools[0].external_address = "999.1.1.1";
  t.edge_pools[0].machines[0].internal_address = "";
  EXPECT_THAT(problemsWith(t, {"Edge pool 'edge.contoso.test'", "external address '999.1.1.1'",
                               "not an IP address"}),
              SizeIs(1))
      << allProblems(t);
  EXPECT_THAT(problemsWith(t, {"Edge pool 'edge.contoso.test'", "machine 'edge1.contoso.test'",
                               "internal address ''"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, EqualXmppAndInternalPortsAreReported) {
  Topology t = defaultTopology();
  t.edge_pools[0].internal_port = 5269;
  EXPECT_THAT(problemsWith(t, {"Edge pool 'edge.contoso.test'",
                               "xmppPort and internalPort are both 5269", "must differ"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, PortZeroIsReported) {
  Topology t = defaultTopology();
  t.front_end_pools[0].sip_tls_port = 0;
  EXPECT_THAT(problemsWith(t, {"Front end pool 'fe.contoso.test'", "sipTlsPort is 0",
                               "between 1 and 65535"}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, APoolWithoutMachinesSaysToAddOne) {
  Topology t = defaultTopology();
  t.front_end_pools[0].machines.clear();
  t.edge_pools[0].machines.clear();
  EXPECT_THAT(problemsWith(t, {"Front end pool 'fe.contoso.test'", "lists no member machines",
                               "\"address\""}),
              SizeIs(1))
      << allProblems(t);
  EXPECT_THAT(problemsWith(t, {"Edge pool 'edge.contoso.test'", "lists no member machines",
                               "\"internalAddress\", \"externalAddress\""}),
              SizeIs(1))
      << allProblems(t);
}

TEST(TopologyProblems, NoSiteAndBadOrDuplicateSiteNamesAreReported) {
  Topology none = defaultTopology();
  none.sites.clear();
  EXPECT_THAT(problemsWith(none, {"has no site; add one"}), SizeIs(1)) << allProblems(none);

  Topology t = defaultTopology();
  t.sites.push_back({"site1", "", std::nullopt});
  t.sites.push_back({"bad site", "", std::nullopt});
  EXPECT_THAT(problemsWith(t, {"Site 'site1'", "defined twice"}), SizeIs(1)) << allProblems(t);
  EXPECT_THAT(problemsWith(t, {"Site 'bad site'", "1-64 letters"}), SizeIs(1)) << allProblems(t);
}

TEST(ValidateTopology, ListsEveryProblemInOneInvalidArgument) {
  Topology t = defaultTopology();
  t.edge_pools[0].internal_port = 5269;
  t.front_end_pools[0].site = "Redmond";
  core::Result<void> r = validateTopology(t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(r.error().detail, AllOf(HasSubstr("the topology is not valid"),
                                      HasSubstr("both 5269"), HasSubstr("'Redmond'")));
}

TEST(SiteAndTagNames, AllowLettersDigitsHyphenUnderscoreAndDotUpTo64) {
  EXPECT_TRUE(isValidSiteName("Site1"));
  EXPECT_TRUE(isValidSiteName("Red-mond_1.a"));
  EXPECT_TRUE(isValidSiteName(std::string(64, 'a')));
  EXPECT_FALSE(isValidSiteName(std::string(65, 'a')));
  EXPECT_FALSE(isValidSiteName(""));
  EXPECT_FALSE(isValidSiteName("Site 1"));
  EXPECT_TRUE(isValidTagName("FedPic"));
  EXPECT_FALSE(isValidTagName("tag:FedPic"));
}

// ------------------------------------------------------------------------- topology JSON

/** A topology where every field differs from its default, so a dropped field is noticed. */
Topology richTopology() {
  Topology t = twoSiteTopology();
  t.version = 7;
  t.published_at = "2024-05-01T12:00:00Z";
  t.sip_domains.push_back({"fabrikam.test", false});
  t.sites[0].description = "Head \"office\" & <lab>";
  t.front_end_pools[0].sip_port = 15060;
  t.front_end_pools[0].sip_tls_port = 15061;
  t.front_end_pools[0].machines.push_back({"fe1b.contoso.test", "::1", ""});
  t.edge_pools[1].xmpp_port = 15269;
  t.edge_pools[1].internal_port = 33456;
  t.edge_pools[1].xmpp_federation_enabled = false;
  return t;
}

TEST(TopologyJson, RoundTripKeepsEveryField) {
  Topology original = richTopology();
  core::Result<Topology> parsed = topologyFromJson(topologyToJson(original));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  expectSameTopology(original, *parsed);
  EXPECT_EQ(topologyToJson(*parsed), topologyToJson(original));
}

TEST(TopologyJson, RoundTripOfTheDefaultTopologyStaysValid) {
  core::Result<Topology> parsed = topologyFromJson(topologyToJson(defaultTopology()));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  expectSameTopology(defaultTopology(), *parsed);
  EXPECT_THAT(topologyProblems(*parsed), IsEmpty());
}

TEST(TopologyJson, OptionalKeysTakeTheModelDefaults) {
  core::Result<Topology> parsed = topologyFromJson(R"({
    "sipDomains": [{"name": "contoso.test"}],
    "sites": [{"name": "Site1"}],
    "frontEndPools": [{"fqdn": "fe.contoso.test", "site": "Site1",
                       "machines": [{"fqdn": "fe1.contoso.test", "address": "127.0.0.1"}]}],
    "edgePools": [{"fqdn": "edge.contoso.test", "site": "Site1", "internalAddress": "127.0.0.1",
                   "externalAddress": "127.0.0.1"}]
  })");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_FALSE(parsed->sip_domains[0].is_default);
  EXPECT_FALSE(parsed->sites[0].xmpp_federation_route.has_value());
  EXPECT_EQ(parsed->front_end_pools[0].sip_port, 5060);
  EXPECT_EQ(parsed->front_end_pools[0].sip_tls_port, 5061);
  EXPECT_EQ(parsed->edge_pools[0].xmpp_port, 5269);
  EXPECT_EQ(parsed->edge_pools[0].internal_port, 23456);
  EXPECT_FALSE(parsed->edge_pools[0].xmpp_federation_enabled);
  EXPECT_THAT(parsed->edge_pools[0].machines, IsEmpty());
}

TEST(TopologyJson, RejectsAnUnknownKeyNamingItsPath) {
  core::Result<Topology> top = topologyFromJson(R"({"sites": [], "sipDomain": []})");
  ASSERT_FALSE(top);
  EXPECT_EQ(top.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(top.error().detail, AllOf(HasSubstr("topology"), HasSubstr("unknown key \"sipDomain\"")));

  core::Result<Topology> site = topologyFromJson(R"({"sites": [{"name": "S", "nmae": "x"}]})");
  ASSERT_FALSE(site);
  EXPECT_THAT(site.error().detail, HasSubstr("sites[0]: unknown key \"nmae\""));

  core::Result<Topology> machine = topologyFromJson(R"({"edgePools": [{"fqdn": "e.test",
      "site": "S", "internalAddress": "127.0.0.1", "externalAddress": "127.0.0.1",
      "machines": [{"fqdn": "m.test", "internalAddress": "127.0.0.1",
                    "externalAddress": "127.0.0.1"},
                   {"fqdn": "n.test", "address": "127.0.0.1"}]}]})");
  ASSERT_FALSE(machine);
  EXPECT_THAT(machine.error().detail, HasSubstr("edgePools[0].machines[1]"));
}

TEST(TopologyJson, RejectsAWrongTypeNamingItsPath) {
  core::Result<Topology> name = topologyFromJson(R"({"sites": [{"name": 5}]})");
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().code, core::Errc::InvalidArgument);
  EXPECT_THAT(name.error().detail, HasSubstr("sites[0].name must be a string"));

  core::Result<Topology> flag = topologyFromJson(R"({"sipDomains": [{"name": "c.test",
      "default": "yes"}]})");
  ASSERT_FALSE(flag);
  EXPECT_THAT(flag.error().detail, HasSubstr("sipDomains[0].default must be true or false"));

  core::Result<Topology> port = topologyFromJson(R"({"frontEndPools": [{"fqdn": "f.test",
      "site": "S", "sipPort": 70000}]})");
  ASSERT_FALSE(port);
  EXPECT_THAT(port.error().detail, HasSubstr("frontEndPools[0].sipPort must be a port number"));

  core::Result<Topology> negative = topologyFromJson(R"({"edgePools": [{"fqdn": "e.test",
      "site": "S", "internalAddress": "127.0.0.1", "externalAddress": "127.0.0.1",
      "xmppPort": -1}]})");
  ASSERT_FALSE(negative);
  EXPECT_THAT(negative.error().detail, HasSubstr("edgePools[0].xmppPort must be a port number"));

  core::Result<Topology> list = topologyFromJson(R"({"sites": {"name": "S"}})");
  ASSERT_FALSE(list);
  EXPECT_THAT(list.error().detail, HasSubstr("topology.sites must be an array"));

  core::Result<Topology> element = topologyFromJson(R"({"sites": ["Site1"]})");
  ASSERT_FALSE(element);
  EXPECT_THAT(element.error().detail, HasSubstr("sites[0] must be an object"));
}

TEST(TopologyJson, RejectsAMissingRequiredKeyNamingIt) {
  core::Result<Topology> r = topologyFromJson(R"({"frontEndPools": [{"fqdn": "f.test"}]})");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("frontEndPools[0]: the key \"site\" is missing"));
}

TEST(TopologyJson, RejectsTextThatIsNotJson) {
  for (const char* text : {"", "{", "{\"sites\": [}", "not json", "{\"a\": 1,}"}) {
    core::Result<Topology> r = topologyFromJson(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
    EXPECT_THAT(r.error().detail, HasSubstr("not valid JSON")) << text;
  }
}

TEST(TopologyJson, RejectsADocumentThatIsNotAnObject) {
  core::Result<Topology> r = topologyFromJson("[1, 2]");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().detail, HasSubstr("topology must be an object"));
}

TEST(TopologyXml, ListsSitesPoolsAndMachines) {
  Topology t = richTopology();
  std::string xml = topologyToXml(t);
  EXPECT_THAT(xml, HasSubstr("<?xml version=\"1.0\""));
  EXPECT_THAT(xml, HasSubstr("<FrontEndPool Fqdn=\"fe.contoso.test\" Site=\"Site1\" "
                             "SipPort=\"15060\" SipTlsPort=\"15061\">"));
  EXPECT_THAT(xml, HasSubstr("<FrontEndPool Fqdn=\"fe2.contoso.test\""));
  EXPECT_THAT(xml, HasSubstr("<EdgePool Fqdn=\"edge.contoso.test\""));
  EXPECT_THAT(xml, HasSubstr("<EdgePool Fqdn=\"edge2.contoso.test\""));
  EXPECT_THAT(xml, HasSubstr("XmppPort=\"15269\" InternalPort=\"33456\" "
                             "XmppFederationEnabled=\"false\""));
  EXPECT_THAT(xml, HasSubstr("<Machine Fqdn=\"fe1.contoso.test\" Address=\"127.0.0.1\"/>"));
  EXPECT_THAT(xml, HasSubstr("<Machine Fqdn=\"edge1.contoso.test\" InternalAddress=\"127.0.0.1\""));
  EXPECT_THAT(xml, HasSubstr("XmppFederationRoute=\"edge.contoso.test\""));
  EXPECT_THAT(xml, HasSubstr("<SipDomain Name=\"contoso.test\" Default=\"true\"/>"));
  EXPECT_THAT(xml, HasSubstr("Version=\"7\""));
}

TEST(TopologyXml, EscapesMarkupInText) {
  std::string xml = topologyToXml(richTopology());
  EXPECT_THAT(xml, HasSubstr("Description=\"Head &quot;office&quot; &amp; &lt;lab&gt;\""));
  EXPECT_THAT(xml, ::testing::Not(HasSubstr("<lab>")));
}

// ------------------------------------------------------------------------- names

TEST(NormalizeSipAddress, AddsTheSchemeAndLowersCase) {
  EXPECT_EQ(normalizeSipAddress("Alice@Contoso.test"), "sip:alice@contoso.test");
  EXPECT_EQ(normalizeSipAddress("sip:alice@contoso.test"), "sip:alice@contoso.test");
  EXPECT_EQ(normalizeSipAddress("SIP:Alice@CONTOSO.TEST"), "sip:alice@contoso.test");
  EXPECT_EQ(normalizeSipAddress("  bob@contoso.test \n"), "sip:bob@contoso.test");
  EXPECT_EQ(normalizeSipAddress("first.last_1@contoso.test"), "sip:first.last_1@contoso.test");
}

TEST(NormalizeSipAddress, RejectsWhatIsNotUserAtDomain) {
  for (const char* bad : {"", "alice", "sip:alice", "@contoso.test", "sip:@contoso.test",
                          "alice@", "alice@bob@contoso.test", "alice@bad_domain",
                          "al ice@contoso.test", "alice@contoso.test.", "alice<x>@contoso.test",
                          "sip:sip:alice@contoso.test"}) {
    EXPECT_EQ(normalizeSipAddress(bad), std::nullopt) << "'" << bad << "'";
  }
}

TEST(ParseNegotiation, AcceptsPascalAndKebabSpellingsInAnyCase) {
  for (const char* text : {"NotSupported", "notsupported", "NOTSUPPORTED", "not-supported",
                           "Not-Supported", "NOT-SUPPORTED"}) {
    EXPECT_EQ(parseNegotiation(text), Negotiation::NotSupported) << text;
  }
  EXPECT_EQ(parseNegotiation("Required"), Negotiation::Required);
  EXPECT_EQ(parseNegotiation("optional"), Negotiation::Optional);
}

TEST(ParseNegotiation, RejectsOtherText) {
  for (const char* text : {"", "Not Supported", "not_supported", "Require", "true"}) {
    EXPECT_EQ(parseNegotiation(text), std::nullopt) << text;
  }
}

TEST(ParsePartnerType, AcceptsPascalAndKebabSpellingsInAnyCase) {
  EXPECT_EQ(parsePartnerType("Federated"), PartnerType::Federated);
  EXPECT_EQ(parsePartnerType("publicverified"), PartnerType::PublicVerified);
  EXPECT_EQ(parsePartnerType("public-verified"), PartnerType::PublicVerified);
  EXPECT_EQ(parsePartnerType("PUBLIC-UNVERIFIED"), PartnerType::PublicUnverified);
  EXPECT_EQ(parsePartnerType("PublicUnverified"), PartnerType::PublicUnverified);
  EXPECT_EQ(parsePartnerType("Public"), std::nullopt);
  EXPECT_EQ(parsePartnerType(""), std::nullopt);
}

TEST(EnumNames, ToStringRoundTripsThroughParse) {
  for (Negotiation n : {Negotiation::Required, Negotiation::Optional, Negotiation::NotSupported}) {
    EXPECT_EQ(parseNegotiation(toString(n)), n);
  }
  for (PartnerType p :
       {PartnerType::Federated, PartnerType::PublicVerified, PartnerType::PublicUnverified}) {
    EXPECT_EQ(parsePartnerType(toString(p)), p);
  }
  EXPECT_EQ(toString(Negotiation::NotSupported), "NotSupported");
  EXPECT_EQ(toString(PartnerType::PublicUnverified), "PublicUnverified");
}

TEST(ModelDefaults, PartnerAndPolicyDefaultsFollowTheSpec) {
  XmppPartner p;
  EXPECT_EQ(p.partner_type, PartnerType::PublicUnverified);
  EXPECT_EQ(p.tls_negotiation, Negotiation::Required);
  EXPECT_EQ(p.sasl_negotiation, Negotiation::Required);
  EXPECT_TRUE(p.support_dialback_negotiation);
  EXPECT_TRUE(p.enable_keep_alive);
  EXPECT_FALSE(p.connection_limit.has_value());

  ExternalAccessPolicy policy;
  EXPECT_EQ(policy.identity(), "Global");
  EXPECT_FALSE(policy.enable_federation_access || policy.enable_xmpp_access ||
               policy.enable_public_cloud_access ||
               policy.enable_public_cloud_audio_video_access || policy.enable_outside_access);
  policy.scope = PolicyScope::Site;
  policy.name = "Redmond";
  EXPECT_EQ(policy.identity(), "Site:Redmond");
  policy.scope = PolicyScope::Tag;
  policy.name = "FedPic";
  EXPECT_EQ(policy.identity(), "Tag:FedPic");

  EXPECT_FALSE(AccessEdgeConfiguration{}.allow_federated_users);
}

TEST(UserModel, SplitsTheAddressIntoUserAndDomain) {
  User u;
  u.sip_address = "sip:alice@contoso.test";
  EXPECT_EQ(u.userPart(), "alice");
  EXPECT_EQ(u.domainPart(), "contoso.test");
}

}  // namespace
}  // namespace xfed::config
