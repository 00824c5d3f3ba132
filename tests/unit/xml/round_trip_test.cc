// SPDX-License-Identifier: Apache-2.0
// parse -> serialize -> parse gives equal elements, for real stanzas and for the corners of
// escaping and namespaces.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "xml/element.h"
#include "xml/serializer.h"
#include "xml/stream_parser.h"
#include "xml/xml_test_support.h"

namespace xfed::xml {
namespace {

using testing_support::elementsOf;
using testing_support::parseAll;
using testing_support::parseByteByByte;

constexpr std::string_view kServer = "jabber:server";
constexpr std::string_view kDialback = "jabber:server:dialback";

/** A stream header written by appendOpenTag: the default namespace plus `declared`. */
std::string streamHeader(std::string_view default_ns, std::span<const NamespaceDecl> declared) {
  std::vector<NamespaceDecl> declarations = {{"stream", std::string(kStreamsNamespace)}};
  for (const NamespaceDecl& d : declared) {
    if (d.prefix != "stream") {
      declarations.push_back(d);
    }
  }
  std::string out;
  appendOpenTag(out, Element(kStreamsNamespace, "stream"), default_ns, declarations);
  return out;
}

/** Writes `element` with `scope` into a stream that declares what `scope` says is in scope. */
std::vector<Element> reparse(const Element& element, const Scope& scope) {
  std::string stream = streamHeader(scope.default_ns, scope.declared);
  appendXml(stream, element, scope);
  return elementsOf(parseByteByByte(stream));
}

/** Parses `stanza` in a jabber:server stream that also declares the prefixes `extra`. */
Element parseOne(std::string_view stanza, std::string_view extra = "") {
  const std::string stream =
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'" +
      std::string(extra) + ">" + std::string(stanza);
  std::vector<Element> elements = elementsOf(parseAll(stream));
  EXPECT_EQ(elements.size(), 1u) << stanza;
  return elements.empty() ? Element() : elements[0];
}

void expectRoundTrip(const Element& element, std::string_view default_ns = kServer) {
  std::vector<Element> back = reparse(element, Scope{default_ns});
  ASSERT_EQ(back.size(), 1u) << toXml(element, default_ns);
  EXPECT_EQ(back[0], element) << toXml(element, default_ns) << "\nread back as\n"
                              << toXml(back[0], default_ns);
  // And the written form is a fixed point.
  EXPECT_EQ(toXml(back[0], default_ns), toXml(element, default_ns));
}

TEST(RoundTripTest, RealStanzas) {
  const std::string_view stanzas[] = {
      "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
      "</stream:features>",
      "<message from='juliet@capulet.example/balcony' to='romeo@montague.example' type='chat' "
      "id='ktx72v49' xml:lang='en'><body>Art thou not Romeo, and a Montague?</body>"
      "<body xml:lang='de'>Bist du nicht Romeo?</body>"
      "<active xmlns='http://jabber.org/protocol/chatstates'/>"
      "<delay xmlns='urn:xmpp:delay' from='capulet.example' stamp='2002-09-10T23:08:25Z'/>"
      "</message>",
      "<presence from='juliet@capulet.example/balcony' to='romeo@montague.example'>"
      "<show>away</show><status>Stepped out</status><priority>5</priority>"
      "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://psi-im.org' "
      "ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/></presence>",
      "<iq type='error' id='p1' from='capulet.example' to='montague.example'>"
      "<ping xmlns='urn:xmpp:ping'/><error type='cancel'>"
      "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>No &amp; no</text>"
      "</error></iq>",
      "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>",
  };
  for (std::string_view stanza : stanzas) {
    expectRoundTrip(parseOne(stanza));
  }
}

TEST(RoundTripTest, EscapingInTextAndAttributes) {
  expectRoundTrip(
      parseOne("<message><body>a &amp; b &lt; c &gt; d ]]&gt; &#13;&#10;\r\n\t 'q' "
               "\"qq\" &#xD; <![CDATA[<x>&amp;]]></body></message>"));
  expectRoundTrip(
      parseOne("<x v='&#9;&#10;&#13;&quot;&apos;&lt;&gt;&amp;' w=\"'\" "
               "raw='a\tb\nc\r\nd'/>"));
  expectRoundTrip(
      parseOne("<x>Zürich 東京 \xF0\x9F\x8E\x89 &#x10FFFF; &#xFFFD; &#x7F; &#x85; &#x2028;</x>"));
}

TEST(RoundTripTest, AttributeWhiteSpaceSurvivesAsCharacterReferences) {
  Element e = parseOne("<x v='&#9;tab&#10;lf&#13;cr' raw='a\tb\nc'/>");
  EXPECT_EQ(e.attribute("v"), "\ttab\nlf\rcr");
  EXPECT_EQ(e.attribute("raw"), "a b c") << "the parser normalizes literal white space";
  EXPECT_EQ(toXml(e, kServer), "<x v='&#9;tab&#10;lf&#13;cr' raw='a b c'/>");
  expectRoundTrip(e);
}

TEST(RoundTripTest, XmlLangAndOtherXmlAttributes) {
  Element e = parseOne(
      "<message xml:lang='en'><body xml:lang='fr' xml:space='preserve'> x "
      "</body><xml:odd/></message>");
  EXPECT_EQ(e.lang(), "en");
  EXPECT_EQ(e.child(kServer, "body")->lang(), "fr");
  EXPECT_EQ(e.child(kServer, "body")->attribute(kXmlNamespace, "space"), "preserve");
  EXPECT_NE(e.child(kXmlNamespace, "odd"), nullptr);
  expectRoundTrip(e);
}

TEST(RoundTripTest, NamespacesAndPrefixes) {
  expectRoundTrip(parseOne("<x xmlns='urn:a'><y xmlns='urn:b'><z/></y><w xmlns=''/><v/></x>"));
  expectRoundTrip(
      parseOne("<p:x xmlns:p='urn:p' xmlns:q='urn:q' q:a='1' a='2' p:a='3'>"
               "<p:y q:b='4'/><q:z/></p:x>"));
  expectRoundTrip(parseOne("<x xmlns='urn:a&amp;b&apos;c'/>"));
  // A prefix from the stream header, used in a stanza.
  expectRoundTrip(
      parseOne("<db:result from='a' to='b' type='error'><error type='cancel'/>"
               "</db:result>",
               " xmlns:db='jabber:server:dialback'"));
  // A stream without a default namespace.
  const std::string stream =
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message><body>x</body>"
      "</message>";
  std::vector<Element> elements = elementsOf(parseAll(stream));
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(elements[0].ns(), "");
  expectRoundTrip(elements[0], "");
  expectRoundTrip(elements[0], kServer);  // written under a default: xmlns='' undeclares it
}

TEST(RoundTripTest, WithTheStreamPrefixesInScope) {
  const std::vector<NamespaceDecl> prefixes = {{"db", std::string(kDialback)},
                                               {"stream", std::string(kStreamsNamespace)}};
  const Element result =
      parseOne("<db:result from='prosody.example' to='xfed.example'>abc</db:result>",
               " xmlns:db='jabber:server:dialback'");
  std::string written;
  appendXml(written, result, Scope{.default_ns = kServer, .declared = prefixes});
  EXPECT_EQ(written, "<db:result from='prosody.example' to='xfed.example'>abc</db:result>");
  std::vector<Element> back = reparse(result, Scope{.default_ns = kServer, .declared = prefixes});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], result);

  const Element features =
      parseOne("<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>");
  written.clear();
  appendXml(written, features, Scope{.default_ns = kServer, .declared = prefixes});
  EXPECT_EQ(written,
            "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>");
  back = reparse(features, Scope{.default_ns = kServer, .declared = prefixes});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], features);
}

TEST(RoundTripTest, DialbackPrefixFormsAllReadBackEqual) {
  Element result(kDialback, "result");
  result.setAttribute("from", "xfed.example").setAttribute("to", "prosody.example");
  result.addText("b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3");
  const std::vector<NamespaceDecl> db = {{"db", std::string(kDialback)}};

  // <result xmlns='jabber:server:dialback'>, in a stream without the db prefix.
  std::vector<Element> back = reparse(result, Scope{kServer});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], result);
  // <db:result xmlns:db='jabber:server:dialback'>, self-contained.
  back = reparse(result, Scope{.default_ns = kServer, .preferred = db});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], result);
  // <db:result>, relying on the stream header's declaration.
  back = reparse(result, Scope{.default_ns = kServer, .declared = db});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0], result);
}

TEST(RoundTripTest, BuiltElementsWithGeneratedPrefixes) {
  Element e(kServer, "x");
  e.setAttribute("urn:a", "one", "1").setAttribute("urn:b", "two", "2");
  e.addChild(Element("urn:a", "y")).setAttribute("urn:a", "three", "3");
  e.addChild(Element("", "z")).setAttribute("urn:c", "four", "4");
  expectRoundTrip(e);
  expectRoundTrip(e, "");
  expectRoundTrip(e, "urn:a");
}

TEST(RoundTripTest, StreamHeaderReadsBackAsWritten) {
  Element root(kStreamsNamespace, "stream");
  root.setAttribute("from", "xfed.example").setAttribute("to", "prosody.example");
  root.setAttribute("id", "a&b").setAttribute("version", "1.0");
  root.setAttribute(kXmlNamespace, "lang", "en");
  const std::vector<NamespaceDecl> declarations = {{"stream", std::string(kStreamsNamespace)},
                                                   {"db", std::string(kDialback)}};
  std::string header = "<?xml version='1.0'?>";
  appendOpenTag(header, root, kServer, declarations);
  std::vector<StreamEvent> events = parseAll(header);
  ASSERT_EQ(events.size(), 1u);
  const StreamOpened* opened = std::get_if<StreamOpened>(&events[0]);
  ASSERT_NE(opened, nullptr);
  EXPECT_EQ(opened->root, root);
  EXPECT_EQ(opened->default_ns, kServer);
  EXPECT_EQ(opened->prefixes, declarations);
}

}  // namespace
}  // namespace xfed::xml
