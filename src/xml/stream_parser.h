// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <variant>
#include <vector>

#include "xml/element.h"

// Sans-I/O framing of an XMPP stream (RFC 6120 §4) over expat, restricted to the XML subset of
// RFC 6120 §11: bytes in, stream events out.
namespace xfed::xml {

/** The stream namespace; the root element must be {kStreamsNamespace}stream (RFC 6120 §4.8.1). */
inline constexpr std::string_view kStreamsNamespace = "http://etherx.jabber.org/streams";

/**
 * Why the parser gave up. Each maps to one RFC 6120 §4.9.3 stream error condition (the mapping
 * is the xmpp layer's; the usual one is in the comments).
 */
enum class ErrorKind {
  // Not well-formed XML or XML namespaces, incl. invalid UTF-8 (not-well-formed).
  NotWellFormed = 1,
  // DOCTYPE, entity declaration or reference, PI, comment (§11.1, restricted-xml).
  RestrictedXml,
  // A depth-1 element (bytes or nodes), or the stream header, over its limit (policy-violation).
  StanzaTooLarge,
  // Elements nested deeper than Limits::max_depth (policy-violation).
  TooDeep,
  // An element with more than Limits::max_attributes (policy-violation).
  TooManyAttributes,
  // The root is not {http://etherx.jabber.org/streams}stream (invalid-namespace).
  InvalidNamespace,
  // Text that is not whitespace between stanzas (bad-format).
  BadFormat,
  // UTF-16, or an XML declaration naming an encoding other than UTF-8 (§11.6,
  // unsupported-encoding).
  UnsupportedEncoding,
  // Expat's heap is over Limits::max_parser_bytes, or malloc failed (resource-constraint).
  ResourceConstraint,
};

/** "not-well-formed", "restricted-xml", ... (kebab-case names for logs and metrics). */
std::string_view errorKindName(ErrorKind kind);

const std::error_category& errorCategory() noexcept;

inline std::error_code make_error_code(ErrorKind kind) {  // ADL hook keeps the std spelling
  return {static_cast<int>(kind), errorCategory()};
}

/** RFC 6120 §13.12 asks for a stanza limit of at least 10000 bytes; Prosody defaults to 256 KiB,
 *  ejabberd to 64 KiB-1 MiB per listener; 512 KiB admits vCard photos and long MUC histories. */
inline constexpr std::size_t kDefaultMaxStanzaBytes = 512 * 1024;
/** A stream header with every attribute RFC 6120 §4.7 defines is under 1 KiB; 8 KiB leaves room
 *  for long domain names and extra declarations while cutting off a header that never ends. */
inline constexpr std::size_t kDefaultMaxHeaderBytes = 8 * 1024;
/** Real stanzas nest under 10 levels (a MUC invite in a forwarded message is about 6); 64 keeps
 *  recursive consumers (serializer, translators) far from any stack limit. */
inline constexpr std::size_t kDefaultMaxDepth = 64;
/** RFC 6120 stanzas carry at most 6 attributes; 128 leaves room for extensions. */
inline constexpr std::size_t kDefaultMaxAttributes = 128;
/** Each element, text node or attribute costs about 100-150 bytes of heap against as little as
 *  4 bytes of input (`<a/>`): without this bound, 512 KiB of input could cost about 20 MiB.
 *  32768 nodes (~5 MiB at most) covers a disco#items or pubsub result of thousands of items. */
inline constexpr std::size_t kDefaultMaxStanzaNodes = 32 * 1024;

/** Expat's heap for one stream: an idle parser holds about 10 KiB; a start tag at the stanza
 *  limit may need its buffer and pools to grow to 2-3 MiB; the rest of 4 MiB is for the element
 *  and attribute names expat interns for the life of a stream (each distinct name stays), so a
 *  peer that sends ever new names is stopped after some 50000 instead of growing without bound. */
inline constexpr std::size_t kDefaultMaxParserBytes = 4 * 1024 * 1024;

/** Bounds against a misbehaving peer. Each is checked as the bytes arrive. */
struct Limits {
  /** Bytes of one depth-1 element, from its '<' to the end of its end tag. */
  std::size_t max_stanza_bytes = kDefaultMaxStanzaBytes;
  /** Bytes before the root start tag is complete (XML declaration included). */
  std::size_t max_header_bytes = kDefaultMaxHeaderBytes;
  /** Deepest element; the root is depth 0 and a stanza depth 1. */
  std::size_t max_depth = kDefaultMaxDepth;
  /** Attributes of one element (namespace declarations are not attributes). */
  std::size_t max_attributes = kDefaultMaxAttributes;
  /** Elements, text nodes and attributes in one depth-1 element, itself included. */
  std::size_t max_stanza_nodes = kDefaultMaxStanzaNodes;
  /** Heap expat may hold for the stream (ResourceConstraint beyond). */
  std::size_t max_parser_bytes = kDefaultMaxParserBytes;
};

/** The root start tag arrived: `<stream:stream xmlns='jabber:server' ...>`. */
struct StreamOpened {
  /** The root's qualified name and attributes (to, from, id, version, xml:lang); no children. */
  Element root;
  /** The default namespace declared on the root ("jabber:server"); empty if none. */
  std::string default_ns;
  /** The prefixes declared on the root, in order: stream -> ..., db -> jabber:server:dialback. */
  std::vector<NamespaceDecl> prefixes;

  bool operator==(const StreamOpened&) const = default;
};

/** A complete depth-1 element: a stanza, <stream:features/>, <starttls/>, <db:result/>, ... */
struct ElementReceived {
  Element element;
  /** Its size on the wire, from '<' to the end of its end tag (for accounting and limits). */
  std::size_t bytes = 0;
  /**
   * The stream offset just past its end tag. A caller that restarts the stream at this element
   * (after <proceed/> or SASL <success/>) passes the rest of its buffer on from here: the part
   * of `bytes` given to feed() starting at `end_offset - bytesParsed()` as it was before that
   * feed() call. The events after this one in the same call are then void.
   */
  std::uint64_t end_offset = 0;

  bool operator==(const ElementReceived&) const = default;
};

/** </stream:stream>. Nothing after it is parsed. */
struct StreamClosed {
  bool operator==(const StreamClosed&) const = default;
};

/** Whitespace between stanzas (a keepalive, RFC 6120 §4.6.1). At most one per feed() call. */
struct Whitespace {
  bool operator==(const Whitespace&) const = default;
};

/** The stream is unusable; nothing more is reported until reset(). */
struct Error {
  ErrorKind kind;
  std::string text;  // for the log (and the stream error's <text/>): what, and where

  bool operator==(const Error&) const = default;
};

using StreamEvent = std::variant<StreamOpened, ElementReceived, StreamClosed, Whitespace, Error>;

/**
 * An incremental parser for one direction of an XMPP stream. Feed it the bytes as they arrive,
 * split anywhere (inside a UTF-8 sequence, a tag, an attribute value); it appends the events
 * those bytes complete. It does no I/O and keeps no reference to the input. The split does not
 * change the events, except for the number of Whitespace events and, when two faults are close
 * together, which one an Error names (a size limit is noticed where a piece of input ends; text
 * between stanzas is judged on as much of it as expat has reported).
 *
 *   state          input                               -> next state / events
 *   AwaitingHeader XML declaration (UTF-8 only)        -> AwaitingHeader
 *   AwaitingHeader UTF-16, or another declared encoding -> Failed / Error(UnsupportedEncoding)
 *   AwaitingHeader root start tag {streams}stream      -> Open / StreamOpened
 *   AwaitingHeader another root                        -> Failed / Error(InvalidNamespace)
 *   AwaitingHeader max_header_bytes without root       -> Failed / Error(StanzaTooLarge)
 *   Open           complete depth-1 element            -> Open / ElementReceived
 *   Open           whitespace at depth 1               -> Open / Whitespace (once per feed)
 *   Open           other text at depth 1               -> Failed / Error(BadFormat)
 *   Open           </stream:stream>                    -> Closed / StreamClosed
 *   any            a limit exceeded, restricted or malformed XML -> Failed / Error(kind)
 *   Closed, Failed any bytes                           -> unchanged / nothing
 *   any            reset()                             -> AwaitingHeader
 *
 * Output form: feed() appends to a caller-owned vector rather than returning one or calling back.
 * A session reuses one vector, so a steady stream allocates no event storage; Elements are moved
 * into the events, never copied; and the caller handles events after the parser has returned, so
 * it may reset() or destroy the parser while handling them (a callback from inside expat could
 * not).
 *
 * Memory: expat's heap is counted (parserMemoryBytes()) and bounded (Limits::max_parser_bytes).
 * A fresh parser holds about 3 KiB; an idle one in Open state about 11-13 KiB of expat (its
 * parser, name pools and hash tables, and an input buffer that feed() keeps to about 4 KiB by
 * handing expat at most kMaxSliceBytes at a time) plus under 1 KiB of its own: about 15 KiB of
 * heap in all (bench/xml_parse_bench.cc, BM_IdleParserMemory). An unfinished start tag makes
 * expat's buffer grow with it, up to about twice max_stanza_bytes. Closed and Failed parsers
 * free expat at once.
 *
 * Threading: none (plain object; the owning session serializes calls).
 * Lifetime: movable (a moved-from parser may only be assigned to or destroyed); feed() is not
 * reentrant.
 */
class StreamParser {
public:
  enum class State { AwaitingHeader, Open, Closed, Failed };

  /** Bytes handed to expat per XML_Parse call: expat copies input into a buffer that it grows to
   *  about twice the largest call and never shrinks, so this bounds an idle parser's memory. */
  static constexpr std::size_t kMaxSliceBytes = 2048;

  explicit StreamParser(Limits limits = {});
  ~StreamParser();
  StreamParser(StreamParser&&) noexcept;
  StreamParser& operator=(StreamParser&&) noexcept;
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  /** Parses `bytes` and appends the events they complete to `events` (which it never clears). */
  void feed(std::string_view bytes, std::vector<StreamEvent>& events);
  /** Convenience form that returns the events. */
  std::vector<StreamEvent> feed(std::string_view bytes);

  /**
   * Forgets everything and waits for a new stream header on a fresh expat parser, with the same
   * limits: for the stream restarts after STARTTLS (RFC 6120 §5.4.3.3) and SASL (§6.4.6), where
   * any bytes buffered before the restart must be discarded, and after an error.
   */
  void reset();

  State state() const;
  const Limits& limits() const;
  /** Bytes handed to expat since the last reset (the stream offset of the next byte). */
  std::uint64_t bytesParsed() const;
  /** Heap expat holds for this stream now (requested sizes; 0 once Closed or Failed). */
  std::size_t parserMemoryBytes() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xfed::xml

template <>
struct std::is_error_code_enum<xfed::xml::ErrorKind> : std::true_type {};
