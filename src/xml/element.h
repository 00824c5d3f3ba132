// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

// The in-memory form of one XML element of an XMPP stream: a stanza, a negotiation element or
// any of their descendants. Plain data; the parser builds it and the serializer writes it.
namespace xfed::xml {

/**
 * The namespace bound to the reserved prefix "xml" (xml:lang). It is never declared on the wire
 * (Namespaces in XML 1.0 §3), but a namespace-aware parser reports xml:lang in it.
 */
inline constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

/** The namespace of xmlns and xmlns:p declarations; such declarations are not attributes here. */
inline constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

/** One attribute. `ns` is empty for an unprefixed attribute (the usual case in XMPP). */
struct Attribute {
  std::string ns;
  std::string name;
  std::string value;

  bool operator==(const Attribute&) const = default;
};

/** A namespace prefix binding, written `xmlns:prefix='ns'`. */
struct NamespaceDecl {
  std::string prefix;
  std::string ns;

  bool operator==(const NamespaceDecl&) const = default;
};

class Node;

/**
 * An element: qualified name (namespace URI + local name), attributes in document order, and
 * ordered children, each an element or a text node. Adjacent text is always kept as one text
 * node (addText merges), so equal documents give equal trees however their text was split.
 *
 * Equality (operator==) compares names, attributes in order and children; namespace prefixes
 * are not part of the model, so `<db:result xmlns:db='jabber:server:dialback'/>` and
 * `<result xmlns='jabber:server:dialback'/>` are equal.
 *
 * Threading: none (plain value). Lifetime: owns all its children.
 */
class Element {
public:
  Element() = default;
  Element(std::string_view ns, std::string_view name);

  Element(const Element&);
  Element(Element&&) noexcept;
  Element& operator=(const Element&);
  Element& operator=(Element&&) noexcept;
  ~Element();

  const std::string& ns() const { return ns_; }
  const std::string& name() const { return name_; }
  bool is(std::string_view ns, std::string_view name) const { return name_ == name && ns_ == ns; }

  // ------------------------------------------------------------------------------ attributes

  const std::vector<Attribute>& attributes() const { return attributes_; }

  /** The value of the unprefixed attribute `name`, if present. */
  std::optional<std::string_view> attribute(std::string_view name) const;
  /** The value of attribute {ns}name, if present; ns empty means unprefixed. */
  std::optional<std::string_view> attribute(std::string_view ns, std::string_view name) const;
  /** xml:lang, if present on this element (not inherited). */
  std::optional<std::string_view> lang() const { return attribute(kXmlNamespace, "lang"); }

  /** Sets (replaces or appends) the unprefixed attribute `name`. Returns *this. */
  Element& setAttribute(std::string_view name, std::string value);
  /** Sets (replaces or appends) attribute {ns}name. Returns *this. */
  Element& setAttribute(std::string_view ns, std::string_view name, std::string value);
  /** Removes attribute {ns}name; returns whether it was present. */
  bool removeAttribute(std::string_view ns, std::string_view name);

  /**
   * Appends an attribute without looking for an existing one of the same name. For builders
   * that know the names are distinct (the parser: XML forbids duplicates).
   */
  void appendAttribute(Attribute&& attribute) { attributes_.push_back(std::move(attribute)); }
  void appendAttribute(std::string_view ns, std::string_view name, std::string_view value) {
    attributes_.push_back(Attribute{std::string(ns), std::string(name), std::string(value)});
  }
  void reserveAttributes(std::size_t count) { attributes_.reserve(count); }
  void reserveChildren(std::size_t count);

  // -------------------------------------------------------------------------------- children

  /** All children in document order: elements and text nodes. */
  const std::vector<Node>& nodes() const { return children_; }

  /** The first child element {ns}name, or nullptr. */
  const Element* child(std::string_view ns, std::string_view name) const;
  Element* child(std::string_view ns, std::string_view name);
  /** Every child element {ns}name, in order. */
  std::vector<const Element*> children(std::string_view ns, std::string_view name) const;
  /** The first child element, whatever its name, or nullptr. */
  const Element* firstChildElement() const;

  /** The concatenation of the direct text children (not of descendants). */
  std::string text() const;
  /** text() of the first child {ns}name, if that child exists. */
  std::optional<std::string> childText(std::string_view ns, std::string_view name) const;

  /** Appends a child element and returns a reference to it (valid until the next add). */
  Element& addChild(Element&& child);
  /** Appends text, merged into the last child if that is text. Empty text adds nothing. */
  void addText(std::string_view text);
  void clearChildren();

  bool operator==(const Element& other) const;

private:
  std::string ns_;
  std::string name_;
  std::vector<Attribute> attributes_;
  std::vector<Node> children_;
};

using ElementPtr = std::unique_ptr<Element>;

/** A child of an element: either an element or a text node (character data, unescaped). */
class Node {
public:
  explicit Node(Element&& element) : value_(std::in_place_index<0>, std::move(element)) {}
  explicit Node(std::string text) : value_(std::in_place_index<1>, std::move(text)) {}

  bool isElement() const { return value_.index() == 0; }
  bool isText() const { return value_.index() == 1; }

  /** Precondition: isElement(). */
  const Element& element() const { return *std::get_if<0>(&value_); }
  Element& element() { return *std::get_if<0>(&value_); }
  /** Precondition: isText(). */
  const std::string& text() const { return *std::get_if<1>(&value_); }
  std::string& text() { return *std::get_if<1>(&value_); }

  /** The element, or nullptr for a text node. */
  const Element* asElement() const { return std::get_if<0>(&value_); }
  Element* asElement() { return std::get_if<0>(&value_); }
  /** The text, or nullptr for an element. */
  const std::string* asText() const { return std::get_if<1>(&value_); }
  std::string* asText() { return std::get_if<1>(&value_); }

  bool operator==(const Node&) const = default;

private:
  std::variant<Element, std::string> value_;
};

// Defined here, where Node is complete (clang instantiates std::vector<Node> members at their
// definition), and inline because they are on the parser's hot path.
inline Element::Element(std::string_view ns, std::string_view name) : ns_(ns), name_(name) {}
inline void Element::reserveChildren(std::size_t count) { children_.reserve(count); }
inline Element::Element(const Element&) = default;
inline Element::Element(Element&&) noexcept = default;
inline Element& Element::operator=(const Element&) = default;
inline Element& Element::operator=(Element&&) noexcept = default;
inline Element::~Element() = default;

}  // namespace xfed::xml
