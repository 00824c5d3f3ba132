// SPDX-License-Identifier: Apache-2.0
// The RFC 6120 error conditions as data: the tables below are copied from the RFC (§4.9.3 and
// §8.3.3, one row per subsection) and are the specification the code's tables must match. Then
// the wire builders, checked both as exact strings and by parsing their output with expat.
#include "xmpp/errors.h"

#include <expat.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "xmpp/namespaces.h"

namespace xfed::xmpp {
namespace {

using namespace std::literals;

// ------------------------------------------------------------- RFC 6120 §4.9.3, verbatim names

struct StreamSpecRow {
  int section;  // §4.9.3.<section>
  std::string_view name;
  bool carries_host;  // "the XML character data ... MUST specify the alternate FQDN or IP"
};

const StreamSpecRow kStreamSpec[] = {
    {1, "bad-format", false},
    {2, "bad-namespace-prefix", false},
    {3, "conflict", false},
    {4, "connection-timeout", false},
    {5, "host-gone", false},
    {6, "host-unknown", false},
    {7, "improper-addressing", false},
    {8, "internal-server-error", false},
    {9, "invalid-from", false},
    {10, "invalid-namespace", false},
    {11, "invalid-xml", false},
    {12, "not-authorized", false},
    {13, "not-well-formed", false},
    {14, "policy-violation", false},
    {15, "remote-connection-failed", false},
    {16, "reset", false},
    {17, "resource-constraint", false},
    {18, "restricted-xml", false},
    {19, "see-other-host", true},
    {20, "system-shutdown", false},
    {21, "undefined-condition", false},
    {22, "unsupported-encoding", false},
    {23, "unsupported-feature", false},
    {24, "unsupported-stanza-type", false},
    {25, "unsupported-version", false},
};

// ----------------------------------------------- RFC 6120 §8.3.3, with "the associated error type"

struct StanzaSpecRow {
  int section;  // §8.3.3.<section>
  std::string_view name;
  std::string_view rfc_type;  // what the RFC says the type "SHOULD be", as written there
  StanzaErrorType expected;   // the default we use: the first type the RFC names
  bool carries_address;       // "SHOULD include a new/alternate address ... (a URI or IRI)"
};

using T = StanzaErrorType;

const StanzaSpecRow kStanzaSpec[] = {
    {1, "bad-request", "modify", T::Modify, false},
    {2, "conflict", "cancel", T::Cancel, false},
    {3, "feature-not-implemented", "cancel or modify", T::Cancel, false},
    {4, "forbidden", "auth", T::Auth, false},
    {5, "gone", "cancel", T::Cancel, true},
    {6, "internal-server-error", "cancel", T::Cancel, false},
    {7, "item-not-found", "cancel", T::Cancel, false},
    {8, "jid-malformed", "modify", T::Modify, false},
    {9, "not-acceptable", "modify", T::Modify, false},
    {10, "not-allowed", "cancel", T::Cancel, false},
    {11, "not-authorized", "auth", T::Auth, false},
    {12, "policy-violation", "modify or wait", T::Modify, false},
    {13, "recipient-unavailable", "wait", T::Wait, false},
    {14, "redirect", "modify", T::Modify, true},
    {15, "registration-required", "auth", T::Auth, false},
    {16, "remote-server-not-found", "cancel", T::Cancel, false},
    {17, "remote-server-timeout", "wait", T::Wait, false},
    {18, "resource-constraint", "wait", T::Wait, false},
    {19, "service-unavailable", "cancel", T::Cancel, false},
    {20, "subscription-required", "auth", T::Auth, false},
    {21, "undefined-condition", "any", T::Cancel, false},
    {22, "unexpected-request", "wait or modify", T::Wait, false},
};

// ------------------------------------------------------------------------ stream conditions

TEST(StreamConditions, TableMatchesTheRfcRowForRow) {
  auto table = streamConditions();
  ASSERT_EQ(table.size(), std::size(kStreamSpec));
  for (std::size_t i = 0; i < table.size(); ++i) {
    const StreamSpecRow& spec = kStreamSpec[i];
    SCOPED_TRACE("§4.9.3." + std::to_string(spec.section) + " " + std::string(spec.name));
    EXPECT_EQ(static_cast<int>(table[i].errc), spec.section);
    EXPECT_EQ(table[i].name, spec.name);
    EXPECT_EQ(table[i].carries_host, spec.carries_host);
  }
}

TEST(StreamConditions, NamesRoundTrip) {
  for (const StreamSpecRow& spec : kStreamSpec) {
    SCOPED_TRACE(std::string(spec.name));
    std::optional<StreamErrc> errc = parseStreamCondition(spec.name);
    ASSERT_TRUE(errc.has_value());
    EXPECT_EQ(static_cast<int>(*errc), spec.section);
    EXPECT_EQ(conditionName(*errc), spec.name);
    EXPECT_EQ(isRedirect(*errc), spec.carries_host);
    EXPECT_EQ(std::error_code(*errc).message(), spec.name);
  }
}

TEST(StreamConditions, EveryEnumValueIsCoveredOnce) {
  std::set<StreamErrc> seen;
  for (const StreamConditionInfo& info : streamConditions()) {
    EXPECT_TRUE(seen.insert(info.errc).second) << info.name;
  }
  for (int v = 1; v <= static_cast<int>(StreamErrc::UnsupportedVersion); ++v) {
    EXPECT_TRUE(seen.contains(static_cast<StreamErrc>(v))) << v;
  }
}

TEST(StreamConditions, UnknownNamesAreNotConditions) {
  // A receiver treats these as undefined-condition (RFC 6120 §4.9.3); the parser says "unknown".
  for (std::string_view name : {""sv, "Policy-Violation"sv, "policy-violation "sv, "redirect"sv,
                                "see-other-host\0"sv, "stream:error"sv, "text"sv}) {
    EXPECT_FALSE(parseStreamCondition(name).has_value()) << name;
  }
}

TEST(StreamConditions, AcceptsTheRfc3920NameOfNotWellFormed) {
  EXPECT_EQ(parseStreamCondition("xml-not-well-formed"), StreamErrc::NotWellFormed);
  EXPECT_EQ(conditionName(StreamErrc::NotWellFormed), "not-well-formed");
}

TEST(StreamConditions, CategoryIsDistinct) {
  std::error_code code = StreamErrc::PolicyViolation;
  EXPECT_STREQ(code.category().name(), "xmpp.stream");
  EXPECT_EQ(code, StreamErrc::PolicyViolation);
  EXPECT_NE(code, StreamErrc::HostUnknown);
  EXPECT_NE(code, StanzaErrc::PolicyViolation);
  EXPECT_NE(std::error_code(StreamErrc::BadFormat), std::error_code(StanzaErrc::BadRequest));
  EXPECT_EQ(std::error_code(99, streamErrorCategory()).message(), "unknown stream error");
}

// ------------------------------------------------------------------------ stanza conditions

TEST(StanzaConditions, TableMatchesTheRfcRowForRow) {
  auto table = stanzaConditions();
  ASSERT_EQ(table.size(), std::size(kStanzaSpec));
  for (std::size_t i = 0; i < table.size(); ++i) {
    const StanzaSpecRow& spec = kStanzaSpec[i];
    SCOPED_TRACE("§8.3.3." + std::to_string(spec.section) + " " + std::string(spec.name));
    EXPECT_EQ(static_cast<int>(table[i].errc), spec.section);
    EXPECT_EQ(table[i].name, spec.name);
    EXPECT_EQ(table[i].default_type, spec.expected);
    EXPECT_EQ(table[i].carries_address, spec.carries_address);
  }
}

TEST(StanzaConditions, DefaultTypeIsOneTheRfcAllows) {
  for (const StanzaSpecRow& spec : kStanzaSpec) {
    SCOPED_TRACE(std::string(spec.name));
    std::optional<StanzaErrc> errc = parseStanzaCondition(spec.name);
    ASSERT_TRUE(errc.has_value());
    StanzaErrorType type = defaultErrorType(*errc);
    EXPECT_EQ(type, spec.expected);
    if (spec.rfc_type != "any") {
      // The RFC text lists the allowed types ("wait or modify"); ours is the first of them.
      EXPECT_TRUE(spec.rfc_type.starts_with(typeName(type))) << spec.rfc_type;
    }
  }
}

TEST(StanzaConditions, TheEdgesMostCommonConditionsHaveTheRfcTypes) {
  // Spelled out because a bounce with the wrong type makes peers retry (or give up) wrongly.
  EXPECT_EQ(defaultErrorType(StanzaErrc::RemoteServerNotFound), StanzaErrorType::Cancel);
  EXPECT_EQ(defaultErrorType(StanzaErrc::RemoteServerTimeout), StanzaErrorType::Wait);
  EXPECT_EQ(defaultErrorType(StanzaErrc::ResourceConstraint), StanzaErrorType::Wait);
  EXPECT_EQ(defaultErrorType(StanzaErrc::ServiceUnavailable), StanzaErrorType::Cancel);
  EXPECT_EQ(defaultErrorType(StanzaErrc::RecipientUnavailable), StanzaErrorType::Wait);
  EXPECT_EQ(defaultErrorType(StanzaErrc::PolicyViolation), StanzaErrorType::Modify);
  EXPECT_EQ(defaultErrorType(StanzaErrc::NotAllowed), StanzaErrorType::Cancel);
  EXPECT_EQ(defaultErrorType(StanzaErrc::InternalServerError), StanzaErrorType::Cancel);
  EXPECT_EQ(defaultErrorType(StanzaErrc::Gone), StanzaErrorType::Cancel);  // RFC 3920: modify
}

TEST(StanzaConditions, NamesRoundTrip) {
  for (const StanzaSpecRow& spec : kStanzaSpec) {
    SCOPED_TRACE(std::string(spec.name));
    std::optional<StanzaErrc> errc = parseStanzaCondition(spec.name);
    ASSERT_TRUE(errc.has_value());
    EXPECT_EQ(static_cast<int>(*errc), spec.section);
    EXPECT_EQ(conditionName(*errc), spec.name);
    EXPECT_EQ(isRedirect(*errc), spec.carries_address);
    EXPECT_EQ(std::error_code(*errc).message(), spec.name);
  }
}

TEST(StanzaConditions, EveryEnumValueIsCoveredOnce) {
  std::set<StanzaErrc> seen;
  for (const StanzaConditionInfo& info : stanzaConditions()) {
    EXPECT_TRUE(seen.insert(info.errc).second) << info.name;
  }
  for (int v = 1; v <= static_cast<int>(StanzaErrc::UnexpectedRequest); ++v) {
    EXPECT_TRUE(seen.contains(static_cast<StanzaErrc>(v))) << v;
  }
}

TEST(StanzaConditions, UnknownNamesAreNotConditions) {
  // payment-required was in RFC 3920 and removed by RFC 6120; see-other-host is a stream error.
  for (std::string_view name : {""sv, "payment-required"sv, "see-other-host"sv, "Bad-Request"sv,
                                "bad-request\n"sv, "error"sv}) {
    EXPECT_FALSE(parseStanzaCondition(name).has_value()) << name;
  }
}

TEST(StanzaConditions, CategoryIsDistinct) {
  std::error_code code = StanzaErrc::ServiceUnavailable;
  EXPECT_STREQ(code.category().name(), "xmpp.stanza");
  EXPECT_EQ(code, StanzaErrc::ServiceUnavailable);
  EXPECT_NE(code, StreamErrc::SystemShutdown);
  EXPECT_EQ(std::error_code(0, stanzaErrorCategory()).message(), "unknown stanza error");
}

TEST(StanzaErrorTypes, NamesRoundTrip) {
  const std::pair<StanzaErrorType, std::string_view> kTypes[] = {{T::Auth, "auth"},
                                                                 {T::Cancel, "cancel"},
                                                                 {T::Continue, "continue"},
                                                                 {T::Modify, "modify"},
                                                                 {T::Wait, "wait"}};
  for (const auto& [type, name] : kTypes) {
    EXPECT_EQ(typeName(type), name);
    EXPECT_EQ(parseStanzaErrorType(name), type);
  }
  EXPECT_FALSE(parseStanzaErrorType("error").has_value());
  EXPECT_FALSE(parseStanzaErrorType("Cancel").has_value());
  EXPECT_FALSE(parseStanzaErrorType("").has_value());
}

// ------------------------------------------------------------------- wire forms, exactly

TEST(StreamErrorXml, WritesConditionAndText) {
  EXPECT_EQ(streamErrorXml(StreamErrc::PolicyViolation, "stanza too large"),
            "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>stanza too large"
            "</text></stream:error>");
}

TEST(StreamErrorXml, LeavesOutEmptyText) {
  EXPECT_EQ(streamErrorXml(StreamErrc::SystemShutdown, ""),
            "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "</stream:error>");
}

TEST(StreamErrorXml, SeeOtherHostCarriesTheHost) {
  EXPECT_EQ(streamErrorXml(StreamErrc::SeeOtherHost, "", "[2001:db8::1]:5269"),
            "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
            "[2001:db8::1]:5269</see-other-host></stream:error>");
}

TEST(StreamErrorXml, HostIsIgnoredForOtherConditions) {
  EXPECT_EQ(streamErrorXml(StreamErrc::HostUnknown, "", "elsewhere.example"),
            streamErrorXml(StreamErrc::HostUnknown, ""));
}

TEST(StreamErrorXml, EscapesText) {
  EXPECT_EQ(streamErrorXml(StreamErrc::BadFormat, "<a href=\"x\">&'</a>]]>"),
            "<stream:error><bad-format xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>"
            "&lt;a href=\"x\"&gt;&amp;'&lt;/a&gt;]]&gt;</text></stream:error>");
}

TEST(StanzaErrorChildXml, WritesDefaultTypeByConditionAndText) {
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::RemoteServerTimeout, "no answer from fabrikam.com",
                                "edge.contoso.test"),
            "<error type='wait' by='edge.contoso.test'>"
            "<remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>"
            "no answer from fabrikam.com</text></error>");
}

TEST(StanzaErrorChildXml, LeavesOutEmptyByAndText) {
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::ServiceUnavailable, "", ""),
            "<error type='cancel'>"
            "<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

TEST(StanzaErrorChildXml, ExplicitTypeOverridesTheDefault) {
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::PolicyViolation, StanzaErrorType::Wait, "", ""),
            "<error type='wait'>"
            "<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

TEST(StanzaErrorChildXml, GoneAndRedirectCarryTheAddress) {
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::Gone, "", "", "xmpp:juliet@capulet.example?a=1&b=2"),
            "<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
            "xmpp:juliet@capulet.example?a=1&amp;b=2</gone></error>");
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::Redirect, "", "", "xmpp:room@conference.example"),
            "<error type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
            "xmpp:room@conference.example</redirect></error>");
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::ItemNotFound, "", "", "xmpp:elsewhere.example"),
            stanzaErrorChildXml(StanzaErrc::ItemNotFound, "", ""));
}

TEST(StanzaErrorChildXml, EscapesTheByAttribute) {
  EXPECT_EQ(stanzaErrorChildXml(StanzaErrc::BadRequest, "", "a'b\"c<d>&e\tf\ng\rh"),
            "<error type='modify' by='a&apos;b&quot;c&lt;d&gt;&amp;e&#9;f&#10;g&#13;h'>"
            "<bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

TEST(WireForms, ReplaceWhatXmlCannotCarry) {
  // Invalid UTF-8 (stray, overlong, surrogate, truncated), C0 controls and U+FFFE become
  // U+FFFD; tab, newline and valid multi-octet characters pass; CR becomes &#13;.
  std::string text = "a\200b\300\257c\355\240\200d\001e\0f\uFFFEg\t\n\r\u20AC\U0001D11E\342\202"s;
  std::string xml = streamErrorXml(StreamErrc::UndefinedCondition, text);
  const std::string kR = "\uFFFD";
  EXPECT_THAT(xml, ::testing::HasSubstr(">a" + kR + "b" + kR + kR + "c" + kR + kR + kR + "d" + kR +
                                        "e" + kR + "f" + kR + "g\t\n&#13;\u20AC\U0001D11E" + kR +
                                        kR + "</text>"));
}

// ------------------------------------------------------------- wire forms, read back by expat

/** What expat reports for one element: its expanded name, attributes and character data. */
struct Node {
  std::string name;  // "namespace local" (expat's namespace separator is ' ')
  std::map<std::string, std::string> attributes;
  std::string text;
  std::vector<std::unique_ptr<Node>> children;
};

/** Parses a fragment inside a root that binds the "stream" prefix, as our stream header does. */
std::unique_ptr<Node> parseFragment(const std::string& fragment, std::string* error) {
  struct State {
    Node root;
    std::vector<Node*> open;
  } state;
  state.open.push_back(&state.root);
  XML_Parser parser = XML_ParserCreateNS("UTF-8", ' ');
  XML_SetUserData(parser, &state);
  XML_SetElementHandler(
      parser,
      [](void* data, const XML_Char* name, const XML_Char** attributes) {
        auto* s = static_cast<State*>(data);
        auto node = std::make_unique<Node>();
        node->name = name;
        for (int i = 0; attributes[i] != nullptr; i += 2) {
          node->attributes[attributes[i]] = attributes[i + 1];
        }
        Node* raw = node.get();
        s->open.back()->children.push_back(std::move(node));
        s->open.push_back(raw);
      },
      [](void* data, const XML_Char*) { static_cast<State*>(data)->open.pop_back(); });
  XML_SetCharacterDataHandler(parser, [](void* data, const XML_Char* text, int length) {
    static_cast<State*>(data)->open.back()->text.append(text, static_cast<std::size_t>(length));
  });
  std::string document =
      "<root xmlns:stream='http://etherx.jabber.org/streams'>" + fragment + "</root>";
  bool ok =
      XML_Parse(parser, document.data(), static_cast<int>(document.size()), 1) == XML_STATUS_OK;
  if (!ok) {
    *error = XML_ErrorString(XML_GetErrorCode(parser));
  }
  XML_ParserFree(parser);
  if (!ok || state.root.children.size() != 1 || state.root.children[0]->children.size() != 1) {
    return nullptr;
  }
  return std::move(state.root.children[0]->children[0]);
}

std::string expanded(std::string_view ns, std::string_view local) {
  return std::string(ns) + " " + std::string(local);
}

// Text that exercises every escape, plus characters that must pass unchanged.
const std::string kNastyText = "<>&'\" ]]> \t\n\r x\u00E9\u20AC\U0001D11E";
const std::string kNastyAttribute = "a'b\"c<d>&e \t\n\r f";

TEST(WireForms, EveryStreamErrorParsesBackWithItsConditionAndText) {
  for (const StreamConditionInfo& info : streamConditions()) {
    SCOPED_TRACE(std::string(info.name));
    std::string error;
    auto node = parseFragment(streamErrorXml(info.errc, kNastyText, "other.example:5269"), &error);
    ASSERT_TRUE(node) << error;
    EXPECT_EQ(node->name, expanded(ns::kStreams, "error"));
    ASSERT_EQ(node->children.size(), 2u);
    EXPECT_EQ(node->children[0]->name, expanded(ns::kStreamErrors, info.name));
    EXPECT_EQ(node->children[0]->text, info.carries_host ? "other.example:5269" : "");
    const Node& text = *node->children[1];
    EXPECT_EQ(text.name, expanded(ns::kStreamErrors, "text"));
    EXPECT_EQ(text.attributes.at(expanded(ns::kXml, "lang")), "en");
    EXPECT_EQ(text.text, kNastyText);
  }
}

TEST(WireForms, EveryStanzaErrorParsesBackWithTypeByConditionAndText) {
  for (const StanzaConditionInfo& info : stanzaConditions()) {
    SCOPED_TRACE(std::string(info.name));
    std::string error;
    auto node = parseFragment(
        stanzaErrorChildXml(info.errc, kNastyText, kNastyAttribute, "xmpp:a@b.example?x&y"),
        &error);
    ASSERT_TRUE(node) << error;
    EXPECT_EQ(node->name, "error");  // no namespace of its own: the stream's content namespace
    EXPECT_EQ(node->attributes.at("type"), typeName(info.default_type));
    EXPECT_EQ(node->attributes.at("by"), kNastyAttribute);
    ASSERT_EQ(node->children.size(), 2u);
    EXPECT_EQ(node->children[0]->name, expanded(ns::kStanzaErrors, info.name));
    EXPECT_EQ(node->children[0]->text, info.carries_address ? "xmpp:a@b.example?x&y" : "");
    EXPECT_EQ(node->children[1]->name, expanded(ns::kStanzaErrors, "text"));
    EXPECT_EQ(node->children[1]->text, kNastyText);
  }
}

TEST(WireForms, InvalidInputStillGivesWellFormedXml) {
  std::string garbage;
  for (int c = 0; c < 256; ++c) {
    garbage.push_back(static_cast<char>(c));
  }
  garbage += "\xED\xA0\x80\xEF\xBF\xBF\xF4\x90\x80\x80";
  std::string error;
  EXPECT_TRUE(parseFragment(streamErrorXml(StreamErrc::SeeOtherHost, garbage, garbage), &error))
      << error;
  EXPECT_TRUE(
      parseFragment(stanzaErrorChildXml(StanzaErrc::Redirect, garbage, garbage, garbage), &error))
      << error;
}

}  // namespace
}  // namespace xfed::xmpp
