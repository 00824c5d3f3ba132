// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/inbound_negotiator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <type_traits>
#include <variant>
#include <vector>

#include "xml/serializer.h"
#include "xml/stream_parser.h"
#include "xmpp/errors.h"
#include "xmpp/s2s/dialback_key.h"

// Conversation tests (STYLE §3.7): a scripted peer writes real XML bytes, shaped like what
// Prosody 0.12 and ejabberd 23.01 send, through a real xml::StreamParser into the negotiator;
// what the negotiator sends is parsed back with a second parser, as the peer would read it.
// The tests follow the transition table in inbound_negotiator.h, row by row.
namespace xfed::xmpp::s2s {
namespace {

using State = InboundNegotiator::State;

constexpr std::string_view kSecret = "s3cr3tf0rd14lb4ck";
constexpr std::string_view kTestStreamOpen =
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns:db='jabber:server:dialback'>";

// ------------------------------------------------------------------------------ the peers

enum class Negotiation { Required, Optional, NotSupported };

/** A partner as New-CsXmppAllowedPartner defines it (spec §1.2), as the session maps it. */
PartnerRules partner(Negotiation tls, Negotiation sasl, bool dialback) {
  return {.allowed = true,
          .refusal = {},
          .tls_offered = tls != Negotiation::NotSupported,
          .tls_required = tls == Negotiation::Required,
          .sasl_external_allowed = sasl != Negotiation::NotSupported,
          .dialback_allowed = dialback};
}

/** Local domains and the partner table every test uses. */
std::map<std::string, PartnerRules, std::less<>> partners() {
  using enum Negotiation;
  return {
      // Prosody / ejabberd with the defaults: TLS Required, SASL Required, dialback True.
      {"a.test", partner(Required, Required, true)},
      {"b.test", partner(Required, Required, true)},
      // Google Talk settings: New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported
      // -SaslNegotiation NotSupported -SupportDialbackNegotiation $true.
      {"gmail.test", partner(NotSupported, NotSupported, true)},
      {"gtalk.test", partner(NotSupported, NotSupported, true)},
      // Certificates only.
      {"strict.test", partner(Required, Required, false)},
      // Everything optional.
      {"opt.test", partner(Optional, Optional, true)},
      {"opt2.test", partner(Optional, Optional, false)},
  };
}

/** The certificate a peer presented: which domains it is valid for. */
TlsResult certificateFor(std::set<std::string> domains) {
  return {.certificate_valid_for = [domains = std::move(domains)](std::string_view domain) {
    return domains.contains(std::string(domain));
  }};
}

/** <stream:stream ...> as Prosody 0.12 writes it for s2s out. */
std::string prosodyHeader(std::string_view from, std::string_view to = "contoso.test") {
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
         "xmlns:db='jabber:server:dialback' xmlns:stream='http://etherx.jabber.org/streams' "
         "to='" +
         std::string(to) + "' from='" + std::string(from) + "' version='1.0' xml:lang='en'>";
}

/** <stream:stream ...> as ejabberd 23.01 writes it for s2s out (other order, no xml:lang). */
std::string ejabberdHeader(std::string_view from, std::string_view to = "contoso.test") {
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
         "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
         "from='" +
         std::string(from) + "' to='" + std::string(to) + "' version='1.0'>";
}

/** An RFC 3920-era (pre-1.0) header: no version, so no stream features. */
std::string legacyHeader(std::string_view from, std::string_view to = "contoso.test") {
  return "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:server' "
         "xmlns:db='jabber:server:dialback' to='" +
         std::string(to) + "' from='" + std::string(from) + "'>";
}

/** A header with no 'from' (the peer does not say who it is until it authenticates). */
std::string anonymousHeader(std::string_view to = "contoso.test") {
  return "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='" +
         std::string(to) + "' version='1.0'>";
}

std::string dbResult(std::string_view from, std::string_view to, std::string_view key) {
  return "<db:result from='" + std::string(from) + "' to='" + std::string(to) + "'>" +
         std::string(key) + "</db:result>";
}

std::string dbVerify(std::string_view from, std::string_view to, std::string_view id,
                     std::string_view key) {
  return "<db:verify from='" + std::string(from) + "' to='" + std::string(to) + "' id='" +
         std::string(id) + "'>" + std::string(key) + "</db:verify>";
}

std::string message(std::string_view from, std::string_view to) {
  return "<message from='" + std::string(from) + "' to='" + std::string(to) +
         "' type='chat' id='m1'><body>hi</body></message>";
}

constexpr std::string_view kStarttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kTlsFailure = "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kSuccess = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";
constexpr std::string_view kStarttlsFeature = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
constexpr std::string_view kStarttlsRequiredFeature =
    "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>";
constexpr std::string_view kExternalFeature =
    "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>EXTERNAL</mechanism>"
    "</mechanisms>";
constexpr std::string_view kDialbackFeature =
    "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>";

std::string features(std::string_view inner = {}) {
  return "<stream:features>" + std::string(inner) + "</stream:features>";
}

std::string features(std::string_view a, std::string_view b) {
  return features(std::string(a) + std::string(b));
}

std::string auth(std::string_view data) {
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>" +
         std::string(data) + "</auth>";
}

std::string saslFailure(std::string_view condition) {
  return "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><" + std::string(condition) +
         "/></failure>";
}

/** The <error/> child of a dialback error, as XEP-0220 §2.5 shows it. */
std::string dbError(std::string_view element, std::string_view from, std::string_view to,
                    std::string_view condition, std::string_view id = {}) {
  std::string out = "<db:" + std::string(element) + " from='" + std::string(from) + "' to='" +
                    std::string(to) + "'";
  if (!id.empty()) {
    out += " id='" + std::string(id) + "'";
  }
  out += " type='error'><error type='cancel'><" + std::string(condition) +
         " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></db:" + std::string(element) + ">";
  return out;
}

/** Parses one element written in a stream whose header declared stream and db. */
xml::Element parseElement(std::string_view text) {
  xml::StreamParser parser;
  std::vector<xml::StreamEvent> events =
      parser.feed(std::string(kTestStreamOpen) + std::string(text));
  if (events.size() != 2 || !std::holds_alternative<xml::ElementReceived>(events[1])) {
    ADD_FAILURE() << "test bug: cannot parse " << text;
    return {};
  }
  return std::get<xml::ElementReceived>(std::move(events[1])).element;
}

/** Drops <text/> children from error-carrying elements, so expectations name conditions only. */
xml::Element withoutText(const xml::Element& element) {
  xml::Element out(element.ns(), element.name());
  for (const xml::Attribute& a : element.attributes()) {
    out.appendAttribute(a.ns, a.name, a.value);
  }
  for (const xml::Node& node : element.nodes()) {
    if (const xml::Element* child = node.asElement()) {
      if (child->name() != "text") {
        out.addChild(withoutText(*child));
      }
    } else {
      out.addText(node.text());
    }
  }
  return out;
}

std::string describe(const Action& action) {
  return std::visit(
      [](const auto& a) -> std::string {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, Send>) {
          return "Send(" + a.bytes + ")";
        } else if constexpr (std::is_same_v<T, StartTls>) {
          return "StartTls";
        } else if constexpr (std::is_same_v<T, ResetParser>) {
          return "ResetParser";
        } else if constexpr (std::is_same_v<T, VerifyDialback>) {
          return "VerifyDialback(" + a.pair.local + "<-" + a.pair.remote + ", " + a.stream_id + ")";
        } else if constexpr (std::is_same_v<T, DialbackVerifyAnswer>) {
          return "DialbackVerifyAnswer";
        } else if constexpr (std::is_same_v<T, PairAuthenticated>) {
          return "PairAuthenticated(" + a.pair.local + "<-" + a.pair.remote + ")";
        } else if constexpr (std::is_same_v<T, PairRejected>) {
          return "PairRejected(" + a.pair.local + "<-" + a.pair.remote + ")";
        } else if constexpr (std::is_same_v<T, Deliver>) {
          return "Deliver(" + xml::toXml(a.stanza) + ")";
        } else if constexpr (std::is_same_v<T, CloseStream>) {
          return "CloseStream(" + std::string(conditionName(a.condition)) + ": " + a.text + ")";
        } else if constexpr (std::is_same_v<T, PeerClosed>) {
          return "PeerClosed";
        } else {
          return "another action";
        }
      },
      action);
}

/** What a header we sent must say; nullopt: the attribute must be absent. */
struct HeaderExpect {
  std::optional<std::string> from{};
  std::optional<std::string> to{};
  std::string id = "s1";
  bool version = true;
};

/**
 * The scripted peer. Feeds bytes through a real StreamParser into the negotiator, restarting
 * the parser where ResetParser says (passing on the rest of the bytes as the session would),
 * and reads every Send back with its own parser, reset where the peer would reset it (after
 * <proceed/> and <success/>). Every action waits in a queue until a test expects it; receive()
 * fails the test if unexpected actions are still there.
 */
class Peer {
public:
  struct Options {
    std::string stream_id = "s1";
    bool direct_tls = false;
    bool tls_available = true;
    std::string secret = std::string(kSecret);
    std::set<std::string, std::less<>> local_domains{"contoso.test", "fabrikam.test"};
    xml::Limits limits{};
  };

  Peer() : Peer(Options{}) {}
  explicit Peer(Options options)
      : options_(std::move(options)),
        partners_(partners()),
        context_{.is_local_domain =
                     [this](std::string_view d) { return options_.local_domains.contains(d); },
                 .rules_for =
                     [this](std::string_view d) {
                       auto it = partners_.find(d);
                       if (it == partners_.end()) {
                         return PartnerRules{
                             .allowed = false,
                             .refusal = std::string(d) + " is not an allowed XMPP partner",
                             .tls_offered = false,
                             .tls_required = false,
                             .sasl_external_allowed = false,
                             .dialback_allowed = false};
                       }
                       return it->second;
                     },
                 .dialback_secret = options_.secret,
                 .tls_available = options_.tls_available},
        negotiator_(context_, options_.stream_id, options_.direct_tls),
        in_(options_.limits) {}

  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // ------------------------------------------------------------------------------ inputs

  void receive(std::string_view bytes) {
    expectNoLeftovers();
    feed(bytes);
  }
  void tlsEstablished(const TlsResult& result) {
    expectNoLeftovers();
    record(negotiator_.onTlsEstablished(result));
  }
  void verified(const DomainPair& pair, bool valid) {
    expectNoLeftovers();
    record(negotiator_.onDialbackVerified(pair, valid));
  }
  void dialbackError(const DomainPair& pair, StanzaErrc condition) {
    expectNoLeftovers();
    record(negotiator_.onDialbackError(pair, condition));
  }
  void timeout() {
    expectNoLeftovers();
    record(negotiator_.onTimeout());
  }
  void event(const xml::StreamEvent& event) {
    expectNoLeftovers();
    record(negotiator_.onEvent(event));
  }

  // ------------------------------------------------------------------------ expectations

  /** Our header, and the features (unless none are expected), in one Send. */
  void expectHeader(const HeaderExpect& header, std::optional<std::string> features_xml) {
    Recorded r = pop();
    const Send* send = std::get_if<Send>(&r.action);
    ASSERT_NE(send, nullptr) << "expected a header, got " << describe(r.action);
    ASSERT_FALSE(r.parsed.empty()) << send->bytes;
    const auto* opened = std::get_if<xml::StreamOpened>(&r.parsed[0]);
    ASSERT_NE(opened, nullptr) << send->bytes;
    EXPECT_EQ(opened->default_ns, "jabber:server");
    auto attr = [&](std::string_view name) -> std::optional<std::string> {
      if (auto v = opened->root.attribute(name)) {
        return std::string(*v);
      }
      return std::nullopt;
    };
    EXPECT_EQ(attr("from"), header.from) << send->bytes;
    EXPECT_EQ(attr("to"), header.to) << send->bytes;
    EXPECT_EQ(attr("id"), header.id) << send->bytes;
    EXPECT_EQ(attr("version"), header.version ? std::optional<std::string>("1.0") : std::nullopt)
        << send->bytes;
    if (features_xml) {
      ASSERT_EQ(r.parsed.size(), 2u) << "header and features must be one Send: " << send->bytes;
      const auto* received = std::get_if<xml::ElementReceived>(&r.parsed[1]);
      ASSERT_NE(received, nullptr) << send->bytes;
      EXPECT_EQ(received->element, parseElement(*features_xml))
          << "sent: " << send->bytes << "\nexpected features: " << *features_xml;
    } else {
      EXPECT_EQ(r.parsed.size(), 1u) << "no features expected: " << send->bytes;
    }
  }

  /** One element, compared without any <text/> children. */
  void expectSent(std::string_view expected) {
    Recorded r = pop();
    const Send* send = std::get_if<Send>(&r.action);
    ASSERT_NE(send, nullptr) << "expected Send(" << expected << "), got " << describe(r.action);
    ASSERT_EQ(r.parsed.size(), 1u) << send->bytes;
    const auto* received = std::get_if<xml::ElementReceived>(&r.parsed[0]);
    ASSERT_NE(received, nullptr) << send->bytes;
    EXPECT_EQ(withoutText(received->element), withoutText(parseElement(expected)))
        << "sent: " << send->bytes << "\nexpected: " << expected;
  }

  template <class T>
  T expectAction() {
    Recorded r = pop();
    if (T* a = std::get_if<T>(&r.action)) {
      return std::move(*a);
    }
    ADD_FAILURE() << "unexpected " << describe(r.action);
    return T{};
  }

  /** A CloseStream with that condition (and text containing `text`); the negotiator retired. */
  void expectClose(StreamErrc condition, std::string_view text = {}) {
    CloseStream close = expectAction<CloseStream>();
    EXPECT_EQ(close.condition, condition) << conditionName(close.condition) << ": " << close.text;
    EXPECT_NE(close.text.find(text), std::string::npos) << close.text;
    EXPECT_EQ(state(), State::Closed);
  }

  void expectNothing() { expectNoLeftovers(); }

  /** Walks the happy path of a dialback-only stream up to the VerifyDialback. */
  VerifyDialback dialbackUntilVerify(std::string_view from, std::string_view to,
                                     std::string_view key) {
    receive(dbResult(from, to, key));
    return expectAction<VerifyDialback>();
  }

  State state() const { return negotiator_.state(); }
  InboundNegotiator& negotiator() { return negotiator_; }
  std::map<std::string, PartnerRules, std::less<>>& partnerTable() { return partners_; }

private:
  struct Recorded {
    Action action;
    std::vector<xml::StreamEvent> parsed;  // for a Send: what the peer's parser made of it
  };

  void feed(std::string_view bytes) {
    std::uint64_t base = in_.bytesParsed();
    std::vector<xml::StreamEvent> events = in_.feed(bytes);
    for (xml::StreamEvent& event : events) {
      std::uint64_t end = 0;
      if (const auto* received = std::get_if<xml::ElementReceived>(&event)) {
        end = received->end_offset;
      }
      Actions actions = negotiator_.onEvent(std::move(event));
      bool reset = std::any_of(actions.begin(), actions.end(), [](const Action& a) {
        return std::holds_alternative<ResetParser>(a);
      });
      record(std::move(actions));
      if (reset) {
        // As the session does: restart the parser and hand it the rest of the buffer.
        in_.reset();
        std::string_view rest = bytes.substr(static_cast<std::size_t>(end - base));
        if (!rest.empty()) {
          feed(rest);
        }
        return;
      }
    }
  }

  void record(Actions&& actions) {
    for (Action& action : actions) {
      Recorded r{.action = std::move(action), .parsed = {}};
      if (const Send* send = std::get_if<Send>(&r.action)) {
        r.parsed = out_.feed(send->bytes);
      }
      if (std::holds_alternative<StartTls>(r.action) ||
          std::holds_alternative<ResetParser>(r.action)) {
        out_.reset();  // the peer restarts its stream too (after <proceed/>, <success/>)
      }
      queue_.push_back(std::move(r));
    }
  }

  Recorded pop() {
    if (queue_.empty()) {
      ADD_FAILURE() << "no action left";
      return {.action = PeerClosed{}, .parsed = {}};
    }
    Recorded r = std::move(queue_.front());
    queue_.pop_front();
    return r;
  }

  void expectNoLeftovers() {
    for (const Recorded& r : queue_) {
      ADD_FAILURE() << "unexpected action: " << describe(r.action);
    }
    queue_.clear();
  }

  Options options_;
  std::map<std::string, PartnerRules, std::less<>> partners_;
  NegotiationContext context_;
  InboundNegotiator negotiator_;
  xml::StreamParser in_;   // ours: reads what the peer sends
  xml::StreamParser out_;  // the peer's: reads what we send
  std::deque<Recorded> queue_;
};

const DomainPair kContosoA{.local = "contoso.test", .remote = "a.test"};
const DomainPair kContosoGmail{.local = "contoso.test", .remote = "gmail.test"};

/** STARTTLS then a restarted stream, for a Prosody peer of `from` with TLS Required. */
void startTls(Peer& peer, std::string_view from, const TlsResult& certificate) {
  peer.receive(prosodyHeader(from));
  peer.expectAction<Send>();  // header and features: the tests that care check them
  peer.receive(kStarttls);
  peer.expectSent(kProceed);
  peer.expectAction<StartTls>();
  peer.expectAction<ResetParser>();
  EXPECT_EQ(peer.state(), State::TlsHandshake);
  peer.tlsEstablished(certificate);
  EXPECT_EQ(peer.state(), State::AwaitingHeader);
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
}

// ================================================================== full conversations

TEST(InboundNegotiatorTest, GoogleTalkDialbackOnlyFullFlow) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  // TLS NotSupported, SASL NotSupported: only dialback (with errors) is offered.
  peer.expectHeader({.from = "contoso.test", .to = "gmail.test"}, features(kDialbackFeature));
  EXPECT_EQ(peer.state(), State::Negotiating);
  EXPECT_EQ(peer.negotiator().remoteDomainHint(), "gmail.test");

  std::string key = dialbackKey("gmail-secret", "contoso.test", "gmail.test", "s1");
  VerifyDialback verify = peer.dialbackUntilVerify("gmail.test", "contoso.test", key);
  EXPECT_EQ(verify.pair, kContosoGmail);
  EXPECT_EQ(verify.stream_id, "s1");
  EXPECT_EQ(verify.key, key);

  peer.verified(kContosoGmail, true);
  peer.expectSent("<db:result from='contoso.test' to='gmail.test' type='valid'/>");
  PairAuthenticated authenticated = peer.expectAction<PairAuthenticated>();
  EXPECT_EQ(authenticated.pair, kContosoGmail);
  EXPECT_EQ(authenticated.mechanism, AuthMechanism::Dialback);
  EXPECT_EQ(peer.state(), State::Established);
  EXPECT_EQ(peer.negotiator().authenticatedPairs(), std::vector<DomainPair>{kContosoGmail});

  peer.receive(message("romeo@gmail.test/orchard", "juliet@contoso.test"));
  Deliver deliver = peer.expectAction<Deliver>();
  EXPECT_EQ(deliver.stanza.attribute("from"), "romeo@gmail.test/orchard");
  EXPECT_EQ(deliver.stanza.childText("jabber:server", "body"), "hi");

  // The same stream also asks us, as the authoritative server, to verify keys.
  std::string ours = dialbackKey(kSecret, "gmail.test", "contoso.test", "out-7");
  peer.receive(dbVerify("gmail.test", "contoso.test", "out-7", ours));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='out-7' type='valid'/>");
  peer.receive(dbVerify("gmail.test", "contoso.test", "out-7", std::string(64, '0')));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='out-7' type='invalid'/>");
  EXPECT_EQ(peer.state(), State::Established);
}

TEST(InboundNegotiatorTest, StarttlsRequiredThenSaslExternalSucceeds) {
  Peer peer;
  peer.receive(prosodyHeader("a.test"));
  // Defaults (TLS Required, SASL Required, dialback True): before TLS only STARTTLS is
  // offered, dialback needs TLS first, EXTERNAL needs the certificate.
  peer.expectHeader({.from = "contoso.test", .to = "a.test"}, features(kStarttlsRequiredFeature));

  peer.receive(kStarttls);
  peer.expectSent(kProceed);
  peer.expectAction<StartTls>();
  peer.expectAction<ResetParser>();
  EXPECT_EQ(peer.state(), State::TlsHandshake);

  peer.tlsEstablished(certificateFor({"a.test"}));
  peer.expectNothing();
  EXPECT_EQ(peer.state(), State::AwaitingHeader);

  peer.receive(prosodyHeader("a.test"));
  // A new stream id after the restart; no STARTTLS any more.
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                    features(kExternalFeature, kDialbackFeature));

  peer.receive(auth("YS50ZXN0"));  // base64("a.test"), as Prosody sends it
  peer.expectSent(kSuccess);
  PairAuthenticated authenticated = peer.expectAction<PairAuthenticated>();
  EXPECT_EQ(authenticated.pair, kContosoA);
  EXPECT_EQ(authenticated.mechanism, AuthMechanism::SaslExternal);
  peer.expectAction<ResetParser>();
  EXPECT_EQ(peer.state(), State::AwaitingHeader);

  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.2"},
                    features(kDialbackFeature));
  EXPECT_EQ(peer.state(), State::Established);

  peer.receive(message("romeo@a.test", "juliet@contoso.test"));
  peer.expectAction<Deliver>();
}

TEST(InboundNegotiatorTest, RestartHeaderInTheSameBufferAsAuthIsParsedAfterTheReset) {
  Peer peer;
  startTls(peer, "a.test", certificateFor({"a.test"}));
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                    features(kExternalFeature, kDialbackFeature));
  // A pipelining peer: <auth/> and the restarted header arrive in one read.
  peer.receive(auth("YS50ZXN0") + prosodyHeader("a.test"));
  peer.expectSent(kSuccess);
  peer.expectAction<PairAuthenticated>();
  peer.expectAction<ResetParser>();
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.2"},
                    features(kDialbackFeature));
  EXPECT_EQ(peer.state(), State::Established);
}

TEST(InboundNegotiatorTest, ExternalOfferedOnlyWithAValidCertificate) {
  {
    Peer peer;
    startTls(peer, "a.test", certificateFor({"a.test"}));
    peer.receive(prosodyHeader("a.test"));
    peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                      features(kExternalFeature, kDialbackFeature));
  }
  {
    Peer peer;  // the certificate names another domain (XEP-0178 §2: do not offer EXTERNAL)
    startTls(peer, "a.test", certificateFor({"other.test"}));
    peer.receive(prosodyHeader("a.test"));
    peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                      features(kDialbackFeature));
  }
  {
    Peer peer;  // a valid certificate, but SASL NotSupported for the partner
    peer.partnerTable()["a.test"] = partner(Negotiation::Required, Negotiation::NotSupported, true);
    startTls(peer, "a.test", certificateFor({"a.test"}));
    peer.receive(prosodyHeader("a.test"));
    peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                      features(kDialbackFeature));
  }
}

TEST(InboundNegotiatorTest, ExternalFailureThenDialbackFallback) {
  Peer peer;
  startTls(peer, "a.test", certificateFor({}));  // self-signed: valid for nothing
  peer.receive(ejabberdHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                    features(kDialbackFeature));
  // The peer tries EXTERNAL anyway (empty authzid: the stream's from).
  peer.receive(auth("="));
  peer.expectSent(saslFailure("not-authorized"));
  EXPECT_EQ(peer.state(), State::Negotiating);  // the stream stays open

  VerifyDialback verify = peer.dialbackUntilVerify("a.test", "contoso.test", "k");
  EXPECT_EQ(verify.stream_id, "s1.1");  // the key is bound to the current stream's id
  peer.verified(kContosoA, true);
  peer.expectSent("<db:result from='contoso.test' to='a.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
  EXPECT_EQ(peer.state(), State::Established);
}

TEST(InboundNegotiatorTest, DirectTlsOffersExternalWithoutStarttls) {
  Peer peer({.direct_tls = true});
  peer.tlsEstablished(certificateFor({"a.test"}));  // before any byte (XEP-0368)
  peer.expectNothing();
  EXPECT_TRUE(peer.negotiator().tlsEstablished());
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test"},
                    features(kExternalFeature, kDialbackFeature));
  // STARTTLS inside direct TLS is refused (XEP-0368: MUST NOT).
  peer.receive(kStarttls);
  peer.expectSent(kTlsFailure);
  peer.expectClose(StreamErrc::PolicyViolation, "already established");
}

// ======================================================================== header rows

TEST(InboundNegotiatorTest, HeaderAndFeaturesAreOneSend) {
  Peer peer;
  peer.receive(prosodyHeader("opt.test"));
  Send send = peer.expectAction<Send>();
  EXPECT_EQ(send.bytes,
            "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
            "xmlns:db='jabber:server:dialback' from='contoso.test' to='opt.test' id='s1' "
            "version='1.0' xml:lang='en'><stream:features><starttls "
            "xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><dialback "
            "xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>");
}

TEST(InboundNegotiatorTest, WrongContentNamespaceIsInvalidNamespace) {
  Peer peer;
  peer.receive(
      "<stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='contoso.test' "
      "version='1.0'>");
  peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);  // §4.9.1.2
  peer.expectClose(StreamErrc::InvalidNamespace, "jabber:client");
}

TEST(InboundNegotiatorTest, MalformedVersionIsUnsupportedVersion) {
  Peer peer;
  peer.receive(
      "<stream:stream xmlns='jabber:server' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='contoso.test' "
      "from='a.test' version='one'>");
  peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);
  peer.expectClose(StreamErrc::UnsupportedVersion);
}

TEST(InboundNegotiatorTest, WrongToIsHostUnknown) {
  Peer peer;
  peer.receive(prosodyHeader("a.test", "northwind.test"));
  // Our header does not claim the domain we do not serve.
  peer.expectHeader({.from = std::nullopt, .to = "a.test"}, std::nullopt);
  peer.expectClose(StreamErrc::HostUnknown, "this server does not serve northwind.test");
}

TEST(InboundNegotiatorTest, MissingToIsHostUnknown) {
  Peer peer;
  peer.receive(
      "<stream:stream xmlns='jabber:server' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='a.test' version='1.0'>");
  peer.expectHeader({.from = std::nullopt, .to = "a.test"}, std::nullopt);
  peer.expectClose(StreamErrc::HostUnknown, "no 'to'");
}

TEST(InboundNegotiatorTest, ToIsComparedInNormalizedForm) {
  Peer peer;
  peer.receive(prosodyHeader("A.Test", "Contoso.TEST"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test"}, features(kStarttlsRequiredFeature));
}

TEST(InboundNegotiatorTest, FromThatIsNotADomainIsInvalidFrom) {
  Peer peer;
  peer.receive(prosodyHeader("romeo@a.test"));
  peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);
  peer.expectClose(StreamErrc::InvalidFrom);
}

TEST(InboundNegotiatorTest, UnknownPartnerIsRefusedWithPolicyViolation) {
  Peer peer;
  peer.receive(prosodyHeader("evil.test"));
  peer.expectHeader({.from = "contoso.test", .to = "evil.test"}, std::nullopt);
  peer.expectClose(StreamErrc::PolicyViolation, "evil.test is not an allowed XMPP partner");
}

TEST(InboundNegotiatorTest, NothingToOfferClosesWithTheReason) {
  {
    // TLS Required, but this edge has no certificate: nothing could ever succeed.
    Peer peer({.tls_available = false});
    peer.receive(prosodyHeader("a.test"));
    peer.expectHeader({.from = "contoso.test", .to = "a.test"}, std::nullopt);
    peer.expectClose(StreamErrc::PolicyViolation, "TLS is required for a.test");
  }
  {
    // Certificates only, and the certificate is not valid for the peer.
    Peer peer;
    startTls(peer, "strict.test", certificateFor({"other.test"}));
    peer.receive(prosodyHeader("strict.test"));
    peer.expectHeader({.from = "contoso.test", .to = "strict.test", .id = "s1.1"}, std::nullopt);
    peer.expectClose(StreamErrc::PolicyViolation, "not valid for it and dialback is disabled");
  }
}

TEST(InboundNegotiatorTest, Rfc3920PeerGetsNoFeaturesButCanDoDialback) {
  Peer peer;
  peer.receive(legacyHeader("gtalk.test"));
  peer.expectHeader({.from = "contoso.test", .to = "gtalk.test", .version = false}, std::nullopt);
  EXPECT_EQ(peer.state(), State::Negotiating);
  peer.dialbackUntilVerify("gtalk.test", "contoso.test", "k");
  peer.verified({.local = "contoso.test", .remote = "gtalk.test"}, true);
  peer.expectSent("<db:result from='contoso.test' to='gtalk.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
  EXPECT_EQ(peer.state(), State::Established);
}

TEST(InboundNegotiatorTest, Rfc3920PeerWithTlsRequiredIsRefusedAtTheHeader) {
  Peer peer;
  peer.receive(legacyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .version = false}, std::nullopt);
  peer.expectClose(StreamErrc::PolicyViolation, "without version 1.0");
}

TEST(InboundNegotiatorTest, HeaderWithoutFromGetsTheMostPermissiveFeatures) {
  Peer peer;
  peer.receive(anonymousHeader());
  peer.expectHeader({.from = "contoso.test", .to = std::nullopt},
                    features(kStarttlsFeature, kDialbackFeature));
}

TEST(InboundNegotiatorTest, TimeoutWhileAwaitingHeaderSendsHeaderThenError) {
  Peer peer;
  peer.timeout();
  peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);
  peer.expectClose(StreamErrc::ConnectionTimeout);
}

// ================================================================ TLS handshake rows

TEST(InboundNegotiatorTest, PlaintextDataDuringTlsHandshakeIsPolicyViolation) {
  Peer peer;
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test"}, features(kStarttlsRequiredFeature));
  peer.receive(kStarttls);
  peer.expectSent(kProceed);
  peer.expectAction<StartTls>();
  peer.expectAction<ResetParser>();
  // Bytes in the clear after <proceed/> (the STARTTLS injection of CVE-2011-0411).
  peer.receive(prosodyHeader("a.test"));
  peer.expectClose(StreamErrc::PolicyViolation, "before the TLS handshake");
}

TEST(InboundNegotiatorTest, TimeoutDuringTlsHandshakeClosesWithoutHeader) {
  Peer peer;
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test"}, features(kStarttlsRequiredFeature));
  peer.receive(kStarttls);
  peer.expectSent(kProceed);
  peer.expectAction<StartTls>();
  peer.expectAction<ResetParser>();
  peer.timeout();
  peer.expectClose(StreamErrc::ConnectionTimeout);
}

TEST(InboundNegotiatorTest, TlsEstablishedOutsideAHandshakeIsIgnored) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectHeader({.from = "contoso.test", .to = "gmail.test"}, features(kDialbackFeature));
  peer.tlsEstablished(certificateFor({"gmail.test"}));
  peer.expectNothing();
  EXPECT_FALSE(peer.negotiator().tlsEstablished());
  EXPECT_EQ(peer.state(), State::Negotiating);
}

// ==================================================================== STARTTLS rows

TEST(InboundNegotiatorTest, StarttlsNotOfferedIsRefused) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));  // TLS NotSupported
  peer.expectHeader({.from = "contoso.test", .to = "gmail.test"}, features(kDialbackFeature));
  peer.receive(kStarttls);
  peer.expectSent(kTlsFailure);
  peer.expectClose(StreamErrc::PolicyViolation, "STARTTLS is not offered to gmail.test");
}

TEST(InboundNegotiatorTest, StarttlsAfterAuthenticationIsRefused) {
  Peer peer;
  peer.receive(prosodyHeader("opt.test"));
  peer.expectHeader({.from = "contoso.test", .to = "opt.test"},
                    features(kStarttlsFeature, kDialbackFeature));
  peer.dialbackUntilVerify("opt.test", "contoso.test", "k");
  peer.verified({.local = "contoso.test", .remote = "opt.test"}, true);
  peer.expectSent("<db:result from='contoso.test' to='opt.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
  peer.receive(kStarttls);
  peer.expectSent(kTlsFailure);
  peer.expectClose(StreamErrc::PolicyViolation, "before authentication");
}

TEST(InboundNegotiatorTest, StarttlsDropsPendingDialback) {
  Peer peer;
  peer.receive(prosodyHeader("opt.test"));
  peer.expectHeader({.from = "contoso.test", .to = "opt.test"},
                    features(kStarttlsFeature, kDialbackFeature));
  peer.dialbackUntilVerify("opt.test", "contoso.test", "k");
  peer.receive(kStarttls);
  peer.expectSent(kProceed);
  peer.expectAction<StartTls>();
  peer.expectAction<ResetParser>();
  peer.tlsEstablished(certificateFor({}));
  // RFC 6120 §5.4.3.3: what was asked before TLS is forgotten; the late answer is ignored.
  peer.verified({.local = "contoso.test", .remote = "opt.test"}, true);
  peer.expectNothing();
  EXPECT_TRUE(peer.negotiator().authenticatedPairs().empty());
}

// ===================================================================== SASL rows

TEST(InboundNegotiatorTest, ExternalWithoutInitialResponseGetsAnEmptyChallenge) {
  Peer peer;
  startTls(peer, "a.test", certificateFor({"a.test"}));
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                    features(kExternalFeature, kDialbackFeature));
  peer.receive("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'/>");
  peer.expectSent("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</challenge>");
  peer.receive("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  peer.expectSent(kSuccess);
  EXPECT_EQ(peer.expectAction<PairAuthenticated>().pair, kContosoA);
  peer.expectAction<ResetParser>();
}

struct SaslFailureCase {
  std::string_view name;
  std::string_view auth;  // what the peer sends
  bool tls;               // whether STARTTLS ran first
  std::string_view condition;
};

constexpr SaslFailureCase kSaslFailures[] = {
    {"OtherMechanism",
     "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGEAYg==</auth>", true,
     "invalid-mechanism"},
    {"BeforeTls", "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>=</auth>",
     false, "encryption-required"},
    {"BadBase64",
     "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>YS50ZXN0!</auth>", true,
     "incorrect-encoding"},
    {"AuthzidNotTheStreamFrom",  // base64("b.test")
     "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>Yi50ZXN0</auth>", true,
     "invalid-authzid"},
    {"AuthzidNotADomain",  // base64("x@a.test")
     "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='EXTERNAL'>eEBhLnRlc3Q=</auth>",
     true, "invalid-authzid"},
    {"StrayResponse", "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</response>", true,
     "malformed-request"},
    {"Abort", "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", true, "aborted"},
};

void PrintTo(const SaslFailureCase& c, std::ostream* os) { *os << c.name; }

class SaslFailureTest : public testing::TestWithParam<SaslFailureCase> {};

TEST_P(SaslFailureTest, AnswersFailureAndKeepsTheStream) {
  const SaslFailureCase& c = GetParam();
  Peer peer;
  peer.partnerTable()["a.test"] = partner(Negotiation::Optional, Negotiation::Optional, true);
  if (c.tls) {
    startTls(peer, "a.test", certificateFor({"a.test"}));
  }
  peer.receive(prosodyHeader("a.test"));
  peer.expectAction<Send>();  // header + features
  peer.receive(c.auth);
  peer.expectSent(saslFailure(c.condition));
  EXPECT_EQ(peer.state(), State::Negotiating);
}

INSTANTIATE_TEST_SUITE_P(Rfc6120, SaslFailureTest, testing::ValuesIn(kSaslFailures),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(InboundNegotiatorTest, ExternalRefusedWhenThePartnerDisallowsSasl) {
  Peer peer;
  peer.partnerTable()["a.test"] = partner(Negotiation::Required, Negotiation::NotSupported, true);
  startTls(peer, "a.test", certificateFor({"a.test"}));
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test", .id = "s1.1"},
                    features(kDialbackFeature));
  peer.receive(auth("YS50ZXN0"));
  peer.expectSent(saslFailure("not-authorized"));
}

TEST(InboundNegotiatorTest, TooManySaslFailuresClose) {
  Peer peer;
  startTls(peer, "a.test", certificateFor({}));
  peer.receive(prosodyHeader("a.test"));
  peer.expectAction<Send>();
  for (int i = 1; i < InboundNegotiator::kMaxSaslFailures; ++i) {
    peer.receive(auth("YS50ZXN0"));
    peer.expectSent(saslFailure("not-authorized"));
  }
  peer.receive(auth("YS50ZXN0"));
  peer.expectSent(saslFailure("not-authorized"));
  peer.expectClose(StreamErrc::PolicyViolation, "too many failed SASL attempts");
}

TEST(InboundNegotiatorTest, SaslOnAnEstablishedStreamIsPolicyViolation) {
  for (std::string_view element :
       {std::string_view("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                         "mechanism='EXTERNAL'>YS50ZXN0</auth>"),
        std::string_view("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</response>"),
        std::string_view("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")}) {
    Peer peer;
    startTls(peer, "a.test", certificateFor({"a.test"}));
    peer.receive(prosodyHeader("a.test"));
    peer.expectAction<Send>();
    peer.receive(auth("YS50ZXN0"));
    peer.expectSent(kSuccess);
    peer.expectAction<PairAuthenticated>();
    peer.expectAction<ResetParser>();
    peer.receive(prosodyHeader("a.test"));
    peer.expectAction<Send>();
    peer.receive(element);
    peer.expectClose(StreamErrc::PolicyViolation, "only once");
  }
}

// ================================================================= dialback rows

TEST(InboundNegotiatorTest, TlsRequiredButDbResultFirstIsStreamErrorWithoutErrorsFeature) {
  Peer peer;
  peer.receive(prosodyHeader("a.test"));
  peer.expectHeader({.from = "contoso.test", .to = "a.test"}, features(kStarttlsRequiredFeature));
  // The features left dialback out, so the peer never saw <errors/>: a stream error.
  peer.receive(dbResult("a.test", "contoso.test", "k"));
  peer.expectClose(StreamErrc::PolicyViolation, "TLS is required for a.test before dialback");
}

TEST(InboundNegotiatorTest, TlsRequiredButDbResultFirstIsDialbackErrorWhenAdvertised) {
  Peer peer;
  peer.receive(anonymousHeader());  // no 'from': permissive features, with <errors/>
  peer.expectHeader({.from = "contoso.test", .to = std::nullopt},
                    features(kStarttlsFeature, kDialbackFeature));
  peer.receive(dbResult("a.test", "contoso.test", "k"));
  peer.expectSent(dbError("result", "contoso.test", "a.test", "policy-violation"));
  EXPECT_EQ(peer.state(), State::Negotiating);  // XEP-0220: not a stream error
}

TEST(InboundNegotiatorTest, DbResultToADomainWeDoNotServe) {
  {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("gmail.test", "northwind.test", "k"));
    // XEP-0220 §2.5: the requested domain is the error's 'from'.
    peer.expectSent(dbError("result", "northwind.test", "gmail.test", "item-not-found"));
    EXPECT_EQ(peer.state(), State::Negotiating);
  }
  {
    Peer peer;  // RFC 3920 peer: the same failure is a stream error
    peer.receive(legacyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("gmail.test", "northwind.test", "k"));
    peer.expectClose(StreamErrc::HostUnknown, "northwind.test");
  }
}

TEST(InboundNegotiatorTest, DbResultFromARefusedDomain) {
  {
    Peer peer;  // sender multiplexing a domain that is not a partner
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("evil.test", "contoso.test", "k"));
    peer.expectSent(dbError("result", "contoso.test", "evil.test", "policy-violation"));
  }
  {
    Peer peer;
    peer.receive(legacyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("evil.test", "contoso.test", "k"));
    peer.expectClose(StreamErrc::PolicyViolation, "evil.test is not an allowed XMPP partner");
  }
}

TEST(InboundNegotiatorTest, DbResultWhenDialbackIsDisabledForTheDomain) {
  {
    Peer peer;
    peer.receive(prosodyHeader("opt.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("opt2.test", "contoso.test", "k"));  // dialback False
    peer.expectSent(dbError("result", "contoso.test", "opt2.test", "not-authorized"));
  }
  {
    Peer peer;
    peer.receive(legacyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbResult("opt2.test", "contoso.test", "k"));
    peer.expectClose(StreamErrc::NotAuthorized, "dialback is disabled for opt2.test");
  }
}

TEST(InboundNegotiatorTest, DbResultBeyondThePairLimit) {
  Peer peer;
  for (std::size_t i = 0; i <= InboundNegotiator::kMaxDomainPairs; ++i) {
    peer.partnerTable()["p" + std::to_string(i) + ".test"] =
        partner(Negotiation::NotSupported, Negotiation::NotSupported, true);
  }
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  for (std::size_t i = 0; i < InboundNegotiator::kMaxDomainPairs; ++i) {
    peer.receive(dbResult("p" + std::to_string(i) + ".test", "contoso.test", "k"));
    peer.expectAction<VerifyDialback>();
  }
  std::string last = "p" + std::to_string(InboundNegotiator::kMaxDomainPairs) + ".test";
  peer.receive(dbResult(last, "contoso.test", "k"));
  peer.expectSent(dbError("result", "contoso.test", last, "resource-constraint"));
}

TEST(InboundNegotiatorTest, DuplicateDbResultWhilePendingIsAnsweredOnce) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.dialbackUntilVerify("gmail.test", "contoso.test", "k");
  peer.receive(dbResult("gmail.test", "contoso.test", "k"));
  peer.expectNothing();
  peer.verified(kContosoGmail, true);
  peer.expectSent("<db:result from='contoso.test' to='gmail.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
}

TEST(InboundNegotiatorTest, PiggybackedPairsAndRepeatedResult) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.dialbackUntilVerify("gmail.test", "contoso.test", "k1");
  peer.verified(kContosoGmail, true);
  peer.expectSent("<db:result from='contoso.test' to='gmail.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();

  // Sender multiplexing (XEP-0220 §2.6.1): another sender domain on the same stream.
  DomainPair gtalk{.local = "contoso.test", .remote = "gtalk.test"};
  EXPECT_EQ(peer.dialbackUntilVerify("gtalk.test", "contoso.test", "k2").pair, gtalk);
  // Target multiplexing (§2.6.2, allowed since we advertised <errors/>): another local domain.
  DomainPair fabrikam{.local = "fabrikam.test", .remote = "gmail.test"};
  EXPECT_EQ(peer.dialbackUntilVerify("gmail.test", "fabrikam.test", "k3").pair, fabrikam);
  // Stanzas for the authenticated pair flow while the others are being verified.
  peer.receive(message("romeo@gmail.test", "juliet@contoso.test"));
  peer.expectAction<Deliver>();

  peer.verified(fabrikam, true);
  peer.expectSent("<db:result from='fabrikam.test' to='gmail.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
  peer.verified(gtalk, true);
  peer.expectSent("<db:result from='contoso.test' to='gtalk.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();
  EXPECT_EQ(peer.negotiator().authenticatedPairs(),
            (std::vector<DomainPair>{kContosoGmail, fabrikam, gtalk}));

  // A second request for an authenticated pair is answered valid again, with no new check.
  peer.receive(dbResult("gmail.test", "contoso.test", "k1"));
  peer.expectSent("<db:result from='contoso.test' to='gmail.test' type='valid'/>");

  peer.receive(message("bot@gtalk.test", "juliet@contoso.test"));
  peer.expectAction<Deliver>();
  peer.receive(message("romeo@gmail.test/x", "room@fabrikam.test"));
  peer.expectAction<Deliver>();
}

TEST(InboundNegotiatorTest, InvalidKeyWithErrorsFeatureRefusesOnlyThatPair) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.dialbackUntilVerify("gmail.test", "contoso.test", "k1");
  peer.verified(kContosoGmail, true);
  peer.expectSent("<db:result from='contoso.test' to='gmail.test' type='valid'/>");
  peer.expectAction<PairAuthenticated>();

  DomainPair gtalk{.local = "contoso.test", .remote = "gtalk.test"};
  peer.dialbackUntilVerify("gtalk.test", "contoso.test", "forged");
  peer.verified(gtalk, false);
  // XEP-0220 §2.1.2: <forbidden/> instead of type='invalid' keeps the other pairs.
  peer.expectSent(dbError("result", "contoso.test", "gtalk.test", "forbidden"));
  EXPECT_EQ(peer.expectAction<PairRejected>().pair, gtalk);
  EXPECT_EQ(peer.state(), State::Established);
  EXPECT_EQ(peer.negotiator().authenticatedPairs(), std::vector<DomainPair>{kContosoGmail});
  // And its stanzas are refused.
  peer.receive(message("bot@gtalk.test", "juliet@contoso.test"));
  peer.expectClose(StreamErrc::InvalidFrom, "gtalk.test");
}

TEST(InboundNegotiatorTest, InvalidKeyOnALegacyStreamIsInvalidThenClose) {
  Peer peer;
  peer.receive(legacyHeader("gtalk.test"));
  peer.expectAction<Send>();
  DomainPair gtalk{.local = "contoso.test", .remote = "gtalk.test"};
  peer.dialbackUntilVerify("gtalk.test", "contoso.test", "forged");
  peer.verified(gtalk, false);
  peer.expectSent("<db:result from='contoso.test' to='gtalk.test' type='invalid'/>");
  EXPECT_EQ(peer.expectAction<PairRejected>().pair, gtalk);
  peer.expectClose(StreamErrc::NotAuthorized, "not valid");  // XEP-0220 §2.2.1 MUST close
}

TEST(InboundNegotiatorTest, VerificationFailureIsADialbackError) {
  {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.dialbackUntilVerify("gmail.test", "contoso.test", "k");
    peer.dialbackError(kContosoGmail, StanzaErrc::RemoteServerNotFound);
    peer.expectSent(dbError("result", "contoso.test", "gmail.test", "remote-server-not-found"));
    peer.expectAction<PairRejected>();
    EXPECT_EQ(peer.state(), State::Negotiating);
  }
  {
    Peer peer;
    peer.receive(legacyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.dialbackUntilVerify("gmail.test", "contoso.test", "k");
    peer.dialbackError(kContosoGmail, StanzaErrc::RemoteServerTimeout);
    peer.expectAction<PairRejected>();
    peer.expectClose(StreamErrc::RemoteConnectionFailed);
  }
}

TEST(InboundNegotiatorTest, AnswersNobodyAskedForAreIgnored) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.verified(kContosoGmail, true);  // no db:result was received
  peer.dialbackError(kContosoGmail, StanzaErrc::RemoteServerNotFound);
  peer.expectNothing();
  EXPECT_EQ(peer.state(), State::Negotiating);
}

TEST(InboundNegotiatorTest, TypedDialbackElementsAreUnsolicited) {
  for (std::string_view element :
       {"<db:result from='gmail.test' to='contoso.test' type='valid'/>",
        "<db:verify from='gmail.test' to='contoso.test' id='x' type='valid'/>"}) {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(element);
    peer.expectClose(StreamErrc::NotAuthorized, "unsolicited");
  }
}

TEST(InboundNegotiatorTest, DialbackElementsNeedTheirAttributes) {
  struct Case {
    std::string_view element;
    StreamErrc condition;
  };
  for (Case c :
       {Case{"<db:result to='contoso.test'>k</db:result>", StreamErrc::ImproperAddressing},
        Case{"<db:result from='gmail.test'>k</db:result>", StreamErrc::ImproperAddressing},
        Case{"<db:verify from='gmail.test' id='x'>k</db:verify>", StreamErrc::ImproperAddressing},
        Case{"<db:verify from='gmail.test' to='contoso.test'>k</db:verify>",
             StreamErrc::InvalidXml}}) {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(c.element);
    peer.expectClose(c.condition);
  }
}

// ============================================================= db:verify (authoritative)

TEST(InboundNegotiatorTest, VerifyMatchesTheXep0220ExampleKey) {
  // XEP-0220 §2.2.2, Example 13: montague.example (us, authoritative) is asked by
  // capulet.example (receiving) about the key for the stream montague opened to capulet
  // (id 417GAF25): key = HMAC(SHA256('d14lb4ck43v3r'), 'capulet.example montague.example
  // 417GAF25'); the receiving server ('from') comes first.
  Peer peer({.secret = "d14lb4ck43v3r", .local_domains = {"montague.example"}});
  peer.partnerTable()["capulet.example"] =
      partner(Negotiation::NotSupported, Negotiation::NotSupported, true);
  peer.receive(prosodyHeader("capulet.example", "montague.example"));
  peer.expectAction<Send>();
  peer.receive(dbVerify("capulet.example", "montague.example", "417GAF25",
                        "\n  225cc5aa6a071133249d25fef42ae516fc7a86c523aa1c6980a7f73e784c972d\n"));
  peer.expectSent(
      "<db:verify from='montague.example' to='capulet.example' id='417GAF25' "
      "type='valid'/>");
}

TEST(InboundNegotiatorTest, VerifyUsesReceivingFromAndOriginatingTo) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  // Needs no authentication and no TLS: a verify-only stream.
  std::string right = dialbackKey(kSecret, /*receiving=*/"gmail.test",
                                  /*originating=*/"contoso.test", "X1");
  std::string swapped = dialbackKey(kSecret, "contoso.test", "gmail.test", "X1");
  std::string other_id = dialbackKey(kSecret, "gmail.test", "contoso.test", "X2");
  peer.receive(dbVerify("gmail.test", "contoso.test", "X1", right));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='X1' type='valid'/>");
  peer.receive(dbVerify("gmail.test", "contoso.test", "X1", swapped));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='X1' type='invalid'/>");
  peer.receive(dbVerify("gmail.test", "contoso.test", "X1", other_id));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='X1' type='invalid'/>");
  EXPECT_EQ(peer.state(), State::Negotiating);
}

TEST(InboundNegotiatorTest, VerifyIsAnsweredEvenWhenTheAskerRequiresTls) {
  Peer peer;
  peer.receive(prosodyHeader("a.test"));  // TLS Required for a.test; no TLS yet
  peer.expectAction<Send>();
  std::string key = dialbackKey(kSecret, "a.test", "fabrikam.test", "X1");
  peer.receive(dbVerify("a.test", "fabrikam.test", "X1", key));
  peer.expectSent("<db:verify from='fabrikam.test' to='a.test' id='X1' type='valid'/>");
}

TEST(InboundNegotiatorTest, VerifyWithAnEmptySecretIsNeverValid) {
  Peer peer({.secret = ""});
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.receive(dbVerify("gmail.test", "contoso.test", "X1",
                        dialbackKey("", "gmail.test", "contoso.test", "X1")));
  peer.expectSent("<db:verify from='contoso.test' to='gmail.test' id='X1' type='invalid'/>");
}

TEST(InboundNegotiatorTest, VerifyForADomainWeDoNotServe) {
  {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbVerify("gmail.test", "northwind.test", "X1", "k"));
    peer.expectSent(dbError("verify", "northwind.test", "gmail.test", "item-not-found", "X1"));
    EXPECT_EQ(peer.state(), State::Negotiating);
  }
  {
    Peer peer;
    peer.receive(legacyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive(dbVerify("gmail.test", "northwind.test", "X1", "k"));
    peer.expectClose(StreamErrc::HostUnknown);
  }
}

// ===================================================================== stanza rows

/** A Google Talk stream with contoso.test <- gmail.test authenticated. */
void establishGmail(Peer& peer) {
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.dialbackUntilVerify("gmail.test", "contoso.test", "k");
  peer.verified(kContosoGmail, true);
  peer.expectAction<Send>();
  peer.expectAction<PairAuthenticated>();
}

TEST(InboundNegotiatorTest, StanzaBeforeAuthenticationIsNotAuthorized) {
  Peer peer;
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.receive(message("romeo@gmail.test", "juliet@contoso.test"));
  peer.expectClose(StreamErrc::NotAuthorized);
}

TEST(InboundNegotiatorTest, StanzaWithoutValidAddressesIsImproperAddressing) {
  for (std::string_view stanza :
       {"<message from='romeo@gmail.test'><body>x</body></message>",
        "<presence to='juliet@contoso.test'/>", "<iq from='' to='contoso.test' type='get'/>",
        "<message from='romeo@gmail.test' to='@contoso.test'/>"}) {
    Peer peer;
    establishGmail(peer);
    peer.receive(stanza);
    peer.expectClose(StreamErrc::ImproperAddressing);
  }
}

TEST(InboundNegotiatorTest, StanzaFromAnUnauthenticatedDomainIsInvalidFrom) {
  Peer peer;
  establishGmail(peer);
  peer.receive(message("mallory@gtalk.test", "juliet@contoso.test"));
  peer.expectClose(StreamErrc::InvalidFrom, "gtalk.test is not authenticated");
}

TEST(InboundNegotiatorTest, StanzaToADomainWeDoNotServeIsHostUnknown) {
  Peer peer;
  establishGmail(peer);
  peer.receive("<presence from='romeo@gmail.test' to='juliet@northwind.test'/>");
  peer.expectClose(StreamErrc::HostUnknown, "northwind.test");
}

TEST(InboundNegotiatorTest, StanzaForAnUnauthenticatedPairIsInvalidFrom) {
  Peer peer;
  establishGmail(peer);
  // fabrikam.test is ours, but gmail.test authenticated only for contoso.test.
  peer.receive(
      "<iq from='romeo@gmail.test' to='fabrikam.test' type='get' id='p'>"
      "<ping xmlns='urn:xmpp:ping'/></iq>");
  peer.expectClose(StreamErrc::InvalidFrom, "for fabrikam.test");
}

TEST(InboundNegotiatorTest, StanzaForAnAuthenticatedPairIsDelivered) {
  Peer peer;
  establishGmail(peer);
  peer.receive(
      "<iq from='gmail.test' to='contoso.test' type='get' id='p'>"
      "<ping xmlns='urn:xmpp:ping'/></iq>");
  Deliver deliver = peer.expectAction<Deliver>();
  EXPECT_TRUE(deliver.stanza.is("jabber:server", "iq"));
  EXPECT_NE(deliver.stanza.child("urn:xmpp:ping", "ping"), nullptr);
}

// ====================================================================== other rows

TEST(InboundNegotiatorTest, PeerStreamErrorIsPeerClosed) {
  Peer peer;
  establishGmail(peer);
  peer.receive(
      "<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
      "</stream:error>");
  peer.expectAction<PeerClosed>();
  EXPECT_EQ(peer.state(), State::Closed);
}

TEST(InboundNegotiatorTest, UnknownTopLevelElementIsUnsupportedStanzaType) {
  Peer peer;
  establishGmail(peer);
  peer.receive("<enable xmlns='urn:xmpp:sm:3'/>");
  peer.expectClose(StreamErrc::UnsupportedStanzaType, "urn:xmpp:sm:3");
}

TEST(InboundNegotiatorTest, ClientNamespaceStanzaIsUnsupportedStanzaType) {
  Peer peer;
  establishGmail(peer);
  peer.receive("<message xmlns='jabber:client' from='romeo@gmail.test' to='juliet@contoso.test'/>");
  peer.expectClose(StreamErrc::UnsupportedStanzaType);
}

TEST(InboundNegotiatorTest, WhitespaceKeepaliveIsIgnored) {
  {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.receive("\n \n");
    peer.expectNothing();
    EXPECT_EQ(peer.state(), State::Negotiating);
  }
  {
    Peer peer;
    establishGmail(peer);
    peer.receive(" ");
    peer.expectNothing();
    EXPECT_EQ(peer.state(), State::Established);
  }
}

TEST(InboundNegotiatorTest, PeerCloseIsPeerClosed) {
  Peer peer;
  establishGmail(peer);
  peer.receive("</stream:stream>");
  peer.expectAction<PeerClosed>();
  EXPECT_EQ(peer.state(), State::Closed);
}

TEST(InboundNegotiatorTest, TimeoutBeforeEstablishedClosesAfterItIsIgnored) {
  {
    Peer peer;
    peer.receive(prosodyHeader("gmail.test"));
    peer.expectAction<Send>();
    peer.timeout();
    peer.expectClose(StreamErrc::ConnectionTimeout);
  }
  {
    Peer peer;
    establishGmail(peer);
    peer.timeout();
    peer.expectNothing();
    EXPECT_EQ(peer.state(), State::Established);
  }
}

struct ParseErrorCase {
  std::string_view name;
  std::string bytes;  // after a valid header
  StreamErrc condition;
};

std::vector<ParseErrorCase> parseErrorCases() {
  std::string deep = "<message from='a@gmail.test' to='b@contoso.test'>";
  for (int i = 0; i < 8; ++i) {
    deep += "<x>";
  }
  std::string many = "<message";
  for (int i = 0; i < 8; ++i) {
    many += " a" + std::to_string(i) + "='v'";
  }
  many += "/>";
  return {
      {"NotWellFormed", "<message></presence>", StreamErrc::NotWellFormed},
      {"RestrictedXml", "<!-- a comment -->", StreamErrc::RestrictedXml},
      {"StanzaTooLarge", "<message><body>" + std::string(600, 'x') + "</body></message>",
       StreamErrc::PolicyViolation},
      {"TooDeep", deep, StreamErrc::PolicyViolation},
      {"TooManyAttributes", many, StreamErrc::PolicyViolation},
      {"BadFormat", "hello", StreamErrc::BadFormat},
  };
}

void PrintTo(const ParseErrorCase& c, std::ostream* os) { *os << c.name; }

class ParseErrorTest : public testing::TestWithParam<ParseErrorCase> {};

TEST_P(ParseErrorTest, MapsToTheStreamCondition) {
  const ParseErrorCase& c = GetParam();
  Peer peer({.limits = {.max_stanza_bytes = 512, .max_depth = 4, .max_attributes = 4}});
  peer.receive(prosodyHeader("gmail.test"));
  peer.expectAction<Send>();
  peer.receive(c.bytes);
  peer.expectClose(c.condition);
}

INSTANTIATE_TEST_SUITE_P(Parser, ParseErrorTest, testing::ValuesIn(parseErrorCases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(InboundNegotiatorTest, ParseErrorsBeforeTheHeaderSendOurHeaderFirst) {
  {
    Peer peer;  // the root is not {streams}stream
    peer.receive("<stream xmlns='jabber:server' to='contoso.test'>");
    peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);
    peer.expectClose(StreamErrc::InvalidNamespace);
  }
  {
    Peer peer;
    peer.receive("<?xml version='1.0' encoding='ISO-8859-1'?>" + prosodyHeader("gmail.test"));
    peer.expectHeader({.from = std::nullopt, .to = std::nullopt}, std::nullopt);
    peer.expectClose(StreamErrc::UnsupportedEncoding);
  }
}

TEST(InboundNegotiatorTest, EveryParserErrorKindHasItsCondition) {
  struct Case {
    xml::ErrorKind kind;
    StreamErrc condition;
  };
  for (Case c : {Case{xml::ErrorKind::NotWellFormed, StreamErrc::NotWellFormed},
                 Case{xml::ErrorKind::RestrictedXml, StreamErrc::RestrictedXml},
                 Case{xml::ErrorKind::StanzaTooLarge, StreamErrc::PolicyViolation},
                 Case{xml::ErrorKind::TooDeep, StreamErrc::PolicyViolation},
                 Case{xml::ErrorKind::TooManyAttributes, StreamErrc::PolicyViolation},
                 Case{xml::ErrorKind::InvalidNamespace, StreamErrc::InvalidNamespace},
                 Case{xml::ErrorKind::BadFormat, StreamErrc::BadFormat},
                 Case{xml::ErrorKind::UnsupportedEncoding, StreamErrc::UnsupportedEncoding},
                 Case{xml::ErrorKind::ResourceConstraint, StreamErrc::ResourceConstraint}}) {
    Peer peer;
    establishGmail(peer);
    peer.event(xml::Error{.kind = c.kind, .text = "parser says no"});
    peer.expectClose(c.condition, "parser says no");
  }
}

TEST(InboundNegotiatorTest, RetiredAfterCloseEveryInputIsANoOp) {
  Peer peer;
  peer.receive(prosodyHeader("evil.test"));
  peer.expectAction<Send>();
  peer.expectClose(StreamErrc::PolicyViolation);

  InboundNegotiator& n = peer.negotiator();
  xml::StreamOpened opened;
  opened.root = xml::Element("http://etherx.jabber.org/streams", "stream");
  opened.default_ns = "jabber:server";
  EXPECT_TRUE(n.onStreamOpened(opened).empty());
  EXPECT_TRUE(n.onElement(parseElement(message("a@gmail.test", "b@contoso.test"))).empty());
  EXPECT_TRUE(n.onElement(parseElement(std::string(kStarttls))).empty());
  EXPECT_TRUE(n.onElement(parseElement(dbVerify("gmail.test", "contoso.test", "x", "k"))).empty());
  EXPECT_TRUE(n.onWhitespace().empty());
  EXPECT_TRUE(n.onStreamClosed().empty());
  EXPECT_TRUE(n.onParseError({.kind = xml::ErrorKind::BadFormat, .text = ""}).empty());
  EXPECT_TRUE(n.onTlsEstablished(certificateFor({})).empty());
  EXPECT_TRUE(n.onDialbackVerified(kContosoGmail, true).empty());
  EXPECT_TRUE(n.onDialbackError(kContosoGmail, StanzaErrc::RemoteServerNotFound).empty());
  EXPECT_TRUE(n.onTimeout().empty());
  EXPECT_EQ(n.state(), State::Closed);
}

TEST(InboundNegotiatorTest, StateNamesAreKebabCase) {
  EXPECT_EQ(stateName(State::AwaitingHeader), "awaiting-header");
  EXPECT_EQ(stateName(State::TlsHandshake), "tls-handshake");
  EXPECT_EQ(stateName(State::Negotiating), "negotiating");
  EXPECT_EQ(stateName(State::Established), "established");
  EXPECT_EQ(stateName(State::Closed), "closed");
}

}  // namespace
}  // namespace xfed::xmpp::s2s
