// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/stream_header.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "xml/stream_parser.h"
#include "xmpp/errors.h"

namespace xfed::xmpp::s2s {
namespace {

// Parses `bytes` with a real StreamParser and returns the StreamOpened it reports.
xml::StreamOpened parseHeader(std::string_view bytes) {
  xml::StreamParser parser;
  std::vector<xml::StreamEvent> events = parser.feed(bytes);
  EXPECT_EQ(events.size(), 1u) << bytes;
  if (events.empty() || !std::holds_alternative<xml::StreamOpened>(events.front())) {
    ADD_FAILURE() << "no StreamOpened for " << bytes;
    return {};
  }
  return std::get<xml::StreamOpened>(std::move(events.front()));
}

TEST(StreamHeaderTest, WritesFullHeaderInFixedOrder) {
  EXPECT_EQ(streamHeaderXml({.from = "contoso.test", .to = "a.test", .id = "s1", .lang = "en"}),
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' from='contoso.test' to='a.test' id='s1' "
            "version='1.0' xml:lang='en'>");
}

TEST(StreamHeaderTest, LeavesOutEmptyFieldsAndVersionForPre10Peer) {
  EXPECT_EQ(streamHeaderXml({.from = "contoso.test", .id = "s1", .version_1_0 = false}),
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' from='contoso.test' id='s1'>");
}

TEST(StreamHeaderTest, EscapesAttributeValues) {
  std::string header = streamHeaderXml({.from = "a'b&c.test"});
  EXPECT_NE(header.find("from='a&apos;b&amp;c.test'"), std::string::npos) << header;
}

TEST(StreamHeaderTest, AppendAddsToExistingBuffer) {
  std::string out = "x";
  appendStreamHeader(out, {.to = "a.test"});
  EXPECT_EQ(out, "x" + streamHeaderXml({.to = "a.test"}));
}

TEST(StreamHeaderTest, OwnHeaderParsesBackAndPassesCheck) {
  xml::StreamOpened opened =
      parseHeader(streamHeaderXml({.from = "contoso.test", .to = "a.test", .id = "s1"}));
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  ASSERT_TRUE(header) << header.error().detail;
  EXPECT_EQ(header->from, "contoso.test");
  EXPECT_EQ(header->to, "a.test");
  EXPECT_EQ(header->id, "s1");
  EXPECT_FALSE(header->lang);
  EXPECT_TRUE(header->supports_features);
  EXPECT_TRUE(header->declares_dialback);
}

TEST(StreamHeaderTest, AcceptsProsodyHeader) {
  xml::StreamOpened opened = parseHeader(
      "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
      "xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='contoso.test' from='a.test' version='1.0' xml:lang='en'>");
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  ASSERT_TRUE(header) << header.error().detail;
  EXPECT_EQ(header->from, "a.test");
  EXPECT_EQ(header->to, "contoso.test");
  EXPECT_FALSE(header->id);
  EXPECT_EQ(header->lang, "en");
  EXPECT_TRUE(header->supports_features);
  EXPECT_TRUE(header->declares_dialback);
}

TEST(StreamHeaderTest, AcceptsEjabberdHeaderWithoutFrom) {
  // ejabberd 23.01 as initiator (double quotes, no from when it does not know it yet).
  xml::StreamOpened opened = parseHeader(
      "<?xml version='1.0'?><stream:stream xmlns=\"jabber:server\" "
      "xmlns:stream=\"http://etherx.jabber.org/streams\" xmlns:db=\"jabber:server:dialback\" "
      "to=\"contoso.test\" version=\"1.0\">");
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  ASSERT_TRUE(header) << header.error().detail;
  EXPECT_FALSE(header->from);
  EXPECT_EQ(header->to, "contoso.test");
}

TEST(StreamHeaderTest, MissingVersionMeansNoFeatures) {
  xml::StreamOpened opened = parseHeader(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns:db='jabber:server:dialback' to='contoso.test'>");
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  ASSERT_TRUE(header) << header.error().detail;
  EXPECT_FALSE(header->supports_features);
  EXPECT_TRUE(header->declares_dialback);
}

TEST(StreamHeaderTest, VersionNumbersAreComparedAsIntegers) {
  struct Case {
    std::string_view version;
    bool features;
  };
  for (Case c : {Case{"1.0", true}, Case{"01.00", true}, Case{"1.1", true}, Case{"2.0", true},
                 Case{"0.9", false}, Case{"00.9", false}}) {
    xml::StreamOpened opened = parseHeader(
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "version='" +
        std::string(c.version) + "'>");
    core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
    ASSERT_TRUE(header) << c.version;
    EXPECT_EQ(header->supports_features, c.features) << c.version;
  }
}

TEST(StreamHeaderTest, MalformedVersionIsUnsupportedVersion) {
  for (std::string_view version : {"", "1", "1.", ".0", "one.zero", "1.0.0", "-1.0", "1.0 "}) {
    xml::StreamOpened opened = parseHeader(
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "version='" +
        std::string(version) + "'>");
    core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
    ASSERT_FALSE(header) << version;
    EXPECT_EQ(header.error().code, StreamErrc::UnsupportedVersion) << version;
  }
}

TEST(StreamHeaderTest, WrongContentNamespaceIsInvalidNamespace) {
  for (std::string_view decl : {"xmlns='jabber:client' ", ""}) {
    xml::StreamOpened opened = parseHeader(
        "<stream:stream " + std::string(decl) +
        "xmlns:stream='http://etherx.jabber.org/streams' to='contoso.test' version='1.0'>");
    core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
    ASSERT_FALSE(header) << decl;
    EXPECT_EQ(header.error().code, StreamErrc::InvalidNamespace);
  }
}

TEST(StreamHeaderTest, NoDialbackDeclarationIsReported) {
  xml::StreamOpened opened = parseHeader(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='contoso.test' version='1.0'>");
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  ASSERT_TRUE(header);
  EXPECT_FALSE(header->declares_dialback);
}

}  // namespace
}  // namespace xfed::xmpp::s2s
