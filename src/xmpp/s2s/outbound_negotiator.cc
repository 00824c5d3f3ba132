// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/outbound_negotiator.h"

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/strings.h"
#include "xml/serializer.h"
#include "xmpp/namespaces.h"
#include "xmpp/s2s/dialback_key.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::xmpp::s2s {
namespace {

/** Peer-supplied text (stream error text, attribute values) goes into reasons that end up in
 *  logs, bounces and our own stream errors; a misbehaving peer must not make those huge. */
constexpr std::size_t kMaxPeerTextBytes = 200;

std::string bounded(std::string_view text) {
  if (text.size() <= kMaxPeerTextBytes) {
    return std::string(text);
  }
  std::size_t cut = kMaxPeerTextBytes;
  // Do not split a UTF-8 sequence: back off over continuation bytes (10xxxxxx).
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return std::string(text.substr(0, cut)) + "...";
}

std::string quoted(std::optional<std::string_view> value) {
  return value ? "'" + bounded(*value) + "'" : std::string("(none)");
}

/** RFC 4648 §4 base64, for the SASL EXTERNAL authorization identity. */
std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) |
                 static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (std::size_t rest = in.size() - i; rest > 0) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    if (rest == 2) {
      n |= static_cast<unsigned char>(in[i + 1]) << 8;
    }
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/** Our elements as written on a stream whose header is stream_header.h's (xmlns:db declared). */
std::string toWire(const xml::Element& element) {
  static const std::array<xml::NamespaceDecl, 1> kDeclared = {
      xml::NamespaceDecl{"db", std::string(ns::kDialback)}};
  std::string out;
  xml::appendXml(out, element, xml::Scope{.default_ns = ns::kServer, .declared = kDeclared});
  return out;
}

/** The first child element in `ns` other than <text/>: the condition of an error element. */
std::optional<std::string_view> conditionOf(const xml::Element& error, std::string_view ns) {
  for (const xml::Node& node : error.nodes()) {
    const xml::Element* child = node.asElement();
    if (child != nullptr && child->ns() == ns && child->name() != "text") {
      return child->name();
    }
  }
  return std::nullopt;
}

/** "condition: text" of an error element whose condition and <text/> are in `ns`. */
std::string describeError(const xml::Element& error, std::string_view ns,
                          std::string_view no_condition) {
  std::optional<std::string_view> condition = conditionOf(error, ns);
  std::string out = condition ? bounded(*condition) : std::string(no_condition);
  if (std::optional<std::string> text = error.childText(ns, "text"); text && !text->empty()) {
    out += ": ";
    out += bounded(*text);
  }
  return out;
}

/** The stanza error inside a dialback answer of type='error' (XEP-0220). Servers
 *  write <error/> in jabber:server (XEP-0220's examples) or in the dialback namespace. */
std::string describeDialbackError(const xml::Element& answer) {
  for (const xml::Node& node : answer.nodes()) {
    const xml::Element* child = node.asElement();
    if (child != nullptr && child->name() == "error") {
      return describeError(*child, ns::kStanzaErrors, "an error without a condition");
    }
  }
  return "type='error' without an <error/> child";
}

}  // namespace

OutboundNegotiator::OutboundNegotiator(const NegotiationContext& context, Mode mode,
                                       bool direct_tls, PartnerRules rules)
    : rules_(std::move(rules)),
      dialback_secret_(context.dialback_secret),
      tls_available_(context.tls_available),
      tls_established_(direct_tls) {
  if (auto* authenticate = std::get_if<Authenticate>(&mode)) {
    pair_ = std::move(authenticate->pair);
  } else {
    auto& verify = std::get<VerifyOnly>(mode);
    pair_ = std::move(verify.pair);
    verify_only_ = true;
    verify_stream_id_ = std::move(verify.stream_id);
    verify_key_ = std::move(verify.key);
  }
}

// ------------------------------------------------------------------------------------ inputs

Actions OutboundNegotiator::start() {
  if (state_ != State::Idle) {
    return {};
  }
  state_ = State::AwaitingStreamHeader;
  Actions out{Send{header()}};
  if (!rules_.allowed) {
    // The session should not have connected; refuse on the wire too, after our header so that
    // the stream error is well-formed.
    std::string reason = rules_.refusal.empty()
                             ? pair_.remote + " is not an allowed XMPP partner"
                             : rules_.refusal;
    for (Action& action : refuse(StreamErrc::PolicyViolation, std::move(reason))) {
      out.push_back(std::move(action));
    }
  }
  return out;
}

Actions OutboundNegotiator::onEvent(const xml::StreamEvent& event) {
  if (state_ == State::Idle || state_ == State::Closed) {
    return {};
  }
  if (const auto* opened = std::get_if<xml::StreamOpened>(&event)) {
    return onStreamOpened(*opened);
  }
  if (const auto* received = std::get_if<xml::ElementReceived>(&event)) {
    return onElement(received->element);
  }
  if (std::holds_alternative<xml::StreamClosed>(event)) {
    std::string reason = pair_.remote + " closed the stream " + describeWait();
    if (sasl_failure_) {
      reason += ", after " + *sasl_failure_;
    }
    return peerEnded(std::move(reason));
  }
  if (const auto* error = std::get_if<xml::Error>(&event)) {
    return onParserError(*error);
  }
  return {};  // Whitespace: a keepalive (RFC 6120 §4.6)
}

Actions OutboundNegotiator::onTlsEstablished(const TlsResult& result) {
  bool valid = result.certificate_valid_for && result.certificate_valid_for(pair_.remote);
  if (state_ == State::Idle && tls_established_) {
    certificate_valid_ = valid;  // direct TLS: the verdict arrives before start()
    return {};
  }
  if (state_ != State::TlsHandshake) {
    return {};
  }
  tls_established_ = true;
  certificate_valid_ = valid;
  state_ = State::AwaitingStreamHeader;
  return {Send{header()}};  // RFC 6120 §5.4.3.3: restart the stream over TLS
}

Actions OutboundNegotiator::onTimeout() {
  switch (state_) {
    case State::Idle: {
      state_ = State::Closed;  // no stream is open yet: nothing to close on the wire
      outcome_reported_ = true;
      return {PairRejected{pair_, "connection-timeout: no stream to " + pair_.remote +
                                      " was opened in time"}};
    }
    case State::AwaitingStreamHeader:
    case State::AwaitingFeatures:
    case State::AwaitingTlsProceed:
    case State::TlsHandshake:
    case State::AwaitingSaslResult:
    case State::AwaitingDialbackResult:
    case State::AwaitingVerifyResult:
      return refuse(StreamErrc::ConnectionTimeout,
                    "connection-timeout: no answer from " + pair_.remote + " " + describeWait());
    case State::Established:
    case State::Closed:
      return {};
  }
  return {};
}

// --------------------------------------------------------------------------- stream events

Actions OutboundNegotiator::onStreamOpened(const xml::StreamOpened& opened) {
  if (state_ != State::AwaitingStreamHeader) {
    return {};
  }
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  if (!header) {
    const core::Error& error = header.error();
    StreamErrc condition = error.code.category() == streamErrorCategory()
                               ? static_cast<StreamErrc>(error.code.value())
                               : StreamErrc::UndefinedCondition;
    return refuse(condition, "the stream header of " + pair_.remote + " is refused: " +
                                 error.detail);
  }
  // The key of dialback is bound to the id of the current stream: after a restart it is the
  // new header's (RFC 6120 §4.7.3 gives every stream its own id).
  stream_id_ = header->id.value_or("");

  if (tls_established_ && !certificate_checked_) {
    certificate_checked_ = true;
    if (!verify_only_ && !certificate_valid_ && !rules_.dialback_allowed) {
      // Without a certificate that names the remote there is no SASL EXTERNAL (XEP-0178 §3),
      // and the only fallback, dialback, is off: say so now rather than after the features.
      return refuse(StreamErrc::NotAuthorized,
                    "the certificate of " + pair_.remote +
                        " does not cover its domain and dialback is off for partner " +
                        pair_.remote);
    }
  }

  if (!header->supports_features) {
    // A pre-1.0 server (no version, RFC 6120 §4.7.5) sends no <stream:features/>; what it
    // can do is dialback over plain TCP.
    Offer legacy;
    legacy.pre_1_0 = true;
    legacy.dialback = true;
    state_ = State::AwaitingFeatures;
    return onFeatures(legacy);
  }
  state_ = State::AwaitingFeatures;
  return {};
}

Actions OutboundNegotiator::onElement(const xml::Element& element) {
  if (element.is(ns::kStreams, "error")) {
    return onStreamError(element);
  }
  switch (state_) {
    case State::AwaitingFeatures: {
      if (!element.is(ns::kStreams, "features")) {
        return {};
      }
      Offer offer;
      if (const xml::Element* starttls = element.child(ns::kTls, "starttls")) {
        offer.starttls = true;
        offer.starttls_required = starttls->child(ns::kTls, "required") != nullptr;
      }
      if (const xml::Element* mechanisms = element.child(ns::kSasl, "mechanisms")) {
        for (const xml::Element* mechanism : mechanisms->children(ns::kSasl, "mechanism")) {
          if (core::trim(mechanism->text()) == "EXTERNAL") {
            offer.sasl_external = true;
          } else {
            offer.other_sasl = true;
          }
        }
      }
      offer.dialback = element.child(ns::kDialbackFeature, "dialback") != nullptr;
      return onFeatures(offer);
    }
    case State::AwaitingTlsProceed:
      return onTlsReply(element);
    case State::AwaitingSaslResult:
      return onSaslReply(element);
    case State::AwaitingDialbackResult:
      return onDialbackResult(element);
    case State::AwaitingVerifyResult:
      return onVerifyResult(element);
    case State::Idle:
    case State::AwaitingStreamHeader:
    case State::TlsHandshake:
    case State::Established:  // the session writes stanzas; the peer has nothing to say here
    case State::Closed:
      return {};
  }
  return {};
}

// ------------------------------------------------------------------------------- decisions

Actions OutboundNegotiator::onFeatures(const Offer& offer) {
  if (sasl_succeeded_) {
    // RFC 6120 §6.4.6: the features after the restart close SASL; the stream is ready.
    state_ = State::Established;
    mechanism_ = AuthMechanism::SaslExternal;
    outcome_reported_ = true;
    return {PairAuthenticated{pair_, AuthMechanism::SaslExternal}};
  }
  last_offer_ = offer;

  if (!tls_established_) {
    // 1. STARTTLS when both sides can (RFC 6120 §5.3.1).
    if (offer.starttls && rules_.tls_offered && tls_available_) {
      state_ = State::AwaitingTlsProceed;
      return {Send{toWire(xml::Element(ns::kTls, "starttls"))}};
    }
    // 2. The partner's settings require TLS and it cannot be had.
    if (rules_.tls_required) {
      std::string reason = "TLS is Required for partner " + pair_.remote + " but ";
      if (offer.pre_1_0) {
        reason += "the peer is a pre-1.0 server without stream features, which cannot offer "
                  "STARTTLS";
      } else if (offer.starttls) {
        reason += "this edge has no certificate to negotiate TLS with";
      } else {
        reason += "the peer does not offer STARTTLS";
      }
      return refuse(StreamErrc::PolicyViolation, std::move(reason));
    }
    // The peer requires TLS and we will not start it: RFC 6120 §4.9.3.23.
    if (offer.starttls_required) {
      return refuse(StreamErrc::UnsupportedFeature,
                    pair_.remote + " requires STARTTLS but " +
                        (rules_.tls_offered ? "this edge has no certificate to negotiate TLS with"
                                            : "TLS negotiation is NotSupported for partner " +
                                                  pair_.remote));
    }
  }

  // 3. A verify-only stream carries nothing but <db:verify/> (XEP-0220 §2.3).
  if (verify_only_) {
    return sendDialbackVerify();
  }

  // 4. SASL EXTERNAL: only over TLS with a certificate that names the remote (XEP-0178 §3).
  if (tls_established_ && offer.sasl_external && rules_.sasl_external_allowed &&
      certificate_valid_ && !sasl_failure_) {
    xml::Element auth(ns::kSasl, "auth");
    auth.setAttribute("mechanism", "EXTERNAL");
    // XEP-0178 §3: the authorization identity is our stream 'from'. Prosody 0.12 takes
    // base64 of it or "=" (empty); ejabberd 23.01 base64 of it or empty.
    auth.addText(base64(pair_.local));
    state_ = State::AwaitingSaslResult;
    return {Send{toWire(auth)}};
  }

  // 5. Dialback: offered, or the peer is pre-1.0 (over TLS when TLS is up).
  if (offer.dialback && rules_.dialback_allowed) {
    return sendDialbackResult();
  }

  // 6. Nothing in common.
  bool usable_offered = offer.sasl_external || offer.dialback;
  return refuse(usable_offered ? StreamErrc::PolicyViolation : StreamErrc::UnsupportedFeature,
                noMechanismReason(offer));
}

Actions OutboundNegotiator::onTlsReply(const xml::Element& reply) {
  if (reply.is(ns::kTls, "proceed")) {
    state_ = State::TlsHandshake;
    return {StartTls{}, ResetParser{}};
  }
  if (reply.is(ns::kTls, "failure")) {
    // RFC 6120 §5.4.2.2: the receiving entity closes the stream after <failure/>.
    return peerEnded(pair_.remote + " answered STARTTLS with <failure/>");
  }
  return {};
}

Actions OutboundNegotiator::onSaslReply(const xml::Element& reply) {
  if (reply.is(ns::kSasl, "success")) {
    // RFC 6120 §6.4.6: discard the parser and restart the stream, without closing it.
    sasl_succeeded_ = true;
    state_ = State::AwaitingStreamHeader;
    return {ResetParser{}, Send{header()}};
  }
  if (!reply.is(ns::kSasl, "failure")) {
    return {};
  }
  sasl_failure_ = "SASL EXTERNAL failed at " + pair_.remote + " (" +
                  describeError(reply, ns::kSasl, "no condition") + ")";
  // RFC 6120 §6.4.5: after <failure/> the stream stays; dialback can run on it without a
  // restart, as Prosody 0.12 and ejabberd 23.01 do themselves.
  if (last_offer_.dialback && rules_.dialback_allowed) {
    return sendDialbackResult();
  }
  return refuse(StreamErrc::NotAuthorized,
                *sasl_failure_ + (rules_.dialback_allowed
                                      ? "; the peer does not offer dialback"
                                      : "; dialback is off for partner " + pair_.remote));
}

Actions OutboundNegotiator::onDialbackResult(const xml::Element& result) {
  if (!result.is(ns::kDialback, "result")) {
    return {};
  }
  std::optional<std::string_view> type = result.attribute("type");
  if (!type) {
    return {};  // a request, not an answer: not for the originating side (XEP-0220)
  }
  // XEP-0220 #security-unsolicited: act only on the answer to the request we sent.
  std::optional<std::string_view> from = result.attribute("from");
  std::optional<std::string_view> to = result.attribute("to");
  if (!from || !core::iequals(*from, pair_.remote)) {
    return refuse(StreamErrc::InvalidFrom,
                  "<db:result/> from " + quoted(from) + " does not answer our request to " +
                      pair_.remote);
  }
  if (!to || !core::iequals(*to, pair_.local)) {
    return refuse(StreamErrc::ImproperAddressing,
                  "<db:result/> to " + quoted(to) + " does not answer our request from " +
                      pair_.local);
  }
  if (*type == "valid") {
    state_ = State::Established;
    mechanism_ = AuthMechanism::Dialback;
    outcome_reported_ = true;
    return {PairAuthenticated{pair_, AuthMechanism::Dialback}};
  }
  std::string reason;
  if (*type == "invalid") {
    reason = pair_.remote + " refused our dialback key for " + pair_.local + " (type='invalid')";
  } else if (*type == "error") {
    reason = pair_.remote + " could not verify our dialback key for " + pair_.local + ": " +
             describeDialbackError(result);
  } else {
    reason = pair_.remote + " answered our dialback key with type " + quoted(type);
  }
  if (sasl_failure_) {
    reason += ", after " + *sasl_failure_;
  }
  return refuse(StreamErrc::NotAuthorized, std::move(reason));
}

Actions OutboundNegotiator::onVerifyResult(const xml::Element& result) {
  if (!result.is(ns::kDialback, "verify")) {
    return {};
  }
  std::optional<std::string_view> type = result.attribute("type");
  if (!type) {
    return {};  // a request to verify: not for this stream
  }
  std::optional<std::string_view> from = result.attribute("from");
  std::optional<std::string_view> to = result.attribute("to");
  std::optional<std::string_view> id = result.attribute("id");
  if (!from || !core::iequals(*from, pair_.remote)) {
    return refuse(StreamErrc::InvalidFrom, "<db:verify/> from " + quoted(from) +
                                               " does not answer our request to " + pair_.remote);
  }
  if (!to || !core::iequals(*to, pair_.local) || !id || *id != verify_stream_id_) {
    return refuse(StreamErrc::ImproperAddressing,
                  "<db:verify/> to " + quoted(to) + " id " + quoted(id) +
                      " does not answer our request from " + pair_.local + " id '" +
                      verify_stream_id_ + "'");
  }
  state_ = State::Closed;
  outcome_reported_ = true;
  if (*type == "valid" || *type == "invalid") {
    return {DialbackVerifyAnswer{pair_, verify_stream_id_, *type == "valid"}, CloseCleanly{}};
  }
  std::string reason = pair_.remote + " could not verify the dialback key of stream '" +
                       verify_stream_id_ + "': " +
                       (*type == "error" ? describeDialbackError(result)
                                         : "unknown type " + quoted(type));
  return {PairRejected{pair_, std::move(reason)}, CloseCleanly{}};
}

Actions OutboundNegotiator::onStreamError(const xml::Element& error) {
  return peerEnded(pair_.remote + " closed the stream with " +
                   describeError(error, ns::kStreamErrors, "a stream error without a condition") +
                   " (" + describeWait() + ")");
}

Actions OutboundNegotiator::onParserError(const xml::Error& error) {
  return refuse(streamErrcFor(error.kind), "the stream from " + pair_.remote + " is unusable (" +
                                               std::string(xml::errorKindName(error.kind)) +
                                               "): " + error.text);
}

// ---------------------------------------------------------------------------------- helpers

Actions OutboundNegotiator::sendDialbackResult() {
  if (stream_id_.empty()) {
    return refuse(StreamErrc::UndefinedCondition,
                  "the stream header of " + pair_.remote +
                      " has no id, which dialback needs (RFC 6120 §4.7.3)");
  }
  xml::Element result(ns::kDialback, "result");
  result.setAttribute("from", pair_.local);
  result.setAttribute("to", pair_.remote);
  // XEP-0185 §2: the receiving server is the remote, the originating one is us.
  result.addText(dialbackKey(dialback_secret_, pair_.remote, pair_.local, stream_id_));
  state_ = State::AwaitingDialbackResult;
  return {Send{toWire(result)}};
}

Actions OutboundNegotiator::sendDialbackVerify() {
  if (!rules_.dialback_allowed) {
    return refuse(StreamErrc::PolicyViolation,
                  "dialback is off for partner " + pair_.remote + ": no key is verified with it");
  }
  xml::Element verify(ns::kDialback, "verify");
  verify.setAttribute("from", pair_.local);
  verify.setAttribute("to", pair_.remote);
  verify.setAttribute("id", verify_stream_id_);
  verify.addText(verify_key_);
  state_ = State::AwaitingVerifyResult;
  return {Send{toWire(verify)}};
}

Actions OutboundNegotiator::refuse(StreamErrc condition, std::string reason) {
  Actions out;
  if (!outcome_reported_) {
    outcome_reported_ = true;
    out.push_back(PairRejected{pair_, reason});
  }
  out.push_back(CloseStream{condition, std::move(reason)});
  state_ = State::Closed;
  return out;
}

Actions OutboundNegotiator::peerEnded(std::string reason) {
  Actions out;
  if (!outcome_reported_) {
    outcome_reported_ = true;
    out.push_back(PairRejected{pair_, std::move(reason)});
  }
  out.push_back(PeerClosed{});
  state_ = State::Closed;
  return out;
}

std::string OutboundNegotiator::header() const {
  return streamHeaderXml({.from = pair_.local, .to = pair_.remote, .lang = "en"});
}

std::string OutboundNegotiator::noMechanismReason(const Offer& offer) const {
  std::vector<std::string> offered;
  if (offer.starttls && !tls_established_) {
    offered.emplace_back("STARTTLS");
  }
  if (offer.sasl_external) {
    offered.emplace_back("SASL EXTERNAL");
  }
  if (offer.other_sasl) {
    offered.emplace_back("SASL mechanisms other than EXTERNAL");
  }
  if (offer.dialback) {
    offered.emplace_back(offer.pre_1_0 ? "dialback only (a pre-1.0 server, no stream features)"
                                       : "dialback");
  }
  std::string allowed;
  if (rules_.sasl_external_allowed && rules_.dialback_allowed) {
    allowed = "SASL EXTERNAL and dialback";
  } else if (rules_.sasl_external_allowed) {
    allowed = "SASL EXTERNAL only";
  } else if (rules_.dialback_allowed) {
    allowed = "dialback only";
  } else {
    allowed = "no authentication method";
  }
  std::string reason = "no authentication method in common with " + pair_.remote +
                       ": the peer offers " +
                       (offered.empty() ? std::string("none") : core::join(offered, ", ")) +
                       "; the settings of partner " + pair_.remote + " allow " + allowed;
  if (offer.sasl_external && rules_.sasl_external_allowed) {
    if (!tls_established_) {
      reason += "; SASL EXTERNAL needs TLS";
    } else if (!certificate_valid_) {
      reason += "; SASL EXTERNAL needs a certificate valid for " + pair_.remote +
                ", and the peer's is not";
    } else if (sasl_failure_) {
      reason += "; " + *sasl_failure_;
    }
  }
  return reason;
}

std::string OutboundNegotiator::describeWait() const {
  switch (state_) {
    case State::Idle:
      return "before the stream opened";
    case State::AwaitingStreamHeader:
      return "while waiting for its stream header";
    case State::AwaitingFeatures:
      return "while waiting for its stream features";
    case State::AwaitingTlsProceed:
      return "while waiting for <proceed/> to STARTTLS";
    case State::TlsHandshake:
      return "during the TLS handshake";
    case State::AwaitingSaslResult:
      return "while waiting for the SASL EXTERNAL result";
    case State::AwaitingDialbackResult:
      return "while waiting for the dialback result";
    case State::AwaitingVerifyResult:
      return "while waiting for the answer to <db:verify/>";
    case State::Established:
      return "on the established stream";
    case State::Closed:
      return "after the stream was closed";
  }
  return "";
}

}  // namespace xfed::xmpp::s2s
