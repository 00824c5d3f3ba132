// SPDX-License-Identifier: Apache-2.0
#include "config/topology_xml.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <expat.h>

#include "core/errors.h"

namespace xfed::config {
namespace {

// Expat reports a namespaced name as "<uri><separator><local>". '|' cannot occur in an XML name,
// so the local name is what follows the last separator even if a URI contains one.
constexpr XML_Char kNamespaceSeparator = '|';

// Topology/EdgePools/EdgePool/Machine is the deepest path of the schema.
constexpr std::size_t kMaxDepth = 4;

// Values quoted back in error messages are cut to this many bytes.
constexpr std::size_t kMaxQuotedValue = 40;

enum class Kind {
  Document,  // the virtual parent of the root element
  Topology,
  SipDomains,
  SipDomain,
  Sites,
  Site,
  FrontEndPools,
  FrontEndPool,
  FrontEndMachine,
  EdgePools,
  EdgePool,
  EdgeMachine,
};

/** The one element kind that may appear inside `parent` under the local name `name`. */
std::optional<Kind> childKind(Kind parent, std::string_view name) {
  switch (parent) {
    case Kind::Document:
      if (name == "Topology") {
        return Kind::Topology;
      }
      return std::nullopt;
    case Kind::Topology:
      if (name == "SipDomains") {
        return Kind::SipDomains;
      }
      if (name == "Sites") {
        return Kind::Sites;
      }
      if (name == "FrontEndPools") {
        return Kind::FrontEndPools;
      }
      if (name == "EdgePools") {
        return Kind::EdgePools;
      }
      return std::nullopt;
    case Kind::SipDomains:
      return name == "SipDomain" ? std::optional(Kind::SipDomain) : std::nullopt;
    case Kind::Sites:
      return name == "Site" ? std::optional(Kind::Site) : std::nullopt;
    case Kind::FrontEndPools:
      return name == "FrontEndPool" ? std::optional(Kind::FrontEndPool) : std::nullopt;
    case Kind::FrontEndPool:
      return name == "Machine" ? std::optional(Kind::FrontEndMachine) : std::nullopt;
    case Kind::EdgePools:
      return name == "EdgePool" ? std::optional(Kind::EdgePool) : std::nullopt;
    case Kind::EdgePool:
      return name == "Machine" ? std::optional(Kind::EdgeMachine) : std::nullopt;
    case Kind::SipDomain:
    case Kind::Site:
    case Kind::FrontEndMachine:
    case Kind::EdgeMachine:
      return std::nullopt;
  }
  return std::nullopt;
}

/** The lists of <Topology>, which appear at most once each and carry no index in paths. */
bool isList(Kind kind) {
  switch (kind) {
    case Kind::SipDomains:
    case Kind::Sites:
    case Kind::FrontEndPools:
    case Kind::EdgePools:
      return true;
    case Kind::Document:
    case Kind::Topology:
    case Kind::SipDomain:
    case Kind::Site:
    case Kind::FrontEndPool:
    case Kind::FrontEndMachine:
    case Kind::EdgePool:
    case Kind::EdgeMachine:
      return false;
  }
  return false;
}

struct QualifiedName {
  std::string_view uri;  // empty: no namespace
  std::string_view local;
};

QualifiedName splitName(std::string_view name) {
  std::size_t separator = name.rfind(kNamespaceSeparator);
  if (separator == std::string_view::npos) {
    return {{}, name};
  }
  return {name.substr(0, separator), name.substr(separator + 1)};
}

std::string quote(std::string_view text) {
  if (text.size() <= kMaxQuotedValue) {
    return "\"" + std::string(text) + "\"";
  }
  return "\"" + std::string(text.substr(0, kMaxQuotedValue)) + "...\"";
}

/** An element or attribute name as the admin wrote it, with its namespace where that matters. */
std::string describeName(QualifiedName name, bool is_element) {
  std::string out = quote(name.local);
  if (name.uri.empty()) {
    if (is_element) {
      out +=
          " (in no namespace; topology elements are in " + std::string(kTopologyXmlNamespace) + ")";
    }
  } else if (!is_element || name.uri != kTopologyXmlNamespace) {
    out += " in namespace " + quote(name.uri);
  }
  return out;
}

bool isXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/**
 * The attributes of one start tag. Attributes of the schema are unprefixed, so they are in no
 * namespace; a prefixed attribute ("uri|local") is never one of them.
 */
class Attributes {
public:
  explicit Attributes(const XML_Char** attributes) {
    for (const XML_Char** a = attributes; a[0] != nullptr; a += 2) {
      pairs_.emplace_back(a[0], a[1]);
    }
  }

  /** The first attribute whose name is not in `allowed`, if any. */
  std::optional<std::string_view> firstUnknown(
      std::initializer_list<std::string_view> allowed) const {
    for (const auto& [name, value] : pairs_) {
      bool known = false;
      for (std::string_view candidate : allowed) {
        known = known || name == candidate;
      }
      if (!known) {
        return name;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string_view> find(std::string_view name) const {
    for (const auto& [candidate, value] : pairs_) {
      if (candidate == name) {
        return value;
      }
    }
    return std::nullopt;
  }

private:
  std::vector<std::pair<std::string_view, std::string_view>> pairs_;
};

struct Frame {
  Kind kind;
  std::string path;
  std::size_t children = 0;      // for the [n] of the next child's path
  std::uint32_t lists_seen = 0;  // Topology: a bit per list kind already read
};

class Parser {
public:
  Parser() = default;
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  core::Result<Topology> parse(std::string_view text) {
    using ParserPtr = std::unique_ptr<std::remove_pointer_t<XML_Parser>, void (*)(XML_Parser)>;
    ParserPtr owner(XML_ParserCreateNS(nullptr, kNamespaceSeparator), &XML_ParserFree);
    if (owner == nullptr) {
      return core::fail(core::Errc::Internal, "cannot create an XML parser (out of memory)");
    }
    parser_ = owner.get();
    XML_SetUserData(parser_, this);
    XML_SetElementHandler(parser_, &Parser::onStart, &Parser::onEnd);
    XML_SetCharacterDataHandler(parser_, &Parser::onText);
    XML_SetStartDoctypeDeclHandler(parser_, &Parser::onDoctype);
    XML_SetEntityDeclHandler(parser_, &Parser::onEntityDecl);
    // Never read external DTD subsets or parameter entities (the default; stated for review).
    XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
    stack_.push_back({Kind::Document, "", 0, 0});

    // kMaxTopologyXmlBytes keeps the length within XML_Parse's int.
    static_assert(kMaxTopologyXmlBytes <=
                  static_cast<std::size_t>(std::numeric_limits<int>::max()));
    XML_Status status = XML_Parse(parser_, text.empty() ? "" : text.data(),
                                  static_cast<int>(text.size()), XML_TRUE);
    if (exception_) {
      std::rethrow_exception(exception_);  // std::bad_alloc from a handler, after expat returned
    }
    if (error_) {
      return *std::move(error_);
    }
    if (status != XML_STATUS_OK) {
      const XML_LChar* reason = XML_ErrorString(XML_GetErrorCode(parser_));
      return core::fail(core::Errc::InvalidArgument,
                        "line " + std::to_string(XML_GetCurrentLineNumber(parser_)) + ", column " +
                            std::to_string(XML_GetCurrentColumnNumber(parser_) + 1) +
                            ": the topology file is not valid XML: " +
                            (reason != nullptr ? reason : "unknown error"));
    }
    return std::move(topology_);
  }

private:
  // ------------------------------------------------------------------------ expat callbacks
  // Expat is C: nothing may unwind through it. A handler records the first error, or the
  // exception, and stops the parser; expat may still deliver a few events after that
  // (XML_StopParser), which `run` ignores.

  template <class F>
  static void run(void* user_data, F&& handler) {
    auto& self = *static_cast<Parser*>(user_data);
    if (self.error_ || self.exception_) {
      return;
    }
    try {
      core::Result<void> result = handler(self);
      if (!result) {
        self.error_ = result.error();
        XML_StopParser(self.parser_, XML_FALSE);
      }
    } catch (...) {
      self.exception_ = std::current_exception();
      XML_StopParser(self.parser_, XML_FALSE);
    }
  }

  static void XMLCALL onStart(void* user_data, const XML_Char* name, const XML_Char** attributes) {
    run(user_data, [&](Parser& self) { return self.startElement(name, attributes); });
  }

  static void XMLCALL onEnd(void* user_data, const XML_Char* /*name*/) {
    run(user_data, [](Parser& self) { return self.endElement(); });
  }

  static void XMLCALL onText(void* user_data, const XML_Char* text, int length) {
    run(user_data, [&](Parser& self) {
      return self.characters(std::string_view(text, static_cast<std::size_t>(length)));
    });
  }

  static void XMLCALL onDoctype(void* user_data, const XML_Char* /*name*/,
                                const XML_Char* /*system_id*/, const XML_Char* /*public_id*/,
                                int /*has_internal_subset*/) {
    run(user_data, [](Parser& self) { return self.refuseDtd(); });
  }

  static void XMLCALL onEntityDecl(void* user_data, const XML_Char* /*name*/,
                                   int /*is_parameter_entity*/, const XML_Char* /*value*/,
                                   int /*value_length*/, const XML_Char* /*base*/,
                                   const XML_Char* /*system_id*/, const XML_Char* /*public_id*/,
                                   const XML_Char* /*notation_name*/) {
    run(user_data, [](Parser& self) { return self.refuseDtd(); });
  }

  // ------------------------------------------------------------------------ events

  core::Result<void> refuseDtd() const {
    return fail("the topology file may not contain a DTD or entities");
  }

  core::Result<void> characters(std::string_view text) const {
    for (char c : text) {
      if (!isXmlSpace(c)) {
        return failAt(stack_.back(), "text is not allowed here (only elements and attributes)");
      }
    }
    return core::ok();
  }

  core::Result<void> endElement() {
    // Expat reports an end for each start it reported; the Document frame is never popped.
    if (stack_.size() > 1) {
      stack_.pop_back();
    }
    return core::ok();
  }

  core::Result<void> startElement(std::string_view raw_name, const XML_Char** raw_attributes) {
    Frame& parent = stack_.back();
    QualifiedName name = splitName(raw_name);
    if (stack_.size() > kMaxDepth) {
      return failAt(parent, "the element " + describeName(name, true) +
                                " is nested too deeply (the topology nests at most " +
                                std::to_string(kMaxDepth) + " levels)");
    }
    std::optional<Kind> kind;
    if (name.uri == kTopologyXmlNamespace) {
      kind = childKind(parent.kind, name.local);
    }
    if (!kind) {
      return failAt(parent, "unknown element " + describeName(name, true));
    }

    std::string path =
        parent.path.empty() ? std::string(name.local) : parent.path + "/" + std::string(name.local);
    if (isList(*kind)) {
      std::uint32_t bit = 1U << static_cast<unsigned>(*kind);
      if ((parent.lists_seen & bit) != 0) {
        return failAt(parent, "the element " + quote(name.local) + " may appear only once");
      }
      parent.lists_seen |= bit;
    } else if (*kind != Kind::Topology) {
      path += "[" + std::to_string(++parent.children) + "]";
    }
    Frame frame{*kind, std::move(path), 0, 0};
    XFED_TRY(readElement(frame, Attributes(raw_attributes)));
    stack_.push_back(std::move(frame));  // `parent` may dangle from here on
    return core::ok();
  }

  // ------------------------------------------------------------------------ elements

  core::Result<void> readElement(const Frame& frame, const Attributes& a) {
    switch (frame.kind) {
      case Kind::Document:
        return core::ok();  // the virtual parent of the root, never a child
      case Kind::Topology:
        XFED_TRY(allowOnly(frame, a, {"Version", "PublishedAt"}));
        XFED_TRY(readInteger(frame, a, "Version", topology_.version, false));
        return readText(frame, a, "PublishedAt", topology_.published_at, false);
      case Kind::SipDomains:
      case Kind::Sites:
      case Kind::FrontEndPools:
      case Kind::EdgePools:
        return allowOnly(frame, a, {});
      case Kind::SipDomain: {
        SipDomain d;
        XFED_TRY(allowOnly(frame, a, {"Name", "Default"}));
        XFED_TRY(readText(frame, a, "Name", d.name, true));
        XFED_TRY(readBool(frame, a, "Default", d.is_default));
        topology_.sip_domains.push_back(std::move(d));
        return core::ok();
      }
      case Kind::Site: {
        Site s;
        XFED_TRY(allowOnly(frame, a, {"Name", "Description", "XmppFederationRoute"}));
        XFED_TRY(readText(frame, a, "Name", s.name, true));
        XFED_TRY(readText(frame, a, "Description", s.description, false));
        // Present (even empty) or absent, exactly as topologyToXml writes the optional.
        if (std::optional<std::string_view> route = a.find("XmppFederationRoute")) {
          s.xmpp_federation_route = std::string(*route);
        }
        topology_.sites.push_back(std::move(s));
        return core::ok();
      }
      case Kind::FrontEndPool: {
        FrontEndPool p;
        XFED_TRY(allowOnly(frame, a, {"Fqdn", "Site", "SipPort", "SipTlsPort"}));
        XFED_TRY(readText(frame, a, "Fqdn", p.fqdn, true));
        XFED_TRY(readText(frame, a, "Site", p.site, true));
        XFED_TRY(readInteger(frame, a, "SipPort", p.sip_port, false));
        XFED_TRY(readInteger(frame, a, "SipTlsPort", p.sip_tls_port, false));
        topology_.front_end_pools.push_back(std::move(p));
        return core::ok();
      }
      case Kind::EdgePool: {
        EdgePool p;
        XFED_TRY(allowOnly(frame, a,
                           {"Fqdn", "ExternalFqdn", "Site", "InternalAddress", "ExternalAddress",
                            "XmppPort", "InternalPort", "XmppFederationEnabled"}));
        XFED_TRY(readText(frame, a, "Fqdn", p.fqdn, true));
        XFED_TRY(readText(frame, a, "ExternalFqdn", p.external_fqdn, false));
        XFED_TRY(readText(frame, a, "Site", p.site, true));
        XFED_TRY(readText(frame, a, "InternalAddress", p.internal_address, true));
        XFED_TRY(readText(frame, a, "ExternalAddress", p.external_address, true));
        XFED_TRY(readInteger(frame, a, "XmppPort", p.xmpp_port, false));
        XFED_TRY(readInteger(frame, a, "InternalPort", p.internal_port, false));
        XFED_TRY(readBool(frame, a, "XmppFederationEnabled", p.xmpp_federation_enabled));
        topology_.edge_pools.push_back(std::move(p));
        return core::ok();
      }
      case Kind::FrontEndMachine: {
        Machine m;
        XFED_TRY(allowOnly(frame, a, {"Fqdn", "Address"}));
        XFED_TRY(readText(frame, a, "Fqdn", m.fqdn, true));
        XFED_TRY(readText(frame, a, "Address", m.internal_address, true));
        // childKind allows a Machine only inside a FrontEndPool, which pushed the pool.
        topology_.front_end_pools.back().machines.push_back(std::move(m));
        return core::ok();
      }
      case Kind::EdgeMachine: {
        Machine m;
        XFED_TRY(allowOnly(frame, a, {"Fqdn", "InternalAddress", "ExternalAddress"}));
        XFED_TRY(readText(frame, a, "Fqdn", m.fqdn, true));
        XFED_TRY(readText(frame, a, "InternalAddress", m.internal_address, true));
        XFED_TRY(readText(frame, a, "ExternalAddress", m.external_address, true));
        // childKind allows a Machine only inside an EdgePool, which pushed the pool.
        topology_.edge_pools.back().machines.push_back(std::move(m));
        return core::ok();
      }
    }
    return core::ok();
  }

  // ------------------------------------------------------------------------ attributes

  core::Result<void> allowOnly(const Frame& frame, const Attributes& a,
                               std::initializer_list<std::string_view> allowed) const {
    if (std::optional<std::string_view> unknown = a.firstUnknown(allowed)) {
      return failAt(frame, "unknown attribute " + describeName(splitName(*unknown), false));
    }
    return core::ok();
  }

  core::Result<void> readText(const Frame& frame, const Attributes& a, std::string_view name,
                              std::string& out, bool required) const {
    std::optional<std::string_view> value = a.find(name);
    if (!value) {
      return required ? missing(frame, name) : core::ok();
    }
    out = std::string(*value);
    return core::ok();
  }

  core::Result<void> readBool(const Frame& frame, const Attributes& a, std::string_view name,
                              bool& out) const {
    std::optional<std::string_view> value = a.find(name);
    if (!value) {
      return core::ok();
    }
    if (*value != "true" && *value != "false") {
      return bad(frame, name, "\"true\" or \"false\"", *value);
    }
    out = *value == "true";
    return core::ok();
  }

  /** A decimal integer in the range of T: std::uint16_t for ports (0-65535), int for Version. */
  template <class T>
  core::Result<void> readInteger(const Frame& frame, const Attributes& a, std::string_view name,
                                 T& out, bool required) const {
    std::optional<std::string_view> value = a.find(name);
    if (!value) {
      return required ? missing(frame, name) : core::ok();
    }
    const char* expected =
        std::is_same_v<T, std::uint16_t> ? "a port number (0-65535)" : "a whole number";
    std::string_view digits = *value;
    if constexpr (std::is_signed_v<T>) {
      if (digits.starts_with('-')) {
        digits.remove_prefix(1);
      }
    }
    // from_chars alone would also take "-0" for ports; require plain decimal digits.
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
      return bad(frame, name, expected, *value);
    }
    T parsed{};
    auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), parsed);
    if (ec != std::errc() || end != value->data() + value->size()) {
      return bad(frame, name, expected, *value);
    }
    out = parsed;
    return core::ok();
  }

  // ------------------------------------------------------------------------ errors

  core::Error missing(const Frame& frame, std::string_view name) const {
    return failAt(frame, "the attribute " + quote(name) + " is missing");
  }

  core::Error bad(const Frame& frame, std::string_view name, std::string_view expected,
                  std::string_view value) const {
    return failAt(frame, "the attribute " + quote(name) + " must be " + std::string(expected) +
                             ", not " + quote(value));
  }

  core::Error failAt(const Frame& frame, const std::string& message) const {
    return fail((frame.path.empty() ? std::string("document") : frame.path) + ": " + message);
  }

  /** Expat's line is that of the event being reported (the '<' of a start tag). */
  core::Error fail(const std::string& message) const {
    return core::fail(core::Errc::InvalidArgument,
                      "line " + std::to_string(XML_GetCurrentLineNumber(parser_)) + ": " + message);
  }

  XML_Parser parser_ = nullptr;
  Topology topology_;
  std::vector<Frame> stack_;
  std::optional<core::Error> error_;
  std::exception_ptr exception_;
};

}  // namespace

core::Result<Topology> topologyFromXml(std::string_view text) {
  if (text.size() > kMaxTopologyXmlBytes) {
    return core::fail(core::Errc::InvalidArgument, "the topology file is larger than 16 MiB");
  }
  Parser parser;
  return parser.parse(text);
}

}  // namespace xfed::config
