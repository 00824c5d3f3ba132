// SPDX-License-Identifier: Apache-2.0
// StreamParser: a real stream in any chunking, every error kind, the limits, keepalives and
// restarts.
#include "xml/stream_parser.h"

#include <cstddef>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "xml/element.h"
#include "xml/xml_test_support.h"

namespace xfed::xml {
namespace {

using testing_support::elementsOf;
using testing_support::errorOf;
using testing_support::feedInChunks;
using testing_support::kHeader;
using testing_support::parseAll;
using testing_support::parseByteByByte;
using testing_support::significant;

constexpr std::string_view kServer = "jabber:server";
constexpr std::string_view kDialback = "jabber:server:dialback";
constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";

// What a Prosody server sends on an s2s stream, one item per line as it arrives (Prosody writes
// no newlines; they are here to exercise whitespace between stanzas).
constexpr std::string_view kProsodyTranscript =
    "<?xml version='1.0'?>"
    "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0' from='prosody.example' "
    "to='xfed.example' id='2f7b4c1e-8a9d-4c3e-9f1a-6b5d0e7c8a21' xml:lang='en'>\n"
    "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>\n"
    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n"
    "<db:result from='prosody.example' to='xfed.example'>"
    "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>\n"
    "<db:verify from='prosody.example' to='xfed.example' id='417GAF25' type='valid'/>\n"
    "<message from='juliet@prosody.example/balcony' to='romeo@xfed.example' type='chat' "
    "id='m1' xml:lang='en'><body>Wherefore art thou, Romeo? &amp; &lt;3</body>"
    "<body xml:lang='de'>Warum bist du Romeo? Zürich 東京 \xF0\x9F\x8E\x89</body></message>\n"
    "</stream:stream>";

template <class T>
const T& as(const StreamEvent& e) {
  const T* p = std::get_if<T>(&e);
  EXPECT_NE(p, nullptr);
  static const T empty{};
  return p != nullptr ? *p : empty;
}

std::string header(std::string_view attributes = "") {
  return "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'" +
         std::string(attributes) + ">";
}

ErrorKind kindOf(const std::vector<StreamEvent>& events) {
  const Error* e = errorOf(events);
  EXPECT_NE(e, nullptr) << "no error event";
  return e != nullptr ? e->kind : ErrorKind::NotWellFormed;
}

// ------------------------------------------------------------------------- a real transcript

TEST(StreamParserTest, ParsesAProsodyTranscriptInOneChunk) {
  StreamParser parser;
  std::vector<StreamEvent> events = significant(parser.feed(kProsodyTranscript));
  ASSERT_EQ(events.size(), 7u);

  const auto& opened = as<StreamOpened>(events[0]);
  EXPECT_TRUE(opened.root.is(kStreamsNamespace, "stream"));
  EXPECT_EQ(opened.default_ns, "jabber:server");
  EXPECT_EQ(opened.prefixes,
            (std::vector<NamespaceDecl>{{"db", "jabber:server:dialback"},
                                        {"stream", "http://etherx.jabber.org/streams"}}));
  EXPECT_EQ(opened.root.attribute("from"), "prosody.example");
  EXPECT_EQ(opened.root.attribute("to"), "xfed.example");
  EXPECT_EQ(opened.root.attribute("id"), "2f7b4c1e-8a9d-4c3e-9f1a-6b5d0e7c8a21");
  EXPECT_EQ(opened.root.attribute("version"), "1.0");
  EXPECT_EQ(opened.root.lang(), "en");
  EXPECT_TRUE(opened.root.nodes().empty());

  const Element& features = as<ElementReceived>(events[1]).element;
  EXPECT_TRUE(features.is(kStreamsNamespace, "features"));
  const Element* dialback = features.child("urn:xmpp:features:dialback", "dialback");
  ASSERT_NE(dialback, nullptr);
  EXPECT_NE(dialback->child("urn:xmpp:features:dialback", "errors"), nullptr);
  ASSERT_NE(features.child(kTls, "starttls"), nullptr);
  EXPECT_NE(features.child(kTls, "starttls")->child(kTls, "required"), nullptr);

  EXPECT_TRUE(as<ElementReceived>(events[2]).element.is(kTls, "starttls"));

  const Element& result = as<ElementReceived>(events[3]).element;
  EXPECT_TRUE(result.is(kDialback, "result"));
  EXPECT_EQ(result.attribute("from"), "prosody.example");
  EXPECT_EQ(result.text(), "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3");

  const Element& verify = as<ElementReceived>(events[4]).element;
  EXPECT_TRUE(verify.is(kDialback, "verify"));
  EXPECT_EQ(verify.attribute("id"), "417GAF25");
  EXPECT_EQ(verify.attribute("type"), "valid");

  const Element& message = as<ElementReceived>(events[5]).element;
  EXPECT_TRUE(message.is(kServer, "message"));
  EXPECT_EQ(message.lang(), "en");
  std::vector<const Element*> bodies = message.children(kServer, "body");
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0]->text(), "Wherefore art thou, Romeo? & <3");
  EXPECT_EQ(bodies[0]->lang(), std::nullopt);
  EXPECT_EQ(bodies[1]->lang(), "de");
  EXPECT_EQ(bodies[1]->text(), "Warum bist du Romeo? Zürich 東京 \xF0\x9F\x8E\x89");

  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[6]));
  EXPECT_EQ(parser.state(), StreamParser::State::Closed);
}

TEST(StreamParserTest, ByteByByteGivesTheSameEventsAsOneChunk) {
  const std::vector<StreamEvent> whole = parseAll(kProsodyTranscript);
  EXPECT_EQ(significant(parseByteByByte(kProsodyTranscript)), significant(whole));
  for (std::size_t chunk : {2u, 3u, 7u, 64u, 1000u}) {
    StreamParser parser;
    EXPECT_EQ(significant(feedInChunks(parser, kProsodyTranscript, chunk)), significant(whole))
        << "chunk " << chunk;
  }
}

TEST(StreamParserTest, EverySplitPointGivesTheSameEvents) {
  const std::vector<StreamEvent> whole = significant(parseAll(kProsodyTranscript));
  for (std::size_t cut = 1; cut < kProsodyTranscript.size(); ++cut) {
    StreamParser parser;
    std::vector<StreamEvent> events;
    parser.feed(kProsodyTranscript.substr(0, cut), events);
    parser.feed(kProsodyTranscript.substr(cut), events);
    ASSERT_EQ(significant(events), whole) << "cut at " << cut;
  }
}

TEST(StreamParserTest, ReportsSizeAndEndOffsetOfEachElement) {
  const std::string stream = std::string(kHeader) + "<a/>  <b>text</b>";
  std::vector<StreamEvent> events = significant(parseAll(stream));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(as<ElementReceived>(events[1]).bytes, 4u);
  EXPECT_EQ(as<ElementReceived>(events[1]).end_offset, kHeader.size() + 4);
  EXPECT_EQ(as<ElementReceived>(events[2]).bytes, 11u);
  EXPECT_EQ(as<ElementReceived>(events[2]).end_offset, stream.size());
}

TEST(StreamParserTest, KeepsTextOfSplitUtf8SequencesIntact) {
  const std::string stream = std::string(kHeader) +
                             "<message><body>Zürich 東京 \xF0\x9F\x8E\x89 &#x1F600; &#233;</body>"
                             "</message>";
  std::vector<Element> elements = elementsOf(parseByteByByte(stream));
  ASSERT_EQ(elements.size(), 1u);
  EXPECT_EQ(elements[0].childText(kServer, "body"),
            "Zürich 東京 \xF0\x9F\x8E\x89 \xF0\x9F\x98\x80 \xC3\xA9");
}

TEST(StreamParserTest, KeepsMixedContentAndCdataAsText) {
  const std::string stream =
      std::string(kHeader) + "<message><body>a<![CDATA[<b> & ]]>c\r\nd</body>\n<x/>\n</message>";
  std::vector<Element> elements = elementsOf(parseByteByByte(stream));
  ASSERT_EQ(elements.size(), 1u);
  const Element& m = elements[0];
  EXPECT_EQ(m.childText(kServer, "body"), "a<b> & c\nd");
  ASSERT_EQ(m.nodes().size(), 4u) << "element, text, element, text";
  EXPECT_EQ(m.nodes()[1].text(), "\n");
  EXPECT_EQ(m.child(kServer, "body")->nodes().size(), 1u) << "adjacent text merges";
}

TEST(StreamParserTest, AcceptsAStreamWithoutXmlDeclarationOrDefaultNamespace) {
  std::vector<StreamEvent> events = parseAll(
      "<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><x/></stream:stream>");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(as<StreamOpened>(events[0]).default_ns, "");
  EXPECT_TRUE(as<ElementReceived>(events[1]).element.is("", "x"));
}

TEST(StreamParserTest, AcceptsUtf8EncodingDeclarationsInAnyCase) {
  for (std::string_view decl :
       {"<?xml version='1.0' encoding='UTF-8'?>", "<?xml version='1.0' encoding='utf-8'?>",
        "<?xml version=\"1.0\" encoding=\"Utf-8\" standalone='yes'?>"}) {
    std::vector<StreamEvent> events = parseAll(std::string(decl) + header());
    ASSERT_EQ(events.size(), 1u) << decl;
    EXPECT_TRUE(std::holds_alternative<StreamOpened>(events[0])) << decl;
  }
}

TEST(StreamParserTest, IgnoresWhatFollowsTheStreamEnd) {
  StreamParser parser;
  std::vector<StreamEvent> events = parser.feed(header() + "</stream:stream><junk &&&");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[1]));
  EXPECT_TRUE(parser.feed("<more/>").empty());
  EXPECT_EQ(parser.state(), StreamParser::State::Closed);
  EXPECT_EQ(parser.parserMemoryBytes(), 0u) << "a closed parser frees expat";
}

// ---------------------------------------------------------------------------------- keepalive

TEST(StreamParserTest, ReportsWhitespaceKeepalivesOncePerFeed) {
  StreamParser parser;
  ASSERT_EQ(parser.feed(header()).size(), 1u);
  EXPECT_EQ(parser.feed(" "), std::vector<StreamEvent>{Whitespace{}});
  EXPECT_EQ(parser.feed("\n\t \r\n   "), std::vector<StreamEvent>{Whitespace{}});
  EXPECT_EQ(parser.feed(" <a/> <b/>\n"),
            (std::vector<StreamEvent>{
                Whitespace{}, ElementReceived{Element(kServer, "a"), 4, header().size() + 14},
                ElementReceived{Element(kServer, "b"), 4, header().size() + 19}}));
  EXPECT_TRUE(parser.feed("<c>").empty());
  EXPECT_TRUE(parser.feed("   ").empty()) << "whitespace inside a stanza is its text";
  EXPECT_EQ(parser.state(), StreamParser::State::Open);
}

TEST(StreamParserTest, WhitespaceBeforeTheHeaderIsNotAKeepalive) {
  EXPECT_EQ(parseAll("\n  " + header()).size(), 1u);
}

// ------------------------------------------------------------------------------ error kinds

TEST(StreamParserTest, MalformedXmlIsNotWellFormed) {
  for (std::string_view bad :
       {"<message></presence>", "<a b='1' b='2'/>", "<a b=1/>", "<p:a/>", "<a>&#0;</a>",
        "<a>&#xD800;</a>", "<1a/>", "<?xml version='1.0'?>", "<a xmlns:p=''/>"}) {
    EXPECT_EQ(kindOf(parseAll(header() + std::string(bad))), ErrorKind::NotWellFormed) << bad;
  }
  EXPECT_EQ(kindOf(parseAll("garbage" + header())), ErrorKind::NotWellFormed);
  EXPECT_EQ(kindOf(parseAll("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")),
            ErrorKind::NotWellFormed)
      << "a TLS ClientHello on the plain port";
}

TEST(StreamParserTest, InvalidUtf8IsNotWellFormedInAnySplit) {
  for (std::string_view bad : {"\xC3\x28", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                               "\xF4\x90\x80\x80", "\xFF", "\xFE", "\x80", "\x01"}) {
    const std::string stream = header() + "<message><body>ok " + std::string(bad) + " ok</body>";
    EXPECT_EQ(kindOf(parseAll(stream)), ErrorKind::NotWellFormed) << testing::PrintToString(bad);
    EXPECT_EQ(kindOf(parseByteByByte(stream)), ErrorKind::NotWellFormed);
    const std::string in_attribute = header() + "<message to='" + std::string(bad) + "'/>";
    EXPECT_EQ(kindOf(parseAll(in_attribute)), ErrorKind::NotWellFormed);
  }
}

TEST(StreamParserTest, ErrorTextSaysWhatAndWhere) {
  const std::vector<StreamEvent> events = parseAll(header() + "\n<message></presence>");
  const Error* e = errorOf(events);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->text, "mismatched tag at line 2, column 12");
}

TEST(StreamParserTest, DoctypeIsRestrictedXml) {
  EXPECT_EQ(kindOf(parseAll("<?xml version='1.0'?><!DOCTYPE stream:stream>" + header())),
            ErrorKind::RestrictedXml);
  EXPECT_EQ(kindOf(parseAll("<!DOCTYPE x SYSTEM 'http://evil.example/x.dtd'>" + header())),
            ErrorKind::RestrictedXml);
}

TEST(StreamParserTest, BillionLaughsStopsAtTheDoctypeWithoutExpanding) {
  std::string bomb = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
  bomb += "<!ENTITY lol1 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>";
  for (int i = 2; i <= 9; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " '";
    for (int j = 0; j < 10; ++j) {
      bomb += "&lol" + std::to_string(i - 1) + ";";
    }
    bomb += "'>";
  }
  bomb += "]>" + header() + "<message><body>&lol9;</body></message>";
  for (std::size_t chunk : {bomb.size(), std::size_t{1}}) {
    StreamParser parser;
    std::vector<StreamEvent> events = feedInChunks(parser, bomb, chunk);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::RestrictedXml);
    EXPECT_EQ(as<Error>(events[0]).text, "a DOCTYPE declaration");
    if (chunk == 1) {
      EXPECT_LE(parser.bytesParsed(), bomb.find('[') + 1)
          << "stopped at the DOCTYPE, before any entity declaration";
    }
  }
}

TEST(StreamParserTest, EntityReferencesOtherThanThePredefinedOnesAreRestrictedXml) {
  EXPECT_EQ(kindOf(parseAll(header() + "<a>&lol;</a>")), ErrorKind::RestrictedXml);
  EXPECT_EQ(kindOf(parseAll(header() + "<a b='&nbsp;'/>")), ErrorKind::RestrictedXml);
  std::vector<Element> ok = elementsOf(
      parseAll(header() + "<a b='&quot;&apos;'>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;</a>"));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].text(), "&<>\"'AB");
  EXPECT_EQ(ok[0].attribute("b"), "\"'");
}

TEST(StreamParserTest, ProcessingInstructionsAreRestrictedXml) {
  EXPECT_EQ(kindOf(parseAll("<?xml-stylesheet href='a'?>" + header())), ErrorKind::RestrictedXml);
  EXPECT_EQ(kindOf(parseAll(header() + "<?php echo 1; ?>")), ErrorKind::RestrictedXml);
  EXPECT_EQ(kindOf(parseAll(header() + "<message><?pi?></message>")), ErrorKind::RestrictedXml);
}

TEST(StreamParserTest, CommentsAreRestrictedXml) {
  EXPECT_EQ(kindOf(parseAll("<!-- hello -->" + header())), ErrorKind::RestrictedXml);
  EXPECT_EQ(kindOf(parseAll(header() + "<!-- keepalive -->")), ErrorKind::RestrictedXml);
  std::vector<StreamEvent> events =
      parseByteByByte(header() + "<message><body>a<!-- b --></body></message>");
  EXPECT_EQ(kindOf(events), ErrorKind::RestrictedXml);
  EXPECT_EQ(as<Error>(events.back()).text, "a comment");
}

TEST(StreamParserTest, AnotherEncodingIsUnsupportedEncoding) {
  for (std::string_view decl :
       {"<?xml version='1.0' encoding='ISO-8859-1'?>", "<?xml version='1.0' encoding='UTF-16'?>",
        "<?xml version='1.0' encoding='UTF8'?>"}) {
    std::vector<StreamEvent> events = parseAll(std::string(decl) + header());
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::UnsupportedEncoding) << decl;
  }
}

TEST(StreamParserTest, Utf16IsUnsupportedEncodingWithOrWithoutAByteOrderMark) {
  for (std::string_view start :
       {std::string_view("\xFF\xFE<\0s\0", 6), std::string_view("\xFE\xFF\0<\0s", 6),
        std::string_view("<\0s\0t\0", 6), std::string_view("\0<\0s", 4)}) {
    EXPECT_EQ(kindOf(parseAll(start)), ErrorKind::UnsupportedEncoding);
    EXPECT_EQ(kindOf(parseByteByByte(start)), ErrorKind::UnsupportedEncoding);
  }
  // Expat judges a first byte on its own when it arrives alone; so it does in one chunk too.
  EXPECT_EQ(kindOf(parseAll(std::string_view("\x01\0<", 3))), ErrorKind::NotWellFormed);
  EXPECT_EQ(kindOf(parseByteByByte(std::string_view("\x01\0<", 3))), ErrorKind::NotWellFormed);
  // A UTF-8 byte order mark is fine.
  std::vector<StreamEvent> events = parseByteByByte("\xEF\xBB\xBF" + header());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamOpened>(events[0]));
}

TEST(StreamParserTest, AWrongRootIsInvalidNamespace) {
  for (std::string_view root :
       {"<stream xmlns='jabber:server'>",
        "<stream:stream xmlns:stream='http://etherx.jabber.org/stream'>",
        "<s:features xmlns:s='http://etherx.jabber.org/streams'>", "<message/>"}) {
    std::vector<StreamEvent> events = parseAll(root);
    ASSERT_EQ(events.size(), 1u) << root;
    EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::InvalidNamespace) << root;
  }
  // Any prefix will do; only the namespace and local name count.
  std::vector<StreamEvent> events =
      parseAll("<s:stream xmlns:s='http://etherx.jabber.org/streams' xmlns='jabber:server'>");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamOpened>(events[0]));
}

TEST(StreamParserTest, TextBetweenStanzasIsBadFormat) {
  std::vector<StreamEvent> events = parseAll(header() + "<a/> hello <b/>");
  ASSERT_EQ(events.size(), 3u) << "opened, a, error";
  EXPECT_EQ(as<Error>(events[2]).kind, ErrorKind::BadFormat);
  EXPECT_EQ(kindOf(parseByteByByte(header() + "  x")), ErrorKind::BadFormat);
}

TEST(StreamParserTest, EmitsNothingAfterAnError) {
  StreamParser parser;
  std::vector<StreamEvent> events = parser.feed(header() + "<a/><!-- x --><b/>");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Error>(events.back()));
  EXPECT_EQ(parser.state(), StreamParser::State::Failed);
  EXPECT_TRUE(parser.feed("<c/></stream:stream>").empty());
  EXPECT_TRUE(parser.feed(header()).empty());
  EXPECT_EQ(parser.parserMemoryBytes(), 0u) << "a failed parser frees expat";
}

TEST(StreamParserTest, ErrorKindsHaveNamesAndAnErrorCategory) {
  EXPECT_EQ(errorKindName(ErrorKind::NotWellFormed), "not-well-formed");
  EXPECT_EQ(errorKindName(ErrorKind::RestrictedXml), "restricted-xml");
  EXPECT_EQ(errorKindName(ErrorKind::StanzaTooLarge), "stanza-too-large");
  EXPECT_EQ(errorKindName(ErrorKind::TooDeep), "too-deep");
  EXPECT_EQ(errorKindName(ErrorKind::TooManyAttributes), "too-many-attributes");
  EXPECT_EQ(errorKindName(ErrorKind::InvalidNamespace), "invalid-namespace");
  EXPECT_EQ(errorKindName(ErrorKind::BadFormat), "bad-format");
  EXPECT_EQ(errorKindName(ErrorKind::UnsupportedEncoding), "unsupported-encoding");
  EXPECT_EQ(errorKindName(ErrorKind::ResourceConstraint), "resource-constraint");
  std::error_code code = ErrorKind::TooDeep;
  EXPECT_EQ(code.category().name(), std::string("xfed.xml"));
  EXPECT_EQ(code.message(), "too-deep");
}

// ----------------------------------------------------------------------------------- limits

/** `<message><body>xxx</body></message>` padded to exactly `size` bytes. */
std::string stanzaOfSize(std::size_t size) {
  const std::string open = "<message><body>";
  const std::string close = "</body></message>";
  return open + std::string(size - open.size() - close.size(), 'x') + close;
}

TEST(StreamParserTest, StanzaExactlyAtTheSizeLimitPassesAndOneByteMoreFails) {
  const Limits limits{.max_stanza_bytes = 100};
  const std::string stream = header() + "\n";
  for (bool byte_by_byte : {false, true}) {
    auto parse = [&](const std::string& s) {
      return byte_by_byte ? parseByteByByte(s, limits) : parseAll(s, limits);
    };
    std::vector<StreamEvent> at_limit = significant(parse(stream + stanzaOfSize(100) + "\n"));
    ASSERT_EQ(at_limit.size(), 2u);
    EXPECT_EQ(as<ElementReceived>(at_limit[1]).bytes, 100u);

    std::vector<StreamEvent> over = significant(parse(stream + stanzaOfSize(101)));
    ASSERT_EQ(over.size(), 2u);
    EXPECT_EQ(as<Error>(over[1]).kind, ErrorKind::StanzaTooLarge);
    EXPECT_EQ(as<Error>(over[1]).text, "stanza exceeds 100 bytes");

    // Many stanzas at the limit back to back, with and without whitespace between them.
    std::string many = stream;
    for (int i = 0; i < 5; ++i) {
      many += stanzaOfSize(100) + (i % 2 == 0 ? "" : " \n ");
    }
    EXPECT_EQ(elementsOf(parse(many)).size(), 5u);
  }
}

TEST(StreamParserTest, StanzaLimitTriggersOnTheFirstByteOverIt) {
  StreamParser parser(Limits{.max_stanza_bytes = 100});
  const std::string stanza = stanzaOfSize(101);
  ASSERT_EQ(parser.feed(header()).size(), 1u);
  EXPECT_TRUE(parser.feed(stanza.substr(0, 100)).empty());
  std::vector<StreamEvent> events = parser.feed(stanza.substr(100));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::StanzaTooLarge);
}

TEST(StreamParserTest, NeverEndingStanzaIsCutOffWithoutBufferingIt) {
  const Limits limits{.max_stanza_bytes = 64 * 1024};
  const std::string chunk(16 * 1024, 'y');
  // Text content and an attribute value (one token that expat must buffer whole).
  for (std::string_view start : {"<message><body>", "<message to='"}) {
    StreamParser parser(limits);
    ASSERT_EQ(parser.feed(header()).size(), 1u);
    std::vector<StreamEvent> events;
    parser.feed(start, events);
    std::size_t max_memory = 0;
    for (int i = 0; i < 64 && events.empty(); ++i) {  // up to 1 MiB
      parser.feed(chunk, events);
      max_memory = std::max(max_memory, parser.parserMemoryBytes());
    }
    ASSERT_EQ(events.size(), 1u) << start;
    EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::StanzaTooLarge);
    EXPECT_EQ(parser.bytesParsed(), header().size() + limits.max_stanza_bytes)
        << "no byte past the limit reached expat";
    EXPECT_LT(max_memory, 4 * limits.max_stanza_bytes) << start;
  }
}

TEST(StreamParserTest, HeaderExactlyAtItsLimitPassesAndOneByteMoreFails) {
  const Limits limits{.max_header_bytes = 200};
  auto headerOfSize = [](std::size_t size) {
    std::string h = "<?xml version='1.0'?>" + header(" to=''");
    h.insert(h.size() - 2, std::string(size - h.size(), 'a'));
    return h;
  };
  ASSERT_EQ(headerOfSize(200).size(), 200u);
  for (bool byte_by_byte : {false, true}) {
    auto parse = [&](const std::string& s) {
      return byte_by_byte ? parseByteByByte(s, limits) : parseAll(s, limits);
    };
    std::vector<StreamEvent> at_limit = parse(headerOfSize(200) + "<a/>");
    ASSERT_EQ(at_limit.size(), 2u);
    EXPECT_TRUE(std::holds_alternative<StreamOpened>(at_limit[0]));

    std::vector<StreamEvent> over = parse(headerOfSize(201));
    ASSERT_EQ(over.size(), 1u);
    EXPECT_EQ(as<Error>(over[0]).kind, ErrorKind::StanzaTooLarge);
    EXPECT_EQ(as<Error>(over[0]).text, "stream header exceeds 200 bytes");
  }
}

TEST(StreamParserTest, HeaderThatNeverEndsIsCutOff) {
  StreamParser parser;  // default limits: 8 KiB
  std::vector<StreamEvent> events;
  parser.feed("<?xml version='1.0'?>\n", events);
  for (int i = 0; i < 100 && events.empty(); ++i) {
    parser.feed(std::string(1000, ' '), events);
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(as<Error>(events[0]).kind, ErrorKind::StanzaTooLarge);
  EXPECT_EQ(parser.bytesParsed(), kDefaultMaxHeaderBytes);
}

std::string nested(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) {
    s += "<e>";
  }
  for (std::size_t i = 0; i < depth; ++i) {
    s += "</e>";
  }
  return s;
}

TEST(StreamParserTest, NestingAtTheDepthLimitPassesAndOneLevelMoreIsTooDeep) {
  EXPECT_EQ(elementsOf(parseAll(header() + nested(kDefaultMaxDepth))).size(), 1u);
  EXPECT_EQ(kindOf(parseAll(header() + nested(kDefaultMaxDepth + 1))), ErrorKind::TooDeep);
  const Limits limits{.max_depth = 3};
  EXPECT_EQ(elementsOf(parseByteByByte(header() + nested(3), limits)).size(), 1u);
  EXPECT_EQ(kindOf(parseByteByByte(header() + nested(4), limits)), ErrorKind::TooDeep);
}

std::string withAttributes(std::string_view name, std::size_t count) {
  std::string s = "<" + std::string(name);
  for (std::size_t i = 0; i < count; ++i) {
    s += " a" + std::to_string(i) + "='" + std::to_string(i) + "'";
  }
  return s + ">";
}

TEST(StreamParserTest, AttributesAtTheLimitPassAndOneMoreIsTooManyAttributes) {
  const std::string at_limit = withAttributes("x", kDefaultMaxAttributes);
  std::vector<Element> ok = elementsOf(parseAll(header() + at_limit + "</x>"));
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].attributes().size(), kDefaultMaxAttributes);
  EXPECT_EQ(kindOf(parseAll(header() + withAttributes("x", kDefaultMaxAttributes + 1))),
            ErrorKind::TooManyAttributes);

  const Limits limits{.max_attributes = 2};
  EXPECT_EQ(kindOf(parseAll(header() + "<x><y a='1' b='2' c='3'/></x>", limits)),
            ErrorKind::TooManyAttributes);
  EXPECT_EQ(kindOf(parseAll(header(" to='a' from='b' id='c'"), limits)),
            ErrorKind::TooManyAttributes)
      << "the root counts too (namespace declarations do not)";
  EXPECT_EQ(parseAll(header(" to='a' from='b'"), limits).size(), 1u);
}

TEST(StreamParserTest, NodesAtTheLimitPassAndOneMoreIsStanzaTooLarge) {
  const Limits limits{.max_stanza_nodes = 5};
  // a, its attribute, b, the text, c: five nodes.
  EXPECT_EQ(elementsOf(parseAll(header() + "<a x='1'><b/>t<c/></a>", limits)).size(), 1u);
  EXPECT_EQ(elementsOf(parseAll(header() + "<a x='1'><b/>t<c/></a><a x='1'><b/>t<c/></a>", limits))
                .size(),
            2u)
      << "the count is per stanza";
  EXPECT_EQ(kindOf(parseAll(header() + "<a x='1'><b/>t<c/>u</a>", limits)),
            ErrorKind::StanzaTooLarge);
  EXPECT_EQ(kindOf(parseAll(header() + "<a x='1' y='2'><b/>t<c/></a>", limits)),
            ErrorKind::StanzaTooLarge);
}

TEST(StreamParserTest, IdleParserHoldsLittleMemory) {
  StreamParser parser;
  const std::size_t fresh = parser.parserMemoryBytes();
  EXPECT_GT(fresh, 0u);
  std::vector<StreamEvent> events;
  parser.feed(kProsodyTranscript.substr(0, kProsodyTranscript.find("</stream:stream>")), events);
  std::string reads;
  for (int i = 0; i < 50; ++i) {
    reads +=
        "<message to='romeo@xfed.example'><body>" + std::string(200, 'z') + "</body></message>";
  }
  parser.feed(reads, events);
  EXPECT_EQ(parser.state(), StreamParser::State::Open);
  // Measured: about 3 KiB fresh, 11-13 KiB once streaming (see the class comment).
  EXPECT_LT(fresh, 4u * 1024);
  EXPECT_LT(parser.parserMemoryBytes(), 16u * 1024);
}

TEST(StreamParserTest, EverNewNamesHitTheParserMemoryLimit) {
  // Expat interns every distinct element name for the life of the stream.
  StreamParser parser(Limits{.max_parser_bytes = 64 * 1024});
  std::vector<StreamEvent> events;
  parser.feed(header(), events);
  int sent = 0;
  for (; sent < 100000 && parser.state() == StreamParser::State::Open; ++sent) {
    parser.feed("<m><name" + std::to_string(sent) + "/></m>", events);
  }
  EXPECT_LT(sent, 5000);
  EXPECT_EQ(kindOf(events), ErrorKind::ResourceConstraint);
  EXPECT_EQ(errorOf(events)->text, "the parser reached its memory limit of 65536 bytes");
}

// ------------------------------------------------------------------------------------ reset

TEST(StreamParserTest, ResetAfterAnErrorStartsAFreshStream) {
  StreamParser parser(Limits{.max_depth = 2});
  EXPECT_EQ(kindOf(parser.feed(header() + nested(3))), ErrorKind::TooDeep);
  parser.reset();
  EXPECT_EQ(parser.state(), StreamParser::State::AwaitingHeader);
  EXPECT_EQ(parser.bytesParsed(), 0u);
  EXPECT_EQ(parser.limits().max_depth, 2u) << "same limits";
  std::vector<StreamEvent> events = parser.feed("<?xml version='1.0'?>" + header() + nested(2));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamOpened>(events[0]));
  EXPECT_TRUE(std::holds_alternative<ElementReceived>(events[1]));
  EXPECT_EQ(kindOf(parser.feed(nested(3))), ErrorKind::TooDeep);
}

TEST(StreamParserTest, ResetForAStreamRestartAfterStarttls) {
  StreamParser parser;
  std::vector<StreamEvent> events = parser.feed(
      "<?xml version='1.0'?>" + header(" id='one'") +
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>"
      "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(as<ElementReceived>(events[2]).element.is(kTls, "proceed"));

  // RFC 6120 §5.4.3.3: after the TLS handshake, a new stream, parsed from scratch.
  parser.reset();
  events = parser.feed("<?xml version='1.0'?>" + header(" id='two'") + "<a/>");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(as<StreamOpened>(events[0]).root.attribute("id"), "two");
}

TEST(StreamParserTest, ResetDiscardsBufferedPartialInput) {
  StreamParser parser;
  parser.feed(header() + "<message to='a'><bo");
  parser.reset();
  std::vector<StreamEvent> events = parser.feed(header() + "<x/>");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(as<ElementReceived>(events[1]).element.is(kServer, "x"));
}

TEST(StreamParserTest, RestartMidBufferUsesTheEndOffset) {
  // A peer that pipelines the new header right after SASL <success/> in the same read.
  const std::string read = header() +
                           "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
                           "<?xml version='1.0'?>" +
                           header(" id='after-sasl'") + "<a/>";
  StreamParser parser;
  const std::uint64_t base = parser.bytesParsed();
  std::vector<StreamEvent> events = parser.feed(read);
  ASSERT_GE(events.size(), 2u);
  const auto& success = as<ElementReceived>(events[1]);
  ASSERT_TRUE(success.element.is("urn:ietf:params:xml:ns:xmpp-sasl", "success"));
  EXPECT_TRUE(std::holds_alternative<Error>(events.back())) << "the old stream cannot go on";

  parser.reset();
  events = parser.feed(std::string_view(read).substr(success.end_offset - base));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(as<StreamOpened>(events[0]).root.attribute("id"), "after-sasl");
}

TEST(StreamParserTest, MovedParserKeepsParsing) {
  StreamParser first;
  first.feed(header() + "<message><bo");
  StreamParser second = std::move(first);
  std::vector<StreamEvent> events = second.feed("dy>hi</body></message>");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(as<ElementReceived>(events[0]).element.childText(kServer, "body"), "hi");
  StreamParser third;
  third = std::move(second);
  EXPECT_EQ(third.feed("<x/>").size(), 1u);
}

}  // namespace
}  // namespace xfed::xml
