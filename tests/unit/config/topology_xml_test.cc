// SPDX-License-Identifier: Apache-2.0
// topologyFromXml: the inverse of topologyToXml (Get-CsTopology -AsXml), and every way it
// refuses a document.
#include "config/topology_xml.h"

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/model.h"
#include "config/topology_compare.h"
#include "config/topology_json.h"
#include "core/errors.h"

namespace xfed::config {
namespace {

using testing_support::expectSameTopology;

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

/**
 * Two sites, two SIP domains, three front end pools and two edge pools, several machines,
 * routes (one site without), and fields away from their defaults and needing escapes.
 */
Topology bigTopology() {
  Topology t;
  t.version = 42;
  t.published_at = "2024-05-01T12:00:00Z";
  t.sip_domains = {{"contoso.test", false}, {"fabrikam.test", true}};
  t.sites.push_back({"Redmond", "Head \"office\" & <lab> 'east'", "edge.contoso.test"});
  t.sites.push_back({"Zürich", "Büro – 東京 > Zug", std::nullopt});

  FrontEndPool fe1;
  fe1.fqdn = "fe.contoso.test";
  fe1.site = "Redmond";
  fe1.sip_port = 15060;
  fe1.sip_tls_port = 15061;
  fe1.machines = {{"fe1.contoso.test", "10.0.0.1", ""},
                  {"fe2.contoso.test", "10.0.0.2", ""},
                  {"fe3.contoso.test", "::1", ""}};
  FrontEndPool fe2;
  fe2.fqdn = "fe.fabrikam.test";
  fe2.site = "Zürich";
  fe2.sip_port = 0;
  fe2.sip_tls_port = 65535;
  fe2.machines = {{"fe1.fabrikam.test", "10.1.0.1", ""}};
  FrontEndPool fe3;  // no machines yet
  fe3.fqdn = "fe-empty.fabrikam.test";
  fe3.site = "Zürich";
  t.front_end_pools = {fe1, fe2, fe3};

  EdgePool edge1;
  edge1.fqdn = "edge.contoso.test";
  edge1.external_fqdn = "xmpp.contoso.test";
  edge1.site = "Redmond";
  edge1.internal_address = "10.0.1.1";
  edge1.external_address = "203.0.113.1";
  edge1.xmpp_federation_enabled = true;
  edge1.machines = {{"edge1.contoso.test", "10.0.1.11", "203.0.113.11"},
                    {"edge2.contoso.test", "10.0.1.12", "203.0.113.12"}};
  EdgePool edge2;
  edge2.fqdn = "edge.fabrikam.test";
  edge2.site = "Zürich";
  edge2.internal_address = "10.1.1.1";
  edge2.external_address = "2001:db8::1";
  edge2.xmpp_port = 15269;
  edge2.internal_port = 33456;
  edge2.machines = {{"edge1.fabrikam.test", "10.1.1.11", "2001:db8::11"}};
  t.edge_pools = {edge1, edge2};
  return t;
}

/** A document around `body`, which goes inside <Topology>. */
std::string document(const std::string& body) {
  return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
         "<Topology xmlns=\"urn:xfed:topology:1\" Version=\"1\">\n" +
         body + "</Topology>\n";
}

/** The detail of the error topologyFromXml gives for `text`; fails the test if it parses. */
std::string errorOf(const std::string& text) {
  core::Result<Topology> r = topologyFromXml(text);
  if (r) {
    ADD_FAILURE() << "parsed:\n" << text;
    return {};
  }
  EXPECT_EQ(r.error().code, core::Errc::InvalidArgument);
  return r.error().detail;
}

// ------------------------------------------------------------------------- round trips

TEST(TopologyFromXml, RoundTripOfTheDefaultTopology) {
  Topology original = defaultTopology();
  core::Result<Topology> parsed = topologyFromXml(topologyToXml(original));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  expectSameTopology(original, *parsed);
  EXPECT_EQ(topologyToXml(*parsed), topologyToXml(original));
}

TEST(TopologyFromXml, RoundTripOfABiggerTopologyKeepsEveryField) {
  Topology original = bigTopology();
  std::string xml = topologyToXml(original);
  core::Result<Topology> parsed = topologyFromXml(xml);
  ASSERT_TRUE(parsed) << parsed.error().detail << "\n" << xml;
  expectSameTopology(original, *parsed);
  EXPECT_EQ(topologyToXml(*parsed), xml);
  EXPECT_EQ(topologyToJson(*parsed), topologyToJson(original));
}

TEST(TopologyFromXml, AnEmptyRouteStaysPresent) {
  Topology original = defaultTopology();
  original.sites[0].xmpp_federation_route = "";
  core::Result<Topology> parsed = topologyFromXml(topologyToXml(original));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->sites[0].xmpp_federation_route, std::optional<std::string>(""));
}

TEST(TopologyFromXml, AnEmptyTopologyRoundTrips) {
  core::Result<Topology> parsed = topologyFromXml(topologyToXml(Topology{}));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  expectSameTopology(Topology{}, *parsed);
}

// ------------------------------------------------------------------------- what it accepts

TEST(TopologyFromXml, OptionalAttributesAndListsTakeTheModelDefaults) {
  core::Result<Topology> parsed = topologyFromXml(
      "<Topology xmlns='urn:xfed:topology:1'>"
      "<Sites><Site Name='S'/></Sites>"
      "<SipDomains><SipDomain Name='c.test'/></SipDomains>"
      "<EdgePools><EdgePool Fqdn='e.test' Site='S' InternalAddress='10.0.0.1'"
      " ExternalAddress='10.0.0.2'/></EdgePools>"
      "</Topology>");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->version, 0);
  EXPECT_EQ(parsed->published_at, "");
  ASSERT_THAT(parsed->sip_domains, SizeIs(1));
  EXPECT_FALSE(parsed->sip_domains[0].is_default);
  ASSERT_THAT(parsed->sites, SizeIs(1));
  EXPECT_EQ(parsed->sites[0].description, "");
  EXPECT_FALSE(parsed->sites[0].xmpp_federation_route.has_value());
  EXPECT_THAT(parsed->front_end_pools, IsEmpty());
  ASSERT_THAT(parsed->edge_pools, SizeIs(1));
  EXPECT_EQ(parsed->edge_pools[0].external_fqdn, "");
  EXPECT_EQ(parsed->edge_pools[0].xmpp_port, 5269);
  EXPECT_EQ(parsed->edge_pools[0].internal_port, 23456);
  EXPECT_FALSE(parsed->edge_pools[0].xmpp_federation_enabled);
  EXPECT_THAT(parsed->edge_pools[0].machines, IsEmpty());

  core::Result<Topology> ports = topologyFromXml(
      document("<FrontEndPools><FrontEndPool Fqdn='f.test' Site='S'/></FrontEndPools>"));
  ASSERT_TRUE(ports) << ports.error().detail;
  EXPECT_EQ(ports->front_end_pools[0].sip_port, 5060);
  EXPECT_EQ(ports->front_end_pools[0].sip_tls_port, 5061);
}

TEST(TopologyFromXml, AcceptsAnyPrefixCommentsAndWhiteSpace) {
  core::Result<Topology> parsed = topologyFromXml(
      "\xEF\xBB\xBF<!-- exported by Get-CsTopology -AsXml -->\n"
      "<t:Topology xmlns:t=\"urn:xfed:topology:1\" Version=\"3\">\r\n"
      "  <t:SipDomains> <!-- one --> <t:SipDomain Name=\"c.test\" Default=\"true\"/>"
      "<![CDATA[ \t ]]></t:SipDomains>\n"
      "</t:Topology>\n");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->version, 3);
  ASSERT_THAT(parsed->sip_domains, SizeIs(1));
  EXPECT_TRUE(parsed->sip_domains[0].is_default);
}

TEST(TopologyFromXml, AcceptsTheBoundsOfEachNumber) {
  core::Result<Topology> parsed = topologyFromXml(
      "<Topology xmlns='urn:xfed:topology:1' Version='-2147483648'><FrontEndPools>"
      "<FrontEndPool Fqdn='f.test' Site='S' SipPort='0' SipTlsPort='65535'/>"
      "</FrontEndPools></Topology>");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->version, -2147483647 - 1);
  EXPECT_EQ(parsed->front_end_pools[0].sip_port, 0);
  EXPECT_EQ(parsed->front_end_pools[0].sip_tls_port, 65535);
}

TEST(TopologyFromXml, ReadsCharacterReferences) {
  core::Result<Topology> parsed = topologyFromXml(
      document("<Sites><Site Name='S' Description='a&amp;b &#x4E1C;&#228; &lt;&gt;&quot;&apos;'/>"
               "</Sites>"));
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->sites[0].description, "a&b 东ä <>\"'");
}

// ------------------------------------------------------------------------- what it refuses

TEST(TopologyFromXml, RejectsAnUnknownAttributeNamingThePathAndTheAttribute) {
  std::string site =
      errorOf(document("<Sites>\n<Site Name='A'/>\n<Site Name='B' Descriptoin='x'/>\n</Sites>\n"));
  EXPECT_EQ(site, "line 5: Topology/Sites/Site[2]: unknown attribute \"Descriptoin\"");

  // An edge machine's attribute on a front end machine.
  std::string machine = errorOf(document(
      "<FrontEndPools><FrontEndPool Fqdn='f.test' Site='S'>"
      "<Machine Fqdn='m.test' InternalAddress='10.0.0.1'/></FrontEndPool></FrontEndPools>"));
  EXPECT_THAT(machine, HasSubstr("Topology/FrontEndPools/FrontEndPool[1]/Machine[1]: unknown "
                                 "attribute \"InternalAddress\""));

  std::string list = errorOf(document("<Sites Count='1'/>"));
  EXPECT_THAT(list, HasSubstr("Topology/Sites: unknown attribute \"Count\""));

  // A prefixed attribute is in a namespace, so it is never one of the schema's.
  std::string prefixed =
      errorOf("<Topology xmlns='urn:xfed:topology:1' xmlns:x='urn:other' x:Version='1'/>");
  EXPECT_EQ(prefixed, "line 1: Topology: unknown attribute \"Version\" in namespace \"urn:other\"");
}

TEST(TopologyFromXml, RejectsAnUnknownElementNamingItsPath) {
  std::string site = errorOf(document("<Sites>\n  <Sitee Name='S'/>\n</Sites>\n"));
  EXPECT_EQ(site, "line 4: Topology/Sites: unknown element \"Sitee\"");

  std::string top = errorOf(document("<Users/>"));
  EXPECT_THAT(top, HasSubstr("line 3: Topology: unknown element \"Users\""));

  // A known name in the wrong place.
  std::string misplaced = errorOf(document("<Sites><SipDomain Name='c.test'/></Sites>"));
  EXPECT_THAT(misplaced, HasSubstr("Topology/Sites: unknown element \"SipDomain\""));

  std::string root = errorOf("<Topo xmlns='urn:xfed:topology:1'/>");
  EXPECT_EQ(root, "line 1: document: unknown element \"Topo\"");
}

TEST(TopologyFromXml, RejectsElementsOutsideTheTopologyNamespace) {
  std::string none = errorOf("<Topology Version='1'/>");
  EXPECT_THAT(none, AllOf(StartsWith("line 1: document: unknown element \"Topology\""),
                          HasSubstr("in no namespace"), HasSubstr("urn:xfed:topology:1")));

  std::string other = errorOf("<Topology xmlns='urn:xfed:topology:2'/>");
  EXPECT_EQ(other,
            "line 1: document: unknown element \"Topology\" in namespace \"urn:xfed:topology:2\"");

  std::string child = errorOf(document("<Sites xmlns='urn:other'/>"));
  EXPECT_THAT(child, HasSubstr("Topology: unknown element \"Sites\" in namespace \"urn:other\""));
}

TEST(TopologyFromXml, RejectsABadPortNamingTheAttributeAndTheValue) {
  for (const char* value : {"70000", "65536", "-1", "-0", "", " 5060", "5060 ", "+5060", "0x10",
                            "5060a", "1e3", "99999999999999999999999"}) {
    std::string detail =
        errorOf(document("<EdgePools>\n<EdgePool Fqdn='e.test' Site='S' InternalAddress='10.0.0.1' "
                         "ExternalAddress='10.0.0.2' XmppPort='" +
                         std::string(value) + "'/></EdgePools>"));
    EXPECT_THAT(detail, StartsWith("line 4: Topology/EdgePools/EdgePool[1]: the attribute "
                                   "\"XmppPort\" must be a port number (0-65535), not \""))
        << value;
  }
  EXPECT_EQ(errorOf(document("<FrontEndPools><FrontEndPool Fqdn='f.test' Site='S' "
                             "SipTlsPort='70000'/></FrontEndPools>")),
            "line 3: Topology/FrontEndPools/FrontEndPool[1]: the attribute \"SipTlsPort\" must be "
            "a port number (0-65535), not \"70000\"");
}

TEST(TopologyFromXml, RejectsABadVersion) {
  for (const char* value : {"", "seven", "1.5", "2147483648", "-2147483649", "--1"}) {
    std::string detail =
        errorOf("<Topology xmlns='urn:xfed:topology:1' Version='" + std::string(value) + "'/>");
    EXPECT_THAT(detail, StartsWith("line 1: Topology: the attribute \"Version\" must be a whole "
                                   "number, not \""))
        << value;
  }
}

TEST(TopologyFromXml, RejectsABooleanOtherThanTrueOrFalse) {
  for (const char* value : {"yes", "True", "FALSE", "1", "0", "", " true"}) {
    std::string detail = errorOf(document("<SipDomains><SipDomain Name='c.test' Default='" +
                                          std::string(value) + "'/></SipDomains>"));
    EXPECT_EQ(detail,
              "line 3: Topology/SipDomains/SipDomain[1]: the attribute \"Default\" must "
              "be \"true\" or \"false\", not \"" +
                  std::string(value) + "\"");
  }
  std::string edge =
      errorOf(document("<EdgePools><EdgePool Fqdn='e.test' Site='S' InternalAddress='10.0.0.1' "
                       "ExternalAddress='10.0.0.2' XmppFederationEnabled='on'/></EdgePools>"));
  EXPECT_THAT(edge, HasSubstr("the attribute \"XmppFederationEnabled\" must be \"true\" or "
                              "\"false\", not \"on\""));
}

TEST(TopologyFromXml, QuotesOnlyTheStartOfALongValue) {
  std::string detail = errorOf(document("<SipDomains><SipDomain Name='c.test' Default='" +
                                        std::string(1000, 'x') + "'/></SipDomains>"));
  EXPECT_THAT(detail, HasSubstr("not \"" + std::string(40, 'x') + "...\""));
  EXPECT_THAT(detail, Not(HasSubstr(std::string(41, 'x'))));
}

TEST(TopologyFromXml, RejectsAMissingRequiredAttribute) {
  EXPECT_EQ(errorOf(document("<FrontEndPools>\n<FrontEndPool Site='S'/>\n</FrontEndPools>\n")),
            "line 4: Topology/FrontEndPools/FrontEndPool[1]: the attribute \"Fqdn\" is missing");
  EXPECT_EQ(errorOf(document("<EdgePools><EdgePool Fqdn='e.test' Site='S' "
                             "InternalAddress='10.0.0.1' ExternalAddress='10.0.0.2'>"
                             "<Machine Fqdn='m1.test' InternalAddress='10.0.0.3' "
                             "ExternalAddress='10.0.0.4'/><Machine InternalAddress='10.0.0.5' "
                             "ExternalAddress='10.0.0.6'/></EdgePool></EdgePools>")),
            "line 3: Topology/EdgePools/EdgePool[1]/Machine[2]: the attribute \"Fqdn\" is missing");
  EXPECT_THAT(errorOf(document("<Sites><Site Description='d'/></Sites>")),
              HasSubstr("Topology/Sites/Site[1]: the attribute \"Name\" is missing"));
  EXPECT_THAT(errorOf(document("<SipDomains><SipDomain/></SipDomains>")),
              HasSubstr("Topology/SipDomains/SipDomain[1]: the attribute \"Name\" is missing"));
  EXPECT_THAT(errorOf(document("<EdgePools><EdgePool Fqdn='e.test' Site='S' "
                               "InternalAddress='10.0.0.1'/></EdgePools>")),
              HasSubstr("the attribute \"ExternalAddress\" is missing"));
  EXPECT_THAT(errorOf(document("<FrontEndPools><FrontEndPool Fqdn='f.test' Site='S'>"
                               "<Machine Fqdn='m.test'/></FrontEndPool></FrontEndPools>")),
              HasSubstr("Machine[1]: the attribute \"Address\" is missing"));
}

TEST(TopologyFromXml, RejectsADtd) {
  EXPECT_EQ(errorOf("<?xml version='1.0'?>\n<!DOCTYPE Topology SYSTEM 'topology.dtd'>\n"
                    "<Topology xmlns='urn:xfed:topology:1'/>"),
            "line 2: the topology file may not contain a DTD or entities");
  EXPECT_EQ(errorOf("<!DOCTYPE Topology>\n<Topology xmlns='urn:xfed:topology:1'/>"),
            "line 1: the topology file may not contain a DTD or entities");
}

TEST(TopologyFromXml, RejectsEntities) {
  // Billion laughs: refused before any expansion.
  std::string laughs = "<?xml version='1.0'?>\n<!DOCTYPE Topology [\n<!ENTITY a 'ha'>\n";
  for (int i = 0; i < 10; ++i) {
    std::string next(1, static_cast<char>('b' + i));
    std::string prev(1, static_cast<char>('a' + i));
    laughs += "<!ENTITY " + next + " '&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";'>\n";
  }
  laughs += "]>\n<Topology xmlns='urn:xfed:topology:1' PublishedAt='&k;'/>\n";
  EXPECT_EQ(errorOf(laughs), "line 2: the topology file may not contain a DTD or entities");

  EXPECT_EQ(errorOf("<!DOCTYPE t [<!ENTITY ext SYSTEM 'file:///etc/passwd'>]>"
                    "<Topology xmlns='urn:xfed:topology:1' PublishedAt='&ext;'/>"),
            "line 1: the topology file may not contain a DTD or entities");

  // Without a DTD, a reference to an entity is not well-formed.
  EXPECT_THAT(errorOf("<Topology xmlns='urn:xfed:topology:1' PublishedAt='&ext;'/>"),
              AllOf(StartsWith("line 1, column "), HasSubstr("not valid XML: undefined entity")));
}

TEST(TopologyFromXml, RejectsATruncatedDocument) {
  std::string xml = topologyToXml(defaultTopology());
  for (std::size_t size : {xml.size() / 2, xml.size() - 3, std::size_t{1}}) {
    std::string detail = errorOf(xml.substr(0, size));
    EXPECT_THAT(detail, AllOf(StartsWith("line "), HasSubstr("not valid XML"))) << size;
  }
  // The line of the error is where the text ends.
  std::string cut = xml.substr(0, xml.find("<EdgePools>"));
  std::string line = std::to_string(std::count(cut.begin(), cut.end(), '\n') + 1);
  std::string column = std::to_string(cut.size() - cut.rfind('\n'));
  EXPECT_EQ(errorOf(cut), "line " + line + ", column " + column +
                              ": the topology file is not valid XML: no element found");
  std::string token = xml.substr(0, xml.find("InternalPort"));
  line = std::to_string(std::count(token.begin(), token.end(), '\n') + 1);
  EXPECT_THAT(errorOf(token), AllOf(StartsWith("line " + line + ", column 5: "),
                                    HasSubstr("not valid XML: unclosed token")));
}

TEST(TopologyFromXml, RejectsTextThatIsNotXml) {
  for (const char* text : {"", "not xml", "{\"sites\": []}", "<Topology",
                           "<Topology xmlns='urn:xfed:topology:1'></Sites>",
                           "<Topology xmlns='urn:xfed:topology:1'/><Topology/>"}) {
    EXPECT_THAT(errorOf(text), AllOf(StartsWith("line "), HasSubstr("not valid XML"))) << text;
  }
  EXPECT_EQ(errorOf(""), "line 1, column 1: the topology file is not valid XML: no element found");
  EXPECT_EQ(errorOf("not xml"),
            "line 1, column 1: the topology file is not valid XML: syntax error");
  std::string nul = std::string("<Topology xmlns='urn:xfed:topology:1'>") + '\0' + "</Topology>";
  EXPECT_THAT(errorOf(nul), HasSubstr("not valid XML"));
  EXPECT_THAT(errorOf("<Topology xmlns='urn:xfed:topology:1' PublishedAt='\xff'/>"),
              HasSubstr("not valid XML"));
}

TEST(TopologyFromXml, RejectsText) {
  EXPECT_EQ(errorOf(document("<Sites>\n  Site1\n</Sites>\n")),
            "line 4: Topology/Sites: text is not allowed here (only elements and attributes)");
  EXPECT_THAT(errorOf(document("<Sites><Site Name='S'>x</Site></Sites>")),
              HasSubstr("Topology/Sites/Site[1]: text is not allowed here"));
  EXPECT_THAT(errorOf(document("<Sites><![CDATA[x]]></Sites>")),
              HasSubstr("Topology/Sites: text is not allowed here"));
}

TEST(TopologyFromXml, RejectsAListGivenTwice) {
  EXPECT_EQ(errorOf(document("<Sites/>\n<SipDomains/>\n<Sites/>\n")),
            "line 5: Topology: the element \"Sites\" may appear only once");
}

TEST(TopologyFromXml, RejectsNestingDeeperThanTheSchema) {
  EXPECT_EQ(errorOf(document("<FrontEndPools><FrontEndPool Fqdn='f.test' Site='S'>"
                             "<Machine Fqdn='m.test' Address='10.0.0.1'><Machine/></Machine>"
                             "</FrontEndPool></FrontEndPools>")),
            "line 3: Topology/FrontEndPools/FrontEndPool[1]/Machine[1]: the element \"Machine\" "
            "is nested too deeply (the topology nests at most 4 levels)");
  std::string deep = "<Topology xmlns='urn:xfed:topology:1'><Sites><Site Name='S'>";
  for (int i = 0; i < 100000; ++i) {
    deep += "<x>";
  }
  EXPECT_THAT(errorOf(deep), HasSubstr("Topology/Sites/Site[1]: unknown element \"x\""));
}

TEST(TopologyFromXml, RejectsADocumentOverTheSizeLimit) {
  std::string head = "<Topology xmlns='urn:xfed:topology:1'>";
  std::string tail = "</Topology>";
  std::string filler(kMaxTopologyXmlBytes - head.size() - tail.size() - 7, ' ');
  std::string at_limit = head + "<!--" + filler + "-->" + tail;
  ASSERT_EQ(at_limit.size(), kMaxTopologyXmlBytes);
  core::Result<Topology> parsed = topologyFromXml(at_limit);
  EXPECT_TRUE(parsed) << parsed.error().detail;

  EXPECT_EQ(errorOf(at_limit + " "), "the topology file is larger than 16 MiB");
}

}  // namespace
}  // namespace xfed::config
