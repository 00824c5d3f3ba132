// SPDX-License-Identifier: Apache-2.0
// Conversation tests of the outbound s2s negotiator: the peer's bytes go through a real
// xml::StreamParser into the negotiator, and what we send goes through a second parser, the
// peer's, so every test also checks that our output is a well-formed stream. The transcripts
// are shaped as Prosody 0.12.3 and ejabberd 23.01 answer (read from their code: Prosody's
// mod_s2s/mod_tls/mod_saslauth/mod_dialback and util/xmppstream.lua; ejabberd's
// xmpp_stream_in, ejabberd_s2s_in and mod_s2s_dialback), and as Google Talk's pre-1.0 server
// did. The tests named Row* follow the transition table of outbound_negotiator.h, in order.
#include "xmpp/s2s/outbound_negotiator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/strings.h"
#include "xml/serializer.h"
#include "xml/stream_parser.h"
#include "xmpp/errors.h"
#include "xmpp/namespaces.h"
#include "xmpp/s2s/dialback_key.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::xmpp::s2s {
namespace {

using State = OutboundNegotiator::State;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;

constexpr std::string_view kSecret = "s3cr3t-dialback-passphrase";
constexpr std::string_view kLocal = "contoso.com";

// ------------------------------------------------------------------------------- describing

constexpr std::array<std::string_view, std::variant_size_v<Action>> kActionNames = {
    "Send",          "StartTls",     "ResetParser", "VerifyDialback", "DialbackVerifyAnswer",
    "PairAuthenticated", "PairRejected", "Deliver",  "CloseStream",    "PeerClosed",
    "CloseCleanly"};

std::vector<std::string_view> kinds(const Actions& actions) {
  std::vector<std::string_view> out;
  for (const Action& action : actions) {
    out.push_back(kActionNames[action.index()]);
  }
  return out;
}

std::string describe(const Actions& actions) {
  std::string out;
  for (const Action& action : actions) {
    out += kActionNames[action.index()];
    if (const auto* send = std::get_if<Send>(&action)) {
      out += "(" + send->bytes + ")";
    } else if (const auto* rejected = std::get_if<PairRejected>(&action)) {
      out += "(" + rejected->reason + ")";
    } else if (const auto* close = std::get_if<CloseStream>(&action)) {
      out += "(" + std::string(conditionName(close->condition)) + ": " + close->text + ")";
    }
    out += "\n";
  }
  return out.empty() ? "(no actions)" : out;
}

template <class T>
const T* find(const Actions& actions) {
  for (const Action& action : actions) {
    if (const T* found = std::get_if<T>(&action)) {
      return found;
    }
  }
  return nullptr;
}

/** The bytes of every Send, concatenated. */
std::string sentBytes(const Actions& actions) {
  std::string out;
  for (const Action& action : actions) {
    if (const auto* send = std::get_if<Send>(&action)) {
      out += send->bytes;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------- partners

enum class Negotiation { Required, Optional, NotSupported };

/**
 * The partner's settings as policy::decideStreamPolicy turns them into rules
 * (src/policy/federation_policy.cc, spec §1.2), repeated because xmpp does not depend on policy.
 */
PartnerRules partner(Negotiation tls, Negotiation sasl, bool dialback) {
  using N = Negotiation;
  PartnerRules rules;
  rules.tls_offered = tls != N::NotSupported;
  rules.tls_required = tls == N::Required;
  rules.sasl_external_allowed = tls != N::NotSupported && sasl != N::NotSupported;
  rules.dialback_allowed = dialback && !(tls == N::Required && sasl == N::Required);
  rules.allowed = rules.sasl_external_allowed || rules.dialback_allowed;
  if (!rules.allowed) {
    rules.refusal = "the settings of the partner allow no authentication method";
  }
  return rules;
}

constexpr Negotiation kRequired = Negotiation::Required;
constexpr Negotiation kOptional = Negotiation::Optional;
constexpr Negotiation kNotSupported = Negotiation::NotSupported;

NegotiationContext context(bool tls_available = true) {
  NegotiationContext c;
  c.is_local_domain = [](std::string_view domain) { return core::iequals(domain, kLocal); };
  c.dialback_secret = std::string(kSecret);
  c.tls_available = tls_available;
  return c;
}

/** What the TLS layer reports for a peer whose certificate names `domain` (and chains). */
TlsResult certificateFor(std::string domain) {
  return TlsResult{[domain = std::move(domain)](std::string_view wanted) {
    return core::iequals(wanted, domain);
  }};
}

// ------------------------------------------------------------------------------- transcripts

std::string str(std::string_view a, std::string_view b = {}, std::string_view c = {},
                std::string_view d = {}, std::string_view e = {}) {
  std::string out;
  out.append(a).append(b).append(c).append(d).append(e);
  return out;
}

// Prosody 0.12.3 serving fabrikam.com: util/xmppstream.lua open_stream with mod_s2s's
// session_stream_attrs (xmlns:db, a UUID id, xml:lang='en'), after an XML declaration.
namespace prosody {
constexpr std::string_view kDomain = "fabrikam.com";
constexpr std::string_view kId1 = "5f3c3b5e-4f7a-4f0e-9a59-3a4a1b0c8d11";
constexpr std::string_view kId2 = "0c7d6a14-8b42-4a57-b1a5-7d0e2f9c6e42";
constexpr std::string_view kId3 = "a1e0c4d2-33b1-4c3e-8f0a-1d2e3f4a5b63";
std::string header(std::string_view id) {
  return str("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
             "xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' "
             "id='",
             id, "' from='fabrikam.com' to='contoso.com' version='1.0' xml:lang='en'>");
}
// mod_tls with s2s_require_encryption = true (the default) and mod_dialback, before TLS.
constexpr std::string_view kFeaturesBeforeTls =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "<dialback xmlns='urn:xmpp:features:dialback'/></stream:features>";
// After TLS: mod_saslauth offers EXTERNAL only when our chain and identity verified;
// mod_dialback 0.12.3 always adds <dialback/>, without the <errors/> child.
constexpr std::string_view kFeaturesAfterTls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL"
    "</mechanism></mechanisms><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>";
constexpr std::string_view kFeaturesDialbackOnly =
    "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>";
constexpr std::string_view kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kSuccess = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
// s2s_external_auth: <failure><not-authorized/></failure>, then session:close().
constexpr std::string_view kSaslFailureThenClose =
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>"
    "</stream:stream>";
// mod_dialback on its inbound side, once our authoritative server answered its db:verify.
std::string dialbackResult(std::string_view type, std::string_view id, std::string_view key) {
  return str("<db:result from='fabrikam.com' to='contoso.com' id='", id, "' type='", type,
             str("'>", key, "</db:result>"));
}
// session_close: the header is already out, then the error and the close.
constexpr std::string_view kHostUnknown =
    "<stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This host does not serve fabrikam.com"
    "</text></stream:error></stream:stream>";
}  // namespace prosody

// ejabberd 23.01 serving litwareinc.com: xmpp_stream_in:send_header and send_features.
namespace ejabberd {
constexpr std::string_view kDomain = "litwareinc.com";
constexpr std::string_view kId1 = "13589406237405734981";
constexpr std::string_view kId2 = "6803218417290734521";
std::string header(std::string_view id) {
  return str("<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
             "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
             "xml:lang='en' id='",
             id, "' from='litwareinc.com' to='contoso.com' version='1.0'>");
}
// s2s_use_starttls: optional. Before TLS the SASL feature is there, with no mechanism.
constexpr std::string_view kFeaturesOptionalTls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
    "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>";
// s2s_use_starttls: false.
constexpr std::string_view kFeaturesNoTls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
    "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>";
// Encrypted: EXTERNAL is offered whatever our certificate (ejabberd #2030).
constexpr std::string_view kFeaturesAfterTls =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL"
    "</mechanism></mechanisms><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
    "</stream:features>";
constexpr std::string_view kFeaturesAuthenticated = "<stream:features/>";
constexpr std::string_view kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kSuccess = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
// process_sasl_failure with xmpp_stream_pkix:format_error(hostname_mismatch); the stream stays.
constexpr std::string_view kSaslFailure =
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/>"
    "<text xml:lang='en'>Certificate host name mismatch</text></failure>";
constexpr std::string_view kDialbackValid =
    "<db:result from='litwareinc.com' to='contoso.com' type='valid'/>";
// mod_s2s_dialback:send_db_result with mk_error({dns, nxdomain}).
constexpr std::string_view kDialbackError =
    "<db:result from='litwareinc.com' to='contoso.com' type='error'><error type='cancel'>"
    "<remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    "<text xml:lang='en' xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>DNS lookup failed: "
    "non-existing domain</text></error></db:result>";
std::string verifyAnswer(std::string_view type, std::string_view id) {
  return str("<db:verify from='litwareinc.com' to='contoso.com' id='", id, "' type='", type,
             "'/>");
}
}  // namespace ejabberd

// Google Talk (gmail.com) before 2014: a pre-1.0 header (no version), no features, dialback.
namespace gtalk {
constexpr std::string_view kDomain = "gmail.com";
constexpr std::string_view kId = "B3D1A0F2E1C4B5A6";
constexpr std::string_view kHeader =
    "<stream:stream from='gmail.com' id='B3D1A0F2E1C4B5A6' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
    "xmlns:db='jabber:server:dialback'>";
constexpr std::string_view kDialbackValid =
    "<db:result from='gmail.com' to='contoso.com' type='valid'/>";
}  // namespace gtalk

// ------------------------------------------------------------------------------ the driver

/**
 * Plays the peer: what it writes goes through a real StreamParser into the negotiator; what
 * the negotiator sends goes through the peer's own parser (restarted at each of our headers,
 * as the peer restarts its stream after TLS and SASL). Performs ResetParser as the session
 * does: the rest of that read belonged to the old stream.
 */
class Conversation {
public:
  Conversation(std::string_view remote, PartnerRules rules, bool direct_tls = false,
               NegotiationContext ctx = context(), xml::Limits limits = {})
      : Conversation(OutboundNegotiator::Authenticate{{std::string(kLocal), std::string(remote)}},
                     std::move(rules), direct_tls, std::move(ctx), limits) {}

  Conversation(OutboundNegotiator::Mode mode, PartnerRules rules, bool direct_tls = false,
               NegotiationContext ctx = context(), xml::Limits limits = {})
      : negotiator_(ctx, std::move(mode), direct_tls, std::move(rules)), parser_(limits) {}

  Actions start() { return record(negotiator_.start()); }

  Actions receive(std::string_view bytes) {
    Actions all;
    for (const xml::StreamEvent& event : parser_.feed(bytes)) {
      Actions actions = negotiator_.onEvent(event);
      bool reset = find<ResetParser>(actions) != nullptr;
      for (Action& action : actions) {
        all.push_back(std::move(action));
      }
      if (reset) {
        parser_.reset();
        break;
      }
    }
    return record(std::move(all));
  }

  /** Byte by byte: the negotiator must not care how the input is split. */
  Actions receiveByteByByte(std::string_view bytes) {
    Actions all;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      for (Action& action : receive(bytes.substr(i, 1))) {
        all.push_back(std::move(action));
      }
    }
    return all;
  }

  Actions tlsEstablished(std::string certificate_domain) {
    return record(negotiator_.onTlsEstablished(certificateFor(std::move(certificate_domain))));
  }
  Actions timeout() { return record(negotiator_.onTimeout()); }

  /** The elements the peer read from us, in order (headers not included). */
  const std::vector<xml::Element>& sent() const { return sent_elements_; }
  /** How many stream headers we sent. */
  int headersSent() const { return headers_sent_; }
  /** Every action so far. */
  const Actions& history() const { return history_; }

  OutboundNegotiator& negotiator() { return negotiator_; }
  State state() const { return negotiator_.state(); }

  /** Start, and read the peer's header: the common opening. */
  void open(std::string_view peer_header) {
    EXPECT_THAT(kinds(start()), ElementsAre("Send"));
    receive(peer_header);
  }

private:
  Actions record(Actions actions) {
    for (const Action& action : actions) {
      history_.push_back(action);
      if (const auto* send = std::get_if<Send>(&action)) {
        if (send->bytes.starts_with("<stream:stream")) {
          peer_parser_.reset();
          ++headers_sent_;
        }
        for (xml::StreamEvent& event : peer_parser_.feed(send->bytes)) {
          if (auto* element = std::get_if<xml::ElementReceived>(&event)) {
            sent_elements_.push_back(std::move(element->element));
          } else if (const auto* error = std::get_if<xml::Error>(&event)) {
            ADD_FAILURE() << "the peer cannot parse what we sent: " << error->text << "\n"
                          << send->bytes;
          }
        }
      }
    }
    int outcomes = 0;
    for (const Action& action : history_) {
      outcomes += std::holds_alternative<PairAuthenticated>(action) ||
                  std::holds_alternative<PairRejected>(action) ||
                  std::holds_alternative<DialbackVerifyAnswer>(action);
    }
    EXPECT_LE(outcomes, 1) << "more than one outcome:\n" << describe(history_);
    return actions;
  }

  OutboundNegotiator negotiator_;
  xml::StreamParser parser_;       // ours: reads the peer
  xml::StreamParser peer_parser_;  // the peer's: reads us
  std::vector<xml::Element> sent_elements_;
  int headers_sent_ = 0;
  Actions history_;
};

std::string ourHeader(std::string_view remote) {
  return streamHeaderXml(
      {.from = std::string(kLocal), .to = std::string(remote), .lang = "en"});
}

/** <db:result/> as we must send it on a stream with id `id`. */
std::string expectedDialbackResult(std::string_view remote, std::string_view id) {
  return str("<db:result from='contoso.com' to='", remote, "'>",
             dialbackKey(kSecret, remote, kLocal, id), "</db:result>");
}

constexpr std::string_view kStartTls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kAuthExternal =
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>Y29udG9zby5jb20=</auth>";

/** Prosody up to the features after TLS (the certificate it presents names `certificate`). */
void prosodyUntilFeaturesAfterTls(Conversation& peer, std::string certificate) {
  peer.open(prosody::header(prosody::kId1));
  ASSERT_EQ(sentBytes(peer.receive(prosody::kFeaturesBeforeTls)), kStartTls);
  ASSERT_THAT(kinds(peer.receive(prosody::kProceed)), ElementsAre("StartTls", "ResetParser"));
  ASSERT_EQ(sentBytes(peer.tlsEstablished(std::move(certificate))), ourHeader(prosody::kDomain));
  ASSERT_THAT(peer.receive(prosody::header(prosody::kId2)), testing::IsEmpty());
}

// ===================================================================== the transition table

// Idle, start() -> AwaitingStreamHeader / Send(header)
TEST(OutboundNegotiatorTest, RowStartSendsOurHeaderFromLocalToRemote) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  Actions actions = peer.start();
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));
  EXPECT_EQ(std::get<Send>(actions[0]).bytes,
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' from='contoso.com' to='fabrikam.com' "
            "version='1.0' xml:lang='en'>");
  EXPECT_EQ(peer.state(), State::AwaitingStreamHeader);
  EXPECT_EQ(peer.headersSent(), 1);
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
}

// Idle, start(), rules.allowed is false -> Closed / Send(header) PairRejected CloseStream
TEST(OutboundNegotiatorTest, RowStartRefusesAPartnerTheRulesDoNotAllow) {
  PartnerRules rules;  // allowed = false
  rules.refusal = "fabrikam.com is not an allowed XMPP partner of this organisation";
  Conversation peer(prosody::kDomain, rules);
  Actions actions = peer.start();
  ASSERT_THAT(kinds(actions), ElementsAre("Send", "PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[1]).reason, rules.refusal);
  EXPECT_EQ(std::get<CloseStream>(actions[2]).condition, StreamErrc::PolicyViolation);
  EXPECT_EQ(peer.state(), State::Closed);
}

// Idle, onTlsEstablished (direct TLS) -> Idle, verdict recorded; no STARTTLS, EXTERNAL at once
TEST(OutboundNegotiatorTest, RowDirectTlsRecordsTheCertificateBeforeStart) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true), /*direct_tls=*/true);
  EXPECT_THAT(peer.tlsEstablished("fabrikam.com"), testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::Idle);
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
  peer.open(prosody::header(prosody::kId1));
  // XEP-0368: STARTTLS is never negotiated inside direct TLS; Prosody offers what it offers
  // after TLS.
  EXPECT_EQ(sentBytes(peer.receive(prosody::kFeaturesAfterTls)), kAuthExternal);
  EXPECT_EQ(peer.state(), State::AwaitingSaslResult);
}

TEST(OutboundNegotiatorTest, DirectTlsWithoutAVerdictCountsTheCertificateAsNotValid) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true), /*direct_tls=*/true);
  peer.open(prosody::header(prosody::kId1));
  EXPECT_EQ(sentBytes(peer.receive(prosody::kFeaturesAfterTls)),
            expectedDialbackResult(prosody::kDomain, prosody::kId1));
}

// AwaitingStreamHeader, header checkStreamHeader refuses -> Closed / PairRejected CloseStream
TEST(OutboundNegotiatorTest, RowRefusesAHeaderWithTheClientNamespace) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.start();
  Actions actions = peer.receive(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "id='c2s1' from='fabrikam.com' version='1.0'>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::InvalidNamespace);
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason, HasSubstr("jabber:client"));
  EXPECT_EQ(peer.state(), State::Closed);
}

TEST(OutboundNegotiatorTest, RowRefusesAHeaderWithAMalformedVersion) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.start();
  Actions actions = peer.receive(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
      "id='x' version='one'>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::UnsupportedVersion);
}

// AwaitingStreamHeader, first header over TLS, certificate not valid, dialback off
TEST(OutboundNegotiatorTest, RowRefusesWhenTheCertificateDoesNotCoverTheRemoteAndDialbackIsOff) {
  // Required/Required: SASL over TLS only ("dialback will not operate if both are required").
  Conversation peer(prosody::kDomain, partner(kRequired, kRequired, true));
  peer.open(prosody::header(prosody::kId1));
  peer.receive(prosody::kFeaturesBeforeTls);
  peer.receive(prosody::kProceed);
  peer.tlsEstablished("other.example.org");  // identity mismatch
  Actions actions = peer.receive(prosody::header(prosody::kId2));
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream")) << describe(actions);
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "the certificate of fabrikam.com does not cover its domain and dialback is off for "
            "partner fabrikam.com");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::NotAuthorized);
  EXPECT_EQ(std::get<CloseStream>(actions[1]).text, std::get<PairRejected>(actions[0]).reason);
}

// AwaitingStreamHeader, header with version 1.0 -> AwaitingFeatures
TEST(OutboundNegotiatorTest, RowKeepsTheIdOfAVersion10HeaderAndAwaitsFeatures) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.start();
  EXPECT_THAT(peer.receive(prosody::header(prosody::kId1)), testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::AwaitingFeatures);
  EXPECT_EQ(peer.negotiator().streamId(), prosody::kId1);
}

// AwaitingStreamHeader, header without version -> as features with dialback, no STARTTLS
TEST(OutboundNegotiatorTest, RowPre10PeerGoesStraightToDialback) {
  Conversation peer(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.start();
  Actions actions = peer.receive(gtalk::kHeader);
  EXPECT_EQ(sentBytes(actions), expectedDialbackResult(gtalk::kDomain, gtalk::kId));
  EXPECT_EQ(peer.state(), State::AwaitingDialbackResult);
}

TEST(OutboundNegotiatorTest, RowPre10PeerIsRefusedWhenTlsIsRequired) {
  Conversation peer(gtalk::kDomain, partner(kRequired, kNotSupported, true));
  peer.start();
  Actions actions = peer.receive(gtalk::kHeader);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("TLS is Required for partner gmail.com but the peer is a pre-1.0 "
                        "server"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::PolicyViolation);
}

// F1: no TLS, <starttls/> offered, tls_offered, tls_available -> Send(<starttls/>)
TEST(OutboundNegotiatorTest, RowF1StartsTlsWhenOfferedAndAllowed) {
  Conversation peer(prosody::kDomain, partner(kOptional, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  Actions actions = peer.receive(prosody::kFeaturesBeforeTls);
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));
  EXPECT_EQ(std::get<Send>(actions[0]).bytes, kStartTls);
  EXPECT_EQ(peer.state(), State::AwaitingTlsProceed);
}

// F2: no TLS, tls_required -> PairRejected CloseStream(policy-violation); matrix
// Required/Required/False against ejabberd with s2s_use_starttls: false.
TEST(OutboundNegotiatorTest, RowF2RefusesWhenTlsIsRequiredButNotOffered) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kRequired, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  const std::string reason =
      "TLS is Required for partner litwareinc.com but the peer does not offer STARTTLS";
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason, reason);
  EXPECT_EQ(std::get<PairRejected>(actions[0]).pair,
            (DomainPair{"contoso.com", "litwareinc.com"}));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::PolicyViolation);
  EXPECT_EQ(std::get<CloseStream>(actions[1]).text, reason);  // the peer's admin sees it too
  EXPECT_EQ(peer.state(), State::Closed);
}

TEST(OutboundNegotiatorTest, RowF2RefusesWhenTlsIsRequiredAndThisEdgeHasNoCertificate) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true), false,
                    context(/*tls_available=*/false));
  peer.open(prosody::header(prosody::kId1));
  Actions actions = peer.receive(prosody::kFeaturesBeforeTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("this edge has no certificate"));
}

// F2b: the peer marks STARTTLS required, we do not start TLS -> unsupported-feature
TEST(OutboundNegotiatorTest, RowF2bRefusesWhenThePeerRequiresTlsAndThePartnerIsNotSupported) {
  // Google-Talk-style settings against a Prosody that requires encryption.
  Conversation peer(prosody::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(prosody::header(prosody::kId1));
  Actions actions = peer.receive(prosody::kFeaturesBeforeTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "fabrikam.com requires STARTTLS but TLS negotiation is NotSupported for partner "
            "fabrikam.com");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::UnsupportedFeature);
}

// F3: mode VerifyOnly -> Send(<db:verify/>)
TEST(OutboundNegotiatorTest, RowF3VerifyOnlySendsTheKeyForTheInboundStream) {
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "litwareinc.com"},
                                                   "in-stream-42", "0123abcd"},
                    partner(kOptional, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  EXPECT_EQ(sentBytes(actions),
            "<db:verify from='contoso.com' to='litwareinc.com' id='in-stream-42'>0123abcd"
            "</db:verify>");
  EXPECT_EQ(peer.state(), State::AwaitingVerifyResult);
}

TEST(OutboundNegotiatorTest, RowF3VerifyOnlyNegotiatesTlsFirstAndNeverSasl) {
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "fabrikam.com"}, "in-7", "k"},
                    partner(kOptional, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  Actions actions = peer.receive(prosody::kFeaturesAfterTls);
  ASSERT_EQ(peer.sent().size(), 2u);  // <starttls/>, then <db:verify/> over TLS
  EXPECT_TRUE(peer.sent()[1].is(ns::kDialback, "verify")) << describe(actions);
}

// F3b: mode VerifyOnly, dialback off -> PairRejected CloseStream(policy-violation)
TEST(OutboundNegotiatorTest, RowF3bVerifyOnlyIsRefusedWhenDialbackIsOff) {
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "litwareinc.com"}, "in-1", "k"},
                    partner(kOptional, kOptional, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::PolicyViolation);
}

// F4: TLS, EXTERNAL offered and allowed, certificate valid -> Send(<auth/>)
TEST(OutboundNegotiatorTest, RowF4AuthenticatesWithSaslExternalAsXep0178Shows) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  Actions actions = peer.receive(prosody::kFeaturesAfterTls);
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));
  // base64("contoso.com"): what Prosody 0.12 (text == from_host) and ejabberd 23.01 accept.
  EXPECT_EQ(std::get<Send>(actions[0]).bytes, kAuthExternal);
  EXPECT_EQ(peer.state(), State::AwaitingSaslResult);
}

// F5: dialback offered, allowed, peer id known -> Send(<db:result/>)
TEST(OutboundNegotiatorTest, RowF5SendsTheDialbackKeyForTheReceivingServerAndStreamId) {
  Conversation peer(ejabberd::kDomain, partner(kOptional, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  ASSERT_EQ(sentBytes(peer.receive(ejabberd::kFeaturesOptionalTls)), kStartTls);
  peer.receive(ejabberd::kProceed);
  peer.tlsEstablished("litwareinc.com");
  peer.receive(ejabberd::header(ejabberd::kId2));
  Actions actions = peer.receive(ejabberd::kFeaturesAfterTls);  // SASL is NotSupported
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));
  ASSERT_FALSE(peer.sent().empty());
  const xml::Element& result = peer.sent().back();
  ASSERT_TRUE(result.is(ns::kDialback, "result"));
  EXPECT_EQ(result.attribute("from"), "contoso.com");
  EXPECT_EQ(result.attribute("to"), "litwareinc.com");
  // XEP-0185: receiving = the remote, originating = us, over the id of the stream after TLS.
  EXPECT_EQ(result.text(), dialbackKey(kSecret, "litwareinc.com", "contoso.com", ejabberd::kId2));
  EXPECT_NE(result.text(), dialbackKey(kSecret, "contoso.com", "litwareinc.com", ejabberd::kId2));
  EXPECT_NE(result.text(), dialbackKey(kSecret, "litwareinc.com", "contoso.com", ejabberd::kId1));
  EXPECT_EQ(peer.state(), State::AwaitingDialbackResult);
}

// F5b: the peer's header had no id -> PairRejected CloseStream(undefined-condition)
TEST(OutboundNegotiatorTest, RowF5bRefusesDialbackWhenThePeerHeaderHasNoId) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.start();
  peer.receive(
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns:db='jabber:server:dialback' from='litwareinc.com' version='1.0'>");
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason, HasSubstr("has no id"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::UndefinedCondition);
}

// F6: otherwise -> PairRejected CloseStream with what was offered and what is allowed
TEST(OutboundNegotiatorTest, RowF6RefusesWhenSettingsForbidWhatThePeerOffers) {
  // Optional/Required/False: SASL over TLS only, and ejabberd offers no TLS, only dialback.
  Conversation peer(ejabberd::kDomain, partner(kOptional, kRequired, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "no authentication method in common with litwareinc.com: the peer offers dialback; "
            "the settings of partner litwareinc.com allow SASL EXTERNAL only");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::PolicyViolation);
}

TEST(OutboundNegotiatorTest, RowF6RefusesWhenThePeerOffersNothingUsable) {
  Conversation peer(ejabberd::kDomain, partner(kOptional, kOptional, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>"
      "DIGEST-MD5</mechanism></mechanisms></stream:features>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("the peer offers SASL mechanisms other than EXTERNAL"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::UnsupportedFeature);
}

TEST(OutboundNegotiatorTest, RowF6SaysWhyExternalCouldNotBeUsed) {
  // Required/Optional/True allows SASL and TLS dialback. The certificate does not name
  // fabrikam.com (so no EXTERNAL) and this server offers EXTERNAL only (so no dialback).
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "other.example.org");
  Actions actions = peer.receive(
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>"
      "EXTERNAL</mechanism></mechanisms></stream:features>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "no authentication method in common with fabrikam.com: the peer offers SASL "
            "EXTERNAL; the settings of partner fabrikam.com allow SASL EXTERNAL and dialback; "
            "SASL EXTERNAL needs a certificate valid for fabrikam.com, and the peer's is not");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::PolicyViolation);
}

// AwaitingFeatures, features after SASL <success/> and the restart -> PairAuthenticated
TEST(OutboundNegotiatorTest, RowFeaturesAfterSaslSuccessAuthenticateThePair) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kOptional, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesOptionalTls);
  peer.receive(ejabberd::kProceed);
  peer.tlsEstablished("litwareinc.com");
  peer.receive(ejabberd::header(ejabberd::kId2));
  ASSERT_EQ(sentBytes(peer.receive(ejabberd::kFeaturesAfterTls)), kAuthExternal);
  peer.receive(ejabberd::kSuccess);
  EXPECT_THAT(peer.receive(ejabberd::header("8391020349")), testing::IsEmpty());
  Actions actions = peer.receive(ejabberd::kFeaturesAuthenticated);
  ASSERT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(actions[0]).pair,
            (DomainPair{"contoso.com", "litwareinc.com"}));
  EXPECT_EQ(std::get<PairAuthenticated>(actions[0]).mechanism, AuthMechanism::SaslExternal);
  EXPECT_EQ(peer.negotiator().mechanism(), AuthMechanism::SaslExternal);
  EXPECT_EQ(peer.state(), State::Established);
  EXPECT_EQ(peer.headersSent(), 3);  // initial, after TLS, after SASL
}

// AwaitingTlsProceed, <proceed/> -> TlsHandshake / StartTls ResetParser
TEST(OutboundNegotiatorTest, RowProceedStartsTlsAndResetsTheParser) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  peer.receive(prosody::kFeaturesBeforeTls);
  Actions actions = peer.receive(prosody::kProceed);
  EXPECT_THAT(kinds(actions), ElementsAre("StartTls", "ResetParser"));
  EXPECT_EQ(peer.state(), State::TlsHandshake);
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
}

// AwaitingTlsProceed, <failure/> -> Closed / PairRejected PeerClosed
TEST(OutboundNegotiatorTest, RowTlsFailureEndsTheStream) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  peer.receive(prosody::kFeaturesBeforeTls);
  // RFC 6120 §5.4.2.2: <failure/>, then the receiving entity closes the stream.
  Actions actions =
      peer.receive("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "PeerClosed"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason, HasSubstr("STARTTLS with <failure/>"));
  EXPECT_EQ(peer.state(), State::Closed);
}

// TlsHandshake, onTlsEstablished -> AwaitingStreamHeader / Send(header)
TEST(OutboundNegotiatorTest, RowTlsEstablishedRestartsTheStreamWithTheSameHeader) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  peer.receive(prosody::kFeaturesBeforeTls);
  peer.receive(prosody::kProceed);
  Actions actions = peer.tlsEstablished("fabrikam.com");
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));
  EXPECT_EQ(std::get<Send>(actions[0]).bytes, ourHeader(prosody::kDomain));
  EXPECT_EQ(peer.state(), State::AwaitingStreamHeader);
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
  EXPECT_EQ(peer.headersSent(), 2);
  peer.receive(prosody::header(prosody::kId2));
  EXPECT_EQ(peer.negotiator().streamId(), prosody::kId2);  // the restarted stream's id
}

// AwaitingSaslResult, <success/> -> AwaitingStreamHeader / ResetParser Send(header)
TEST(OutboundNegotiatorTest, RowSaslSuccessResetsTheParserAndRestartsTheStream) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  peer.receive(prosody::kFeaturesAfterTls);
  Actions actions = peer.receive(prosody::kSuccess);
  ASSERT_THAT(kinds(actions), ElementsAre("ResetParser", "Send"));
  EXPECT_EQ(std::get<Send>(actions[1]).bytes, ourHeader(prosody::kDomain));
  EXPECT_EQ(peer.state(), State::AwaitingStreamHeader);
  EXPECT_FALSE(peer.negotiator().mechanism());  // not before the new features
  peer.receive(prosody::header(prosody::kId3));
  // Prosody 0.12 after EXTERNAL: mod_dialback still adds its feature; it means nothing now.
  Actions done = peer.receive(prosody::kFeaturesDialbackOnly);
  ASSERT_THAT(kinds(done), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(done[0]).mechanism, AuthMechanism::SaslExternal);
}

// AwaitingSaslResult, <failure/>, dialback offered and allowed -> Send(<db:result/>), no restart
TEST(OutboundNegotiatorTest, RowSaslFailureFallsBackToDialbackOnTheSameStream) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kOptional, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesOptionalTls);
  peer.receive(ejabberd::kProceed);
  peer.tlsEstablished("litwareinc.com");
  peer.receive(ejabberd::header(ejabberd::kId2));
  peer.receive(ejabberd::kFeaturesAfterTls);
  Actions actions = peer.receive(ejabberd::kSaslFailure);
  ASSERT_THAT(kinds(actions), ElementsAre("Send"));  // no ResetParser, no header
  EXPECT_EQ(std::get<Send>(actions[0]).bytes,
            expectedDialbackResult(ejabberd::kDomain, ejabberd::kId2));
  EXPECT_EQ(peer.headersSent(), 2);
  Actions done = peer.receive(ejabberd::kDialbackValid);
  ASSERT_THAT(kinds(done), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(done[0]).mechanism, AuthMechanism::Dialback);
}

TEST(OutboundNegotiatorTest, RowSaslFailureThenProsodyClosesReportsBoth) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  peer.receive(prosody::kFeaturesAfterTls);
  Actions actions = peer.receive(prosody::kSaslFailureThenClose);
  ASSERT_THAT(kinds(actions), ElementsAre("Send", "PairRejected", "PeerClosed"));
  const std::string& reason = std::get<PairRejected>(actions[1]).reason;
  EXPECT_THAT(reason, HasSubstr("fabrikam.com closed the stream"));
  EXPECT_THAT(reason, HasSubstr("SASL EXTERNAL failed at fabrikam.com (not-authorized)"));
}

// AwaitingSaslResult, <failure/>, otherwise -> PairRejected CloseStream(not-authorized)
TEST(OutboundNegotiatorTest, RowSaslFailureWithoutDialbackRefuses) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kOptional, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesOptionalTls);
  peer.receive(ejabberd::kProceed);
  peer.tlsEstablished("litwareinc.com");
  peer.receive(ejabberd::header(ejabberd::kId2));
  peer.receive(ejabberd::kFeaturesAfterTls);
  Actions actions = peer.receive(ejabberd::kSaslFailure);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "SASL EXTERNAL failed at litwareinc.com (not-authorized: Certificate host name "
            "mismatch); dialback is off for partner litwareinc.com");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::NotAuthorized);
}

// AwaitingDialbackResult, type='valid' -> Established / PairAuthenticated(Dialback)
TEST(OutboundNegotiatorTest, RowDialbackValidAuthenticatesThePair) {
  Conversation peer(prosody::kDomain, partner(kOptional, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "other.example.org");
  std::string key = dialbackKey(kSecret, prosody::kDomain, kLocal, prosody::kId2);
  ASSERT_EQ(sentBytes(peer.receive(prosody::kFeaturesAfterTls)),
            expectedDialbackResult(prosody::kDomain, prosody::kId2));
  Actions actions = peer.receive(prosody::dialbackResult("valid", prosody::kId2, key));
  ASSERT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(actions[0]).mechanism, AuthMechanism::Dialback);
  EXPECT_EQ(peer.negotiator().mechanism(), AuthMechanism::Dialback);
  EXPECT_EQ(peer.state(), State::Established);
}

// AwaitingDialbackResult, type='invalid' | 'error' -> PairRejected CloseStream(not-authorized)
TEST(OutboundNegotiatorTest, RowDialbackInvalidRejectsThePair) {
  Conversation peer(prosody::kDomain, partner(kOptional, kNotSupported, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  peer.receive(prosody::kFeaturesDialbackOnly);
  Actions actions = peer.receive(prosody::dialbackResult("invalid", prosody::kId2, "abc"));
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "fabrikam.com refused our dialback key for contoso.com (type='invalid')");
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::NotAuthorized);
}

TEST(OutboundNegotiatorTest, RowDialbackErrorRejectsWithTheConditionAndText) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions = peer.receive(ejabberd::kDialbackError);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "litwareinc.com could not verify our dialback key for contoso.com: "
            "remote-server-not-found: DNS lookup failed: non-existing domain");
}

TEST(OutboundNegotiatorTest, RowDialbackErrorInTheDialbackNamespaceIsReadToo) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions = peer.receive(
      "<db:result from='litwareinc.com' to='contoso.com' type='error'><db:error type='cancel'>"
      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></db:error></db:result>");
  ASSERT_NE(find<PairRejected>(actions), nullptr);
  EXPECT_THAT(find<PairRejected>(actions)->reason, HasSubstr(": item-not-found"));
}

// AwaitingDialbackResult, an answer not from remote to local -> invalid-from | improper-addr.
TEST(OutboundNegotiatorTest, RowDialbackAnswerForAnotherPairIsRefused) {
  struct Case {
    std::string_view answer;
    StreamErrc condition;
  };
  const Case cases[] = {
      {"<db:result from='evil.example' to='contoso.com' type='valid'/>", StreamErrc::InvalidFrom},
      {"<db:result to='contoso.com' type='valid'/>", StreamErrc::InvalidFrom},
      {"<db:result from='litwareinc.com' to='other.test' type='valid'/>",
       StreamErrc::ImproperAddressing},
  };
  for (const Case& c : cases) {
    Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
    peer.open(ejabberd::header(ejabberd::kId1));
    peer.receive(ejabberd::kFeaturesNoTls);
    Actions actions = peer.receive(c.answer);
    ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream")) << c.answer;
    EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, c.condition) << c.answer;
    EXPECT_FALSE(peer.negotiator().mechanism());
  }
}

TEST(OutboundNegotiatorTest, RowDialbackAddressingIsCaseInsensitive) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions =
      peer.receive("<db:result from='LitwareInc.com' to='Contoso.COM' type='valid'/>");
  EXPECT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
}

// AwaitingVerifyResult, type='valid' | 'invalid' -> DialbackVerifyAnswer CloseCleanly
TEST(OutboundNegotiatorTest, RowVerifyAnswerIsReportedAndTheStreamClosedCleanly) {
  for (std::string_view type : {"valid", "invalid"}) {
    Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "litwareinc.com"},
                                                     "in-stream-42", "0123abcd"},
                      partner(kNotSupported, kNotSupported, true));
    peer.open(ejabberd::header(ejabberd::kId1));
    peer.receive(ejabberd::kFeaturesNoTls);
    Actions actions = peer.receive(ejabberd::verifyAnswer(type, "in-stream-42"));
    ASSERT_THAT(kinds(actions), ElementsAre("DialbackVerifyAnswer", "CloseCleanly")) << type;
    const auto& answer = std::get<DialbackVerifyAnswer>(actions[0]);
    EXPECT_EQ(answer.pair, (DomainPair{"contoso.com", "litwareinc.com"}));
    EXPECT_EQ(answer.stream_id, "in-stream-42");
    EXPECT_EQ(answer.valid, type == "valid");
    EXPECT_EQ(peer.state(), State::Closed);
  }
}

TEST(OutboundNegotiatorTest, RowVerifyAnswerFromProsodyCarriesTheKeyAndIsAccepted) {
  // Prosody's mod_dialback repeats the key in its answer; ejabberd does not.
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "fabrikam.com"}, "in-9", "k"},
                    partner(kOptional, kNotSupported, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  peer.receive(prosody::kFeaturesDialbackOnly);
  Actions actions = peer.receive(
      "<db:verify from='fabrikam.com' to='contoso.com' id='in-9' type='valid'>k</db:verify>");
  ASSERT_THAT(kinds(actions), ElementsAre("DialbackVerifyAnswer", "CloseCleanly"));
  EXPECT_TRUE(std::get<DialbackVerifyAnswer>(actions[0]).valid);
}

// AwaitingVerifyResult, type='error' -> PairRejected CloseCleanly
TEST(OutboundNegotiatorTest, RowVerifyErrorMeansNoAnswer) {
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "litwareinc.com"}, "in-5", "k"},
                    partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions = peer.receive(
      "<db:verify from='litwareinc.com' to='contoso.com' id='in-5' type='error'><error "
      "type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
      "</db:verify>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseCleanly"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason, HasSubstr("item-not-found"));
}

// AwaitingVerifyResult, an answer to another request -> PairRejected CloseStream
TEST(OutboundNegotiatorTest, RowVerifyAnswerForAnotherStreamIsRefused) {
  Conversation peer(OutboundNegotiator::VerifyOnly{{"contoso.com", "litwareinc.com"}, "in-5", "k"},
                    partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions = peer.receive(ejabberd::verifyAnswer("valid", "in-6"));
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::ImproperAddressing);
  EXPECT_EQ(find<DialbackVerifyAnswer>(peer.history()), nullptr);
}

// Awaiting*, Established: other elements and whitespace -> nothing
TEST(OutboundNegotiatorTest, RowOtherElementsAndWhitespaceAreIgnored) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  EXPECT_THAT(peer.receive("  <iq type='get' id='1'/>\n"), testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::AwaitingFeatures);
  peer.receive(ejabberd::kFeaturesNoTls);
  // A request (no type) is not an answer.
  EXPECT_THAT(peer.receive("<db:result from='litwareinc.com' to='contoso.com'>k</db:result>"),
              testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::AwaitingDialbackResult);
  peer.receive(ejabberd::kDialbackValid);
  ASSERT_EQ(peer.state(), State::Established);
  // After PairAuthenticated the negotiator produces nothing for what arrives: the session
  // writes the stanzas, and an outbound stream carries none inbound (RFC 6120 §4.5).
  EXPECT_THAT(peer.receive("<message from='bob@litwareinc.com' to='alice@contoso.com'>"
                           "<body>hi</body></message> <iq type='get' id='p'><ping "
                           "xmlns='urn:xmpp:ping'/></iq>\n"),
              testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::Established);
}

// any but Idle, Closed: <stream:error/> -> [PairRejected] PeerClosed
TEST(OutboundNegotiatorTest, RowStreamErrorFromThePeerRejectsWithItsConditionAndText) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  Actions actions = peer.receive(prosody::kHostUnknown);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "PeerClosed"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "fabrikam.com closed the stream with host-unknown: This host does not serve "
            "fabrikam.com (while waiting for its stream features)");
  EXPECT_EQ(peer.state(), State::Closed);
}

TEST(OutboundNegotiatorTest, RowStreamErrorAfterAuthenticationOnlyEndsTheStream) {
  Conversation peer(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(gtalk::kHeader);
  peer.receive(gtalk::kDialbackValid);
  Actions actions = peer.receive(
      "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error></stream:stream>");
  EXPECT_THAT(kinds(actions), ElementsAre("PeerClosed"));
}

// any but Idle, Closed: </stream:stream> -> [PairRejected] PeerClosed
TEST(OutboundNegotiatorTest, RowStreamCloseDuringNegotiationRejectsThePair) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  Actions actions = peer.receive("</stream:stream>");
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "PeerClosed"));
  EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
            "litwareinc.com closed the stream while waiting for the dialback result");
}

TEST(OutboundNegotiatorTest, RowStreamCloseAfterAuthenticationIsPeerClosedOnly) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesNoTls);
  peer.receive(ejabberd::kDialbackValid);
  EXPECT_THAT(kinds(peer.receive("</stream:stream>")), ElementsAre("PeerClosed"));
}

// any but Idle, Closed: parser error -> [PairRejected] CloseStream(mapped condition)
struct ParserErrorCase {
  std::string_view name;
  std::string_view bytes;  // after the peer's header
  StreamErrc condition;
};

constexpr ParserErrorCase kParserErrors[] = {
    {"NotWellFormed", "<stream:features><a></b>", StreamErrc::NotWellFormed},
    {"RestrictedXml", "<!-- a comment -->", StreamErrc::RestrictedXml},
    {"BadFormat", "hello", StreamErrc::BadFormat},
    {"TooDeep", "<a><b><c><d/></c></b></a>", StreamErrc::PolicyViolation},
    {"StanzaTooLarge", "<stream:features>0123456789012345678901234567890123456789",
     StreamErrc::PolicyViolation},
};

class OutboundParserErrorTest : public testing::TestWithParam<ParserErrorCase> {};

TEST_P(OutboundParserErrorTest, RowParserErrorClosesWithTheRfc6120Condition) {
  const ParserErrorCase& c = GetParam();
  xml::Limits limits;
  limits.max_depth = 3;
  limits.max_stanza_bytes = 32;
  Conversation peer(ejabberd::kDomain, partner(kOptional, kOptional, true), false, context(),
                    limits);
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(c.bytes);
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream")) << describe(actions);
  EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, c.condition);
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("the stream from litwareinc.com is unusable"));
  EXPECT_EQ(peer.state(), State::Closed);
}

INSTANTIATE_TEST_SUITE_P(Rfc6120, OutboundParserErrorTest, testing::ValuesIn(kParserErrors),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(OutboundNegotiatorTest, EveryParserErrorKindHasAStreamCondition) {
  using K = xml::ErrorKind;
  EXPECT_EQ(streamErrcFor(K::NotWellFormed), StreamErrc::NotWellFormed);
  EXPECT_EQ(streamErrcFor(K::RestrictedXml), StreamErrc::RestrictedXml);
  EXPECT_EQ(streamErrcFor(K::StanzaTooLarge), StreamErrc::PolicyViolation);
  EXPECT_EQ(streamErrcFor(K::TooDeep), StreamErrc::PolicyViolation);
  EXPECT_EQ(streamErrcFor(K::TooManyAttributes), StreamErrc::PolicyViolation);
  EXPECT_EQ(streamErrcFor(K::InvalidNamespace), StreamErrc::InvalidNamespace);
  EXPECT_EQ(streamErrcFor(K::BadFormat), StreamErrc::BadFormat);
  EXPECT_EQ(streamErrcFor(K::UnsupportedEncoding), StreamErrc::UnsupportedEncoding);
  EXPECT_EQ(streamErrcFor(K::ResourceConstraint), StreamErrc::ResourceConstraint);
}

TEST(OutboundNegotiatorTest, RowParserErrorAfterAuthenticationOnlyCloses) {
  Conversation peer(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(gtalk::kHeader);
  peer.receive(gtalk::kDialbackValid);
  Actions actions = peer.receive("<message><body></message>");
  ASSERT_THAT(kinds(actions), ElementsAre("CloseStream"));
  EXPECT_EQ(std::get<CloseStream>(actions[0]).condition, StreamErrc::NotWellFormed);
}

// Idle, onTimeout() -> Closed / PairRejected (no stream to close)
TEST(OutboundNegotiatorTest, RowTimeoutBeforeStartRejectsWithoutClosing) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true), /*direct_tls=*/true);
  Actions actions = peer.timeout();
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason, HasSubstr("connection-timeout"));
  EXPECT_EQ(peer.state(), State::Closed);
}

// Awaiting*, TlsHandshake: onTimeout() -> PairRejected CloseStream(connection-timeout)
TEST(OutboundNegotiatorTest, RowTimeoutDuringNegotiationRejectsAndCloses) {
  struct Step {
    State state;
    std::string_view waiting;
  };
  const Step steps[] = {
      {State::AwaitingStreamHeader, "while waiting for its stream header"},
      {State::AwaitingFeatures, "while waiting for its stream features"},
      {State::AwaitingTlsProceed, "while waiting for <proceed/> to STARTTLS"},
      {State::TlsHandshake, "during the TLS handshake"},
      {State::AwaitingSaslResult, "while waiting for the SASL EXTERNAL result"},
  };
  for (const Step& step : steps) {
    Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
    peer.start();
    const std::string script[] = {prosody::header(prosody::kId1),
                                  std::string(prosody::kFeaturesBeforeTls),
                                  std::string(prosody::kProceed)};
    for (const std::string& bytes : script) {
      if (peer.state() == step.state) {
        break;
      }
      peer.receive(bytes);
    }
    if (peer.state() != step.state) {
      peer.tlsEstablished("fabrikam.com");
      peer.receive(prosody::header(prosody::kId2));
      peer.receive(prosody::kFeaturesAfterTls);
    }
    ASSERT_EQ(peer.state(), step.state);
    Actions actions = peer.timeout();
    ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream")) << step.waiting;
    EXPECT_EQ(std::get<PairRejected>(actions[0]).reason,
              str("connection-timeout: no answer from fabrikam.com ", step.waiting));
    EXPECT_EQ(std::get<CloseStream>(actions[1]).condition, StreamErrc::ConnectionTimeout);
  }
}

TEST(OutboundNegotiatorTest, RowTimeoutWaitingForTheDialbackOrVerifyAnswer) {
  Conversation dialback(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  dialback.open(gtalk::kHeader);
  ASSERT_EQ(dialback.state(), State::AwaitingDialbackResult);
  EXPECT_THAT(kinds(dialback.timeout()), ElementsAre("PairRejected", "CloseStream"));

  Conversation verify(OutboundNegotiator::VerifyOnly{{"contoso.com", "gmail.com"}, "in-1", "k"},
                      partner(kNotSupported, kNotSupported, true));
  verify.open(gtalk::kHeader);
  ASSERT_EQ(verify.state(), State::AwaitingVerifyResult);
  Actions actions = verify.timeout();
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("while waiting for the answer to <db:verify/>"));
}

// Established, onTimeout() -> nothing
TEST(OutboundNegotiatorTest, RowTimeoutAfterAuthenticationDoesNothing) {
  Conversation peer(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(gtalk::kHeader);
  peer.receive(gtalk::kDialbackValid);
  EXPECT_THAT(peer.timeout(), testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::Established);
}

// any: an input the state does not expect -> nothing
TEST(OutboundNegotiatorTest, RowUnexpectedInputsDoNothing) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  EXPECT_THAT(peer.tlsEstablished("fabrikam.com"), testing::IsEmpty());  // not direct TLS
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
  peer.open(prosody::header(prosody::kId1));
  EXPECT_THAT(peer.start(), testing::IsEmpty());
  EXPECT_THAT(peer.tlsEstablished("fabrikam.com"), testing::IsEmpty());  // no handshake yet
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
  EXPECT_EQ(peer.state(), State::AwaitingFeatures);
  EXPECT_EQ(peer.headersSent(), 1);
}

// Closed: anything -> nothing (retired)
TEST(OutboundNegotiatorTest, RowRetiredAfterCloseEveryInputReturnsNothing) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kRequired, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  ASSERT_THAT(kinds(peer.receive(ejabberd::kFeaturesNoTls)),
              ElementsAre("PairRejected", "CloseStream"));
  ASSERT_EQ(peer.state(), State::Closed);
  EXPECT_THAT(peer.start(), testing::IsEmpty());
  EXPECT_THAT(peer.receive(ejabberd::kDialbackValid), testing::IsEmpty());
  EXPECT_THAT(peer.receive("<stream:error><conflict "
                           "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>"),
              testing::IsEmpty());
  EXPECT_THAT(peer.receive("</stream:stream>"), testing::IsEmpty());
  EXPECT_THAT(peer.tlsEstablished("litwareinc.com"), testing::IsEmpty());
  EXPECT_THAT(peer.timeout(), testing::IsEmpty());
  EXPECT_THAT(peer.negotiator().onEvent(xml::Error{xml::ErrorKind::BadFormat, "x"}),
              testing::IsEmpty());
  EXPECT_EQ(peer.state(), State::Closed);
}

// ======================================================= the negotiation matrix (spec §1.2)

// NotSupported / NotSupported / True: "TCP dialback, the only method (Google Talk case)".
TEST(OutboundNegotiatorMatrixTest, GoogleTalkNotSupportedNotSupportedDialback) {
  Conversation peer(gtalk::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.start();
  EXPECT_EQ(sentBytes(peer.receive(gtalk::kHeader)),
            expectedDialbackResult(gtalk::kDomain, gtalk::kId));
  Actions actions = peer.receive(gtalk::kDialbackValid);
  ASSERT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(actions[0]).mechanism, AuthMechanism::Dialback);
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
}

TEST(OutboundNegotiatorMatrixTest, NotSupportedTlsIgnoresAnOptionalStartTlsOffer) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  EXPECT_EQ(sentBytes(peer.receive(ejabberd::kFeaturesOptionalTls)),
            expectedDialbackResult(ejabberd::kDomain, ejabberd::kId1));
}

// Required / Required / False, no TLS offered: refused with the reason (row F2 above too).
TEST(OutboundNegotiatorMatrixTest, RequiredRequiredFalseWithoutPeerTlsIsRefusedWithTheReason) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kRequired, false));
  peer.open(ejabberd::header(ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kFeaturesNoTls);
  ASSERT_NE(find<PairRejected>(actions), nullptr);
  EXPECT_THAT(find<PairRejected>(actions)->reason, HasSubstr("TLS is Required for partner"));
  EXPECT_EQ(find<PairAuthenticated>(peer.history()), nullptr);
}

// Optional / Optional / True with peer TLS: "SASL over TLS" is the optimal choice.
TEST(OutboundNegotiatorMatrixTest, OptionalOptionalWithPeerTlsUsesSaslOverTls) {
  Conversation peer(prosody::kDomain, partner(kOptional, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "fabrikam.com");
  ASSERT_EQ(sentBytes(peer.receive(prosody::kFeaturesAfterTls)), kAuthExternal);
  peer.receive(prosody::kSuccess);
  peer.receive(prosody::header(prosody::kId3));
  Actions actions = peer.receive(prosody::kFeaturesDialbackOnly);
  ASSERT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(actions[0]).mechanism, AuthMechanism::SaslExternal);
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
}

// Optional / Optional / True without peer TLS: TCP dialback.
TEST(OutboundNegotiatorMatrixTest, OptionalOptionalWithoutPeerTlsUsesTcpDialback) {
  Conversation peer(ejabberd::kDomain, partner(kOptional, kOptional, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  EXPECT_EQ(sentBytes(peer.receive(ejabberd::kFeaturesNoTls)),
            expectedDialbackResult(ejabberd::kDomain, ejabberd::kId1));
  Actions actions = peer.receive(ejabberd::kDialbackValid);
  ASSERT_THAT(kinds(actions), ElementsAre("PairAuthenticated"));
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
}

// Required / Optional / True, certificate mismatch: "TLS dialback" (XEP-0178 §3 fallback).
TEST(OutboundNegotiatorMatrixTest, CertificateMismatchFallsBackToDialbackOverTls) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  prosodyUntilFeaturesAfterTls(peer, "other.example.org");
  Actions actions = peer.receive(prosody::kFeaturesAfterTls);
  // EXTERNAL is not attempted although offered.
  EXPECT_EQ(sentBytes(actions), expectedDialbackResult(prosody::kDomain, prosody::kId2));
  EXPECT_EQ(peer.state(), State::AwaitingDialbackResult);
  std::string key = dialbackKey(kSecret, prosody::kDomain, kLocal, prosody::kId2);
  Actions done = peer.receive(prosody::dialbackResult("valid", prosody::kId2, key));
  ASSERT_THAT(kinds(done), ElementsAre("PairAuthenticated"));
  EXPECT_EQ(std::get<PairAuthenticated>(done[0]).mechanism, AuthMechanism::Dialback);
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
}

// Required / Required / True (dialback does not operate), certificate mismatch: refused
// (row "first header over TLS" above).
TEST(OutboundNegotiatorMatrixTest, CertificateMismatchWithoutDialbackIsRefused) {
  Conversation peer(ejabberd::kDomain, partner(kRequired, kRequired, true));
  peer.open(ejabberd::header(ejabberd::kId1));
  peer.receive(ejabberd::kFeaturesOptionalTls);
  peer.receive(ejabberd::kProceed);
  peer.tlsEstablished("*.other.example.org");
  Actions actions = peer.receive(ejabberd::header(ejabberd::kId2));
  ASSERT_THAT(kinds(actions), ElementsAre("PairRejected", "CloseStream"));
  EXPECT_THAT(std::get<PairRejected>(actions[0]).reason,
              HasSubstr("does not cover its domain and dialback is off"));
}

// ====================================================================== whole conversations

TEST(OutboundNegotiatorTest, WholeProsodyConversationFedByteByByte) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.start();
  peer.receiveByteByByte(prosody::header(prosody::kId1));
  EXPECT_EQ(sentBytes(peer.receiveByteByByte(prosody::kFeaturesBeforeTls)), kStartTls);
  EXPECT_THAT(kinds(peer.receiveByteByByte(prosody::kProceed)),
              ElementsAre("StartTls", "ResetParser"));
  peer.tlsEstablished("fabrikam.com");
  peer.receiveByteByByte(prosody::header(prosody::kId2));
  EXPECT_EQ(sentBytes(peer.receiveByteByByte(prosody::kFeaturesAfterTls)), kAuthExternal);
  EXPECT_THAT(kinds(peer.receiveByteByByte(prosody::kSuccess)), ElementsAre("ResetParser", "Send"));
  peer.receiveByteByByte(prosody::header(prosody::kId3));
  EXPECT_THAT(kinds(peer.receiveByteByByte(prosody::kFeaturesDialbackOnly)),
              ElementsAre("PairAuthenticated"));
  EXPECT_EQ(peer.headersSent(), 3);
  ASSERT_EQ(peer.sent().size(), 2u);  // <starttls/>, <auth/>
  EXPECT_TRUE(peer.sent()[0].is(ns::kTls, "starttls"));
  EXPECT_TRUE(peer.sent()[1].is(ns::kSasl, "auth"));
}

TEST(OutboundNegotiatorTest, HeaderAndFeaturesInOneReadAreBothHandled) {
  Conversation peer(ejabberd::kDomain, partner(kNotSupported, kNotSupported, true));
  peer.start();
  Actions actions = peer.receive(str(ejabberd::header(ejabberd::kId1), ejabberd::kFeaturesNoTls));
  EXPECT_EQ(sentBytes(actions), expectedDialbackResult(ejabberd::kDomain, ejabberd::kId1));
}

TEST(OutboundNegotiatorTest, LongPeerTextIsBoundedInTheReason) {
  Conversation peer(prosody::kDomain, partner(kRequired, kOptional, true));
  peer.open(prosody::header(prosody::kId1));
  std::string text(5000, 'x');
  Actions actions = peer.receive(
      str("<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>",
          text, "</text></stream:error>"));
  ASSERT_NE(find<PairRejected>(actions), nullptr);
  EXPECT_LT(find<PairRejected>(actions)->reason.size(), 400u);
  EXPECT_THAT(find<PairRejected>(actions)->reason, HasSubstr("undefined-condition: xxx"));
  EXPECT_THAT(find<PairRejected>(actions)->reason, Not(HasSubstr(text)));
}

}  // namespace
}  // namespace xfed::xmpp::s2s
