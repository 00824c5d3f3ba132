// SPDX-License-Identifier: Apache-2.0
// Element: names, attributes, children and text, and what equality means.
#include "xml/element.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "xml/xml_test_support.h"

namespace xfed::xml {
namespace {

constexpr std::string_view kServer = "jabber:server";

Element chatMessage() {
  Element message(kServer, "message");
  message.setAttribute("to", "romeo@montague.example")
      .setAttribute("type", "chat")
      .setAttribute(kXmlNamespace, "lang", "en");
  message.addChild(Element(kServer, "body")).addText("Art thou not Romeo?");
  message.addChild(Element("http://jabber.org/protocol/chatstates", "active"));
  return message;
}

TEST(ElementTest, HasQualifiedName) {
  Element e("urn:ietf:params:xml:ns:xmpp-tls", "starttls");
  EXPECT_EQ(e.ns(), "urn:ietf:params:xml:ns:xmpp-tls");
  EXPECT_EQ(e.name(), "starttls");
  EXPECT_TRUE(e.is("urn:ietf:params:xml:ns:xmpp-tls", "starttls"));
  EXPECT_FALSE(e.is("urn:ietf:params:xml:ns:xmpp-sasl", "starttls"));
  EXPECT_FALSE(e.is("urn:ietf:params:xml:ns:xmpp-tls", "proceed"));
}

TEST(ElementTest, ReadsAttributesByNamespaceAndName) {
  Element m = chatMessage();
  EXPECT_EQ(m.attribute("to"), "romeo@montague.example");
  EXPECT_EQ(m.attribute("type"), "chat");
  EXPECT_EQ(m.attribute("from"), std::nullopt);
  EXPECT_EQ(m.attribute("lang"), std::nullopt) << "xml:lang is not the unprefixed lang";
  EXPECT_EQ(m.attribute(kXmlNamespace, "lang"), "en");
  EXPECT_EQ(m.lang(), "en");
}

TEST(ElementTest, SetAttributeReplacesInPlaceAndAppendsNewOnes) {
  Element m = chatMessage();
  m.setAttribute("type", "normal");
  m.setAttribute("id", "m1");
  ASSERT_EQ(m.attributes().size(), 4u);
  EXPECT_EQ(m.attributes()[1].name, "type");
  EXPECT_EQ(m.attributes()[1].value, "normal");
  EXPECT_EQ(m.attributes()[3].name, "id");
  EXPECT_TRUE(m.removeAttribute("", "type"));
  EXPECT_FALSE(m.removeAttribute("", "type"));
  EXPECT_EQ(m.attribute("type"), std::nullopt);
  EXPECT_EQ(m.attributes().size(), 3u);
}

TEST(ElementTest, FindsChildrenByQualifiedName) {
  Element m(kServer, "message");
  m.addChild(Element(kServer, "body")).addText("one");
  m.addText("\n");
  m.addChild(Element(kServer, "body")).addText("two");
  m.addChild(Element("urn:other", "body")).addText("other");

  ASSERT_NE(m.child(kServer, "body"), nullptr);
  EXPECT_EQ(m.child(kServer, "body")->text(), "one");
  EXPECT_EQ(m.child(kServer, "subject"), nullptr);
  std::vector<const Element*> bodies = m.children(kServer, "body");
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[1]->text(), "two");
  EXPECT_EQ(m.childText("urn:other", "body"), "other");
  EXPECT_EQ(m.childText("urn:other", "subject"), std::nullopt);
  EXPECT_EQ(m.firstChildElement(), bodies[0]);
  EXPECT_EQ(m.nodes().size(), 4u);
}

TEST(ElementTest, TextIsTheConcatenatedDirectText) {
  Element e(kServer, "body");
  EXPECT_EQ(e.text(), "");
  e.addText("Hello, ");
  e.addChild(Element("http://www.w3.org/1999/xhtml", "b")).addText("not this");
  e.addText("world");
  EXPECT_EQ(e.text(), "Hello, world");
}

TEST(ElementTest, AdjacentTextMergesIntoOneNodeAndEmptyTextAddsNothing) {
  Element e(kServer, "body");
  e.addText("");
  EXPECT_TRUE(e.nodes().empty());
  e.addText("a");
  e.addText("b");
  e.addText("");
  ASSERT_EQ(e.nodes().size(), 1u);
  EXPECT_TRUE(e.nodes()[0].isText());
  EXPECT_EQ(e.nodes()[0].text(), "ab");
}

TEST(ElementTest, NodesAreElementsOrText) {
  Element m = chatMessage();
  const Node& body = m.nodes()[0];
  EXPECT_TRUE(body.isElement());
  EXPECT_FALSE(body.isText());
  EXPECT_EQ(body.asText(), nullptr);
  ASSERT_NE(body.asElement(), nullptr);
  EXPECT_EQ(body.element().name(), "body");
  const Node& text = body.element().nodes()[0];
  EXPECT_TRUE(text.isText());
  EXPECT_EQ(text.asElement(), nullptr);
}

TEST(ElementTest, EqualityIsDeepAndOrdered) {
  EXPECT_EQ(chatMessage(), chatMessage());

  Element other_text = chatMessage();
  other_text.child(kServer, "body")->clearChildren();
  other_text.child(kServer, "body")->addText("Art thou not Romeo!");
  EXPECT_NE(other_text, chatMessage());

  Element other_ns = chatMessage();
  other_ns.setAttribute("to", "romeo@montague.example");  // same value: still equal
  EXPECT_EQ(other_ns, chatMessage());
  other_ns.setAttribute("urn:x", "to", "romeo@montague.example");
  EXPECT_NE(other_ns, chatMessage());

  Element reordered(kServer, "message");
  reordered.setAttribute("type", "chat")
      .setAttribute("to", "romeo@montague.example")
      .setAttribute(kXmlNamespace, "lang", "en");
  reordered.addChild(Element(kServer, "body")).addText("Art thou not Romeo?");
  reordered.addChild(Element("http://jabber.org/protocol/chatstates", "active"));
  EXPECT_NE(reordered, chatMessage()) << "attribute order is part of equality";
}

TEST(ElementTest, CopiesAreDeepAndMovesLeaveTheSourceEmpty) {
  Element original = chatMessage();
  Element copy = original;
  copy.child(kServer, "body")->addText(" (copy)");
  EXPECT_EQ(original.child(kServer, "body")->text(), "Art thou not Romeo?");

  Element moved = std::move(original);
  EXPECT_EQ(moved, chatMessage());
  EXPECT_TRUE(original.nodes().empty());  // NOLINT(bugprone-use-after-move): documented state
}

TEST(ElementTest, AddChildReturnsTheChildForBuilding) {
  Element iq(kServer, "iq");
  Element& query = iq.addChild(Element("http://jabber.org/protocol/disco#info", "query"));
  query.setAttribute("node", "n");
  query.addChild(Element("http://jabber.org/protocol/disco#info", "feature"))
      .setAttribute("var", "urn:xmpp:ping");
  EXPECT_EQ(iq.child("http://jabber.org/protocol/disco#info", "query")->attribute("node"), "n");
  EXPECT_EQ(iq.firstChildElement()->firstChildElement()->attribute("var"), "urn:xmpp:ping");
}

}  // namespace
}  // namespace xfed::xml
