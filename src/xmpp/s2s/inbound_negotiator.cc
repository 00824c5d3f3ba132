// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/inbound_negotiator.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <variant>

#include "core/strings.h"
#include "xml/serializer.h"
#include "xmpp/errors.h"
#include "xmpp/jid.h"
#include "xmpp/namespaces.h"
#include "xmpp/s2s/dialback_key.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::xmpp::s2s {
namespace {

/** The prefixes our stream header declares (stream_header.h); elements we send use them. */
const std::vector<xml::NamespaceDecl>& headerDeclarations() {
  static const std::vector<xml::NamespaceDecl> decls = {
      {.prefix = "stream", .ns = std::string(ns::kStreams)},
      {.prefix = "db", .ns = std::string(ns::kDialback)},
  };
  return decls;
}

std::string toXmlInStream(const xml::Element& element) {
  std::string out;
  xml::appendXml(out, element,
                 xml::Scope{.default_ns = ns::kServer, .declared = headerDeclarations()});
  return out;
}

/** A domain in normalized form (RFC 7622 §3.2), or nullopt if `text` is not a bare domain. */
std::optional<std::string> normalizeDomain(std::string_view text) {
  core::Result<Jid> jid = Jid::parse(text);
  if (!jid || !jid->isDomainOnly()) {
    return std::nullopt;
  }
  return std::string(jid->domain());
}

/** RFC 4648 §4 base64 with padding, no whitespace (RFC 6120 §6.4.2). */
std::optional<std::string> decodeBase64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    if (c == '+') {
      return 62;
    }
    if (c == '/') {
      return 63;
    }
    return -1;
  };
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::size_t padding = 0;
  if (text.back() == '=') {
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t group = 0;
    bool last = i + 4 == text.size();
    for (std::size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      int v = 0;
      if (last && j >= 4 - padding) {
        if (c != '=') {
          return std::nullopt;
        }
      } else {
        v = value(c);
        if (v < 0) {
          return std::nullopt;
        }
      }
      group = (group << 6) | static_cast<std::uint32_t>(v);
    }
    out.push_back(static_cast<char>((group >> 16) & 0xff));
    if (!last || padding < 2) {
      out.push_back(static_cast<char>((group >> 8) & 0xff));
    }
    if (!last || padding < 1) {
      out.push_back(static_cast<char>(group & 0xff));
    }
  }
  return out;
}

std::string saslFailureXml(std::string_view condition, std::string_view text) {
  std::string out = "<failure xmlns='";
  out += ns::kSasl;
  out += "'><";
  out += condition;
  out += "/>";
  if (!text.empty()) {
    out += "<text xml:lang='en'>";
    xml::appendEscapedText(out, text);
    out += "</text>";
  }
  out += "</failure>";
  return out;
}

void appendAttr(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "='";
  xml::appendEscapedAttribute(out, value);
  out += '\'';
}

/** <db:NAME from to [id] type [/>|>error</db:NAME>] with the db prefix of our header. */
std::string dialbackXml(std::string_view name, std::string_view from, std::string_view to,
                        std::optional<std::string_view> id, std::string_view type,
                        std::string_view error_child = {}) {
  std::string out = "<db:";
  out += name;
  appendAttr(out, "from", from);
  appendAttr(out, "to", to);
  if (id) {
    appendAttr(out, "id", *id);
  }
  appendAttr(out, "type", type);
  if (error_child.empty()) {
    out += "/>";
    return out;
  }
  out += '>';
  out += error_child;
  out += "</db:";
  out += name;
  out += '>';
  return out;
}

/** The <error/> child of a dialback error (XEP-0220 §2.5); the examples all use 'cancel'. */
std::string dialbackErrorChild(StanzaErrc condition, std::string_view text) {
  return stanzaErrorChildXml(condition, StanzaErrorType::Cancel, text, {});
}

bool isStanzaName(std::string_view name) {
  return name == "message" || name == "presence" || name == "iq";
}

template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

void append(Actions& into, Actions&& from) {
  for (Action& action : from) {
    into.push_back(std::move(action));
  }
}

}  // namespace

std::string_view stateName(InboundNegotiator::State state) {
  switch (state) {
    case InboundNegotiator::State::AwaitingHeader:
      return "awaiting-header";
    case InboundNegotiator::State::TlsHandshake:
      return "tls-handshake";
    case InboundNegotiator::State::Negotiating:
      return "negotiating";
    case InboundNegotiator::State::Established:
      return "established";
    case InboundNegotiator::State::Closed:
      return "closed";
  }
  return "?";
}

InboundNegotiator::InboundNegotiator(const NegotiationContext& context, std::string stream_id,
                                     bool direct_tls)
    : context_(context),
      base_stream_id_(stream_id),
      stream_id_(std::move(stream_id)),
      direct_tls_(direct_tls),
      tls_(direct_tls) {}

// ------------------------------------------------------------------------------------ events

Actions InboundNegotiator::onEvent(const xml::StreamEvent& event) {
  return std::visit(
      Overloaded{
          [this](const xml::StreamOpened& opened) { return onStreamOpened(opened); },
          [this](const xml::ElementReceived& received) { return onElement(received.element); },
          [this](const xml::StreamClosed&) { return onStreamClosed(); },
          [this](const xml::Whitespace&) { return onWhitespace(); },
          [this](const xml::Error& error) { return onParseError(error); },
      },
      event);
}

Actions InboundNegotiator::onEvent(xml::StreamEvent&& event) {
  if (auto* received = std::get_if<xml::ElementReceived>(&event)) {
    return onElement(std::move(received->element));
  }
  return onEvent(static_cast<const xml::StreamEvent&>(event));
}

Actions InboundNegotiator::onStreamOpened(const xml::StreamOpened& opened) {
  switch (state_) {
    case State::AwaitingHeader:
      break;
    case State::TlsHandshake:
      // The parser was reset at <proceed/>: anything parsed now came in the clear after it.
      return close(StreamErrc::PolicyViolation, "data sent before the TLS handshake completed");
    case State::Negotiating:
    case State::Established:
    case State::Closed:
      return {};  // a parser reports one header per reset; nothing to do
  }

  local_domain_.clear();
  remote_hint_.reset();
  peer_version_1_ = true;
  core::Result<ReceivedStreamHeader> header = checkStreamHeader(opened);
  if (!header) {
    // checkStreamHeader reports only StreamErrc codes.
    return close(static_cast<StreamErrc>(header.error().code.value()), header.error().detail);
  }
  peer_version_1_ = header->supports_features;

  if (header->from) {
    remote_hint_ = normalizeDomain(*header->from);
    if (!remote_hint_) {
      return close(StreamErrc::InvalidFrom, "'" + *header->from + "' is not a domain");
    }
  }
  if (!header->to) {
    return close(StreamErrc::HostUnknown, "the stream header has no 'to'");
  }
  std::optional<std::string> to = normalizeDomain(*header->to);
  if (!to || !context_.is_local_domain(*to)) {
    return close(StreamErrc::HostUnknown, "this server does not serve " + *header->to);
  }
  local_domain_ = *to;

  if (remote_hint_) {
    // RFC 6120 §4.9.3.14 policy-violation: the partner list is local policy. not-authorized
    // (§4.9.3.12) is about data sent before authentication, which has not happened yet.
    PartnerRules rules = rulesFor(*remote_hint_);
    if (!rules.allowed) {
      std::string text =
          rules.refusal.empty() ? *remote_hint_ + " is not an allowed partner" : rules.refusal;
      return close(StreamErrc::PolicyViolation, std::move(text));
    }
  }

  offer_ = computeOffer();
  if (authenticated_.empty()) {
    bool can_sasl = peer_version_1_ && (offer_.starttls || offer_.sasl_external);
    if (!can_sasl && !offer_.dialback) {
      // Sending empty features would leave the peer with no way forward and no reason
      // (ejabberd #3133 "Peer provided no SASL mechanisms"); say why instead.
      return close(StreamErrc::PolicyViolation, noMethodText());
    }
  }

  std::string bytes = headerXml();
  header_sent_ = true;
  if (peer_version_1_) {
    bytes += featuresXml(offer_);
    features_sent_ = true;
    errors_advertised_ = offer_.dialback;
  }
  state_ = authenticated_.empty() ? State::Negotiating : State::Established;
  Actions actions;
  actions.push_back(Send{std::move(bytes)});  // header and features in one write
  return actions;
}

Actions InboundNegotiator::onElement(const xml::Element& element) {
  if (state_ == State::Closed) {
    return {};
  }
  return onElement(xml::Element(element));
}

Actions InboundNegotiator::onElement(xml::Element&& element) {
  switch (state_) {
    case State::Closed:
    case State::AwaitingHeader:  // a parser reports no element before the header
      return {};
    case State::TlsHandshake:
      return close(StreamErrc::PolicyViolation, "data sent before the TLS handshake completed");
    case State::Negotiating:
    case State::Established:
      break;
  }
  const std::string& ns = element.ns();
  const std::string& name = element.name();
  if (ns == ns::kTls && name == "starttls") {
    return handleStarttls();
  }
  if (ns == ns::kSasl) {
    if (name == "auth") {
      return handleAuth(element);
    }
    if (name == "response") {
      return handleSaslResponse(element);
    }
    if (name == "abort") {
      if (state_ == State::Established || sasl_done_) {
        return close(StreamErrc::PolicyViolation,
                     "SASL must complete before any other authentication, and only once");
      }
      awaiting_sasl_response_ = false;
      return saslFailure("aborted", {});
    }
  }
  if (ns == ns::kDialback) {
    if (name == "result") {
      return handleDialbackResult(element);
    }
    if (name == "verify") {
      return handleDialbackVerify(element);
    }
  }
  if (ns == ns::kServer && isStanzaName(name)) {
    Actions actions = checkStanza(element);
    if (actions.empty()) {
      actions.push_back(Deliver{std::move(element)});
    }
    return actions;
  }
  if (ns == ns::kStreams && name == "error") {
    state_ = State::Closed;  // the peer closes next; answer with our close
    return {PeerClosed{}};
  }
  std::string text = "<" + name + "/>";
  if (!ns.empty()) {
    text += " in " + ns;
  }
  return close(StreamErrc::UnsupportedStanzaType, text + " is not supported on this stream");
}

Actions InboundNegotiator::onStreamClosed() {
  if (state_ == State::Closed) {
    return {};
  }
  state_ = State::Closed;
  return {PeerClosed{}};
}

Actions InboundNegotiator::onWhitespace() { return {}; }

Actions InboundNegotiator::onParseError(const xml::Error& error) {
  if (state_ == State::Closed) {
    return {};
  }
  return close(streamErrcFor(error.kind), error.text);
}

Actions InboundNegotiator::onTlsEstablished(const TlsResult& result) {
  if (state_ == State::TlsHandshake) {
    tls_ = true;
    tls_result_ = result;
    restartStream();
    state_ = State::AwaitingHeader;
    return {};
  }
  if (direct_tls_ && state_ == State::AwaitingHeader && !tls_result_known_ && !header_sent_ &&
      restarts_ == 0) {
    tls_result_ = result;
    tls_result_known_ = true;
  }
  return {};
}

Actions InboundNegotiator::onTimeout() {
  switch (state_) {
    case State::Established:
    case State::Closed:
      return {};
    case State::AwaitingHeader:
    case State::TlsHandshake:
    case State::Negotiating:
      break;
  }
  return close(StreamErrc::ConnectionTimeout, "the stream was not established in time");
}

// ------------------------------------------------------------------------------ STARTTLS

Actions InboundNegotiator::handleStarttls() {
  if (state_ == State::Negotiating && features_sent_ && offer_.starttls) {
    // RFC 6120 §5.4.3.3: what was learned before TLS is discarded, pending dialback included.
    pending_.clear();
    state_ = State::TlsHandshake;
    std::string proceed = "<proceed xmlns='";
    proceed += ns::kTls;
    proceed += "'/>";
    return {Send{std::move(proceed)}, StartTls{}, ResetParser{}};
  }
  std::string text;
  if (tls_) {
    text = "TLS is already established on this stream";
  } else if (!authenticated_.empty()) {
    text = "STARTTLS must come before authentication";
  } else if (!context_.tls_available) {
    text = "this server has no certificate for STARTTLS";
  } else {
    text = "STARTTLS is not offered to " + remote_hint_.value_or("this peer");
  }
  // RFC 6120 §5.4.2.2: the receiving entity answers a STARTTLS it will not run with <failure/>
  // and closes the stream; the stream error says why.
  std::string failure = "<failure xmlns='";
  failure += ns::kTls;
  failure += "'/>";
  Actions actions;
  actions.push_back(Send{std::move(failure)});
  append(actions, close(StreamErrc::PolicyViolation, std::move(text)));
  return actions;
}

// ------------------------------------------------------------------------- SASL EXTERNAL

Actions InboundNegotiator::handleAuth(const xml::Element& auth) {
  if (state_ == State::Established || sasl_done_) {
    return close(StreamErrc::PolicyViolation,
                 "SASL must complete before any other authentication, and only once");
  }
  awaiting_sasl_response_ = false;
  std::optional<std::string_view> mechanism = auth.attribute("mechanism");
  if (!mechanism || *mechanism != "EXTERNAL") {
    return saslFailure("invalid-mechanism", "only EXTERNAL is offered");
  }
  if (!tls_) {
    // RFC 6120 §6.5.4 encryption-required: EXTERNAL rests on the TLS certificate.
    return saslFailure("encryption-required", "SASL EXTERNAL needs TLS");
  }
  std::string data = auth.text();
  if (data.empty()) {
    // No initial response (RFC 6120 §6.4.2): an empty challenge asks for it.
    awaiting_sasl_response_ = true;
    std::string challenge = "<challenge xmlns='";
    challenge += ns::kSasl;
    challenge += "'>=</challenge>";
    return {Send{std::move(challenge)}};
  }
  return handleSaslData(data);
}

Actions InboundNegotiator::handleSaslResponse(const xml::Element& response) {
  if (state_ == State::Established || sasl_done_) {
    return close(StreamErrc::PolicyViolation,
                 "SASL must complete before any other authentication, and only once");
  }
  if (!awaiting_sasl_response_) {
    return saslFailure("malformed-request", "no SASL exchange is in progress");
  }
  awaiting_sasl_response_ = false;
  std::string data = response.text();
  return handleSaslData(data.empty() ? std::string_view("=") : std::string_view(data));
}

Actions InboundNegotiator::handleSaslData(std::string_view base64) {
  std::optional<std::string> decoded =
      base64 == "=" ? std::optional<std::string>(std::string()) : decodeBase64(base64);
  if (!decoded) {
    return saslFailure("incorrect-encoding", "the authorization identity is not valid base64");
  }
  // XEP-0178: an empty authzid ('=') stands for the stream's 'from'.
  std::string authzid = decoded->empty() ? remote_hint_.value_or(std::string()) : *decoded;
  if (authzid.empty()) {
    return saslFailure("not-authorized",
                       "no identity to authenticate: the stream header has no 'from' and the "
                       "authorization identity is empty");
  }
  std::optional<std::string> domain = normalizeDomain(authzid);
  if (!domain) {
    return saslFailure("invalid-authzid", "the authorization identity is not a domain");
  }
  if (remote_hint_ && *domain != *remote_hint_) {
    // XEP-0178: the initiator authorizes as its stream 'from'; anything else is not ours to grant.
    return saslFailure("invalid-authzid",
                       "the authorization identity must be the stream's 'from', " + *remote_hint_);
  }
  PartnerRules rules = rulesFor(*domain);
  if (!rules.allowed) {
    return saslFailure("not-authorized", rules.refusal.empty()
                                             ? *domain + " is not an allowed partner"
                                             : rules.refusal);
  }
  if (!rules.sasl_external_allowed) {
    return saslFailure("not-authorized", "SASL EXTERNAL is not allowed for " + *domain);
  }
  if (!certificateValidFor(*domain)) {
    return saslFailure("not-authorized", "the certificate presented is not valid for " + *domain);
  }
  DomainPair pair{.local = local_domain_, .remote = *domain};
  pending_.clear();  // RFC 6120 §6.4.6: only what SASL established is kept
  authenticated_.push_back(pair);
  sasl_done_ = true;
  restartStream();
  state_ = State::AwaitingHeader;
  std::string success = "<success xmlns='";
  success += ns::kSasl;
  success += "'/>";
  return {Send{std::move(success)},
          PairAuthenticated{.pair = std::move(pair), .mechanism = AuthMechanism::SaslExternal},
          ResetParser{}};
}

Actions InboundNegotiator::saslFailure(std::string_view condition, std::string_view text) {
  ++sasl_failures_;
  Actions actions;
  actions.push_back(Send{saslFailureXml(condition, text)});
  if (sasl_failures_ >= kMaxSaslFailures) {
    // RFC 6120 §6.4.5: past the allowed retries, close with policy-violation.
    append(actions, close(StreamErrc::PolicyViolation, "too many failed SASL attempts"));
  }
  return actions;
}

// ------------------------------------------------------------------------------- dialback

Actions InboundNegotiator::handleDialbackResult(const xml::Element& result) {
  if (result.attribute("type")) {
    // XEP-0220 §2.2: requests on an inbound stream carry no type; a typed one answers a
    // request we never made here (§3.1, unsolicited dialback).
    return close(StreamErrc::NotAuthorized, "unsolicited <db:result/> answer on an inbound stream");
  }
  std::optional<std::string_view> from = result.attribute("from");
  std::optional<std::string_view> to = result.attribute("to");
  if (!from || !to || from->empty() || to->empty()) {
    return close(StreamErrc::ImproperAddressing, "<db:result/> needs 'from' and 'to'");
  }
  std::optional<std::string> remote = normalizeDomain(*from);
  if (!remote) {
    return close(StreamErrc::ImproperAddressing, "the 'from' of <db:result/> is not a domain");
  }
  std::optional<std::string> local = normalizeDomain(*to);
  if (!local || !context_.is_local_domain(*local)) {
    // XEP-0220 §2.5 item-not-found; the error names the requested domain as its 'from'.
    DomainPair as_sent{.local = std::string(*to), .remote = *remote};
    return dialbackRefusal(as_sent, StanzaErrc::ItemNotFound, StreamErrc::HostUnknown,
                           "this server does not serve " + std::string(*to));
  }
  DomainPair pair{.local = *local, .remote = *remote};
  if (isAuthenticated(pair)) {
    return {Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "valid")}};
  }
  if (isPending(pair)) {
    return {};  // the answer to the first request covers this one
  }
  PartnerRules rules = rulesFor(pair.remote);
  if (!rules.allowed) {
    return dialbackRefusal(
        pair, StanzaErrc::PolicyViolation, StreamErrc::PolicyViolation,
        rules.refusal.empty() ? pair.remote + " is not an allowed partner" : rules.refusal);
  }
  if (!rules.dialback_allowed) {
    // XEP-0220 §2.5 not-authorized: proof by certificate (SASL EXTERNAL) is required.
    return dialbackRefusal(
        pair, StanzaErrc::NotAuthorized, StreamErrc::NotAuthorized,
        "dialback is disabled for " + pair.remote + "; authenticate with SASL EXTERNAL");
  }
  if (rules.tls_required && !tls_) {
    // XEP-0220 §2.5 policy-violation: TLS is mandatory before dialback.
    return dialbackRefusal(pair, StanzaErrc::PolicyViolation, StreamErrc::PolicyViolation,
                           "TLS is required for " + pair.remote + " before dialback");
  }
  if (pending_.size() + authenticated_.size() >= kMaxDomainPairs) {
    return dialbackRefusal(pair, StanzaErrc::ResourceConstraint, StreamErrc::ResourceConstraint,
                           "too many domain pairs on one stream");
  }
  pending_.push_back(pair);
  return {VerifyDialback{.pair = std::move(pair),
                         .stream_id = stream_id_,
                         .key = std::string(core::trim(result.text()))}};
}

Actions InboundNegotiator::handleDialbackVerify(const xml::Element& verify) {
  if (verify.attribute("type")) {
    return close(StreamErrc::NotAuthorized, "unsolicited <db:verify/> answer on an inbound stream");
  }
  std::optional<std::string_view> from = verify.attribute("from");
  std::optional<std::string_view> to = verify.attribute("to");
  std::optional<std::string_view> id = verify.attribute("id");
  if (!from || !to || from->empty() || to->empty()) {
    return close(StreamErrc::ImproperAddressing, "<db:verify/> needs 'from' and 'to'");
  }
  if (!id || id->empty()) {
    return close(StreamErrc::InvalidXml, "<db:verify/> needs an 'id' (XEP-0220 schema)");
  }
  std::optional<std::string> receiving = normalizeDomain(*from);
  if (!receiving) {
    return close(StreamErrc::ImproperAddressing, "the 'from' of <db:verify/> is not a domain");
  }
  std::optional<std::string> originating = normalizeDomain(*to);
  if (!originating || !context_.is_local_domain(*originating)) {
    if (errors_advertised_) {
      return {
          Send{dialbackXml("verify", *to, *receiving, *id, "error",
                           dialbackErrorChild(StanzaErrc::ItemNotFound,
                                              "this server does not serve " + std::string(*to)))}};
    }
    return close(StreamErrc::HostUnknown, "this server does not serve " + std::string(*to));
  }
  // We are the authoritative server for `to` (XEP-0220 §2.2.2): the originating server `to`
  // generated the key for the stream it opened to the receiving server `from`, whose response
  // header had id X. XEP-0185: key = HMAC(SHA256(secret), receiving ' ' originating ' ' X).
  // An empty secret would make every key guessable: never confirm one then.
  bool valid =
      !context_.dialback_secret.empty() &&
      dialbackKeysEqual(dialbackKey(context_.dialback_secret, *receiving, *originating, *id),
                        core::trim(verify.text()));
  return {Send{dialbackXml("verify", *originating, *receiving, *id, valid ? "valid" : "invalid")}};
}

Actions InboundNegotiator::onDialbackVerified(const DomainPair& pair, bool valid) {
  if (state_ == State::Closed || !isPending(pair)) {
    return {};  // dropped at a restart, or never asked: nothing to answer
  }
  erasePending(pair);
  if (valid) {
    authenticated_.push_back(pair);
    state_ = State::Established;
    return {Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "valid")},
            PairAuthenticated{.pair = pair, .mechanism = AuthMechanism::Dialback}};
  }
  std::string reason = "the dialback key of " + pair.remote + " is not valid";
  if (errors_advertised_) {
    // XEP-0220 §2.1.2: a <forbidden/> dialback error refuses this pair and keeps the stream
    // for the others; type='invalid' would oblige us to close it (§2.2.1).
    return {Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "error",
                             dialbackErrorChild(StanzaErrc::Forbidden, reason))},
            PairRejected{.pair = pair, .reason = reason}};
  }
  Actions actions;
  actions.push_back(Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "invalid")});
  actions.push_back(PairRejected{.pair = pair, .reason = reason});
  append(actions, close(StreamErrc::NotAuthorized, reason));  // XEP-0220 §2.2.1 MUST close
  return actions;
}

Actions InboundNegotiator::onDialbackError(const DomainPair& pair, StanzaErrc condition) {
  if (state_ == State::Closed || !isPending(pair)) {
    return {};
  }
  erasePending(pair);
  std::string reason = "the dialback key of " + pair.remote + " could not be verified";
  if (errors_advertised_) {
    return {Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "error",
                             dialbackErrorChild(condition, reason))},
            PairRejected{.pair = pair, .reason = reason}};
  }
  Actions actions;
  actions.push_back(PairRejected{.pair = pair, .reason = reason});
  append(actions, close(StreamErrc::RemoteConnectionFailed, reason));  // RFC 3920 behaviour
  return actions;
}

Actions InboundNegotiator::dialbackRefusal(const DomainPair& pair, StanzaErrc condition,
                                           StreamErrc stream_condition, std::string text) {
  if (errors_advertised_) {
    return {Send{dialbackXml("result", pair.local, pair.remote, std::nullopt, "error",
                             dialbackErrorChild(condition, text))}};
  }
  // The peer did not see <dialback><errors/></dialback> (an RFC 3920 peer, or features that
  // left dialback out): RFC 3920 dialback reported failures as stream errors (XEP-0220 §2.5).
  return close(stream_condition, std::move(text));
}

// -------------------------------------------------------------------------------- stanzas

Actions InboundNegotiator::checkStanza(const xml::Element& stanza) {
  if (authenticated_.empty()) {
    return close(StreamErrc::NotAuthorized, "stanzas sent before the stream was authenticated");
  }
  std::optional<std::string_view> from = stanza.attribute("from");
  std::optional<std::string_view> to = stanza.attribute("to");
  if (!from || !to || from->empty() || to->empty()) {
    return close(StreamErrc::ImproperAddressing, "a stanza between servers needs 'from' and 'to'");
  }
  core::Result<Jid> from_jid = Jid::parse(*from);
  core::Result<Jid> to_jid = Jid::parse(*to);
  if (!from_jid || !to_jid) {
    return close(StreamErrc::ImproperAddressing,
                 std::string(!from_jid ? "'from'" : "'to'") + " is not a valid JID");
  }
  std::string remote(from_jid->domain());
  std::string local(to_jid->domain());
  bool remote_known = std::any_of(authenticated_.begin(), authenticated_.end(),
                                  [&](const DomainPair& p) { return p.remote == remote; });
  if (!remote_known) {
    return close(StreamErrc::InvalidFrom, remote + " is not authenticated on this stream");
  }
  if (!context_.is_local_domain(local)) {
    return close(StreamErrc::HostUnknown, "this server does not serve " + local);
  }
  if (!isAuthenticated(DomainPair{.local = local, .remote = remote})) {
    return close(StreamErrc::InvalidFrom,
                 remote + " is not authenticated for " + local + " on this stream");
  }
  return {};
}

// -------------------------------------------------------------------------------- helpers

PartnerRules InboundNegotiator::rulesFor(std::string_view domain) const {
  return context_.rules_for ? context_.rules_for(domain) : PartnerRules{};
}

bool InboundNegotiator::certificateValidFor(std::string_view domain) const {
  return tls_ && tls_result_.certificate_valid_for && tls_result_.certificate_valid_for(domain);
}

InboundNegotiator::Offer InboundNegotiator::computeOffer() const {
  PartnerRules rules;
  if (remote_hint_) {
    rules = rulesFor(*remote_hint_);
  } else {
    // No 'from': offer the most we can and apply each domain's rules when it authenticates.
    // Never EXTERNAL: XEP-0178 §2 offers it only for an identity the certificate proves.
    rules = PartnerRules{.allowed = true,
                         .refusal = {},
                         .tls_offered = true,
                         .tls_required = false,
                         .sasl_external_allowed = false,
                         .dialback_allowed = true};
  }
  Offer offer;
  offer.starttls = !tls_ && rules.tls_offered && context_.tls_available;
  offer.starttls_required = offer.starttls && rules.tls_required;
  offer.sasl_external = tls_ && !sasl_done_ && authenticated_.empty() && remote_hint_ &&
                        rules.sasl_external_allowed && certificateValidFor(*remote_hint_);
  offer.dialback = rules.dialback_allowed && (tls_ || !rules.tls_required);
  return offer;
}

std::string InboundNegotiator::noMethodText() const {
  std::string remote = remote_hint_.value_or("this peer");
  PartnerRules rules = rulesFor(remote);
  if (rules.tls_required && !tls_) {
    if (!peer_version_1_) {
      return "TLS is required for " + remote + " and a stream without version 1.0 cannot use it";
    }
    return "TLS is required for " + remote + " but this server has no certificate for it";
  }
  std::string text = "no authentication method is left for " + remote + ": ";
  if (!rules.sasl_external_allowed) {
    text += "SASL EXTERNAL is not allowed";
  } else if (!tls_) {
    text += "SASL EXTERNAL needs TLS";
  } else {
    text += "the certificate presented is not valid for it";
  }
  text += rules.dialback_allowed ? " and dialback needs TLS" : " and dialback is disabled";
  return text;
}

std::string InboundNegotiator::headerXml() const {
  return streamHeaderXml({.from = local_domain_,
                          .to = remote_hint_.value_or(std::string()),
                          .id = stream_id_,
                          .lang = "en",
                          .version_1_0 = peer_version_1_});
}

std::string InboundNegotiator::featuresXml(const Offer& offer) const {
  xml::Element features(ns::kStreams, "features");
  if (offer.starttls) {
    xml::Element& starttls = features.addChild(xml::Element(ns::kTls, "starttls"));
    if (offer.starttls_required) {
      starttls.addChild(xml::Element(ns::kTls, "required"));
    }
  }
  if (offer.sasl_external) {
    xml::Element& mechanisms = features.addChild(xml::Element(ns::kSasl, "mechanisms"));
    mechanisms.addChild(xml::Element(ns::kSasl, "mechanism")).addText("EXTERNAL");
  }
  if (offer.dialback) {
    features.addChild(xml::Element(ns::kDialbackFeature, "dialback"))
        .addChild(xml::Element(ns::kDialbackFeature, "errors"));
  }
  return toXmlInStream(features);
}

Actions InboundNegotiator::close(StreamErrc condition, std::string text) {
  Actions actions;
  if (!header_sent_ && state_ != State::TlsHandshake) {
    // RFC 6120 §4.9.1.2: an error during setup still goes after our stream header.
    actions.push_back(Send{headerXml()});
    header_sent_ = true;
  }
  actions.push_back(CloseStream{.condition = condition, .text = std::move(text)});
  state_ = State::Closed;
  return actions;
}

void InboundNegotiator::restartStream() {
  ++restarts_;
  stream_id_ = base_stream_id_ + "." + std::to_string(restarts_);
  header_sent_ = false;
  features_sent_ = false;
  errors_advertised_ = false;
  awaiting_sasl_response_ = false;
  offer_ = {};
}

bool InboundNegotiator::isAuthenticated(const DomainPair& pair) const {
  return std::find(authenticated_.begin(), authenticated_.end(), pair) != authenticated_.end();
}

bool InboundNegotiator::isPending(const DomainPair& pair) const {
  return std::find(pending_.begin(), pending_.end(), pair) != pending_.end();
}

void InboundNegotiator::erasePending(const DomainPair& pair) {
  pending_.erase(std::remove(pending_.begin(), pending_.end(), pair), pending_.end());
}

}  // namespace xfed::xmpp::s2s
