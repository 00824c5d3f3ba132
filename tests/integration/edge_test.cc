// SPDX-License-Identifier: Apache-2.0
// The edge's s2s listener against bad input, over real sockets: `xfed serve` with the edge role
// on 127.0.0.1 and a free port, a raw TCP client playing a misbehaving peer. Every case must end
// in the right stream error (RFC 6120 §4.9.3) and a closed connection, within its deadline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <fstream>
#include <thread>

#include "app/admin_client.h"
#include "app/data_dir.h"
#include "fakes/child_process.h"
#include "fakes/temp_dir.h"

namespace xfed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kConnectionLimit = 4;

/** A raw TCP peer with deadlines on every read. */
class RawPeer {
public:
  explicit RawPeer(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawPeer() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  bool connected() const { return connected_; }
  void send(std::string_view bytes) { (void)!::write(fd_, bytes.data(), bytes.size()); }

  /** Reads until the peer closes or the deadline passes; returns what arrived. */
  std::string readUntilClosed(std::chrono::milliseconds deadline) {
    auto end = Clock::now() + deadline;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (left.count() <= 0) {
        timed_out_ = true;
        return received_;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        continue;
      }
      char buffer[4096];
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) {
        closed_ = true;
        return received_;
      }
      received_.append(buffer, static_cast<std::size_t>(n));
    }
  }
  /** Reads until `text` has arrived (or the peer closes, or the deadline passes). */
  std::string readUntil(std::string_view text, std::chrono::milliseconds deadline) {
    auto end = Clock::now() + deadline;
    while (received_.find(text) == std::string::npos && !closed_ && Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<long>(1, left.count()))) <= 0) {
        continue;
      }
      char buffer[4096];
      ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      received_.append(buffer, static_cast<std::size_t>(n));
    }
    return received_;
  }

  bool closed() const { return closed_; }
  bool timedOut() const { return timed_out_; }

private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  bool timed_out_ = false;
  std::string received_;
};

const char* kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
    "xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
    "to='contoso.test' from='peer.test' version='1.0'>";

class EdgeBadInputTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    temp_ = new fakes::TempDir();
    fs::path data = temp_->path() / "data";
    auto dir = app::openDataDir(data);
    ASSERT_TRUE(dir) << dir.error().detail;
    auto store = app::openStore(*dir);
    ASSERT_TRUE(store);
    store::ConfigStore& s = **store;
    ASSERT_TRUE(s.write([&]() -> core::Result<void> {
      config::AccessEdgeConfiguration edge{.allow_federated_users = true};
      XFED_TRY(s.setAccessEdgeConfiguration(edge));
      config::XmppPartner peer;
      peer.domain = "peer.test";
      peer.tls_negotiation = config::Negotiation::NotSupported;
      peer.sasl_negotiation = config::Negotiation::NotSupported;
      XFED_TRY(s.upsertPartner(peer));
      config::XmppPartner limited = peer;
      limited.domain = "limited.test";
      limited.connection_limit = 2;
      XFED_TRY(s.upsertPartner(limited));
      XFED_ASSIGN_OR_RETURN(config::XmppGatewayConfiguration gateway, s.gatewayConfiguration());
      gateway.connection_limit = kConnectionLimit;
      gateway.partner_connection_limit = kConnectionLimit;
      gateway.stream_establishment_timeout = 2;
      return s.setGatewayConfiguration(gateway);
    }));
    // No DNS may leave the machine: a forwarder where nothing listens, and a static target.
    std::ofstream(data / "node.toml") << "[node]\nroles = [\"edge\"]\n"
                                         "[edge]\nlisten_address = \"127.0.0.1\"\nport = 0\nlink_port = 0\n"
                                         "max_stanza_bytes = 10000\n"
                                         "dns_forwarders = [\"127.0.0.1@9\"]\n"
                                         "[edge.dns_overrides]\n\"peer.test\" = \"127.0.0.1:9\"\n";
    xfed_ = new fakes::ChildProcess(fs::path(XFED_BIN_DIR) / "xfed",
                                    {"serve", "--data-dir", data.string()}, temp_->path() / "xfed");
    socket_ = app::DataDir{data}.adminSocketPath();
    auto end = Clock::now() + 20s;
    while (Clock::now() < end) {
      auto reply = app::adminRequest(socket_, R"({"op":"streams"})", 1000ms);
      if (reply) {
        port_ = nlohmann::json::parse(*reply).value("edge_port", 0);
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_NE(port_, 0) << xfed_->stderrText();
  }

  static void TearDownTestSuite() {
    xfed_->signal(SIGTERM);
    xfed_->waitExit(10s);
    delete xfed_;
    delete temp_;
  }

  static inline fakes::TempDir* temp_ = nullptr;
  static inline fakes::ChildProcess* xfed_ = nullptr;
  static inline fs::path socket_;
  static inline std::uint16_t port_ = 0;
};

/** Waits until the edge holds no inbound stream: earlier tests' peers are gone (bounded). */
void waitForNoInboundStreams(const fs::path& socket) {
  auto end = Clock::now() + 10s;
  while (Clock::now() < end) {
    auto reply = app::adminRequest(socket, R"({"op":"streams"})", 1000ms);
    if (reply) {
      nlohmann::json doc = nlohmann::json::parse(*reply);
      bool any = false;
      for (const auto& stream : doc["streams"]) {
        any = any || stream.value("direction", "") == "in";
      }
      if (!any) {
        return;
      }
    }
    std::this_thread::sleep_for(50ms);
  }
  ADD_FAILURE() << "inbound streams of earlier tests are still open after 10 s";
}

void expectStreamError(RawPeer& peer, std::string_view condition,
                       std::chrono::milliseconds deadline = 5000ms) {
  std::string answer = peer.readUntilClosed(deadline);
  EXPECT_TRUE(peer.closed()) << "the edge did not close the connection: " << answer;
  EXPECT_NE(answer.find("<" + std::string(condition) +
                        " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"),
            std::string::npos)
      << "expected " << condition << ", got: " << answer;
  EXPECT_NE(answer.find("</stream:stream>"), std::string::npos) << answer;
}

TEST_F(EdgeBadInputTest, UnknownDomainIsRefusedWithTheReason) {
  RawPeer peer(port_);
  ASSERT_TRUE(peer.connected());
  std::string header = kHeader;
  header.replace(header.find("peer.test"), 9, "evil.test");
  peer.send(header);
  std::string answer = peer.readUntilClosed(5000ms);
  EXPECT_NE(answer.find("<policy-violation"), std::string::npos) << answer;
  EXPECT_NE(answer.find("evil.test is not an allowed XMPP partner"), std::string::npos) << answer;
}

TEST_F(EdgeBadInputTest, WrongToDomainIsHostUnknown) {
  RawPeer peer(port_);
  std::string header = kHeader;
  header.replace(header.find("contoso.test"), 12, "other.test");
  peer.send(header);
  expectStreamError(peer, "host-unknown");
}

TEST_F(EdgeBadInputTest, OversizedStanzaIsPolicyViolation) {
  RawPeer peer(port_);
  peer.send(kHeader);
  peer.send("<message from='a@peer.test' to='b@contoso.test'><body>" + std::string(20000, 'x') +
            "</body></message>");
  expectStreamError(peer, "policy-violation");
}

TEST_F(EdgeBadInputTest, DtdAndEntitiesAreRestrictedXml) {
  RawPeer peer(port_);
  peer.send("<?xml version='1.0'?><!DOCTYPE lol [<!ENTITY lol 'lol'><!ENTITY lol2 "
            "'&lol;&lol;&lol;&lol;'>]>");
  expectStreamError(peer, "restricted-xml");
}

TEST_F(EdgeBadInputTest, InvalidUtf8IsNotWellFormed) {
  RawPeer peer(port_);
  peer.send(kHeader);
  peer.send("<message from='a@peer.test' to='b@contoso.test'><body>\xc3\x28</body></message>");
  expectStreamError(peer, "not-well-formed");
}

TEST_F(EdgeBadInputTest, StanzaBeforeAuthenticationIsNotAuthorized) {
  RawPeer peer(port_);
  peer.send(kHeader);
  peer.send("<message from='a@peer.test' to='b@contoso.test'><body>hi</body></message>");
  expectStreamError(peer, "not-authorized");
}

TEST_F(EdgeBadInputTest, HeaderThatNeverEndsIsCutOffAtTheEstablishmentTimeout) {
  RawPeer peer(port_);
  peer.send("<?xml version='1.0'?><stream:stream xmlns='jabber:server' to='contoso.test'");
  // StreamEstablishmentTimeout is 2 s here: closed well before the 8 s deadline.
  peer.readUntilClosed(8000ms);
  EXPECT_TRUE(peer.closed()) << "still open after 8 s";
  EXPECT_FALSE(peer.timedOut());
}

TEST_F(EdgeBadInputTest, ConnectionsPastTheLimitAreRefusedWithResourceConstraint) {
  waitForNoInboundStreams(socket_);
  std::vector<std::unique_ptr<RawPeer>> held;
  for (int i = 0; i < kConnectionLimit; ++i) {
    held.push_back(std::make_unique<RawPeer>(port_));
    held.back()->send(kHeader);
    // Accepted and negotiating (its features came) before the next one connects.
    EXPECT_NE(held.back()->readUntil("</stream:features>", 1000ms).find("<stream:features>"),
              std::string::npos);
  }
  RawPeer extra(port_);
  expectStreamError(extra, "resource-constraint");
}

TEST_F(EdgeBadInputTest, PartnerConnectionLimitRefusesTheNextStreamFromThatPartner) {
  waitForNoInboundStreams(socket_);
  std::string header = kHeader;
  header.replace(header.find("peer.test"), 9, "limited.test");
  RawPeer first(port_), second(port_);
  first.send(header);
  second.send(header);
  // Both are accepted and negotiating (their features came) before the third connects.
  EXPECT_NE(first.readUntil("</stream:features>", 1000ms).find("<stream:features>"),
            std::string::npos);
  EXPECT_NE(second.readUntil("</stream:features>", 1000ms).find("<stream:features>"),
            std::string::npos);
  RawPeer third(port_);
  third.send(header);
  std::string answer = third.readUntilClosed(5000ms);
  EXPECT_NE(answer.find("<resource-constraint"), std::string::npos) << answer;
  EXPECT_NE(answer.find("limited.test already has 2 streams"), std::string::npos) << answer;
  // Another partner is not affected.
  RawPeer other(port_);
  other.send(kHeader);
  std::string features = other.readUntil("</stream:features>", 1000ms);
  EXPECT_NE(features.find("<stream:features>"), std::string::npos) << features;
}

}  // namespace
}  // namespace xfed
