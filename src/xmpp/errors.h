// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

// The error conditions of RFC 6120 as data: names, default types and which ones carry an
// address, plus builders for the wire form of a stream error and of a stanza's <error/> child.
namespace xfed::xmpp {

/** RFC 6120 §4.9.3: every stream error condition; the value of each is its subsection. */
enum class StreamErrc {
  BadFormat = 1,           // §4.9.3.1
  BadNamespacePrefix,      // §4.9.3.2
  Conflict,                // §4.9.3.3
  ConnectionTimeout,       // §4.9.3.4
  HostGone,                // §4.9.3.5
  HostUnknown,             // §4.9.3.6
  ImproperAddressing,      // §4.9.3.7
  InternalServerError,     // §4.9.3.8
  InvalidFrom,             // §4.9.3.9
  InvalidNamespace,        // §4.9.3.10
  InvalidXml,              // §4.9.3.11
  NotAuthorized,           // §4.9.3.12
  NotWellFormed,           // §4.9.3.13
  PolicyViolation,         // §4.9.3.14
  RemoteConnectionFailed,  // §4.9.3.15
  Reset,                   // §4.9.3.16
  ResourceConstraint,      // §4.9.3.17
  RestrictedXml,           // §4.9.3.18
  SeeOtherHost,            // §4.9.3.19: carries the other host ("domain" or "domain:port")
  SystemShutdown,          // §4.9.3.20
  UndefinedCondition,      // §4.9.3.21
  UnsupportedEncoding,     // §4.9.3.22
  UnsupportedFeature,      // §4.9.3.23
  UnsupportedStanzaType,   // §4.9.3.24
  UnsupportedVersion,      // §4.9.3.25
};

/** RFC 6120 §8.3.3: every stanza error condition; the value of each is its subsection. */
enum class StanzaErrc {
  BadRequest = 1,         // §8.3.3.1
  Conflict,               // §8.3.3.2
  FeatureNotImplemented,  // §8.3.3.3
  Forbidden,              // §8.3.3.4
  Gone,                   // §8.3.3.5: carries the new address (a URI)
  InternalServerError,    // §8.3.3.6
  ItemNotFound,           // §8.3.3.7
  JidMalformed,           // §8.3.3.8
  NotAcceptable,          // §8.3.3.9
  NotAllowed,             // §8.3.3.10
  NotAuthorized,          // §8.3.3.11
  PolicyViolation,        // §8.3.3.12
  RecipientUnavailable,   // §8.3.3.13
  Redirect,               // §8.3.3.14: carries the alternate address (a URI)
  RegistrationRequired,   // §8.3.3.15
  RemoteServerNotFound,   // §8.3.3.16
  RemoteServerTimeout,    // §8.3.3.17
  ResourceConstraint,     // §8.3.3.18
  ServiceUnavailable,     // §8.3.3.19
  SubscriptionRequired,   // §8.3.3.20
  UndefinedCondition,     // §8.3.3.21
  UnexpectedRequest,      // §8.3.3.22
};

/** The 'type' attribute of a stanza's <error/> (RFC 6120 §8.3.2). */
enum class StanzaErrorType {
  Auth,      // retry after providing credentials
  Cancel,    // do not retry
  Continue,  // proceed: the condition was only a warning
  Modify,    // retry after changing the data sent
  Wait,      // retry after waiting: the error is temporary
};

struct StreamConditionInfo {
  StreamErrc errc;
  std::string_view name;  // the element name, e.g. "policy-violation"
  bool carries_host;      // the element's character data names another host (see-other-host)
};

struct StanzaConditionInfo {
  StanzaErrc errc;
  std::string_view name;         // the element name, e.g. "service-unavailable"
  StanzaErrorType default_type;  // the type §8.3.3 says the condition SHOULD have
  bool carries_address;          // the element's character data is a URI (gone, redirect)
};

/** Every condition, in the RFC's order: the tables behind the functions below. */
std::span<const StreamConditionInfo> streamConditions();
std::span<const StanzaConditionInfo> stanzaConditions();

std::string_view conditionName(StreamErrc errc);
std::string_view conditionName(StanzaErrc errc);

/**
 * The condition of an element name, or nullopt when RFC 6120 does not define it; a receiver
 * MUST then treat the condition as undefined-condition (§4.9.3, §8.3.2). Stream conditions also
 * accept "xml-not-well-formed", RFC 3920's name for not-well-formed (§4.9.3.13).
 */
std::optional<StreamErrc> parseStreamCondition(std::string_view name);
std::optional<StanzaErrc> parseStanzaCondition(std::string_view name);

std::string_view typeName(StanzaErrorType type);  // "auth", "cancel", ...
std::optional<StanzaErrorType> parseStanzaErrorType(std::string_view name);

/**
 * The type §8.3.3 gives the condition. Where it allows two (feature-not-implemented: cancel or
 * modify; policy-violation: modify or wait; unexpected-request: wait or modify) this is the
 * first one the RFC names; for undefined-condition, which allows any, it is cancel.
 */
StanzaErrorType defaultErrorType(StanzaErrc errc);

/** see-other-host: the condition element names the host to connect to instead. */
bool isRedirect(StreamErrc errc);
/** gone and redirect: the condition element holds the URI at which to reach the entity. */
bool isRedirect(StanzaErrc errc);

const std::error_category& streamErrorCategory() noexcept;  // name "xmpp.stream"
const std::error_category& stanzaErrorCategory() noexcept;  // name "xmpp.stanza"

inline std::error_code make_error_code(StreamErrc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), streamErrorCategory()};
}

inline std::error_code make_error_code(StanzaErrc errc) {  // ADL hook keeps the std spelling
  return {static_cast<int>(errc), stanzaErrorCategory()};
}

// ------------------------------------------------------------------------------ wire forms
//
// Builders for what goes on the wire now, before the element model exists. Text is escaped
// for XML; octets that are not valid UTF-8, and characters XML 1.0 cannot carry, become
// U+FFFD, so the output is always well-formed whatever the input. Empty text leaves out the
// <text/> element.

/**
 * <stream:error><CONDITION xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>
 * <text xmlns='urn:ietf:params:xml:ns:xmpp-streams' xml:lang='en'>TEXT</text></stream:error>
 *
 * The "stream" prefix is the one every stream header of ours binds to the stream namespace.
 * other_host is the character data of see-other-host (RFC 6120 §4.9.3.19: "domain" or
 * "domain:port", required for that condition) and is ignored for every other condition.
 */
std::string streamErrorXml(StreamErrc errc, std::string_view text,
                           std::string_view other_host = {});

/**
 * <error type='TYPE' by='BY'><CONDITION xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
 * <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>TEXT</text></error>
 *
 * The child of an error stanza (RFC 6120 §8.3.2), in the stream's content namespace. The type
 * is defaultErrorType(errc) unless given; an empty `by` leaves out the attribute. address is
 * the character data of gone and redirect (a URI) and is ignored for every other condition.
 */
std::string stanzaErrorChildXml(StanzaErrc errc, std::string_view text, std::string_view by,
                                std::string_view address = {});
std::string stanzaErrorChildXml(StanzaErrc errc, StanzaErrorType type, std::string_view text,
                                std::string_view by, std::string_view address = {});

}  // namespace xfed::xmpp

template <>
struct std::is_error_code_enum<xfed::xmpp::StreamErrc> : std::true_type {};

template <>
struct std::is_error_code_enum<xfed::xmpp::StanzaErrc> : std::true_type {};
