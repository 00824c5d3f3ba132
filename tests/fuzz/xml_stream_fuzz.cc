// SPDX-License-Identifier: Apache-2.0
// Any bytes as an XMPP stream, fed to StreamParser in chunks whose sizes come from the input:
// - the event sequence is well formed: StreamOpened first, nothing after StreamClosed or after
//   the first Error, at most one Whitespace per feed() call, every limit respected;
// - the chunking does not matter: feeding the same bytes in one call gives the same events
//   (Whitespace aside; for an Error, its kind, except where isChunkingSensitiveError says);
// - every ElementReceived, serialized and parsed again inside a synthetic stream, both
//   self-contained and with the stream header's prefixes in scope, gives an equal element;
//   the stream header read back from appendOpenTag gives the same root and namespaces.
// Any violation aborts.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.h"
#include "xml/serializer.h"
#include "xml/stream_parser.h"

namespace {

using xfed::xml::Element;
using xfed::xml::ElementReceived;
using xfed::xml::Error;
using xfed::xml::ErrorKind;
using xfed::xml::Limits;
using xfed::xml::NamespaceDecl;
using xfed::xml::Node;
using xfed::xml::Scope;
using xfed::xml::StreamClosed;
using xfed::xml::StreamEvent;
using xfed::xml::StreamOpened;
using xfed::xml::StreamParser;
using xfed::xml::Whitespace;

// Small limits, so that the fuzzer reaches every one of them with short inputs.
constexpr Limits kLimits{.max_stanza_bytes = 1024,
                         .max_header_bytes = 512,
                         .max_depth = 12,
                         .max_attributes = 12,
                         .max_stanza_nodes = 200,
                         .max_parser_bytes = 256 * 1024};

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "xml_stream_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) {
    fail(what, detail);
  }
}

/** Chunk sizes from a hash of the input: mostly short, sometimes long, always at least 1. */
class Chunker {
public:
  explicit Chunker(std::string_view input) {
    for (unsigned char c : input) {
      state_ = (state_ ^ c) * 0x100000001B3ull;  // FNV-1a
    }
    state_ |= 1;
  }

  std::size_t next() {
    state_ ^= state_ << 13;  // xorshift64
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return (state_ & 7) == 0 ? 1 + (state_ >> 8) % 3000 : 1 + (state_ >> 8) % 24;
  }

private:
  std::uint64_t state_ = 0xCBF29CE484222325ull;
};

/** Checks depth, attributes and nodes against the limits; returns the node count. */
std::size_t checkTree(const Element& e, std::size_t depth) {
  check(depth <= kLimits.max_depth, "element deeper than max_depth");
  check(e.attributes().size() <= kLimits.max_attributes, "more attributes than max_attributes");
  std::size_t nodes = 1 + e.attributes().size();
  bool previous_was_text = false;
  for (const Node& node : e.nodes()) {
    if (const Element* child = node.asElement(); child != nullptr) {
      nodes += checkTree(*child, depth + 1);
      previous_was_text = false;
    } else {
      check(!node.text().empty(), "empty text node");
      check(!previous_was_text, "adjacent text nodes were not merged");
      previous_was_text = true;
      ++nodes;
    }
  }
  return nodes;
}

/** Feeds in chunks and checks the event grammar; returns all events. */
std::vector<StreamEvent> feedChunked(std::string_view input) {
  StreamParser parser(kLimits);
  std::vector<StreamEvent> events;
  Chunker chunker(input);
  bool opened = false;
  bool ended = false;  // StreamClosed or Error seen
  for (std::size_t pos = 0; pos < input.size();) {
    const std::size_t length = chunker.next();
    const std::size_t first = events.size();
    parser.feed(input.substr(pos, length), events);
    pos += length;
    check(parser.parserMemoryBytes() <= kLimits.max_parser_bytes, "over max_parser_bytes");
    int whitespace = 0;
    for (std::size_t i = first; i < events.size(); ++i) {
      const StreamEvent& e = events[i];
      check(!ended, "an event after StreamClosed or Error");
      if (std::holds_alternative<StreamOpened>(e)) {
        check(!opened && i == 0, "StreamOpened not first, or twice");
        opened = true;
        const auto& root = std::get<StreamOpened>(e).root;
        check(root.is(xfed::xml::kStreamsNamespace, "stream"), "root is not stream:stream");
        check(root.nodes().empty(), "root with children");
        check(root.attributes().size() <= kLimits.max_attributes, "root over max_attributes");
      } else if (const auto* received = std::get_if<ElementReceived>(&e); received != nullptr) {
        check(opened, "an element before StreamOpened");
        check(received->bytes <= kLimits.max_stanza_bytes, "stanza over max_stanza_bytes");
        check(received->end_offset <= parser.bytesParsed(), "end_offset past the input");
        check(checkTree(received->element, 1) <= kLimits.max_stanza_nodes,
              "stanza over max_stanza_nodes");
      } else if (std::holds_alternative<StreamClosed>(e)) {
        check(opened, "StreamClosed before StreamOpened");
        ended = true;
      } else if (std::holds_alternative<Whitespace>(e)) {
        check(opened, "Whitespace before StreamOpened");
        check(++whitespace == 1, "two Whitespace events in one feed()");
      } else {
        ended = true;
      }
    }
  }
  return events;
}

std::vector<StreamEvent> significant(std::vector<StreamEvent> events) {
  std::erase_if(events, [](const StreamEvent& e) { return std::holds_alternative<Whitespace>(e); });
  return events;
}

std::string describe(const StreamEvent& e) {
  if (const auto* o = std::get_if<StreamOpened>(&e); o != nullptr) {
    return "StreamOpened default_ns=" + o->default_ns;
  }
  if (const auto* r = std::get_if<ElementReceived>(&e); r != nullptr) {
    return "ElementReceived " + xfed::xml::toXml(r->element);
  }
  if (std::holds_alternative<StreamClosed>(e)) {
    return "StreamClosed";
  }
  if (std::holds_alternative<Whitespace>(e)) {
    return "Whitespace";
  }
  const auto& error = std::get<Error>(e);
  return "Error " + std::string(xfed::xml::errorKindName(error.kind)) + ": " + error.text;
}

/**
 * Errors whose kind may depend on the chunking when another error is near: a size or memory
 * limit is noticed at piece boundaries, and text between stanzas is judged on what expat has
 * reported of it so far (with all of it at once, expat may find a malformed token in that run
 * of text before it reports any).
 */
bool isChunkingSensitiveError(const StreamEvent& e) {
  const auto* error = std::get_if<Error>(&e);
  return error != nullptr &&
         (error->kind == ErrorKind::StanzaTooLarge ||
          error->kind == ErrorKind::ResourceConstraint || error->kind == ErrorKind::BadFormat);
}

bool sameEvent(const StreamEvent& a, const StreamEvent& b) {
  if (std::holds_alternative<Error>(a) && std::holds_alternative<Error>(b)) {
    return std::get<Error>(a).kind == std::get<Error>(b).kind;
  }
  return a == b;
}

void compareChunkings(const std::vector<StreamEvent>& chunked,
                      const std::vector<StreamEvent>& whole) {
  const std::size_t common = std::min(chunked.size(), whole.size());
  for (std::size_t i = 0; i < common; ++i) {
    if (sameEvent(chunked[i], whole[i])) {
      continue;
    }
    // The only allowed difference: the kind of the first error, if one side's is sensitive.
    check(isChunkingSensitiveError(chunked[i]) || isChunkingSensitiveError(whole[i]),
          "chunking changed an event",
          "chunked: " + describe(chunked[i]) + "\nwhole:   " + describe(whole[i]));
    return;
  }
  if (chunked.size() != whole.size()) {
    const auto& longer = chunked.size() > whole.size() ? chunked : whole;
    const auto& shorter = chunked.size() > whole.size() ? whole : chunked;
    // The shorter may end in such an error where the longer still goes on.
    check(!shorter.empty() && std::holds_alternative<Error>(shorter.back()) &&
              (isChunkingSensitiveError(shorter.back()) ||
               isChunkingSensitiveError(longer[shorter.size() - 1])),
          "chunking changed the number of events");
  }
}

/** Parses `stream` (with generous limits) and expects exactly `expected` back. */
void expectReadBack(const std::string& stream, const Element& expected, const char* form) {
  StreamParser parser(Limits{.max_stanza_bytes = 1 << 20});
  std::vector<StreamEvent> events = significant(parser.feed(stream));
  if (events.size() != 2 || !std::holds_alternative<StreamOpened>(events[0]) ||
      !std::holds_alternative<ElementReceived>(events[1])) {
    const auto* error = events.empty() ? nullptr : std::get_if<Error>(&events.back());
    fail(form, stream + "\n" + (error != nullptr ? error->text : "(no error)"));
  }
  if (std::get<ElementReceived>(events[1]).element != expected) {
    fail(form, stream + "\nread back differently; it was\n" +
                   xfed::xml::toXml(expected, "urn:fuzz:display"));
  }
}

void roundTrip(const StreamOpened& opened, const Element& element) {
  const Element root(xfed::xml::kStreamsNamespace, "stream");
  const std::vector<NamespaceDecl> stream_prefix = {
      {"stream", std::string(xfed::xml::kStreamsNamespace)}};

  // Self-contained: only the default namespace is in scope.
  std::string stream;
  xfed::xml::appendOpenTag(stream, root, opened.default_ns, stream_prefix);
  xfed::xml::appendXml(stream, element, opened.default_ns);
  expectReadBack(stream, element, "self-contained form does not read back");

  // With the prefixes of the original header in scope.
  stream.clear();
  xfed::xml::appendOpenTag(stream, root, opened.default_ns, opened.prefixes);
  xfed::xml::appendXml(stream, element,
                       Scope{.default_ns = opened.default_ns, .declared = opened.prefixes});
  expectReadBack(stream, element, "form with the header's prefixes does not read back");
}

void roundTripHeader(const StreamOpened& opened) {
  std::string header;
  xfed::xml::appendOpenTag(header, opened.root, opened.default_ns, opened.prefixes);
  StreamParser parser(Limits{.max_header_bytes = 1 << 20});
  std::vector<StreamEvent> events = parser.feed(header);
  if (events.size() != 1 || !std::holds_alternative<StreamOpened>(events[0])) {
    fail("stream header does not read back", header);
  }
  const auto& again = std::get<StreamOpened>(events[0]);
  check(again.root == opened.root, "stream header root changed", header);
  check(again.default_ns == opened.default_ns, "stream default namespace changed", header);
  // appendOpenTag may add declarations (generated prefixes) after the given ones.
  check(again.prefixes.size() >= opened.prefixes.size() &&
            std::equal(opened.prefixes.begin(), opened.prefixes.end(), again.prefixes.begin()),
        "stream header prefixes changed", header);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const std::vector<StreamEvent> chunked = feedChunked(input);
  StreamParser whole_parser(kLimits);
  const std::vector<StreamEvent> whole = whole_parser.feed(input);
  compareChunkings(significant(chunked), significant(whole));

  const StreamOpened* opened = nullptr;
  for (const StreamEvent& e : chunked) {
    if (const auto* o = std::get_if<StreamOpened>(&e); o != nullptr) {
      opened = o;
      roundTripHeader(*o);
    } else if (const auto* r = std::get_if<ElementReceived>(&e); r != nullptr) {
      roundTrip(*opened, r->element);
    }
  }
  return 0;
}
