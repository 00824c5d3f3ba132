// SPDX-License-Identifier: Apache-2.0
// appendXml and friends: namespaces declared only where they change, prefixes on request,
// escaping. Round trips through the parser are in round_trip_test.cc.
#include "xml/serializer.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "xml/element.h"

namespace xfed::xml {
namespace {

constexpr std::string_view kServer = "jabber:server";
constexpr std::string_view kDialback = "jabber:server:dialback";
constexpr std::string_view kChatStates = "http://jabber.org/protocol/chatstates";

Element chatMessage() {
  Element message(kServer, "message");
  message.setAttribute("to", "romeo@montague.example")
      .setAttribute("type", "chat")
      .setAttribute(kXmlNamespace, "lang", "en");
  message.addChild(Element(kServer, "body")).addText("Art thou not Romeo?");
  message.addChild(Element(kChatStates, "active"));
  return message;
}

Element dialbackResult() {
  Element result(kDialback, "result");
  result.setAttribute("from", "xfed.example").setAttribute("to", "prosody.example");
  result.addText("b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3");
  return result;
}

TEST(SerializerTest, StanzaInTheStreamNamespaceCarriesNoXmlns) {
  EXPECT_EQ(toXml(chatMessage(), kServer),
            "<message to='romeo@montague.example' type='chat' xml:lang='en'>"
            "<body>Art thou not Romeo?</body>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
}

TEST(SerializerTest, DeclaresTheDefaultNamespaceWhereItChanges) {
  EXPECT_EQ(toXml(chatMessage(), ""),
            "<message xmlns='jabber:server' to='romeo@montague.example' type='chat' "
            "xml:lang='en'><body>Art thou not Romeo?</body>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");

  Element outer("urn:a", "a");
  outer.addChild(Element("urn:a", "same"));
  outer.addChild(Element("urn:b", "b")).addChild(Element("urn:b", "inner"));
  outer.addChild(Element("", "unqualified"));
  EXPECT_EQ(toXml(outer, kServer),
            "<a xmlns='urn:a'><same/><b xmlns='urn:b'><inner/></b><unqualified xmlns=''/></a>");
  EXPECT_EQ(toXml(Element("", "plain"), ""), "<plain/>");
}

TEST(SerializerTest, EscapesTextAndKeepsCarriageReturnsAsReferences) {
  Element body(kServer, "body");
  body.addText("a & b < c > d ]]> e\r\nf\tg 'h' \"i\" Zürich 東京");
  EXPECT_EQ(toXml(body, kServer),
            "<body>a &amp; b &lt; c &gt; d ]]&gt; e&#13;\nf\tg 'h' \"i\" Zürich 東京</body>");
}

TEST(SerializerTest, EscapesAttributeValuesIncludingTabCarriageReturnAndLineFeed) {
  Element e(kServer, "x");
  e.setAttribute("v", "a&b<c>d'e\"f\tg\nh\ri");
  EXPECT_EQ(toXml(e, kServer), "<x v='a&amp;b&lt;c>d&apos;e&quot;f&#9;g&#10;h&#13;i'/>");

  std::string out;
  appendEscapedAttribute(out, "\t\n\r");
  EXPECT_EQ(out, "&#9;&#10;&#13;");
  out.clear();
  appendEscapedText(out, "plain text");
  EXPECT_EQ(out, "plain text");
}

TEST(SerializerTest, WritesXmlLangWithTheReservedPrefix) {
  Element body(kServer, "body");
  body.setAttribute(kXmlNamespace, "lang", "de");
  body.addText("Warum bist du Romeo?");
  EXPECT_EQ(toXml(body, kServer), "<body xml:lang='de'>Warum bist du Romeo?</body>");

  Element in_xml_ns(kXmlNamespace, "odd");
  in_xml_ns.addChild(Element(kServer, "child"));
  EXPECT_EQ(toXml(in_xml_ns, kServer), "<xml:odd><child/></xml:odd>");
}

TEST(SerializerTest, DialbackDefaultsToADefaultNamespaceDeclaration) {
  EXPECT_EQ(toXml(dialbackResult(), kServer),
            "<result xmlns='jabber:server:dialback' from='xfed.example' to='prosody.example'>"
            "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</result>");
}

TEST(SerializerTest, DialbackWithAPreferredPrefixDeclaresItOnTheElement) {
  const std::vector<NamespaceDecl> db = {{"db", std::string(kDialback)}};
  std::string out;
  appendXml(out, dialbackResult(), Scope{.default_ns = kServer, .preferred = db});
  EXPECT_EQ(out,
            "<db:result xmlns:db='jabber:server:dialback' from='xfed.example' "
            "to='prosody.example'>"
            "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>");
}

TEST(SerializerTest, DialbackUnderAStreamThatDeclaredThePrefixUsesItWithoutRedeclaring) {
  const std::vector<NamespaceDecl> stream_prefixes = {
      {"stream", "http://etherx.jabber.org/streams"}, {"db", std::string(kDialback)}};
  Element verify(kDialback, "verify");
  verify.setAttribute("from", "a.example").setAttribute("to", "b.example");
  verify.setAttribute("id", "417GAF25").setAttribute("type", "valid");
  std::string out;
  appendXml(out, verify, Scope{.default_ns = kServer, .declared = stream_prefixes});
  EXPECT_EQ(out, "<db:verify from='a.example' to='b.example' id='417GAF25' type='valid'/>");

  // A dialback error: <error/> stays in the stream's default namespace (XEP-0220 §2.4).
  Element error_result = dialbackResult();
  error_result.clearChildren();
  error_result.setAttribute("type", "error");
  error_result.addChild(Element(kServer, "error"))
      .setAttribute("type", "cancel")
      .addChild(Element("urn:ietf:params:xml:ns:xmpp-stanzas", "item-not-found"));
  out.clear();
  appendXml(out, error_result, Scope{.default_ns = kServer, .declared = stream_prefixes});
  EXPECT_EQ(out,
            "<db:result from='xfed.example' to='prosody.example' type='error'>"
            "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "</error></db:result>");
}

TEST(SerializerTest, PrefersTheDefaultNamespaceOverABoundPrefix) {
  const std::vector<NamespaceDecl> prefixes = {{"s", std::string(kServer)}};
  std::string out;
  appendXml(out, chatMessage(), Scope{.default_ns = kServer, .declared = prefixes});
  EXPECT_EQ(out, toXml(chatMessage(), kServer));
}

TEST(SerializerTest, PreferredPrefixNeverShadowsOneInScope) {
  const std::vector<NamespaceDecl> declared = {{"db", std::string(kDialback)}};
  const std::vector<NamespaceDecl> preferred = {{"db", "urn:other"}};
  Element result = dialbackResult();
  result.clearChildren();
  result.addChild(Element("urn:other", "x"));
  std::string out;
  appendXml(out, result,
            Scope{.default_ns = kServer, .declared = declared, .preferred = preferred});
  EXPECT_EQ(out,
            "<db:result from='xfed.example' to='prosody.example'><x xmlns='urn:other'/>"
            "</db:result>");
}

TEST(SerializerTest, NamespacedAttributesGetAGeneratedPrefixDeclaredOnceForTheSubtree) {
  Element e(kServer, "item");
  e.setAttribute("urn:a", "one", "1").setAttribute("urn:a", "two", "2");
  e.setAttribute("urn:b", "three", "3");
  e.addChild(Element(kServer, "child")).setAttribute("urn:a", "four", "4");
  EXPECT_EQ(toXml(e, kServer),
            "<item xmlns:ns0='urn:a' xmlns:ns1='urn:b' ns0:one='1' ns0:two='2' ns1:three='3'>"
            "<child ns0:four='4'/></item>");

  // A generated name never takes a prefix the scope already binds.
  const std::vector<NamespaceDecl> declared = {{"ns0", "urn:taken"}};
  Element f(kServer, "f");
  f.setAttribute("urn:a", "x", "1").setAttribute("urn:taken", "y", "2");
  std::string out;
  appendXml(out, f, Scope{.default_ns = kServer, .declared = declared});
  EXPECT_EQ(out, "<f xmlns:ns1='urn:a' ns1:x='1' ns0:y='2'/>");
}

TEST(SerializerTest, NamespaceDeclarationsAreNotWrittenAsAttributes) {
  Element e(kServer, "x");
  e.setAttribute("xmlns", "urn:evil");
  e.setAttribute("xmlns:p", "urn:evil");
  e.setAttribute(kXmlnsNamespace, "q", "urn:evil");
  e.setAttribute("kept", "yes");
  EXPECT_EQ(toXml(e, kServer), "<x kept='yes'/>");
}

TEST(SerializerTest, OpenTagWritesAStreamHeaderWithItsDeclarations) {
  Element root("http://etherx.jabber.org/streams", "stream");
  root.setAttribute("from", "xfed.example").setAttribute("to", "prosody.example");
  root.setAttribute("version", "1.0").setAttribute(kXmlNamespace, "lang", "en");
  root.addChild(Element(kServer, "ignored"));
  const std::vector<NamespaceDecl> declarations = {{"stream", "http://etherx.jabber.org/streams"},
                                                   {"db", std::string(kDialback)}};
  std::string out;
  appendOpenTag(out, root, kServer, declarations);
  EXPECT_EQ(out,
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' from='xfed.example' to='prosody.example' "
            "version='1.0' xml:lang='en'>");
  out.clear();
  appendCloseTag(out, "stream", "stream");
  EXPECT_EQ(out, "</stream:stream>");
  out.clear();
  appendCloseTag(out, "", "x");
  EXPECT_EQ(out, "</x>");
}

TEST(SerializerTest, OpenTagGeneratesAPrefixForAnUndeclaredRootNamespace) {
  Element root("http://etherx.jabber.org/streams", "stream");
  std::string out;
  appendOpenTag(out, root, kServer, {});
  EXPECT_EQ(out, "<ns0:stream xmlns='jabber:server' xmlns:ns0='http://etherx.jabber.org/streams'>");
}

TEST(SerializerTest, AppendsToWhatIsAlreadyThere) {
  std::string out = "<prefix/>";
  appendXml(out, Element(kServer, "a"), kServer);
  appendXml(out, Element(kServer, "b"), kServer);
  EXPECT_EQ(out, "<prefix/><a/><b/>");
}

TEST(SerializerTest, IsXmlTextAcceptsXmlCharactersOnly) {
  EXPECT_TRUE(isXmlText(""));
  EXPECT_TRUE(isXmlText("plain \t\r\n text"));
  EXPECT_TRUE(isXmlText("Zürich 東京 \xF0\x9F\x8E\x89"));  // U+1F389
  EXPECT_TRUE(isXmlText("\xEF\xBF\xBD"));                  // U+FFFD
  EXPECT_FALSE(isXmlText(std::string_view("nul\0", 4)));
  EXPECT_FALSE(isXmlText("bell\x07"));
  EXPECT_FALSE(isXmlText("\xEF\xBF\xBE"));      // U+FFFE
  EXPECT_FALSE(isXmlText("\xED\xA0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(isXmlText("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isXmlText("\xC3"));              // truncated
  EXPECT_FALSE(isXmlText("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(isXmlText("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isXmlText("\xFF"));
}

}  // namespace
}  // namespace xfed::xml
