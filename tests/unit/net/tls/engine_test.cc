// SPDX-License-Identifier: Apache-2.0
#include "net/tls/engine.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"
#include "net/tls/errors.h"
#include "net/tls/identity.h"
#include "net/tls/tls_test_support.h"
#include "pki/lab_pki.h"

namespace xfed::net::tls {
namespace {

using testing::clientOptions;
using testing::connect;
using testing::contains;
using testing::EnginePair;
using testing::mustCreate;
using testing::pump;
using testing::serverOptions;
using testing::TestPki;
using testing::to;

const TestPki& pki() { return TestPki::get(); }

std::string leafDnsName(const TlsEngine& engine) {
  const auto cert = engine.peerCertificate();
  if (!cert) {
    return "(none)";
  }
  const auto ids = presentedIdentifiers(*cert);
  return ids.dns_ids.empty() ? "(no DNS-ID)" : ids.dns_ids.front();
}

/** Bytes of a run of TLS records: the number of records, or -1 if they do not parse. */
int countRecords(std::string_view bytes) {
  int records = 0;
  while (!bytes.empty()) {
    if (bytes.size() < 5) {
      return -1;
    }
    const std::size_t length =
        (static_cast<std::uint8_t>(bytes[3]) << 8) | static_cast<std::uint8_t>(bytes[4]);
    if (bytes.size() < 5 + length) {
      return -1;
    }
    bytes.remove_prefix(5 + length);
    ++records;
  }
  return records;
}

std::string pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  std::minstd_rand random(seed);
  for (char& c : out) {
    c = static_cast<char>(random() & 0xff);
  }
  return out;
}

// ---- handshake ---------------------------------------------------------------------------------

class VersionTest : public ::testing::TestWithParam<TlsVersion> {
protected:
  TlsContextOptions capped(TlsContextOptions options) const {
    options.maximum_version = GetParam();
    return options;
  }
};

TEST_P(VersionTest, HandshakeCompletesWithMutualVerification) {
  auto pair = connect(mustCreate(capped(clientOptions({pki().example}))),
                      mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.client->handshakeDone()) << pair.client->failure().detail;
  ASSERT_TRUE(pair.server->handshakeDone()) << pair.server->failure().detail;
  EXPECT_EQ(pair.client->state(), TlsState::Established);
  EXPECT_EQ(pair.server->state(), TlsState::Established);
  const std::string_view expected = GetParam() == TlsVersion::Tls13 ? "TLSv1.3" : "TLSv1.2";
  EXPECT_EQ(pair.client->version(), expected);
  EXPECT_EQ(pair.server->version(), expected);
  EXPECT_EQ(pair.client->cipher(), pair.server->cipher());
  EXPECT_EQ(pair.client->cipher(), GetParam() == TlsVersion::Tls13
                                       ? "TLS_AES_128_GCM_SHA256"
                                       : "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_TRUE(pair.client->chainVerified()) << pair.client->chainVerifyReason();
  EXPECT_TRUE(pair.server->chainVerified()) << pair.server->chainVerifyReason();
  EXPECT_EQ(pair.client->chainVerifyReason(), "");
  EXPECT_EQ(leafDnsName(*pair.client), "contoso.test");
  EXPECT_EQ(leafDnsName(*pair.server), "example.net");
  EXPECT_EQ(pair.server->sniName(), "contoso.test");
  EXPECT_EQ(pair.client->sniName(), "contoso.test");
  EXPECT_TRUE(verifyXmppServerIdentity(*pair.client->peerCertificate(), "contoso.test"));
  EXPECT_EQ(pair.client->bufferedBytes(), 0u);
  EXPECT_EQ(pair.server->bufferedBytes(), 0u);
  EXPECT_EQ(pair.client->heapBytesHeldForTest(), 0u);
  EXPECT_EQ(pair.server->heapBytesHeldForTest(), 0u);
}

TEST_P(VersionTest, MissingClientCertificateFailsWhenRequired) {
  auto server_options = serverOptions({pki().contoso});
  server_options.peer_certificate = PeerCertificatePolicy::Required;
  auto pair = connect(mustCreate(capped(clientOptions())), mustCreate(server_options));
  ASSERT_TRUE(pair.server->failed());
  EXPECT_FALSE(pair.server->handshakeDone());
  EXPECT_EQ(pair.server->failure().code, TlsErrc::HandshakeFailed);
  EXPECT_TRUE(contains(pair.server->failure().detail, "peer did not return a certificate"))
      << pair.server->failure().detail;
  // TLS 1.3: the client's handshake completed before the server read its (empty) Certificate;
  // the alert that followed failed it. TLS 1.2: the alert came during the handshake.
  ASSERT_TRUE(pair.client->failed());
  EXPECT_TRUE(contains(pair.client->failure().detail, GetParam() == TlsVersion::Tls13
                                                          ? "alert certificate required"
                                                          : "alert handshake failure"))
      << pair.client->failure().detail;
}

TEST_P(VersionTest, UnverifiableClientCertificateFailsWhenRequired) {
  auto server_options = serverOptions({pki().contoso});
  server_options.peer_certificate = PeerCertificatePolicy::Required;
  auto pair =
      connect(mustCreate(capped(clientOptions({pki().unknown_ca}))), mustCreate(server_options));
  ASSERT_TRUE(pair.server->failed());
  EXPECT_TRUE(contains(pair.server->failure().detail, "certificate verify failed"))
      << pair.server->failure().detail;
  EXPECT_TRUE(contains(pair.server->failure().detail,
                       "peer certificate: unable to get local issuer certificate (depth 0"))
      << pair.server->failure().detail;
  EXPECT_TRUE(pair.client->failed());
}

INSTANTIATE_TEST_SUITE_P(Tls, VersionTest, ::testing::Values(TlsVersion::Tls12, TlsVersion::Tls13),
                         [](const ::testing::TestParamInfo<TlsVersion>& info) {
                           return info.param == TlsVersion::Tls13 ? "Tls13" : "Tls12";
                         });

TEST(TlsEngineTest, HandshakeSurvivesOneByteAtATime) {
  auto pair = connect(mustCreate(clientOptions({pki().example})),
                      mustCreate(serverOptions({pki().contoso})), to("contoso.test"), 1);
  EXPECT_TRUE(pair.client->handshakeDone()) << pair.client->failure().detail;
  EXPECT_TRUE(pair.server->handshakeDone()) << pair.server->failure().detail;
  EXPECT_TRUE(pair.server->chainVerified());
}

TEST(TlsEngineTest, ClientCertificateIsOptionalOnTheS2sPort) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.server->handshakeDone()) << pair.server->failure().detail;
  EXPECT_FALSE(pair.server->peerCertificate());
  EXPECT_TRUE(pair.server->peerCertificateChain().empty());
  EXPECT_FALSE(pair.server->chainVerified());
  EXPECT_EQ(pair.server->chainVerifyReason(), "the peer sent no certificate");
  EXPECT_TRUE(pair.client->chainVerified());
}

// ---- application data --------------------------------------------------------------------------

TEST(TlsEngineTest, ApplicationDataFlowsBothWays) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.client->writePlaintext("<stream:stream to='contoso.test'>"));
  pump(pair);
  EXPECT_EQ(pair.server_received, "<stream:stream to='contoso.test'>");
  ASSERT_TRUE(pair.server->writePlaintext("<stream:stream from='contoso.test'>"));
  pump(pair);
  EXPECT_EQ(pair.client_received, "<stream:stream from='contoso.test'>");
  EXPECT_EQ(pair.client->heapBytesHeldForTest(), 0u);
  EXPECT_EQ(pair.server->heapBytesHeldForTest(), 0u);
}

TEST(TlsEngineTest, DataWrittenBeforeTheHandshakeIsSentAfterIt) {
  auto client = TlsEngine::createClient(mustCreate(clientOptions()), to("contoso.test"));
  auto server = TlsEngine::createServer(mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(client && server);
  EnginePair pair = testing::makePair(std::move(*client), std::move(*server));
  std::string hello;
  pair.client->takeCiphertext(hello);
  ASSERT_TRUE(pair.client->writePlaintext("early"));
  EXPECT_EQ(pair.client->bufferedBytes(), 5u);
  ASSERT_TRUE(pair.server->feedCiphertext(hello));
  pump(pair);
  EXPECT_EQ(pair.server_received, "early");
}

TEST(TlsEngineTest, OneMebibyteEachWayInOddChunks) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  const std::string up = pattern(1 << 20, 1);
  const std::string down = pattern(1 << 20, 2);
  ASSERT_TRUE(pair.client->writePlaintext(up));
  ASSERT_TRUE(pair.server->writePlaintext(down));
  pump(pair, 1000);  // a socket read never lines up with records
  EXPECT_EQ(pair.server_received.size(), up.size());
  EXPECT_TRUE(pair.server_received == up);
  EXPECT_EQ(pair.client_received.size(), down.size());
  EXPECT_TRUE(pair.client_received == down);
  EXPECT_EQ(pair.client->heapBytesHeldForTest(), 0u);
  EXPECT_EQ(pair.server->heapBytesHeldForTest(), 0u);
}

TEST(TlsEngineTest, SmallWritesShareOneRecordAndOneBuffer) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    const std::string stanza = "<message id='" + std::to_string(i) + "'/>";
    ASSERT_TRUE(pair.client->writePlaintext(stanza));
    expected += stanza;
  }
  EXPECT_EQ(pair.client->bufferedBytes(), expected.size());  // queued, not yet encrypted
  std::string wire = "already queued by the caller|";
  const std::size_t prefix = wire.size();
  pair.client->takeCiphertext(wire);
  ASSERT_GT(wire.size(), prefix);
  EXPECT_EQ(wire.substr(0, prefix), "already queued by the caller|");  // appended, not replaced
  EXPECT_EQ(countRecords(std::string_view(wire).substr(prefix)), 1);
  EXPECT_LT(wire.size() - prefix, expected.size() + 64);
  EXPECT_EQ(pair.client->bufferedBytes(), 0u);
  std::string plaintext;
  ASSERT_TRUE(pair.server->feedCiphertext(std::string_view(wire).substr(prefix)));
  ASSERT_TRUE(pair.server->readPlaintext(plaintext));
  EXPECT_EQ(plaintext, expected);
}

TEST(TlsEngineTest, LargeWritesAreEncryptedWithoutWaiting) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.client->writePlaintext(pattern(40000, 3)));
  // More than a record's worth was encrypted at once: the engine holds ciphertext (plaintext
  // plus record overhead), not 40,000 bytes of plaintext waiting for takeCiphertext().
  EXPECT_GT(pair.client->bufferedBytes(), 40000u);
  std::string wire;
  pair.client->takeCiphertext(wire);
  EXPECT_EQ(countRecords(wire), 3);
}

// ---- closing -----------------------------------------------------------------------------------

TEST(TlsEngineTest, CloseNotifyBothWays) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.client->writePlaintext("</stream:stream>"));
  pair.client->close();
  EXPECT_EQ(pair.client->state(), TlsState::Closing);
  const auto refused = pair.client->writePlaintext("late");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, TlsErrc::Closed);
  pump(pair);
  EXPECT_EQ(pair.server_received, "</stream:stream>");  // data before close_notify arrives
  EXPECT_EQ(pair.server->state(), TlsState::PeerClosed);
  EXPECT_TRUE(pair.server->peerClosed());
  ASSERT_TRUE(pair.server->writePlaintext("</stream:stream>"));  // half-close: still writable
  pair.server->close();
  EXPECT_EQ(pair.server->state(), TlsState::Closed);
  pump(pair);
  EXPECT_EQ(pair.client_received, "</stream:stream>");
  EXPECT_EQ(pair.client->state(), TlsState::Closed);
  EXPECT_FALSE(pair.client->failed());
  EXPECT_TRUE(pair.client->feedCiphertext("ignored after close"));
  EXPECT_EQ(pair.client->heapBytesHeldForTest(), 0u);
  EXPECT_EQ(pair.server->heapBytesHeldForTest(), 0u);
}

TEST(TlsEngineTest, CloseDuringTheHandshakeSendsNothing) {
  auto client = TlsEngine::createClient(mustCreate(clientOptions()), to("contoso.test"));
  ASSERT_TRUE(client);
  std::string hello;
  (*client)->takeCiphertext(hello);
  (*client)->close();
  EXPECT_EQ((*client)->state(), TlsState::Closed);
  std::string after;
  (*client)->takeCiphertext(after);
  EXPECT_TRUE(after.empty());
}

// ---- SNI and ALPN ------------------------------------------------------------------------------

struct SniCase {
  const char* name;
  std::string server_name;  // what the client sends
  std::string expected_sni;
  std::string expected_certificate;
};

class SniTest : public ::testing::TestWithParam<SniCase> {};

TEST_P(SniTest, SelectsTheCertificateForTheName) {
  const SniCase& c = GetParam();
  auto server = mustCreate(serverOptions({pki().contoso, pki().fabrikam}));
  auto pair = connect(mustCreate(clientOptions()), server, to(c.server_name));
  ASSERT_TRUE(pair.client->handshakeDone()) << pair.client->failure().detail;
  EXPECT_EQ(pair.server->sniName(), c.expected_sni);
  EXPECT_EQ(leafDnsName(*pair.client), c.expected_certificate);
  EXPECT_TRUE(pair.client->chainVerified()) << pair.client->chainVerifyReason();
}

INSTANTIATE_TEST_SUITE_P(
    Names, SniTest,
    ::testing::Values(
        SniCase{"Exact", "fabrikam.test", "fabrikam.test", "fabrikam.test"},
        SniCase{"ExactIgnoresCase", "FABRIKAM.test", "FABRIKAM.test", "fabrikam.test"},
        SniCase{"TrailingDotDropped", "fabrikam.test.", "fabrikam.test", "fabrikam.test"},
        SniCase{"Wildcard", "chat.fabrikam.test", "chat.fabrikam.test", "fabrikam.test"},
        SniCase{"DefaultIsFirst", "xmpp.contoso.test", "xmpp.contoso.test", "contoso.test"},
        SniCase{"UnknownNameGetsDefault", "other.test", "other.test", "contoso.test"},
        SniCase{"NoSni", "", "", "contoso.test"},
        SniCase{"IpLiteralIsNotSent", "192.0.2.1", "", "contoso.test"}),
    [](const ::testing::TestParamInfo<SniCase>& info) { return info.param.name; });

TEST(TlsEngineTest, AlpnNegotiatedWhenOffered) {
  auto server = mustCreate(serverOptions({pki().contoso}));
  const TlsEngineClientOptions direct_tls = to("contoso.test", true);
  auto offered = connect(mustCreate(clientOptions()), server, direct_tls);
  EXPECT_EQ(offered.client->alpn(), "xmpp-server");
  EXPECT_EQ(offered.server->alpn(), "xmpp-server");

  auto not_offered = connect(mustCreate(clientOptions()), server, to("contoso.test", false));
  ASSERT_TRUE(not_offered.server->handshakeDone());
  EXPECT_EQ(not_offered.server->alpn(), "");

  auto other_client_options = clientOptions();
  other_client_options.alpn_protocols = {"xmpp-client"};
  auto other = connect(mustCreate(other_client_options), server, direct_tls);
  ASSERT_TRUE(other.server->handshakeDone()) << other.server->failure().detail;
  EXPECT_EQ(other.client->alpn(), "");  // tolerated: served without ALPN

  auto server_without_alpn_options = serverOptions({pki().contoso});
  server_without_alpn_options.alpn_protocols.clear();
  auto plain =
      connect(mustCreate(clientOptions()), mustCreate(server_without_alpn_options), direct_tls);
  ASSERT_TRUE(plain.client->handshakeDone()) << plain.client->failure().detail;
  EXPECT_EQ(plain.client->alpn(), "");
}

// ---- client certificates -----------------------------------------------------------------------

TEST(TlsEngineTest, ClientPresentsThePairForItsDomain) {
  auto client = mustCreate(clientOptions({pki().example, pki().fabrikam}));
  auto server = mustCreate(serverOptions({pki().contoso}));
  auto as_fabrikam = connect(client, server, to("contoso.test", false, "chat.fabrikam.test"));
  EXPECT_EQ(leafDnsName(*as_fabrikam.server), "fabrikam.test");
  auto as_default = connect(client, server, to("contoso.test", false, "nobody.test"));
  EXPECT_EQ(leafDnsName(*as_default.server), "example.net");
}

TEST(TlsEngineTest, ServerAuthOnlyClientCertificateIsAcceptedForS2s) {
  // Public CAs issue serverAuth-only certificates since 2026 (ejabberd #4392).
  auto client = mustCreate(clientOptions({pki().server_auth_only}));
  auto s2s = connect(client, mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(s2s.server->handshakeDone());
  EXPECT_TRUE(s2s.server->chainVerified()) << s2s.server->chainVerifyReason();

  auto strict_options = serverOptions({pki().contoso});
  strict_options.client_certificate_purpose = ClientCertificatePurpose::TlsClient;
  auto strict = connect(client, mustCreate(strict_options));
  ASSERT_TRUE(strict.server->handshakeDone());
  EXPECT_FALSE(strict.server->chainVerified());
  EXPECT_TRUE(contains(strict.server->chainVerifyReason(), "certificate purpose"))
      << strict.server->chainVerifyReason();
}

// ---- chain verification ------------------------------------------------------------------------

struct ChainCase {
  const char* name;
  CertificateFiles TestPki::*server_certificate;
  bool verified;
  std::string reason;  // substring of chainVerifyReason()
};

class ChainTest : public ::testing::TestWithParam<ChainCase> {};

TEST_P(ChainTest, ClientReportsTheServerChainVerdict) {
  const ChainCase& c = GetParam();
  auto server = mustCreate(serverOptions({pki().*c.server_certificate}));
  auto pair = connect(mustCreate(clientOptions()), server);
  ASSERT_TRUE(pair.client->handshakeDone()) << pair.client->failure().detail;  // Optional
  EXPECT_EQ(pair.client->chainVerified(), c.verified);
  EXPECT_TRUE(contains(pair.client->chainVerifyReason(), c.reason))
      << pair.client->chainVerifyReason();
}

TEST_P(ChainTest, RequiredPolicyFailsTheHandshake) {
  const ChainCase& c = GetParam();
  auto client_options = clientOptions();
  client_options.peer_certificate = PeerCertificatePolicy::Required;
  auto pair =
      connect(mustCreate(client_options), mustCreate(serverOptions({pki().*c.server_certificate})));
  EXPECT_EQ(pair.client->handshakeDone(), c.verified);
  if (!c.verified) {
    EXPECT_TRUE(contains(pair.client->failure().detail, c.reason)) << pair.client->failure().detail;
    EXPECT_TRUE(pair.server->failed());  // it got the alert
    EXPECT_TRUE(contains(pair.server->failure().detail, "alert")) << pair.server->failure().detail;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Chains, ChainTest,
    ::testing::Values(ChainCase{"Trusted", &TestPki::contoso, true, ""},
                      ChainCase{"ThroughIntermediate", &TestPki::via_intermediate, true, ""},
                      ChainCase{"UnknownCa", &TestPki::unknown_ca, false,
                                "unable to get local issuer certificate (depth 0: CN=contoso.test"},
                      ChainCase{"Expired", &TestPki::expired, false,
                                "certificate has expired (depth 0: CN=contoso.test"},
                      ChainCase{"WrongPurpose", &TestPki::client_auth_only, false,
                                "certificate purpose (depth 0"}),
    [](const ::testing::TestParamInfo<ChainCase>& info) { return info.param.name; });

TEST(TlsEngineTest, ChainIsReportedAsSentLeafFirst) {
  auto server = mustCreate(serverOptions({pki().via_intermediate}));
  auto client = mustCreate(clientOptions({pki().example}));
  auto pair = connect(client, server);
  const auto chain = pair.client->peerCertificateChain();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].subject(), "CN=contoso.test,O=xfed tests");
  EXPECT_EQ(chain[1].subject(), "CN=xfed test intermediate,O=xfed tests");
  const auto server_view = pair.server->peerCertificateChain();
  ASSERT_EQ(server_view.size(), 1u);
  EXPECT_EQ(server_view[0].subject(), "CN=example.net,O=xfed tests");
}

// ---- the lab PKI ------------------------------------------------------------------------------

TEST(TlsEngineTest, LabPkiCertificatesServeS2sAndTheInternalLink) {
  const fakes::TempDir data_dir;
  pki::LabPkiRequest request;
  request.edge_external_names = {"edge.contoso.test", "contoso.test"};
  request.internal_names = {"edge-int.contoso.test"};
  request.front_end_names = {"fe.contoso.test"};
  auto files = pki::ensureLabPki(data_dir.path() / "pki", request);
  ASSERT_TRUE(files) << files.error().detail;

  // The internal link (ADR 0004): mutual TLS, both sides Required, against the lab CA.
  TlsContextOptions edge_options;
  edge_options.role = TlsRole::Server;
  edge_options.certificates = {{files->internal_cert, files->internal_key}};
  edge_options.ca_file = files->ca_cert;
  edge_options.peer_certificate = PeerCertificatePolicy::Required;
  TlsContextOptions gateway_options;
  gateway_options.role = TlsRole::Client;
  gateway_options.certificates = {{files->front_end_cert, files->front_end_key}};
  gateway_options.ca_file = files->ca_cert;
  gateway_options.peer_certificate = PeerCertificatePolicy::Required;
  gateway_options.alpn_protocols.clear();
  auto link =
      connect(mustCreate(gateway_options), mustCreate(edge_options), to("edge-int.contoso.test"));
  ASSERT_TRUE(link.server->handshakeDone()) << link.server->failure().detail;
  ASSERT_TRUE(link.client->handshakeDone()) << link.client->failure().detail;
  EXPECT_TRUE(link.server->chainVerified());
  EXPECT_TRUE(link.client->chainVerified());
  EXPECT_EQ(verifyXmppServerIdentity(*link.client->peerCertificate(), "edge-int.contoso.test").rule,
            IdentityRule::DnsId);
  EXPECT_EQ(leafDnsName(*link.server), "fe.contoso.test");

  // The s2s port with the edge's external certificate: a partner checks the XMPP domain.
  TlsContextOptions s2s_options;
  s2s_options.certificates = {{files->edge_external_cert, files->edge_external_key}};
  TlsContextOptions partner_options;
  partner_options.role = TlsRole::Client;
  partner_options.ca_file = files->ca_cert;
  auto s2s =
      connect(mustCreate(partner_options), mustCreate(s2s_options), to("contoso.test", true));
  ASSERT_TRUE(s2s.client->handshakeDone()) << s2s.client->failure().detail;
  EXPECT_TRUE(s2s.client->chainVerified()) << s2s.client->chainVerifyReason();
  EXPECT_EQ(s2s.client->alpn(), "xmpp-server");
  EXPECT_TRUE(verifyXmppServerIdentity(*s2s.client->peerCertificate(), "contoso.test"));
  EXPECT_FALSE(s2s.server->chainVerified());  // the partner sent no certificate: dialback
}

// ---- STARTTLS ----------------------------------------------------------------------------------

TEST(TlsEngineTest, StartTlsTakesOverAfterPlaintext) {
  // RFC 6120 §5.4: plaintext stream, <starttls/>, <proceed/>, then TLS on the same socket.
  const std::string starttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  std::string client_socket = "<stream:stream to='contoso.test' version='1.0'>" + starttls;
  const std::string server_socket = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  ASSERT_TRUE(testing::contains(server_socket, "<proceed"));  // the client saw <proceed/>

  auto client = TlsEngine::createClient(mustCreate(clientOptions()), to("contoso.test"));
  ASSERT_TRUE(client);
  // The server's read returns the end of the plaintext and the first TLS bytes together.
  (*client)->takeCiphertext(client_socket);
  const std::size_t plaintext_end = client_socket.find(starttls) + starttls.size();
  auto server = TlsEngine::createServer(mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(server);
  ASSERT_TRUE((*server)->feedCiphertext(std::string_view(client_socket).substr(plaintext_end)));
  EnginePair pair = testing::makePair(std::move(*client), std::move(*server));
  pump(pair);
  ASSERT_TRUE(pair.server->handshakeDone()) << pair.server->failure().detail;
  ASSERT_TRUE(pair.client->writePlaintext("<stream:stream to='contoso.test' version='1.0'>"));
  pump(pair);
  EXPECT_EQ(pair.server_received, "<stream:stream to='contoso.test' version='1.0'>");
}

// ---- hostile input -----------------------------------------------------------------------------

TEST(TlsEngineTest, PlaintextInsteadOfTlsFailsWithAReason) {
  auto server = TlsEngine::createServer(mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(server);
  const auto result = (*server)->feedCiphertext("<stream:stream to='contoso.test'>");
  ASSERT_FALSE(result);
  EXPECT_TRUE((*server)->failed());
  EXPECT_EQ((*server)->failure().code, TlsErrc::HandshakeFailed);
  EXPECT_TRUE(contains((*server)->failure().detail, "wrong version number") ||
              contains((*server)->failure().detail, "record layer failure") ||
              contains((*server)->failure().detail, "packet length too long"))
      << (*server)->failure().detail;
  // Failed is terminal: more input is refused with the same error, and nothing crashes.
  const auto again = (*server)->feedCiphertext("more");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().detail, (*server)->failure().detail);
  std::string plaintext;
  EXPECT_FALSE((*server)->readPlaintext(plaintext));
  EXPECT_FALSE((*server)->writePlaintext("x"));
  (*server)->close();
  EXPECT_TRUE(plaintext.empty());
  EXPECT_TRUE((*server)->failed());
}

TEST(TlsEngineTest, CorruptedRecordFailsTheConnection) {
  auto pair = connect(mustCreate(clientOptions()), mustCreate(serverOptions({pki().contoso})));
  ASSERT_TRUE(pair.client->writePlaintext("<message/>"));
  std::string wire;
  pair.client->takeCiphertext(wire);
  wire[wire.size() - 3] ^= 0x5a;  // inside the AEAD tag
  ASSERT_TRUE(pair.server->feedCiphertext(wire));
  std::string plaintext;
  const auto result = pair.server->readPlaintext(plaintext);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, TlsErrc::ProtocolError);
  EXPECT_TRUE(contains(result.error().detail, "bad record mac") ||
              contains(result.error().detail, "decryption failed"))
      << result.error().detail;
  EXPECT_TRUE(plaintext.empty());
  std::string alert;
  pair.server->takeCiphertext(alert);
  EXPECT_EQ(countRecords(alert), 1);  // the bad_record_mac alert, for the caller to send
}

TEST(TlsEngineTest, RandomBytesNeverCrash) {
  auto server_context = mustCreate(serverOptions({pki().contoso}));
  auto client_context = mustCreate(clientOptions());
  std::mt19937 random(20240601);  // fixed seed: deterministic
  for (int round = 0; round < 200; ++round) {
    std::string garbage(1 + random() % 600, '\0');
    for (char& c : garbage) {
      c = static_cast<char>(random());
    }
    if (round % 4 == 0) {
      garbage[0] = 0x16;  // looks like a handshake record
      garbage[1] = 0x03;
      garbage[2] = 0x01;
    }
    auto server = TlsEngine::createServer(server_context);
    ASSERT_TRUE(server);
    static_cast<void>((*server)->feedCiphertext(garbage));
    std::string sink;
    static_cast<void>((*server)->readPlaintext(sink));
    (*server)->takeCiphertext(sink);
    EXPECT_FALSE((*server)->handshakeDone());

    auto pair = connect(client_context, server_context);
    static_cast<void>(pair.client->feedCiphertext(garbage));
    static_cast<void>(pair.client->readPlaintext(sink));
    EXPECT_TRUE(pair.client->failed() || pair.client->state() == TlsState::Established);
  }
}

}  // namespace
}  // namespace xfed::net::tls
