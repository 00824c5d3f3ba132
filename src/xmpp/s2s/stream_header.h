// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "xml/stream_parser.h"
#include "xmpp/errors.h"

// SHARED by inbound_negotiator and outbound_negotiator (and their tests): keep this header small
// and its signatures stable; add, do not change. Pure helpers for the s2s stream header
// (RFC 6120 §4.7, §4.8; XEP-0220 §2 for the db prefix): writing our opening tag and checking the
// one the peer sent.
namespace xfed::xmpp::s2s {

/** What we put in our own stream header. Empty strings leave the attribute out. (The `{}`
 *  initializers let designated initializers leave fields out under g++ -Wextra.) */
struct StreamHeaderFields {
  std::string from{};
  std::string to{};
  std::string id{};    // the receiving entity's stream id; the initiator sends none (§4.7.3)
  std::string lang{};  // xml:lang
  /** version='1.0'. False only when answering a peer that sent no version (RFC 3920 §4.4.1:
   *  a pre-1.0 entity; the answer then carries no version either, RFC 6120 §4.7.5). */
  bool version_1_0 = true;
};

/**
 * The opening tag of an s2s stream, in one fixed form every server we know parses:
 *   <stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'
 *    xmlns:db='jabber:server:dialback' from='..' to='..' id='..' version='1.0' xml:lang='..'>
 * (on one line, no XML declaration). Attribute values are escaped.
 */
std::string streamHeaderXml(const StreamHeaderFields& fields);
void appendStreamHeader(std::string& out, const StreamHeaderFields& fields);

/** `</stream:stream>`. */
inline constexpr std::string_view kStreamCloseXml = "</stream:stream>";

/** What a received header says, after checkStreamHeader accepted it. */
struct ReceivedStreamHeader {
  std::optional<std::string> from;  // absent: the attribute was not there
  std::optional<std::string> to;
  std::optional<std::string> id;
  std::optional<std::string> lang;
  /** version >= 1.0 (RFC 6120 §4.7.5): stream features follow. False for a missing version
   *  (an RFC 3920 / pre-XMPP-1.0 peer: no features, dialback only) or a 0.x version. */
  bool supports_features = false;
  /** xmlns:db='jabber:server:dialback' is declared (XEP-0220 §2: a dialback-capable peer). */
  bool declares_dialback = false;
};

/**
 * Checks a header the parser reported (the parser already checked that the root is
 * {http://etherx.jabber.org/streams}stream). Errors carry a StreamErrc code and a text for the
 * stream error:
 *   - the default namespace is not jabber:server         -> InvalidNamespace (§4.9.3.10)
 *   - version is not "<digits>.<digits>"                  -> UnsupportedVersion (§4.9.3.25)
 * A version above 1.0 (1.1, 2.0) is accepted as 1.0: the answer says 1.0 and the peer
 * decides (§4.7.5). Whether `to` / `from` are acceptable is the negotiator's decision.
 */
core::Result<ReceivedStreamHeader> checkStreamHeader(const xml::StreamOpened& opened);

/** RFC 6120 §4.9.3 condition for a parser failure (not-well-formed, restricted-xml, ...). */
StreamErrc streamErrcFor(xml::ErrorKind kind);

}  // namespace xfed::xmpp::s2s
