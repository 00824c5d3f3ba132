// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the xml unit tests: readable printing of events and elements, and ways of
// feeding a parser.
#pragma once

#include <algorithm>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.h"
#include "xml/serializer.h"
#include "xml/stream_parser.h"

namespace xfed::xml {

// GoogleTest prints a variant through the PrintTo of its alternative, found by ADL here.
inline void PrintTo(const Element& e, std::ostream* os) { *os << toXml(e, "jabber:server"); }
inline void PrintTo(const StreamOpened& e, std::ostream* os) {
  *os << "StreamOpened{default_ns=" << e.default_ns << " root=" << toXml(e.root) << "}";
}
inline void PrintTo(const ElementReceived& e, std::ostream* os) {
  *os << "ElementReceived{" << e.bytes << " bytes, end " << e.end_offset << ": "
      << toXml(e.element, "jabber:server") << "}";
}
inline void PrintTo(const StreamClosed&, std::ostream* os) { *os << "StreamClosed"; }
inline void PrintTo(const Whitespace&, std::ostream* os) { *os << "Whitespace"; }
inline void PrintTo(const Error& e, std::ostream* os) {
  *os << "Error{" << errorKindName(e.kind) << ": " << e.text << "}";
}

namespace testing_support {

/** The header most tests open with: a jabber:server stream with no other prefixes. */
inline constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='xfed.example' version='1.0'>";

/** Feeds `bytes` in pieces of `chunk` bytes (the last may be shorter). */
inline std::vector<StreamEvent> feedInChunks(StreamParser& parser, std::string_view bytes,
                                             std::size_t chunk) {
  std::vector<StreamEvent> events;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    parser.feed(bytes.substr(i, chunk), events);
  }
  return events;
}

inline std::vector<StreamEvent> parseAll(std::string_view bytes, Limits limits = {}) {
  StreamParser parser(limits);
  return parser.feed(bytes);
}

inline std::vector<StreamEvent> parseByteByByte(std::string_view bytes, Limits limits = {}) {
  StreamParser parser(limits);
  return feedInChunks(parser, bytes, 1);
}

/** The events without Whitespace, whose count depends on how the input was split. */
inline std::vector<StreamEvent> significant(std::vector<StreamEvent> events) {
  std::erase_if(events, [](const StreamEvent& e) { return std::holds_alternative<Whitespace>(e); });
  return events;
}

/** The elements of every ElementReceived, in order. */
inline std::vector<Element> elementsOf(const std::vector<StreamEvent>& events) {
  std::vector<Element> out;
  for (const StreamEvent& e : events) {
    if (const auto* r = std::get_if<ElementReceived>(&e); r != nullptr) {
      out.push_back(r->element);
    }
  }
  return out;
}

/** The Error event, if the events hold one (it is then the last). */
inline const Error* errorOf(const std::vector<StreamEvent>& events) {
  for (const StreamEvent& e : events) {
    if (const auto* error = std::get_if<Error>(&e); error != nullptr) {
      return error;
    }
  }
  return nullptr;
}

}  // namespace testing_support
}  // namespace xfed::xml
