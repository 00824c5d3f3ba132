// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xml/element.h"
#include "xml/stream_parser.h"
#include "xmpp/s2s/negotiation.h"

// The receiving side of an s2s stream (RFC 6120 §4-§6, XEP-0178, XEP-0220), sans I/O.
namespace xfed::xmpp::s2s {

/**
 * Negotiates one inbound s2s connection: answers the peer's stream header with ours and the
 * stream features its partner rules allow, runs STARTTLS, SASL EXTERNAL and dialback, answers
 * <db:verify/> as the authoritative server, and checks the addressing of every stanza before it
 * is delivered. It does no I/O: inputs are parser events and the session's callbacks; outputs are
 * Actions the session carries out in order.
 *
 * Transition table (state × input -> next state / actions). "hdr" is our stream header (§4.7),
 * "feat" our <stream:features/>; "err(c)" a CloseStream with condition c; "dberr(c)" a
 * <db:result|verify type='error'> with stanza error c, used only when the features we sent on
 * this stream carried <dialback><errors/></dialback> (XEP-0220 §2.4.2); otherwise the same
 * failure is the stream error named after the arrow "|". "Open" means Negotiating or Established.
 *
 *   AwaitingHeader  header: bad content ns / version   -> Closed / Send(hdr), err(invalid-namespace
 *                                                         | unsupported-version)
 *   AwaitingHeader  header: `to` absent or not ours    -> Closed / Send(hdr), err(host-unknown)
 *   AwaitingHeader  header: `from` not a domain        -> Closed / Send(hdr), err(invalid-from)
 *   AwaitingHeader  header: rules_for(from) refuse     -> Closed / Send(hdr), err(policy-violation)
 *   AwaitingHeader  header: nothing we could offer     -> Closed / Send(hdr), err(policy-violation)
 *   AwaitingHeader  header OK, version 1.0             -> Negotiating, or Established if a pair
 *                                                         is authenticated / Send(hdr + feat)
 *   AwaitingHeader  header OK, no version (RFC 3920)   -> Negotiating / Send(hdr), no features
 *   AwaitingHeader  onTlsEstablished (direct TLS only) -> AwaitingHeader / none (keeps the result)
 *   AwaitingHeader  onTimeout                          -> Closed / Send(hdr),
 *                                                         err(connection-timeout)
 *   TlsHandshake    onTlsEstablished                   -> AwaitingHeader / none
 *   TlsHandshake    a header or an element (plaintext  -> Closed / err(policy-violation)
 *                   after <proceed/>)
 *   TlsHandshake    onTimeout                          -> Closed / err(connection-timeout)
 *   Negotiating     <starttls/>, offered on this stream -> TlsHandshake / Send(<proceed/>),
 *                                                         StartTls, ResetParser
 *   Open            <starttls/>, not offered            -> Closed / Send(tls <failure/>),
 *                                                         err(policy-violation)
 *   Negotiating     <auth EXTERNAL> accepted            -> AwaitingHeader / Send(<success/>),
 *                                                         PairAuthenticated, ResetParser
 *   Negotiating     <auth EXTERNAL> with no data        -> Negotiating / Send(<challenge>=),
 *                   then <response/>                       then as <auth> with that data
 *   Negotiating     <auth> refused (< kMaxSaslFailures) -> Negotiating / Send(sasl <failure>
 *                                                         invalid-mechanism | encryption-required
 *                                                         | incorrect-encoding | invalid-authzid
 *                                                         | not-authorized)
 *   Negotiating     <response/> with no exchange open  -> as refused, malformed-request
 *   Negotiating     <abort/>                           -> as refused, aborted
 *   Negotiating     <auth> refused, kMaxSaslFailures-th -> Closed / Send(<failure>),
 *                                                         err(policy-violation)
 *   Established     <auth>, <response>, <abort>        -> Closed / err(policy-violation)
 *   Open            <db:result> request, acceptable    -> unchanged / VerifyDialback
 *   Open            <db:result> for a pending pair     -> unchanged / none
 *   Open            <db:result> for an authenticated pair -> unchanged / Send(type='valid')
 *   Open            <db:result> `to` not ours          -> unchanged / dberr(item-not-found)
 *                                                         | Closed / err(host-unknown)
 *   Open            <db:result> remote refused         -> unchanged / dberr(policy-violation)
 *                                                         | Closed / err(policy-violation)
 *   Open            <db:result> dialback off for remote -> unchanged / dberr(not-authorized)
 *                                                         | Closed / err(not-authorized)
 *   Open            <db:result> TLS required, not up   -> unchanged / dberr(policy-violation)
 *                                                         | Closed / err(policy-violation)
 *   Open            <db:result> beyond kMaxDomainPairs -> unchanged / dberr(resource-constraint)
 *                                                         | Closed / err(resource-constraint)
 *   Open            <db:result|verify> with a type     -> Closed / err(not-authorized)
 *                   (an answer nobody asked for, XEP-0220 §3.1 "unsolicited")
 *   Open            <db:result|verify> without from/to, -> Closed / err(improper-addressing)
 *                   or `from` not a domain
 *   Open            <db:verify> without id             -> Closed / err(invalid-xml)
 *   Open            <db:verify> `to` ours              -> unchanged / Send(<db:verify
 *                                                         type='valid'|'invalid'/>)
 *   Open            <db:verify> `to` not ours          -> unchanged / dberr(item-not-found)
 *                                                         | Closed / err(host-unknown)
 *   Open            onDialbackVerified(pending, true)  -> Established / Send(type='valid'),
 *                                                         PairAuthenticated
 *   Open            onDialbackVerified(pending, false) -> unchanged / dberr(forbidden),
 *                                                         PairRejected | Closed /
 *                                                         Send(type='invalid'), PairRejected,
 *                                                         err(not-authorized)
 *   Open            onDialbackError(pending, c)        -> unchanged / dberr(c), PairRejected
 *                                                         | Closed / PairRejected,
 *                                                         err(remote-connection-failed)
 *   any but Closed  onDialbackVerified/Error, not pending -> unchanged / none
 *   Negotiating     stanza                             -> Closed / err(not-authorized)
 *   Established     stanza without valid from/to       -> Closed / err(improper-addressing)
 *   Established     stanza, from domain not authenticated -> Closed / err(invalid-from)
 *   Established     stanza, `to` domain not ours       -> Closed / err(host-unknown)
 *   Established     stanza, (to, from) not authenticated -> Closed / err(invalid-from)
 *   Established     stanza, pair authenticated         -> Established / Deliver
 *   Open            <stream:error/>                    -> Closed / PeerClosed
 *   Open            any other element                  -> Closed / err(unsupported-stanza-type)
 *   any but Closed  whitespace                         -> unchanged / none
 *   any but Closed  parser error                       -> Closed / [Send(hdr) if none sent on this
 *                                                         stream and not in TlsHandshake],
 *                                                         err(mapped, see below)
 *   any but Closed  </stream:stream>                   -> Closed / PeerClosed
 *   Negotiating     onTimeout                          -> Closed / err(connection-timeout)
 *   Established     onTimeout                          -> Established / none
 *   Closed          anything                           -> Closed / none (retired, STYLE §2.4)
 *   any other (state, input), e.g. onTlsEstablished outside a handshake -> unchanged / none
 *
 * Parser errors: NotWellFormed -> not-well-formed, RestrictedXml -> restricted-xml,
 * StanzaTooLarge / TooDeep / TooManyAttributes -> policy-violation, InvalidNamespace ->
 * invalid-namespace, BadFormat -> bad-format, UnsupportedEncoding -> unsupported-encoding,
 * ResourceConstraint -> resource-constraint.
 *
 * Decisions (the reasons are in the .cc where each is made):
 * - A refused partner gets policy-violation, not not-authorized: RFC 6120 §4.9.3.12 reserves
 *   not-authorized for data sent before authentication, §4.9.3.14 covers local policy, and
 *   XEP-0220 §2.5 uses not-authorized for "no proof of identity" (dialback off for the peer).
 * - Features for a header without `from` are the most permissive we can offer (STARTTLS not
 *   required, dialback, never EXTERNAL: XEP-0178 §2 offers it only for a known, verified
 *   identity); the rules of each domain are applied when it tries to authenticate.
 * - A dialback key found invalid: XEP-0220 §2.2.1 says a stream that received type='invalid'
 *   MUST be closed, and §2.1.2 offers the <forbidden/> dialback error as the way to refuse one
 *   pair and keep the others; we send that error where the peer saw our <errors/> feature.
 * - <db:verify/> is answered on any stream, without TLS or authentication, whatever the rules of
 *   the asking domain: the answer only confirms a key the asker already holds, and XEP-0220
 *   §2.1.2 suggests verify-only connections skip TLS and other features. Only `to` must be
 *   ours.
 * - Pending dialback requests are dropped at STARTTLS and at SASL success (RFC 6120 §5.4.3.3,
 *   §6.4.6: knowledge from before the restart is discarded); their late answers are ignored.
 * - Each stream restart gets a new id (RFC 6120 §4.7.3): the n-th restart uses
 *   "<stream_id>.<n>". Dialback keys are bound to the id of the stream their <db:result/> came
 *   on (streamId() at that time).
 * - With direct TLS (port 5270, XEP-0368) the session calls onTlsEstablished() once the
 *   handshake is done, before feeding bytes; without it the stream counts as TLS with no
 *   certificate verified.
 *
 * Bounds: kMaxDomainPairs pending or authenticated pairs per stream; kMaxSaslFailures failed
 * SASL attempts (RFC 6120 §6.4.5 asks for 2-5 retries, then policy-violation).
 *
 * Threading: none (plain object; the owning session serializes calls).
 * Lifetime: the context's functions must outlive the negotiator; no other references are kept.
 */
class InboundNegotiator {
public:
  enum class State {
    AwaitingHeader,  // waiting for the peer's stream header (initially and after a restart)
    TlsHandshake,    // <proceed/> sent; waiting for onTlsEstablished()
    Negotiating,     // our header is out; no domain pair is authenticated yet
    Established,     // at least one pair is authenticated; stanzas for those pairs flow
    Closed,          // a CloseStream or PeerClosed was returned; every input is a no-op
  };

  /** Pairs pending verification plus authenticated pairs on one stream (piggybacking). */
  static constexpr std::size_t kMaxDomainPairs = 100;
  /** Failed <auth/> attempts before the stream is closed (RFC 6120 §6.4.5). */
  static constexpr int kMaxSaslFailures = 3;

  /**
   * stream_id: the id of our first response header, unique and unpredictable (XEP-0185 §3 keys
   * depend on it). direct_tls: the connection came in on 5270 with TLS already up.
   */
  InboundNegotiator(const NegotiationContext& context, std::string stream_id, bool direct_tls);

  // ---------------------------------------------------------------------------------- inputs

  /** Dispatches to the on... method for the event's kind. The && form moves stanzas. */
  Actions onEvent(const xml::StreamEvent& event);
  Actions onEvent(xml::StreamEvent&& event);

  Actions onStreamOpened(const xml::StreamOpened& opened);
  Actions onElement(const xml::Element& element);
  Actions onElement(xml::Element&& element);
  Actions onStreamClosed();
  Actions onWhitespace();
  Actions onParseError(const xml::Error& error);

  /** The TLS handshake after <proceed/> (or, with direct TLS, before the header) finished. */
  Actions onTlsEstablished(const TlsResult& result);
  /** The authoritative server's answer to a VerifyDialback this negotiator asked for. */
  Actions onDialbackVerified(const DomainPair& pair, bool valid);
  /**
   * A VerifyDialback could not be answered (XEP-0220 §2.5, step 3): condition is one of
   * remote-server-not-found, remote-connection-failed, remote-server-timeout.
   */
  Actions onDialbackError(const DomainPair& pair, StanzaErrc condition);
  /** StreamEstablishmentTimeout expired (spec §1.3); a no-op once Established. */
  Actions onTimeout();

  // ------------------------------------------------------------------------------- accessors

  State state() const { return state_; }
  /** The pairs stanzas may flow for, in the order they were authenticated. */
  const std::vector<DomainPair>& authenticatedPairs() const { return authenticated_; }
  bool tlsEstablished() const { return tls_; }
  /** The `from` of the peer's latest stream header, normalized; nullopt if it had none. */
  const std::optional<std::string>& remoteDomainHint() const { return remote_hint_; }
  /** The id of our current stream header (changes at each restart). */
  const std::string& streamId() const { return stream_id_; }

private:
  struct Offer {
    bool starttls = false;
    bool starttls_required = false;
    bool sasl_external = false;
    bool dialback = false;
  };

  Actions handleStarttls();
  Actions handleAuth(const xml::Element& auth);
  Actions handleSaslResponse(const xml::Element& response);
  Actions handleSaslData(std::string_view base64);
  Actions handleDialbackResult(const xml::Element& result);
  Actions handleDialbackVerify(const xml::Element& verify);
  /** No actions if the stanza may be delivered, else the CloseStream that refuses it. */
  Actions checkStanza(const xml::Element& stanza);

  Offer computeOffer() const;
  std::string noMethodText() const;
  std::string headerXml() const;
  std::string featuresXml(const Offer& offer) const;
  Actions saslFailure(std::string_view condition, std::string_view text);
  Actions dialbackRefusal(const DomainPair& pair, StanzaErrc condition, StreamErrc stream_condition,
                          std::string text);
  /** CloseStream, preceded by our header if none was sent on this stream; state Closed. */
  Actions close(StreamErrc condition, std::string text);
  void restartStream();
  bool isAuthenticated(const DomainPair& pair) const;
  bool isPending(const DomainPair& pair) const;
  void erasePending(const DomainPair& pair);
  PartnerRules rulesFor(std::string_view domain) const;
  bool certificateValidFor(std::string_view domain) const;

  const NegotiationContext& context_;
  const std::string base_stream_id_;
  std::string stream_id_;
  int restarts_ = 0;
  State state_ = State::AwaitingHeader;

  const bool direct_tls_;
  bool tls_ = false;
  TlsResult tls_result_;
  bool tls_result_known_ = false;
  bool sasl_done_ = false;
  int sasl_failures_ = 0;
  bool awaiting_sasl_response_ = false;

  // Per stream (reset at each restart):
  bool peer_version_1_ = true;  // the peer's header had version >= 1.0
  bool header_sent_ = false;
  bool features_sent_ = false;     // the peer sent version 1.0 and got our features
  bool errors_advertised_ = false;  // those features carried <dialback><errors/>
  Offer offer_;
  std::optional<std::string> remote_hint_;
  std::string local_domain_;  // the header's `to` once accepted (normalized)

  std::vector<DomainPair> pending_;
  std::vector<DomainPair> authenticated_;
};

std::string_view stateName(InboundNegotiator::State state);

}  // namespace xfed::xmpp::s2s
