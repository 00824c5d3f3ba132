// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "xml/element.h"
#include "xmpp/errors.h"

// What the sans-I/O s2s negotiators (inbound_negotiator.h, outbound_negotiator.h) consume and
// produce. The I/O shell (the session) feeds them parser events and TLS results and carries out
// the actions they return, in order.
namespace xfed::xmpp::s2s {

/** The two sides of a stream: local is one of our domains, remote the partner's. */
struct DomainPair {
  std::string local;
  std::string remote;
  bool operator==(const DomainPair&) const = default;
};

enum class AuthMechanism { SaslExternal, Dialback };
std::string_view mechanismName(AuthMechanism mechanism);  // "SASL EXTERNAL", "dialback"

/**
 * What the partner's settings allow on a stream with one remote domain. The session builds it
 * from policy::StreamPolicy (xmpp does not depend on policy).
 */
struct PartnerRules {
  bool allowed = false;
  std::string refusal;        // when !allowed: why, for the stream error's text
  bool tls_offered = false;   // negotiate STARTTLS when possible
  bool tls_required = false;  // nothing but STARTTLS before TLS
  bool sasl_external_allowed = false;
  bool dialback_allowed = false;
};

/** Lookups the negotiators make; pure functions over the current configuration snapshot. */
struct NegotiationContext {
  std::function<bool(std::string_view domain)> is_local_domain;
  std::function<PartnerRules(std::string_view remote_domain)> rules_for;
  /** The DialbackPassphrase every edge of the organisation shares (XEP-0185). */
  std::string dialback_secret;
  /** Whether this side has a certificate to offer TLS with (inbound) / present (outbound). */
  bool tls_available = true;
};

/** What the TLS layer learned about the peer, given to onTlsEstablished(). */
struct TlsResult {
  /** Whether the peer's certificate chain verified and names domain (RFC 6120 §13.7.2). */
  std::function<bool(std::string_view domain)> certificate_valid_for;
};

// ------------------------------------------------------------------------------------ actions

/** Bytes to write on the connection (after TLS starts: plaintext for the engine). */
struct Send {
  std::string bytes;
};
/** Start TLS now: everything sent before is plaintext, everything after goes through TLS.
 *  The parser must be reset (a stream restart, RFC 6120 §5.4.3.3) — see ResetParser. */
struct StartTls {};
/** Discard the parser's state and wait for a new stream header (after TLS or SASL success). */
struct ResetParser {};
/** Inbound dialback: ask the authoritative server of pair.remote whether key is valid for
 *  stream_id (XEP-0220 §2.3); answer with onDialbackVerified(). */
struct VerifyDialback {
  DomainPair pair;
  std::string stream_id;
  std::string key;
};
/** Outbound verify-only stream: the authoritative server's answer (XEP-0220 §2.4). */
struct DialbackVerifyAnswer {
  DomainPair pair;
  std::string stream_id;
  bool valid = false;
};
/** Stanzas for pair may now flow on this stream. */
struct PairAuthenticated {
  DomainPair pair;
  AuthMechanism mechanism = AuthMechanism::Dialback;
};
/** The peer refused to authenticate pair (outbound), or its proof failed (inbound). */
struct PairRejected {
  DomainPair pair;
  std::string reason;
};
/** An inbound stanza whose addressing passed the checks of RFC 6120 §8.1 and §4.7. */
struct Deliver {
  xml::Element stanza;
};
/** Send a stream error and </stream:stream>, then close (RFC 6120 §4.9). */
struct CloseStream {
  StreamErrc condition = StreamErrc::UndefinedCondition;
  std::string text;
};
/** The peer closed its stream: answer with </stream:stream> if not yet sent, then close. */
struct PeerClosed {};
/** We are done with the stream, without error: send </stream:stream> and close once the peer
 *  has closed its side too, or after a bound (RFC 6120 §4.4); e.g. a verify-only stream that
 *  got its answer (XEP-0220 §2.3). */
struct CloseCleanly {};

using Action = std::variant<Send, StartTls, ResetParser, VerifyDialback, DialbackVerifyAnswer,
                            PairAuthenticated, PairRejected, Deliver, CloseStream, PeerClosed,
                            CloseCleanly>;
using Actions = std::vector<Action>;

}  // namespace xfed::xmpp::s2s
