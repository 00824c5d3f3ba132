// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

// The XML namespaces the XMPP edge reads and writes, in one place so that a typo is a compile
// error rather than an element that silently never matches.
namespace xfed::xmpp::ns {

// ---------------------------------------------------------------------------- RFC 6120 core

/** The stream namespace: <stream:stream/>, <stream:features/>, <stream:error/> (§4.8.1). */
inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";

/** Content namespace of server-to-server streams, and of the gateway link (ADR 0004). */
inline constexpr std::string_view kServer = "jabber:server";

/** Content namespace of client-to-server streams (§4.8.3); the edge only recognises it. */
inline constexpr std::string_view kClient = "jabber:client";

/** STARTTLS: <starttls/>, <proceed/>, <failure/> (§5). */
inline constexpr std::string_view kTls = "urn:ietf:params:xml:ns:xmpp-tls";

/** SASL: <mechanisms/>, <auth/>, <success/>, <failure/> (§6). */
inline constexpr std::string_view kSasl = "urn:ietf:params:xml:ns:xmpp-sasl";

/** Children of <stream:error/> that name the condition, and its <text/> (§4.9.2). */
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";

/** Children of a stanza's <error/> that name the condition, and its <text/> (§8.3.2). */
inline constexpr std::string_view kStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";

/**
 * The namespace bound to the reserved prefix "xml" (xml:lang); it is never declared on the
 * wire (Namespaces in XML 1.0 §3), but a namespace-aware parser reports it for xml:lang.
 */
inline constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";

// ----------------------------------------------------------------------------- extensions

/** XEP-0220 Server Dialback: <db:result/>, <db:verify/>. */
inline constexpr std::string_view kDialback = "jabber:server:dialback";

/** XEP-0220 stream feature <dialback><errors/></dialback> (dialback with error handling). */
inline constexpr std::string_view kDialbackFeature = "urn:xmpp:features:dialback";

/** XEP-0198 Stream Management: <sm/>, <enable/>, <r/>, <a/>, <resume/>, ... */
inline constexpr std::string_view kStreamManagement = "urn:xmpp:sm:3";

/** XEP-0199 XMPP Ping: <ping/> in an IQ-get. */
inline constexpr std::string_view kPing = "urn:xmpp:ping";

/** The gateway <-> edge link feature <link/> (ADR 0004). */
inline constexpr std::string_view kXfedLink = "urn:xfed:link:1";

}  // namespace xfed::xmpp::ns
