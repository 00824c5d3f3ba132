// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "xml/element.h"
#include "xml/stream_parser.h"
#include "xmpp/errors.h"
#include "xmpp/s2s/negotiation.h"

namespace xfed::xmpp::s2s {

/**
 * The initiating side of server-to-server stream negotiation (RFC 6120 §4-§6, XEP-0220
 * dialback, XEP-0178 SASL EXTERNAL), with no I/O. The session feeds it the events of the
 * stream it reads and carries out the returned actions in order.
 *
 *   state                   input                                 -> next state / actions
 *   Idle                    start()                               -> AwaitingStreamHeader /
 *                                                                    Send(header)
 *   Idle                    start(), rules.allowed is false       -> Closed / Send(header)
 *                                                                    PairRejected CloseStream
 *                                                                    (policy-violation)
 *   Idle                    onTlsEstablished(r), direct TLS       -> Idle / nothing (r kept)
 *   AwaitingStreamHeader    header checkStreamHeader refuses      -> Closed / PairRejected
 *                                                                    CloseStream(its condition)
 *   AwaitingStreamHeader    first header over TLS, certificate    -> Closed / PairRejected
 *                           not valid for remote, dialback off,      CloseStream(not-authorized)
 *                           mode Authenticate
 *   AwaitingStreamHeader    header, version >= 1.0                -> AwaitingFeatures
 *   AwaitingStreamHeader    header without version (pre-1.0)      -> as features offering
 *                                                                    dialback only: F2, F3, F5
 *   AwaitingFeatures F1     no TLS, <starttls/> offered,          -> AwaitingTlsProceed /
 *                           rules.tls_offered, tls_available         Send(<starttls/>)
 *   AwaitingFeatures F2     no TLS, rules.tls_required            -> Closed / PairRejected
 *                                                                    CloseStream(policy-violation)
 *   AwaitingFeatures F2b    no TLS, the peer marks STARTTLS       -> Closed / PairRejected
 *                           <required/> and we do not start it       CloseStream
 *                                                                    (unsupported-feature)
 *   AwaitingFeatures F3     mode VerifyOnly, dialback allowed     -> AwaitingVerifyResult /
 *                                                                    Send(<db:verify/>)
 *   AwaitingFeatures F3b    mode VerifyOnly, dialback off         -> Closed / PairRejected
 *                                                                    CloseStream(policy-violation)
 *   AwaitingFeatures F4     TLS, EXTERNAL offered and allowed,    -> AwaitingSaslResult /
 *                           certificate valid for remote             Send(<auth EXTERNAL/>)
 *   AwaitingFeatures F5     dialback offered (or pre-1.0),        -> AwaitingDialbackResult /
 *                           dialback allowed, the peer sent an id    Send(<db:result/>)
 *   AwaitingFeatures F5b    as F5, the peer's header had no id    -> Closed / PairRejected
 *                                                                    CloseStream
 *                                                                    (undefined-condition)
 *   AwaitingFeatures F6     otherwise                             -> Closed / PairRejected
 *                                                                    CloseStream(policy-violation
 *                                                                    if settings forbid what is
 *                                                                    offered, else
 *                                                                    unsupported-feature)
 *   AwaitingFeatures        features after SASL <success/>        -> Established /
 *                           and the restart                          PairAuthenticated(SASL)
 *   AwaitingTlsProceed      <proceed/>                            -> TlsHandshake /
 *                                                                    StartTls ResetParser
 *   AwaitingTlsProceed      <failure xmlns=xmpp-tls/>             -> Closed / PairRejected
 *                                                                    PeerClosed (§5.4.2.2)
 *   TlsHandshake            onTlsEstablished(r)                   -> AwaitingStreamHeader /
 *                                                                    Send(header)
 *   AwaitingSaslResult      <success/>                            -> AwaitingStreamHeader /
 *                                                                    ResetParser Send(header)
 *   AwaitingSaslResult      <failure/>, dialback offered, allowed -> AwaitingDialbackResult /
 *                                                                    Send(<db:result/>)
 *   AwaitingSaslResult      <failure/>, otherwise                 -> Closed / PairRejected
 *                                                                    CloseStream(not-authorized)
 *   AwaitingDialbackResult  <db:result type='valid'/>             -> Established /
 *                                                                    PairAuthenticated(dialback)
 *   AwaitingDialbackResult  <db:result type='invalid'|'error'|..> -> Closed / PairRejected
 *                                                                    CloseStream(not-authorized)
 *   AwaitingDialbackResult  <db:result type=../> not from remote  -> Closed / PairRejected
 *                           to local (unsolicited, XEP-0220)        CloseStream(invalid-from |
 *                                                                    improper-addressing)
 *   AwaitingVerifyResult    <db:verify type='valid'|'invalid'/>   -> Closed / DialbackVerifyAnswer
 *                                                                    CloseCleanly
 *   AwaitingVerifyResult    <db:verify type='error'|../>          -> Closed / PairRejected
 *                                                                    CloseCleanly
 *   AwaitingVerifyResult    <db:verify type=../> answering        -> Closed / PairRejected
 *                           another request (from, to, id)           CloseStream(invalid-from |
 *                                                                    improper-addressing)
 *   Awaiting*, Established  another element, whitespace           -> unchanged / nothing
 *   not Idle, Closed        <stream:error/>                       -> Closed / [PairRejected]
 *                                                                    PeerClosed
 *   not Idle, Closed        </stream:stream>                      -> Closed / [PairRejected]
 *                                                                    PeerClosed
 *   not Idle, Closed        parser error                          -> Closed / [PairRejected]
 *                                                                    CloseStream(streamErrcFor)
 *   Idle                    onTimeout()                           -> Closed / PairRejected
 *   Awaiting*, TlsHandshake onTimeout()                           -> Closed / PairRejected
 *                                                                    CloseStream
 *                                                                    (connection-timeout)
 *   Established             onTimeout()                           -> Established / nothing
 *   any                     an input the state does not expect    -> unchanged / nothing
 *                           (start() again, onTlsEstablished())
 *   Closed                  anything                              -> Closed / nothing (retired)
 *
 *   Actions are listed in the order returned. [PairRejected]: only while the pair has no
 *   outcome yet (not after PairAuthenticated or DialbackVerifyAnswer).
 *
 * Outcome: an Authenticate negotiator reports exactly one of PairAuthenticated or PairRejected
 * (the reason is for the admin and for the bounces of the queued stanzas). A VerifyOnly one
 * reports exactly one of DialbackVerifyAnswer or PairRejected; PairRejected then means that no
 * answer could be had, which the inbound side reports as a dialback error (XEP-0220:
 * remote-server-not-found / remote-server-timeout), not as an invalid key.
 *
 * The certificate: STARTTLS's onTlsEstablished() gives it; with direct TLS (XEP-0368) the
 * session calls onTlsEstablished() right after the handshake and before start(). Without a
 * verdict the certificate counts as not valid. A certificate that does not cover the remote
 * domain rules out SASL EXTERNAL only; dialback then runs over TLS (XEP-0178 §3, RFC 7590).
 *
 * CloseStream is always sent after our header on the current stream, so the stream error is
 * well-formed; in TlsHandshake (timeout) nothing can be written and the session just closes.
 *
 * Threading: none (plain object; the owning session serializes calls).
 * Lifetime: copies what it needs from the context; holds no reference to its arguments.
 */
class OutboundNegotiator {
public:
  enum class State {
    Idle,
    AwaitingStreamHeader,
    AwaitingFeatures,
    AwaitingTlsProceed,
    TlsHandshake,
    AwaitingSaslResult,
    AwaitingDialbackResult,
    AwaitingVerifyResult,
    Established,
    Closed,
  };

  /** Open a stream from pair.local to pair.remote and authenticate that pair. */
  struct Authenticate {
    DomainPair pair;
  };
  /**
   * XEP-0220 §2.3 steps 3-4: the separate connection to the authoritative server of
   * pair.remote, only to ask whether `key` is valid for the inbound stream `stream_id` (on
   * which pair.remote sent its <db:result/>). pair.local is our domain (the receiving server).
   */
  struct VerifyOnly {
    DomainPair pair;
    std::string stream_id;
    std::string key;
  };
  using Mode = std::variant<Authenticate, VerifyOnly>;

  /** direct_tls: XEP-0368, TLS is up before start() and STARTTLS is never negotiated. */
  OutboundNegotiator(const NegotiationContext& context, Mode mode, bool direct_tls,
                     PartnerRules rules);

  /** Our stream header (after the TLS handshake when direct_tls). */
  Actions start();
  Actions onEvent(const xml::StreamEvent& event);
  /** The TLS handshake completed; result says whether the certificate names pair.remote. */
  Actions onTlsEstablished(const TlsResult& result);
  /** The negotiation deadline passed (the session's timer). */
  Actions onTimeout();

  State state() const { return state_; }
  const DomainPair& pair() const { return pair_; }
  /** The id of the peer's current stream header (empty before one, or if it sent none). */
  const std::string& streamId() const { return stream_id_; }
  /** How the pair was authenticated, once it was. */
  std::optional<AuthMechanism> mechanism() const { return mechanism_; }
  bool tlsEstablished() const { return tls_established_; }

private:
  /** What a <stream:features/> offers (a pre-1.0 peer: dialback only). */
  struct Offer {
    bool pre_1_0 = false;
    bool starttls = false;
    bool starttls_required = false;
    bool sasl_external = false;
    bool other_sasl = false;
    bool dialback = false;
  };

  Actions onStreamOpened(const xml::StreamOpened& opened);
  Actions onElement(const xml::Element& element);
  Actions onFeatures(const Offer& offer);
  Actions onTlsReply(const xml::Element& reply);
  Actions onSaslReply(const xml::Element& reply);
  Actions onDialbackResult(const xml::Element& result);
  Actions onVerifyResult(const xml::Element& result);
  Actions onStreamError(const xml::Element& error);
  Actions onParserError(const xml::Error& error);

  Actions sendDialbackResult();
  Actions sendDialbackVerify();
  /** PairRejected (if no outcome yet) and CloseStream; retires the negotiator. */
  Actions refuse(StreamErrc condition, std::string reason);
  /** PairRejected (if no outcome yet) and PeerClosed; retires the negotiator. */
  Actions peerEnded(std::string reason);
  std::string header() const;
  std::string noMechanismReason(const Offer& offer) const;
  std::string describeWait() const;

  DomainPair pair_;
  bool verify_only_ = false;
  std::string verify_stream_id_;  // VerifyOnly: the inbound stream's id
  std::string verify_key_;        // VerifyOnly: the key the remote sent there
  PartnerRules rules_;
  std::string dialback_secret_;
  bool tls_available_ = true;

  State state_ = State::Idle;
  std::string stream_id_;
  bool tls_established_ = false;
  bool certificate_valid_ = false;
  bool certificate_checked_ = false;  // the first header over TLS applied the certificate rule
  bool sasl_succeeded_ = false;
  std::optional<std::string> sasl_failure_;  // why EXTERNAL failed, for later reasons
  Offer last_offer_;
  bool outcome_reported_ = false;
  std::optional<AuthMechanism> mechanism_;
};

}  // namespace xfed::xmpp::s2s
