// SPDX-License-Identifier: Apache-2.0
#include "xmpp/errors.h"

#include <array>
#include <cstddef>

#include "core/utf8.h"
#include "xmpp/namespaces.h"

namespace xfed::xmpp {
namespace {

using T = StanzaErrorType;

// RFC 6120 §4.9.3, in the order of its subsections.
constexpr std::array<StreamConditionInfo, 25> kStreamConditions{{
    {StreamErrc::BadFormat, "bad-format", false},
    {StreamErrc::BadNamespacePrefix, "bad-namespace-prefix", false},
    {StreamErrc::Conflict, "conflict", false},
    {StreamErrc::ConnectionTimeout, "connection-timeout", false},
    {StreamErrc::HostGone, "host-gone", false},
    {StreamErrc::HostUnknown, "host-unknown", false},
    {StreamErrc::ImproperAddressing, "improper-addressing", false},
    {StreamErrc::InternalServerError, "internal-server-error", false},
    {StreamErrc::InvalidFrom, "invalid-from", false},
    {StreamErrc::InvalidNamespace, "invalid-namespace", false},
    {StreamErrc::InvalidXml, "invalid-xml", false},
    {StreamErrc::NotAuthorized, "not-authorized", false},
    {StreamErrc::NotWellFormed, "not-well-formed", false},
    {StreamErrc::PolicyViolation, "policy-violation", false},
    {StreamErrc::RemoteConnectionFailed, "remote-connection-failed", false},
    {StreamErrc::Reset, "reset", false},
    {StreamErrc::ResourceConstraint, "resource-constraint", false},
    {StreamErrc::RestrictedXml, "restricted-xml", false},
    {StreamErrc::SeeOtherHost, "see-other-host", true},
    {StreamErrc::SystemShutdown, "system-shutdown", false},
    {StreamErrc::UndefinedCondition, "undefined-condition", false},
    {StreamErrc::UnsupportedEncoding, "unsupported-encoding", false},
    {StreamErrc::UnsupportedFeature, "unsupported-feature", false},
    {StreamErrc::UnsupportedStanzaType, "unsupported-stanza-type", false},
    {StreamErrc::UnsupportedVersion, "unsupported-version", false},
}};

// RFC 6120 §8.3.3, in the order of its subsections, with the type each "SHOULD be".
constexpr std::array<StanzaConditionInfo, 22> kStanzaConditions{{
    {StanzaErrc::BadRequest, "bad-request", T::Modify, false},
    {StanzaErrc::Conflict, "conflict", T::Cancel, false},
    {StanzaErrc::FeatureNotImplemented, "feature-not-implemented", T::Cancel, false},  // or modify
    {StanzaErrc::Forbidden, "forbidden", T::Auth, false},
    {StanzaErrc::Gone, "gone", T::Cancel, true},
    {StanzaErrc::InternalServerError, "internal-server-error", T::Cancel, false},
    {StanzaErrc::ItemNotFound, "item-not-found", T::Cancel, false},
    {StanzaErrc::JidMalformed, "jid-malformed", T::Modify, false},
    {StanzaErrc::NotAcceptable, "not-acceptable", T::Modify, false},
    {StanzaErrc::NotAllowed, "not-allowed", T::Cancel, false},
    {StanzaErrc::NotAuthorized, "not-authorized", T::Auth, false},
    {StanzaErrc::PolicyViolation, "policy-violation", T::Modify, false},  // or wait
    {StanzaErrc::RecipientUnavailable, "recipient-unavailable", T::Wait, false},
    {StanzaErrc::Redirect, "redirect", T::Modify, true},
    {StanzaErrc::RegistrationRequired, "registration-required", T::Auth, false},
    {StanzaErrc::RemoteServerNotFound, "remote-server-not-found", T::Cancel, false},
    {StanzaErrc::RemoteServerTimeout, "remote-server-timeout", T::Wait, false},
    {StanzaErrc::ResourceConstraint, "resource-constraint", T::Wait, false},
    {StanzaErrc::ServiceUnavailable, "service-unavailable", T::Cancel, false},
    {StanzaErrc::SubscriptionRequired, "subscription-required", T::Auth, false},
    {StanzaErrc::UndefinedCondition, "undefined-condition", T::Cancel, false},  // any type
    {StanzaErrc::UnexpectedRequest, "unexpected-request", T::Wait, false},      // or modify
}};

constexpr std::array<std::string_view, 5> kTypeNames{"auth", "cancel", "continue", "modify",
                                                     "wait"};

/** Lookups index the tables by enum value, so row i must hold the condition with value i + 1. */
template <class Table>
constexpr bool indexedByValue(const Table& table) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(table[i].errc) != i + 1) {
      return false;
    }
  }
  return true;
}
static_assert(indexedByValue(kStreamConditions));
static_assert(indexedByValue(kStanzaConditions));
static_assert(static_cast<std::size_t>(StreamErrc::UnsupportedVersion) == kStreamConditions.size());
static_assert(static_cast<std::size_t>(StanzaErrc::UnexpectedRequest) == kStanzaConditions.size());

/** The table row of a value from the enum, or nullptr for a value outside it (a cast int). */
template <class Table, class Errc>
const typename Table::value_type* row(const Table& table, Errc errc) {
  auto index = static_cast<std::size_t>(errc);
  return index >= 1 && index <= table.size() ? &table[index - 1] : nullptr;
}

template <class Table>
auto findByName(const Table& table, std::string_view name)
    -> std::optional<decltype(table[0].errc)> {
  for (const auto& entry : table) {
    if (entry.name == name) {
      return entry.errc;
    }
  }
  return std::nullopt;
}

class StreamCategory : public std::error_category {
public:
  const char* name() const noexcept override { return "xmpp.stream"; }
  std::string message(int value) const override {
    const StreamConditionInfo* info = row(kStreamConditions, static_cast<StreamErrc>(value));
    return info != nullptr ? std::string(info->name) : "unknown stream error";
  }
};

class StanzaCategory : public std::error_category {
public:
  const char* name() const noexcept override { return "xmpp.stanza"; }
  std::string message(int value) const override {
    const StanzaConditionInfo* info = row(kStanzaConditions, static_cast<StanzaErrc>(value));
    return info != nullptr ? std::string(info->name) : "unknown stanza error";
  }
};

// ---------------------------------------------------------------------------------- escaping

using core::CodePoint;
using core::decodeUtf8;

/** XML 1.0 §2.2 Char. */
bool isXmlChar(char32_t c) {
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || c >= 0x10000;
}

enum class Context { Text, Attribute };

/**
 * Appends text escaped for character data or a single- or double-quoted attribute value. CR
 * (and, in attributes, TAB and LF) become character references, so that end-of-line and
 * attribute normalisation give back exactly these characters.
 */
void appendEscaped(std::string& out, std::string_view text, Context context) {
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  bool attribute = context == Context::Attribute;
  for (std::size_t i = 0; i < text.size();) {
    CodePoint cp = decodeUtf8(text, i);
    if (cp.length == 0) {
      out.append(kReplacement);
      ++i;  // resynchronise on the next octet
      continue;
    }
    switch (cp.value) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '\'':
        out.append(attribute ? "&apos;" : "'");
        break;
      case '"':
        out.append(attribute ? "&quot;" : "\"");
        break;
      case '\r':
        out.append("&#13;");
        break;
      case '\t':
        out.append(attribute ? "&#9;" : "\t");
        break;
      case '\n':
        out.append(attribute ? "&#10;" : "\n");
        break;
      default:
        out.append(isXmlChar(cp.value) ? text.substr(i, cp.length) : kReplacement);
        break;
    }
    i += cp.length;
  }
}

/** <name xmlns='ns'/> or <name xmlns='ns'>data</name>. */
void appendCondition(std::string& out, std::string_view name, std::string_view ns,
                     std::string_view data) {
  out.append("<").append(name).append(" xmlns='").append(ns).append("'");
  if (data.empty()) {
    out.append("/>");
    return;
  }
  out.append(">");
  appendEscaped(out, data, Context::Text);
  out.append("</").append(name).append(">");
}

void appendText(std::string& out, std::string_view ns, std::string_view text) {
  if (text.empty()) {
    return;
  }
  out.append("<text xmlns='").append(ns).append("' xml:lang='en'>");
  appendEscaped(out, text, Context::Text);
  out.append("</text>");
}

}  // namespace

std::span<const StreamConditionInfo> streamConditions() { return kStreamConditions; }
std::span<const StanzaConditionInfo> stanzaConditions() { return kStanzaConditions; }

std::string_view conditionName(StreamErrc errc) {
  const StreamConditionInfo* info = row(kStreamConditions, errc);
  return info != nullptr ? info->name : conditionName(StreamErrc::UndefinedCondition);
}

std::string_view conditionName(StanzaErrc errc) {
  const StanzaConditionInfo* info = row(kStanzaConditions, errc);
  return info != nullptr ? info->name : conditionName(StanzaErrc::UndefinedCondition);
}

std::optional<StreamErrc> parseStreamCondition(std::string_view name) {
  if (name == "xml-not-well-formed") {
    return StreamErrc::NotWellFormed;  // COMPAT: the RFC 3920 name (RFC 6120 §4.9.3.13)
  }
  return findByName(kStreamConditions, name);
}

std::optional<StanzaErrc> parseStanzaCondition(std::string_view name) {
  return findByName(kStanzaConditions, name);
}

std::string_view typeName(StanzaErrorType type) {
  auto index = static_cast<std::size_t>(type);
  return index < kTypeNames.size() ? kTypeNames[index] : "cancel";
}

std::optional<StanzaErrorType> parseStanzaErrorType(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i) {
    if (kTypeNames[i] == name) {
      return static_cast<StanzaErrorType>(i);
    }
  }
  return std::nullopt;
}

StanzaErrorType defaultErrorType(StanzaErrc errc) {
  const StanzaConditionInfo* info = row(kStanzaConditions, errc);
  return info != nullptr ? info->default_type : StanzaErrorType::Cancel;
}

bool isRedirect(StreamErrc errc) {
  const StreamConditionInfo* info = row(kStreamConditions, errc);
  return info != nullptr && info->carries_host;
}

bool isRedirect(StanzaErrc errc) {
  const StanzaConditionInfo* info = row(kStanzaConditions, errc);
  return info != nullptr && info->carries_address;
}

const std::error_category& streamErrorCategory() noexcept {
  static const StreamCategory category;
  return category;
}

const std::error_category& stanzaErrorCategory() noexcept {
  static const StanzaCategory category;
  return category;
}

std::string streamErrorXml(StreamErrc errc, std::string_view text, std::string_view other_host) {
  std::string out = "<stream:error>";
  appendCondition(out, conditionName(errc), ns::kStreamErrors,
                  isRedirect(errc) ? other_host : std::string_view());
  appendText(out, ns::kStreamErrors, text);
  out.append("</stream:error>");
  return out;
}

std::string stanzaErrorChildXml(StanzaErrc errc, std::string_view text, std::string_view by,
                                std::string_view address) {
  return stanzaErrorChildXml(errc, defaultErrorType(errc), text, by, address);
}

std::string stanzaErrorChildXml(StanzaErrc errc, StanzaErrorType type, std::string_view text,
                                std::string_view by, std::string_view address) {
  std::string out = "<error type='";
  out.append(typeName(type)).append("'");
  if (!by.empty()) {
    out.append(" by='");
    appendEscaped(out, by, Context::Attribute);
    out.append("'");
  }
  out.append(">");
  appendCondition(out, conditionName(errc), ns::kStanzaErrors,
                  isRedirect(errc) ? address : std::string_view());
  appendText(out, ns::kStanzaErrors, text);
  out.append("</error>");
  return out;
}

}  // namespace xfed::xmpp
