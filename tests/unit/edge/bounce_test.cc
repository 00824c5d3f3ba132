// SPDX-License-Identifier: Apache-2.0
#include "edge/bounce.h"

#include <gtest/gtest.h>

#include "xml/serializer.h"
#include "xmpp/namespaces.h"

namespace xfed::edge {
namespace {

xml::Element message() {
  xml::Element m(xmpp::ns::kServer, "message");
  m.setAttribute("from", "alice@a.test/phone");
  m.setAttribute("to", "bob@contoso.test");
  m.setAttribute("id", "m1");
  m.setAttribute("type", "chat");
  xml::Element body(xmpp::ns::kServer, "body");
  body.addText("hello");
  m.addChild(std::move(body));
  return m;
}

TEST(BounceTest, SwapsAddressesKeepsIdAndPayloadAndAddsTheError) {
  xml::Element reply = makeBounce(message(), xmpp::StanzaErrc::ServiceUnavailable, "no gateway");
  EXPECT_EQ(reply.name(), "message");
  EXPECT_EQ(reply.attribute("to"), "alice@a.test/phone");
  EXPECT_EQ(reply.attribute("from"), "bob@contoso.test");
  EXPECT_EQ(reply.attribute("id"), "m1");
  EXPECT_EQ(reply.attribute("type"), "error");
  EXPECT_EQ(reply.childText(xmpp::ns::kServer, "body"), "hello");
  const xml::Element* error = reply.child(xmpp::ns::kServer, "error");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->attribute("type"), "cancel");  // RFC 6120 §8.3.3.19
  EXPECT_NE(error->child(xmpp::ns::kStanzaErrors, "service-unavailable"), nullptr);
  EXPECT_EQ(error->childText(xmpp::ns::kStanzaErrors, "text"), "no gateway");
}

TEST(BounceTest, WaitConditionsGetTypeWait) {
  xml::Element reply = makeBounce(message(), xmpp::StanzaErrc::RemoteServerTimeout, "");
  const xml::Element* error = reply.child(xmpp::ns::kServer, "error");
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->attribute("type"), "wait");
  EXPECT_EQ(error->child(xmpp::ns::kStanzaErrors, "text"), nullptr) << "no empty <text/>";
}

TEST(BounceTest, SerializesInTheServerNamespace) {
  std::string xml =
      xml::toXml(makeBounce(message(), xmpp::StanzaErrc::RemoteServerNotFound, "DNS: none"),
                 xmpp::ns::kServer);
  EXPECT_EQ(xml.find("xmlns='jabber:server'"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace xfed::edge
