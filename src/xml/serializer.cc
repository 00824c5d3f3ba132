// SPDX-License-Identifier: Apache-2.0
#include "xml/serializer.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace xfed::xml {
namespace {

// Characters that need a reference in text and in attribute values; everything else is copied
// as is, in runs.
enum : std::uint8_t { kPlain = 0, kTextSpecial = 1, kAttributeSpecial = 2 };

constexpr std::array<std::uint8_t, 256> makeEscapeTable() {
  std::array<std::uint8_t, 256> table{};
  for (unsigned char c : {'&', '<', '>', '\r'}) {
    table[c] |= kTextSpecial;
  }
  for (unsigned char c : {'&', '<', '\'', '"', '\t', '\n', '\r'}) {
    table[c] |= kAttributeSpecial;
  }
  return table;
}

constexpr std::array<std::uint8_t, 256> kEscapeTable = makeEscapeTable();

std::string_view referenceFor(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '\'':
      return "&apos;";
    case '"':
      return "&quot;";
    case '\t':
      return "&#9;";
    case '\n':
      return "&#10;";
    case '\r':
      return "&#13;";
    default:
      return {};
  }
}

void appendEscaped(std::string& out, std::string_view in, std::uint8_t mask) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if ((kEscapeTable[static_cast<unsigned char>(in[i])] & mask) != 0) {
      out.append(in.data() + run, i - run);
      out.append(referenceFor(in[i]));
      run = i + 1;
    }
  }
  out.append(in.data() + run, in.size() - run);
}

bool isDeclarationAttribute(const Attribute& a) {
  if (a.ns.empty()) {
    return a.name == "xmlns" || a.name.starts_with("xmlns:");
  }
  return a.ns == kXmlnsNamespace;
}

/** A prefix bound while writing; its prefix is owned because generated ones live nowhere else. */
struct Binding {
  std::string prefix;
  std::string_view ns;
};

/**
 * The prefix bindings in effect at the element being written: `declared` (from the caller's
 * scope) below, the ones this serialization introduced on the way down (`stack_`) above.
 * `stack_` stays empty, and allocates nothing, for the common stanza with no prefixed names.
 */
class Writer {
public:
  Writer(std::string& out, const Scope& scope) : out_(out), scope_(scope) {}

  void element(const Element& e, std::string_view default_ns) {
    const std::size_t mark = stack_.size();
    out_ += '<';
    std::string_view child_default = default_ns;
    std::string_view default_decl;  // a default namespace to declare on this element
    bool declare_default = false;
    if (e.ns() == default_ns) {
      out_ += e.name();
    } else if (e.ns() == kXmlNamespace) {
      out_ += "xml:";
      out_ += e.name();
    } else if (std::optional<std::string_view> prefix = prefixFor(e.ns(), false); prefix) {
      appendQName(*prefix, e.name());
    } else {
      out_ += e.name();
      declare_default = true;
      default_decl = e.ns();
      child_default = e.ns();
    }
    bindAttributePrefixes(e);
    if (declare_default) {
      out_ += " xmlns='";
      appendEscapedAttribute(out_, default_decl);
      out_ += '\'';
    }
    writeDeclarations(mark);
    writeAttributes(e);
    if (e.nodes().empty()) {
      out_ += "/>";
    } else {
      out_ += '>';
      for (const Node& node : e.nodes()) {
        if (const std::string* text = node.asText(); text != nullptr) {
          appendEscapedText(out_, *text);
        } else {
          element(node.element(), child_default);
        }
      }
      out_ += "</";
      // The name's binding is still on the stack (or in scope), so this finds the same prefix.
      if (e.ns() == default_ns || declare_default) {
        out_ += e.name();
      } else if (e.ns() == kXmlNamespace) {
        out_ += "xml:";
        out_ += e.name();
      } else {
        appendQName(*prefixFor(e.ns(), false), e.name());
      }
      out_ += '>';
    }
    stack_.resize(mark);
  }

  /** The start tag of appendOpenTag: `declarations` are all declared here. */
  void openTag(const Element& e, std::string_view default_ns,
               std::span<const NamespaceDecl> declarations) {
    for (const NamespaceDecl& d : declarations) {
      if (!d.ns.empty()) {
        stack_.push_back(Binding{d.prefix, d.ns});
      }
    }
    out_ += '<';
    if (e.ns() == default_ns) {
      out_ += e.name();
    } else if (e.ns() == kXmlNamespace) {
      out_ += "xml:";
      out_ += e.name();
    } else if (std::optional<std::string_view> prefix = prefixFor(e.ns(), true); prefix) {
      // Not the default and not declared: a generated prefix keeps default_ns meaningful.
      appendQName(*prefix, e.name());
    } else {
      out_ += e.name();  // no namespace under a non-empty default: outside the precondition
    }
    bindAttributePrefixes(e);
    if (!default_ns.empty()) {
      out_ += " xmlns='";
      appendEscapedAttribute(out_, default_ns);
      out_ += '\'';
    }
    writeDeclarations(0);
    writeAttributes(e);
    out_ += '>';
  }

private:
  void appendQName(std::string_view prefix, std::string_view name) {
    out_ += prefix;
    out_ += ':';
    out_ += name;
  }

  /** Whether `prefix` is bound at this point (by the stack or by the caller's scope). */
  bool prefixInUse(std::string_view prefix) const {
    for (const Binding& b : stack_) {
      if (b.prefix == prefix) {
        return true;
      }
    }
    for (const NamespaceDecl& d : scope_.declared) {
      if (d.prefix == prefix) {
        return true;
      }
    }
    return false;
  }

  /** The in-scope prefix bound to `ns` that no later binding of the same prefix shadows. */
  std::optional<std::string_view> boundPrefix(std::string_view ns) const {
    for (std::size_t i = stack_.size(); i-- > 0;) {
      if (stack_[i].ns != ns) {
        continue;
      }
      bool shadowed = false;
      for (std::size_t j = i + 1; j < stack_.size(); ++j) {
        shadowed = shadowed || stack_[j].prefix == stack_[i].prefix;
      }
      if (!shadowed) {
        return std::string_view(stack_[i].prefix);
      }
    }
    for (const NamespaceDecl& d : scope_.declared) {
      if (d.ns != ns || d.ns.empty()) {
        continue;
      }
      bool shadowed = false;
      for (const Binding& b : stack_) {
        shadowed = shadowed || b.prefix == d.prefix;
      }
      if (!shadowed) {
        return std::string_view(d.prefix);
      }
    }
    return std::nullopt;
  }

  /**
   * A prefix for `ns`: one in scope, else a preferred one, else (if `generate`) a fresh "nsN".
   * A new prefix is pushed, so the element being written declares it.
   */
  std::optional<std::string_view> prefixFor(std::string_view ns, bool generate) {
    if (ns.empty()) {
      return std::nullopt;  // no prefix can be bound to "no namespace" (Namespaces in XML §5)
    }
    if (std::optional<std::string_view> bound = boundPrefix(ns); bound) {
      return bound;
    }
    for (const NamespaceDecl& d : scope_.preferred) {
      // A preferred prefix never shadows one in use: that would rebind names written above.
      if (d.ns == ns && !d.prefix.empty() && !prefixInUse(d.prefix)) {
        stack_.push_back(Binding{d.prefix, ns});
        return std::string_view(stack_.back().prefix);
      }
    }
    if (!generate) {
      return std::nullopt;
    }
    std::string name;
    do {
      name = "ns" + std::to_string(next_generated_++);
    } while (prefixInUse(name));
    stack_.push_back(Binding{std::move(name), ns});
    return std::string_view(stack_.back().prefix);
  }

  void bindAttributePrefixes(const Element& e) {
    for (const Attribute& a : e.attributes()) {
      if (!a.ns.empty() && a.ns != kXmlNamespace && !isDeclarationAttribute(a)) {
        (void)prefixFor(a.ns, true);
      }
    }
  }

  void writeDeclarations(std::size_t from) {
    for (std::size_t i = from; i < stack_.size(); ++i) {
      out_ += " xmlns:";
      out_ += stack_[i].prefix;
      out_ += "='";
      appendEscapedAttribute(out_, stack_[i].ns);
      out_ += '\'';
    }
  }

  void writeAttributes(const Element& e) {
    for (const Attribute& a : e.attributes()) {
      if (isDeclarationAttribute(a)) {
        continue;
      }
      out_ += ' ';
      if (a.ns.empty()) {
        out_ += a.name;
      } else if (a.ns == kXmlNamespace) {
        out_ += "xml:";
        out_ += a.name;
      } else {
        // Bound by bindAttributePrefixes on this element, so the lookup cannot fail.
        appendQName(*boundPrefix(a.ns), a.name);
      }
      out_ += "='";
      appendEscapedAttribute(out_, a.value);
      out_ += '\'';
    }
  }

  std::string& out_;
  const Scope& scope_;
  std::vector<Binding> stack_;
  unsigned next_generated_ = 0;
};

// UTF-8 decoding for isXmlText: returns the code point and advances, or -1 when malformed.
std::int32_t decodeUtf8(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  std::size_t length = 0;
  std::int32_t cp = 0;
  std::int32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0F;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return -1;
  }
  if (i + length > text.size()) {
    return -1;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return -1;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return -1;  // overlong, out of range, or a surrogate
  }
  i += length;
  return cp;
}

}  // namespace

void appendEscapedText(std::string& out, std::string_view text) {
  appendEscaped(out, text, kTextSpecial);
}

void appendEscapedAttribute(std::string& out, std::string_view value) {
  appendEscaped(out, value, kAttributeSpecial);
}

void appendXml(std::string& out, const Element& element, const Scope& scope) {
  Writer writer(out, scope);
  writer.element(element, scope.default_ns);
}

void appendXml(std::string& out, const Element& element, std::string_view parent_default_ns) {
  appendXml(out, element, Scope{parent_default_ns});
}

std::string toXml(const Element& element, std::string_view parent_default_ns) {
  std::string out;
  appendXml(out, element, parent_default_ns);
  return out;
}

void appendOpenTag(std::string& out, const Element& element, std::string_view default_ns,
                   std::span<const NamespaceDecl> declarations) {
  Scope scope{default_ns};
  Writer writer(out, scope);
  writer.openTag(element, default_ns, declarations);
}

void appendCloseTag(std::string& out, std::string_view prefix, std::string_view name) {
  out += "</";
  if (!prefix.empty()) {
    out += prefix;
    out += ':';
  }
  out += name;
  out += '>';
}

bool isXmlText(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const std::int32_t cp = decodeUtf8(text, i);
    if (cp < 0) {
      return false;
    }
    const bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                         (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000;
    if (!allowed) {
      return false;
    }
  }
  return true;
}

}  // namespace xfed::xml
