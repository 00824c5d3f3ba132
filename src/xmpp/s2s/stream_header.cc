// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/stream_header.h"

#include <cstddef>

#include "xml/serializer.h"
#include "xmpp/errors.h"
#include "xmpp/namespaces.h"

namespace xfed::xmpp::s2s {
namespace {

void appendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "='";
  xml::appendEscapedAttribute(out, value);
  out += '\'';
}

std::optional<std::string> optionalAttribute(const xml::Element& root, std::string_view name) {
  if (std::optional<std::string_view> value = root.attribute(name)) {
    return std::string(*value);
  }
  return std::nullopt;
}

bool isDigits(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

// RFC 6120 §4.7.5: "major.minor", each a non-negative integer compared numerically (leading
// zeros ignored). Returns whether the major number is at least 1, or nullopt if malformed.
std::optional<bool> atLeastVersion1(std::string_view version) {
  std::size_t dot = version.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  std::string_view major = version.substr(0, dot);
  std::string_view minor = version.substr(dot + 1);
  if (!isDigits(major) || !isDigits(minor)) {
    return std::nullopt;
  }
  return major.find_first_not_of('0') != std::string_view::npos;
}

}  // namespace

void appendStreamHeader(std::string& out, const StreamHeaderFields& fields) {
  out += "<stream:stream xmlns='";
  out += ns::kServer;
  out += "' xmlns:stream='";
  out += ns::kStreams;
  out += "' xmlns:db='";
  out += ns::kDialback;
  out += '\'';
  if (!fields.from.empty()) {
    appendAttribute(out, "from", fields.from);
  }
  if (!fields.to.empty()) {
    appendAttribute(out, "to", fields.to);
  }
  if (!fields.id.empty()) {
    appendAttribute(out, "id", fields.id);
  }
  if (fields.version_1_0) {
    out += " version='1.0'";
  }
  if (!fields.lang.empty()) {
    appendAttribute(out, "xml:lang", fields.lang);
  }
  out += '>';
}

std::string streamHeaderXml(const StreamHeaderFields& fields) {
  std::string out;
  appendStreamHeader(out, fields);
  return out;
}

core::Result<ReceivedStreamHeader> checkStreamHeader(const xml::StreamOpened& opened) {
  if (opened.default_ns != ns::kServer) {
    std::string text = "the content namespace of a server stream is jabber:server, not '";
    text += opened.default_ns;
    text += '\'';
    return core::makeError(StreamErrc::InvalidNamespace, std::move(text));
  }
  const xml::Element& root = opened.root;
  ReceivedStreamHeader header;
  header.from = optionalAttribute(root, "from");
  header.to = optionalAttribute(root, "to");
  header.id = optionalAttribute(root, "id");
  if (std::optional<std::string_view> lang = root.lang()) {
    header.lang = std::string(*lang);
  }
  if (std::optional<std::string_view> version = root.attribute("version")) {
    std::optional<bool> v1 = atLeastVersion1(*version);
    if (!v1) {
      std::string text = "unsupported stream version '";
      text += *version;
      text += "'; this server speaks 1.0";
      return core::makeError(StreamErrc::UnsupportedVersion, std::move(text));
    }
    header.supports_features = *v1;
  }
  for (const xml::NamespaceDecl& decl : opened.prefixes) {
    if (decl.ns == ns::kDialback) {
      header.declares_dialback = true;
    }
  }
  return header;
}

StreamErrc streamErrcFor(xml::ErrorKind kind) {
  switch (kind) {
    case xml::ErrorKind::NotWellFormed:
      return StreamErrc::NotWellFormed;
    case xml::ErrorKind::RestrictedXml:
      return StreamErrc::RestrictedXml;
    case xml::ErrorKind::StanzaTooLarge:
    case xml::ErrorKind::TooDeep:
    case xml::ErrorKind::TooManyAttributes:
      return StreamErrc::PolicyViolation;  // RFC 6120 §4.9.3.14 names the size limit example
    case xml::ErrorKind::InvalidNamespace:
      return StreamErrc::InvalidNamespace;
    case xml::ErrorKind::BadFormat:
      return StreamErrc::BadFormat;
    case xml::ErrorKind::UnsupportedEncoding:
      return StreamErrc::UnsupportedEncoding;
    case xml::ErrorKind::ResourceConstraint:
      return StreamErrc::ResourceConstraint;
  }
  return StreamErrc::UndefinedCondition;
}

}  // namespace xfed::xmpp::s2s
