// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "xml/element.h"

// Writes Elements as XML text for an XMPP stream. Pure functions: no I/O, no allocation beyond
// growing the output string (and a small prefix table when prefixed namespaces are used).
namespace xfed::xml {

/**
 * What is in scope where an element is written, and which prefixes it may introduce.
 *
 * - `default_ns`: the enclosing default namespace (for a stanza: the stream's content namespace,
 *   "jabber:server"). An element in it is written without xmlns.
 * - `declared`: prefixes the enclosing context already declared (the stream header's
 *   `xmlns:db='jabber:server:dialback'`). Elements and attributes in those namespaces use the
 *   prefix and repeat no declaration: `<db:result from='a' to='b'>`.
 * - `preferred`: prefixes to use, declared on the outermost element that needs them, for
 *   namespaces not in `declared`: `<db:result xmlns:db='jabber:server:dialback' ...>` (the form
 *   XEP-0220 shows; the most interoperable with old servers).
 *
 * Preconditions: no prefix is "xml" or "xmlns"; within each list, prefixes are distinct.
 */
struct Scope {
  std::string_view default_ns;
  std::span<const NamespaceDecl> declared = {};
  std::span<const NamespaceDecl> preferred = {};
};

/**
 * Appends `element` and its subtree to `out`.
 *
 * An element is written with a default-namespace declaration only where its namespace differs
 * from the one in scope (so `<message>` and its `<body>` in a jabber:server stream carry no
 * xmlns), with the prefix of `scope` when one is bound to its namespace, and as `xml:` for the
 * XML namespace. Unprefixed attributes are written as they are, xml:lang as `xml:lang`, and
 * attributes in any other namespace with a bound prefix, or a generated one ("ns0", ...) that is
 * declared on the element. Text escapes &, <, > and CR (which a parser would otherwise read back
 * as LF); attribute values, quoted with ', escape &, <, ', " and tab, CR, LF as character
 * references (which attribute-value normalization would otherwise turn into spaces). Attributes
 * in the xmlns namespace, or named xmlns or xmlns:*, are namespace declarations, not attributes,
 * and are not written.
 *
 * Precondition: names are XML names and text and values are valid UTF-8 XML characters (the
 * parser guarantees this for what it produced; see isXmlText for other sources).
 */
void appendXml(std::string& out, const Element& element, const Scope& scope);
void appendXml(std::string& out, const Element& element, std::string_view parent_default_ns);

/** appendXml into a new string. */
std::string toXml(const Element& element, std::string_view parent_default_ns = {});

/**
 * Appends the start tag of `element` without its children and without closing it: the
 * stream header `<stream:stream xmlns='jabber:server' xmlns:stream='...' to='...'>`.
 * Declares `default_ns` when it is not empty and every binding of `declarations`; the
 * element's name takes the prefix bound to its namespace in `declarations` (or none if it is
 * `default_ns`). Attributes are written as appendXml writes them. Children are ignored.
 * Precondition: the element has a namespace unless `default_ns` is empty.
 */
void appendOpenTag(std::string& out, const Element& element, std::string_view default_ns,
                   std::span<const NamespaceDecl> declarations);

/** Appends `</prefix:name>` (or `</name>` for an empty prefix). */
void appendCloseTag(std::string& out, std::string_view prefix, std::string_view name);

/** Appends `text` escaped for character data. */
void appendEscapedText(std::string& out, std::string_view text);
/** Appends `value` escaped for an attribute value quoted with '. */
void appendEscapedAttribute(std::string& out, std::string_view value);

/**
 * Whether `text` is well-formed UTF-8 made only of characters XML 1.0 allows (§2.2 Char: tab,
 * LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF). Text from another source (a SIP
 * body) must pass this before it goes into an Element that is sent, or the peer will close the
 * stream with not-well-formed.
 */
bool isXmlText(std::string_view text);

}  // namespace xfed::xml
