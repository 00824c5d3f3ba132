// SPDX-License-Identifier: Apache-2.0
#include "edge/edge_service.h"

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>

#include <random>

#include "core/bounded_queue.h"
#include "core/errors.h"
#include "core/strings.h"
#include "edge/bounce.h"
#include "edge/link_session.h"
#include "edge/stream_connection.h"
#include "policy/federation_policy.h"
#include "xml/serializer.h"
#include "xmpp/jid.h"
#include "xmpp/namespaces.h"
#include "xmpp/s2s/inbound_negotiator.h"
#include "xmpp/s2s/outbound_negotiator.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::edge {

using namespace std::chrono_literals;
using asio::use_awaitable;
using xmpp::StanzaErrc;
using xmpp::s2s::Action;
using xmpp::s2s::Actions;
using xmpp::s2s::DomainPair;
using Clock = std::chrono::steady_clock;
using Strand = StreamConnection::Strand;

namespace {

constexpr auto kConnectTimeout = 10s;
constexpr auto kMaxBackoff = 60s;

std::string pairKey(const DomainPair& pair) { return pair.local + "|" + pair.remote; }

xmpp::s2s::PartnerRules toRules(const policy::StreamPolicy& p) {
  return {p.allowed, p.refusal, p.tls_offered, p.tls_required, p.sasl_external_allowed,
          p.dialback_allowed};
}

std::string domainOf(std::string_view jid_text) {
  auto jid = xmpp::Jid::parse(jid_text);
  return jid ? std::string(jid->domain()) : std::string();
}

}  // namespace

// ------------------------------------------------------------------------------------ Impl

class Session;
class OutboundSession;

class EdgeService::Impl : public std::enable_shared_from_this<EdgeService::Impl> {
public:
  Impl(asio::io_context& io, EdgeSettings settings, SnapshotSource snapshots, LocalDelivery& local)
      : strand_(asio::make_strand(io.get_executor())),
        settings_(std::move(settings)),
        snapshots_(std::move(snapshots)),
        local_(local),
        acceptor_(strand_),
        direct_acceptor_(strand_),
        link_acceptor_(strand_),
        random_(std::random_device{}()) {}

  core::Result<void> init() {
    auto resolver = net::dns::UnboundResolver::create(strand_, settings_.dns);
    if (!resolver) {
      return resolver.error();
    }
    resolver_ = std::move(*resolver);
    return core::ok();
  }

  core::Result<void> start();
  void stop();

  // The current configuration, as the negotiators see it.
  xmpp::s2s::NegotiationContext negotiationContext() {
    store::SnapshotConstSharedPtr snap = snapshots_();
    xmpp::s2s::NegotiationContext ctx;
    ctx.is_local_domain = [snap](std::string_view domain) {
      return snap->topology.findSipDomain(domain) != nullptr;
    };
    ctx.rules_for = [snap](std::string_view remote) {
      return toRules(policy::decideStreamPolicy(remote, snap->partners, snap->gateway,
                                                snap->access_edge));
    };
    ctx.dialback_secret = snap->gateway.dialback_passphrase;
    ctx.tls_available = settings_.server_tls != nullptr;
    return ctx;
  }

  ConnectionSettings connectionSettings(std::string_view remote) {
    store::SnapshotConstSharedPtr snap = snapshots_();
    policy::StreamPolicy p =
        policy::decideStreamPolicy(remote, snap->partners, snap->gateway, snap->access_edge);
    ConnectionSettings c;
    c.establishment_timeout = std::chrono::seconds(snap->gateway.stream_establishment_timeout);
    c.inactivity_timeout = std::chrono::seconds(snap->gateway.stream_inactivity_timeout);
    c.keepalive_interval = std::chrono::seconds(snap->gateway.keep_alive_interval);
    c.keepalive = remote.empty() ? true : p.keepalive;
    c.limits.max_stanza_bytes = settings_.max_stanza_bytes;
    return c;
  }

  std::string newStreamId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::uniform_int_distribution<int> digit(0, 15);
    std::string id(16, '0');
    for (char& c : id) {
      c = kHex[digit(id_random_)];
    }
    return id;
  }

  void countFailure(const std::string& reason) { ++counters_.failures[reason]; }

  void route(xml::Element&& stanza);
  void deliverInbound(xml::Element&& stanza);
  void bounce(const xml::Element& stanza, StanzaErrc condition, const std::string& text);
  void verifyDialback(std::weak_ptr<Session> inbound, DomainPair pair, std::string stream_id,
                      std::string key);
  void outboundClosed(const std::string& key, const OutboundSession* session, bool failed,
                      const std::string& reason);
  void registerSession(const std::shared_ptr<Session>& session);
  /** Inbound streams from domain, other than the session `except`. */
  std::size_t inboundStreamsFrom(std::string_view domain, std::uint64_t except);
  void unregisterSession(std::uint64_t id) { sessions_.erase(id); }

  asio::awaitable<void> acceptLoop(asio::ip::tcp::acceptor& acceptor, bool direct_tls);
  asio::awaitable<void> linkAcceptLoop();
  bool deliverToGateway(xml::Element&& stanza);
  void linkClosed(LinkSession& link, std::deque<xml::Element>&& unacked);

  Strand strand_;
  EdgeSettings settings_;
  SnapshotSource snapshots_;
  LocalDelivery& local_;
  asio::ip::tcp::acceptor acceptor_;
  asio::ip::tcp::acceptor direct_acceptor_;
  asio::ip::tcp::acceptor link_acceptor_;
  std::vector<std::weak_ptr<LinkSession>> gateways_;  // connected links, oldest first
  std::unique_ptr<net::dns::UnboundResolver> resolver_;
  net::dns::SeededRandom random_;
  std::mt19937_64 id_random_{std::random_device{}()};
  std::uint64_t next_session_id_ = 1;
  std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
  std::map<std::string, std::shared_ptr<OutboundSession>> outbound_;
  struct Backoff {
    int failures = 0;
    Clock::time_point until;
    std::string reason;
  };
  std::map<std::string, Backoff> backoff_;
  EdgeCounters counters_;
  bool stopping_ = false;
};

// ------------------------------------------------------------------------------------ sessions

/** Common to inbound and outbound: the connection, identity and the listing. */
class Session : public StreamHandler, public std::enable_shared_from_this<Session> {
public:
  Session(std::shared_ptr<EdgeService::Impl> impl, std::string direction)
      : impl_(std::move(impl)), direction_(std::move(direction)), created_(Clock::now()) {}

  std::uint64_t id() const { return id_; }
  void setId(std::uint64_t id) { id_ = id; }

  virtual StreamInfo info() const {
    StreamInfo i;
    i.id = id_;
    i.direction = direction_;
    i.local_domain = pair_.local;
    i.remote_domain = pair_.remote;
    i.state = state_;
    i.auth = auth_;
    i.age_s = std::chrono::duration<double>(Clock::now() - created_).count();
    if (connection_) {
      i.tls_version = connection_->tlsVersion();
      i.tls_cipher = connection_->tlsCipher();
      i.remote_endpoint = connection_->remoteEndpoint();
      const StreamCounters& c = connection_->counters();
      i.stanzas_in = c.stanzas_in;
      i.stanzas_out = stanzas_out_;
      i.bytes_in = c.bytes_in;
      i.bytes_out = c.bytes_out;
    }
    return i;
  }

  void close(xmpp::StreamErrc condition, std::string text) {
    if (connection_) {
      connection_->close(condition, std::move(text));
    }
  }

protected:
  std::string logPrefix() const {
    return "s2s-" + direction_ + "#" + std::to_string(id_) + " [" + pair_.local + "<->" +
           pair_.remote + "]";
  }

  std::shared_ptr<EdgeService::Impl> impl_;
  std::string direction_;
  Clock::time_point created_;
  std::uint64_t id_ = 0;
  DomainPair pair_;
  std::string state_ = "connecting";
  std::string auth_;
  std::uint64_t stanzas_out_ = 0;
  StreamConnectionSharedPtr connection_;
};


/** An inbound s2s stream: the partner connected to us. */
class InboundSession final : public Session {
public:
  InboundSession(std::shared_ptr<EdgeService::Impl> impl, asio::ip::tcp::socket socket,
                 bool direct_tls)
      : Session(std::move(impl), "in"),
        context_(impl_->negotiationContext()),
        negotiator_(context_, impl_->newStreamId(), direct_tls),
        direct_tls_(direct_tls) {
    socket_ = std::move(socket);
  }

  void start() {
    connection_ = std::make_shared<StreamConnection>(
        impl_->strand_, std::move(*socket_), net::tls::TlsRole::Server, impl_->settings_.server_tls,
        std::string(), impl_->connectionSettings(""), shared_from_this());
    socket_.reset();
    connection_->start(direct_tls_);
    state_ = "negotiating";
  }

  void dialbackVerified(const DomainPair& pair, bool valid) {
    if (connection_) {
      connection_->execute(negotiator_.onDialbackVerified(pair, valid));
    }
  }

  // StreamHandler
  Actions onConnected() override { return {}; }
  Actions onEvent(const xml::StreamEvent& event) override {
    if (const auto* opened = std::get_if<xml::StreamOpened>(&event)) {
      if (auto from = opened->root.attribute("from")) {
        pair_.remote = std::string(*from);
      }
      if (auto to = opened->root.attribute("to")) {
        pair_.local = std::string(*to);
      }
      if (Actions refused = refusePastPartnerLimit(); !refused.empty()) {
        return refused;
      }
    }
    return negotiator_.onEvent(event);
  }
  Actions onTlsEstablished(const xmpp::s2s::TlsResult& result) override {
    return negotiator_.onTlsEstablished(result);
  }
  Actions onEstablishmentTimeout() override { return negotiator_.onTimeout(); }
  bool established() const override { return authenticated_; }

  void onAction(Action&& action) override {
    if (auto* verify = std::get_if<xmpp::s2s::VerifyDialback>(&action)) {
      impl_->verifyDialback(weak_from_this(), verify->pair, verify->stream_id, verify->key);
    } else if (auto* ok = std::get_if<xmpp::s2s::PairAuthenticated>(&action)) {
      authenticated_ = true;
      pair_ = ok->pair;
      auth_ = std::string(xmpp::s2s::mechanismName(ok->mechanism));
      state_ = "established";
      impl_->settings_.log(logPrefix() + " established tls=" + connection_->tlsVersion() + " auth=" + auth_);
    } else if (auto* rejected = std::get_if<xmpp::s2s::PairRejected>(&action)) {
      impl_->countFailure("inbound-auth-rejected");
      impl_->settings_.log(logPrefix() + " rejected " + rejected->pair.remote + ": " + rejected->reason);
    } else if (auto* deliver = std::get_if<xmpp::s2s::Deliver>(&action)) {
      impl_->deliverInbound(std::move(deliver->stanza));
    }
  }

  void onClosed(const std::string& reason) override {
    state_ = "closed";
    impl_->settings_.log(logPrefix() + " closed: " + reason);
    impl_->unregisterSession(id_);
    connection_.reset();  // breaks the cycle connection -> handler
  }

private:
  /** The partner's ConnectionLimit (the lower of its own and PartnerConnectionLimit). */
  Actions refusePastPartnerLimit() {
    if (pair_.remote.empty() || !connection_) {
      return {};
    }
    store::SnapshotConstSharedPtr snap = impl_->snapshots_();
    policy::StreamPolicy p = policy::decideStreamPolicy(pair_.remote, snap->partners,
                                                        snap->gateway, snap->access_edge);
    if (!p.allowed || impl_->inboundStreamsFrom(pair_.remote, id_) < p.connection_limit) {
      return {};
    }
    impl_->countFailure("partner-connection-limit");
    xmpp::s2s::StreamHeaderFields header;
    header.from = pair_.local;
    header.to = pair_.remote;
    header.id = impl_->newStreamId();
    return {xmpp::s2s::Send{xmpp::s2s::streamHeaderXml(header)},
            xmpp::s2s::CloseStream{xmpp::StreamErrc::ResourceConstraint,
                                   pair_.remote + " already has " +
                                       std::to_string(p.connection_limit) +
                                       " streams to this edge (its ConnectionLimit)"}};
  }

  xmpp::s2s::NegotiationContext context_;
  xmpp::s2s::InboundNegotiator negotiator_;
  bool direct_tls_;
  bool authenticated_ = false;
  std::optional<asio::ip::tcp::socket> socket_;
};

/**
 * An outbound s2s stream for one domain pair: DNS, TCP to each target in turn, TLS, auth; the
 * stanzas queued meanwhile go out once authenticated, or bounce exactly once if it fails. A
 * verify-only outbound stream carries one <db:verify/> (XEP-0220 §2.3).
 */
class OutboundSession final : public Session {
public:
  using VerifyCallback = std::function<void(bool valid)>;

  OutboundSession(std::shared_ptr<EdgeService::Impl> impl, DomainPair pair,
                  std::optional<xmpp::s2s::OutboundNegotiator::VerifyOnly> verify,
                  VerifyCallback on_verify)
      : Session(std::move(impl), verify ? "verify" : "out"),
        queue_(impl_->settings_.max_queued_per_domain),
        verify_(std::move(verify)),
        on_verify_(std::move(on_verify)) {
    pair_ = std::move(pair);
    key_ = pairKey(pair_);
  }

  void start() {
    asio::co_spawn(impl_->strand_, connect(std::static_pointer_cast<OutboundSession>(shared_from_this())),
                   asio::detached);
  }

  /** Called on the service strand. */
  void send(xml::Element&& stanza) {
    if (failed_) {
      impl_->bounce(stanza, StanzaErrc::RemoteServerNotFound, failure_);
      return;
    }
    if (authenticated_ && connection_) {
      write(stanza);
      return;
    }
    if (auto refused = queue_.tryPush(std::move(stanza))) {
      impl_->bounce(*refused, StanzaErrc::ResourceConstraint,
                    "too many stanzas are waiting for the stream to " + pair_.remote);
    }
  }

  StreamInfo info() const override {
    StreamInfo i = Session::info();
    i.queue_depth = queue_.size();
    return i;
  }

  // StreamHandler
  Actions onConnected() override { return negotiator_->start(); }
  Actions onEvent(const xml::StreamEvent& event) override { return negotiator_->onEvent(event); }
  Actions onTlsEstablished(const xmpp::s2s::TlsResult& result) override {
    return negotiator_->onTlsEstablished(result);
  }
  Actions onEstablishmentTimeout() override { return negotiator_->onTimeout(); }
  bool established() const override { return authenticated_; }

  void onAction(Action&& action) override {
    if (auto* ok = std::get_if<xmpp::s2s::PairAuthenticated>(&action)) {
      authenticated_ = true;
      auth_ = std::string(xmpp::s2s::mechanismName(ok->mechanism));
      state_ = "established";
      impl_->settings_.log(logPrefix() + " established tls=" + connection_->tlsVersion() + " auth=" + auth_);
      while (!queue_.empty()) {
        write(queue_.pop());
      }
    } else if (auto* rejected = std::get_if<xmpp::s2s::PairRejected>(&action)) {
      fail(rejected->reason);
    } else if (auto* answer = std::get_if<xmpp::s2s::DialbackVerifyAnswer>(&action)) {
      if (on_verify_) {
        on_verify_(answer->valid);
        on_verify_ = nullptr;
      }
    }
  }

  void onClosed(const std::string& reason) override {
    state_ = "closed";
    impl_->settings_.log(logPrefix() + " closed: " + reason);
    if (!authenticated_ && !verify_) {
      fail(reason);
    }
    if (on_verify_) {
      on_verify_(false);  // no answer came: the key is not verified
      on_verify_ = nullptr;
    }
    impl_->unregisterSession(id_);
    impl_->outboundClosed(key_, this, failed_, failure_);
    connection_.reset();
  }

private:
  static asio::awaitable<void> connect(std::shared_ptr<OutboundSession> self) {
    co_await self->run();
  }

  asio::awaitable<void> run() {
    store::SnapshotConstSharedPtr snap = impl_->snapshots_();
    policy::StreamPolicy p = policy::decideStreamPolicy(pair_.remote, snap->partners, snap->gateway,
                                                        snap->access_edge);
    if (!p.allowed && !verify_) {
      fail(p.refusal);
      impl_->outboundClosed(key_, this, true, failure_);
      co_return;
    }
    net::dns::Overrides overrides = impl_->settings_.dns_overrides;
    if (const config::XmppPartner* partner = policy::findPartner(snap->partners, pair_.remote);
        partner != nullptr && !partner->proxy_fqdn.empty() && !overrides.find(pair_.remote)) {
      overrides.set(pair_.remote, {net::dns::ServiceTarget{partner->proxy_fqdn, 5269, false}});
    }
    state_ = "resolving";
    core::Result<net::dns::ResolvedServer> resolved = co_await net::dns::resolveServer(
        *impl_->resolver_, pair_.remote, impl_->random_, overrides);
    if (!resolved) {
      fail("DNS: " + resolved.error().detail);
      impl_->outboundClosed(key_, this, true, failure_);
      co_return;
    }
    std::string tried;
    for (const net::dns::ResolvedTarget& target : resolved->targets) {
      std::vector<std::string> addresses = target.addresses;
      if (addresses.empty()) {
        auto looked_up = co_await impl_->resolver_->addresses(target.service.host);
        if (looked_up) {
          addresses = *looked_up;
        }
      }
      for (const std::string& address : addresses) {
        std::error_code ec;
        auto ip = asio::ip::make_address(address, ec);
        if (ec) {
          continue;
        }
        state_ = "connecting";
        asio::ip::tcp::socket socket(impl_->strand_);
        asio::steady_timer deadline(impl_->strand_, kConnectTimeout);
        deadline.async_wait([&socket](std::error_code e) {
          if (!e) {
            std::error_code ignored;
            socket.close(ignored);
          }
        });
        co_await socket.async_connect({ip, target.service.port},
                                      asio::redirect_error(use_awaitable, ec));
        deadline.cancel();
        if (ec || !socket.is_open()) {
          tried += (tried.empty() ? "" : ", ") + target.service.host + " (" + address + ":" +
                   std::to_string(target.service.port) + "): " +
                   (ec ? ec.message() : std::string("timed out"));
          continue;
        }
        negotiator_.emplace(impl_->negotiationContext(),
                            verify_ ? xmpp::s2s::OutboundNegotiator::Mode(*verify_)
                                    : xmpp::s2s::OutboundNegotiator::Mode(
                                          xmpp::s2s::OutboundNegotiator::Authenticate{pair_}),
                            target.service.direct_tls, toRules(p));
        connection_ = std::make_shared<StreamConnection>(
            impl_->strand_, std::move(socket), net::tls::TlsRole::Client,
            impl_->settings_.client_tls, pair_.remote, impl_->connectionSettings(pair_.remote),
            shared_from_this());
        state_ = "negotiating";
        connection_->start(target.service.direct_tls);
        co_return;
      }
    }
    fail("no target of " + pair_.remote + " answered: " + (tried.empty() ? "none" : tried));
    impl_->outboundClosed(key_, this, true, failure_);
  }

  void write(const xml::Element& stanza) {
    std::string bytes;
    xml::appendXml(bytes, stanza, xmpp::ns::kServer);
    if (!connection_->sendNow(bytes)) {
      // The stream is closing under us: the stanza was not written, so it bounces (once).
      impl_->bounce(stanza, StanzaErrc::RemoteServerNotFound,
                    "the stream to " + pair_.remote + " closed before the stanza was sent");
      return;
    }
    ++stanzas_out_;
    ++impl_->counters_.delivered_outbound;
  }

  /** Bounces everything queued, once, and every stanza that still comes to this session. */
  void fail(const std::string& reason) {
    if (failed_) {
      return;
    }
    failed_ = true;
    failure_ = reason;
    state_ = "failed";
    impl_->settings_.log(logPrefix() + " failed: " + reason);
    impl_->countFailure(verify_ ? "verify-failed" : "outbound-failed");
    StanzaErrc condition = core::istartsWith(reason, "connection-timeout") ||
                                   reason.find("timed out") != std::string::npos
                               ? StanzaErrc::RemoteServerTimeout
                               : StanzaErrc::RemoteServerNotFound;
    for (xml::Element& stanza : queue_.drain()) {
      impl_->bounce(stanza, condition, reason);
    }
    if (on_verify_) {
      on_verify_(false);
      on_verify_ = nullptr;
    }
  }

  std::string key_;
  core::BoundedQueue<xml::Element> queue_;
  std::optional<xmpp::s2s::OutboundNegotiator::VerifyOnly> verify_;
  VerifyCallback on_verify_;
  std::optional<xmpp::s2s::OutboundNegotiator> negotiator_;
  bool authenticated_ = false;
  bool failed_ = false;
  std::string failure_;
};

// ------------------------------------------------------------------------------------ Impl

core::Result<void> EdgeService::Impl::start() {
  auto listen = [&](asio::ip::tcp::acceptor& acceptor, std::uint16_t port) -> core::Result<void> {
    std::error_code ec;
    asio::ip::address address = asio::ip::make_address(settings_.listen_address, ec);
    if (ec) {
      return core::fail(core::Errc::InvalidArgument,
                        "edge listen address '" + settings_.listen_address + "': " + ec.message());
    }
    asio::ip::tcp::endpoint endpoint(address, port);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor.set_option(asio::socket_base::reuse_address(true), ec);
      acceptor.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return core::fail(core::Errc::IoFailure, "cannot listen on " + settings_.listen_address +
                                                   ":" + std::to_string(port) + ": " + ec.message());
    }
    return core::ok();
  };
  XFED_TRY(listen(acceptor_, settings_.port));
  asio::co_spawn(strand_, acceptLoop(acceptor_, false), asio::detached);
  if (settings_.link_tls) {
    std::string external = settings_.listen_address;
    settings_.listen_address = settings_.link_address;  // listen() reads the address from here
    core::Result<void> linked = listen(link_acceptor_, settings_.link_port);
    settings_.listen_address = external;
    XFED_TRY(linked);
    asio::co_spawn(strand_, linkAcceptLoop(), asio::detached);
  }
  if (settings_.direct_tls_port != 0 || settings_.port == 0) {
    if (settings_.direct_tls_port != 0) {
      XFED_TRY(listen(direct_acceptor_, settings_.direct_tls_port));
      asio::co_spawn(strand_, acceptLoop(direct_acceptor_, true), asio::detached);
    }
  }
  return core::ok();
}

asio::awaitable<void> EdgeService::Impl::acceptLoop(asio::ip::tcp::acceptor& acceptor,
                                                    bool direct_tls) {
  auto self = shared_from_this();
  while (!stopping_) {
    std::error_code ec;
    asio::ip::tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (stopping_) {
        co_return;
      }
      continue;
    }
    store::SnapshotConstSharedPtr snap = snapshots_();
    std::size_t inbound = 0;
    for (auto& [id, weak] : sessions_) {
      (void)id;
      inbound += weak.expired() ? 0 : 1;
    }
    if (inbound >= snap->gateway.connection_limit) {
      // Past ConnectionLimit: refuse with resource-constraint before any negotiation.
      countFailure("connection-limit");
      std::string refusal = "<?xml version='1.0'?><stream:stream xmlns='jabber:server' "
                            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>" +
                            xmpp::streamErrorXml(xmpp::StreamErrc::ResourceConstraint,
                                                 "too many connections") +
                            "</stream:stream>";
      std::error_code ignored;
      socket.write_some(asio::buffer(refusal), ignored);
      socket.close(ignored);
      continue;
    }
    auto session = std::make_shared<InboundSession>(self, std::move(socket), direct_tls);
    registerSession(session);
    session->start();
  }
}

asio::awaitable<void> EdgeService::Impl::linkAcceptLoop() {
  auto self = shared_from_this();
  while (!stopping_) {
    std::error_code ec;
    asio::ip::tcp::socket socket =
        co_await link_acceptor_.async_accept(asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (stopping_) {
        co_return;
      }
      continue;
    }
    std::weak_ptr<Impl> weak = self;
    LinkSession::Hooks hooks;
    hooks.route = [weak](xml::Element&& stanza) {
      if (auto impl = weak.lock()) {
        ++impl->counters_.from_gateways;
        impl->route(std::move(stanza));
      }
    };
    hooks.closed = [weak](LinkSession& link, std::deque<xml::Element>&& unacked) {
      if (auto impl = weak.lock()) {
        impl->linkClosed(link, std::move(unacked));
      }
    };
    hooks.log = settings_.log;
    auto link = std::make_shared<LinkSession>(settings_.link_peer_names,
                                              settings_.max_unacked_on_link, std::move(hooks));
    ConnectionSettings connection = connectionSettings("");
    connection.keepalive_interval = 30s;  // ADR 0004: liveness on the link
    connection.inactivity_timeout = 90s;
    auto stream = std::make_shared<StreamConnection>(strand_, std::move(socket),
                                                     net::tls::TlsRole::Server, settings_.link_tls,
                                                     std::string(), connection, link);
    link->attach(stream);
    gateways_.push_back(link);
    stream->start(/*direct_tls=*/true);
  }
}

bool EdgeService::Impl::deliverToGateway(xml::Element&& stanza) {
  std::erase_if(gateways_, [](const std::weak_ptr<LinkSession>& w) { return w.expired(); });
  for (const std::weak_ptr<LinkSession>& weak : gateways_) {
    if (auto link = weak.lock(); link && link->ready()) {
      link->deliver(std::move(stanza));
      return true;
    }
  }
  return false;
}

void EdgeService::Impl::linkClosed(LinkSession& link, std::deque<xml::Element>&& unacked) {
  std::erase_if(gateways_, [&](const std::weak_ptr<LinkSession>& w) {
    auto l = w.lock();
    return !l || l.get() == &link;
  });
  // Never acknowledged: another gateway gets them, or their senders get an error, once.
  for (xml::Element& stanza : unacked) {
    if (!deliverToGateway(xml::Element(stanza))) {
      countFailure("link-lost");
      bounce(stanza, StanzaErrc::ServiceUnavailable,
             "the gateway link closed before the stanza was acknowledged");
    }
  }
}

std::size_t EdgeService::Impl::inboundStreamsFrom(std::string_view domain, std::uint64_t except) {
  std::size_t count = 0;
  for (auto& [id, weak] : sessions_) {
    if (id == except) {
      continue;
    }
    if (auto session = weak.lock()) {
      StreamInfo info = session->info();
      count += info.direction == "in" && core::iequals(info.remote_domain, domain) ? 1 : 0;
    }
  }
  return count;
}

void EdgeService::Impl::registerSession(const std::shared_ptr<Session>& session) {
  session->setId(next_session_id_++);
  sessions_[session->id()] = session;
}

void EdgeService::Impl::stop() {
  stopping_ = true;
  std::error_code ignored;
  acceptor_.close(ignored);
  direct_acceptor_.close(ignored);
  link_acceptor_.close(ignored);
  for (auto& [id, weak] : sessions_) {
    (void)id;
    if (auto session = weak.lock()) {
      session->close(xmpp::StreamErrc::SystemShutdown, "the edge is stopping");
    }
  }
}

void EdgeService::Impl::route(xml::Element&& stanza) {
  std::string to = domainOf(stanza.attribute("to").value_or(""));
  std::string from = domainOf(stanza.attribute("from").value_or(""));
  store::SnapshotConstSharedPtr snap = snapshots_();
  if (to.empty() || from.empty() || snap->topology.findSipDomain(from) == nullptr) {
    countFailure("outbound-bad-addressing");
    bounce(stanza, StanzaErrc::JidMalformed, "a stanza from a local user needs valid from and to");
    return;
  }
  if (snap->topology.findSipDomain(to) != nullptr) {
    deliverInbound(std::move(stanza));
    return;
  }
  ++counters_.accepted_outbound;
  policy::StreamPolicy p =
      policy::decideStreamPolicy(to, snap->partners, snap->gateway, snap->access_edge);
  if (!p.allowed) {
    countFailure("outbound-not-allowed");
    bounce(stanza, StanzaErrc::NotAllowed, p.refusal);
    return;
  }
  DomainPair pair{from, to};
  std::string key = pairKey(pair);
  if (auto b = backoff_.find(to); b != backoff_.end() && Clock::now() < b->second.until) {
    bounce(stanza, StanzaErrc::RemoteServerNotFound,
           "the last attempt to reach " + to + " failed (" + b->second.reason + "); retrying later");
    return;
  }
  auto it = outbound_.find(key);
  if (it == outbound_.end()) {
    auto session = std::make_shared<OutboundSession>(shared_from_this(), pair, std::nullopt, nullptr);
    registerSession(session);
    it = outbound_.emplace(key, session).first;
    session->start();
  }
  it->second->send(std::move(stanza));
}

void EdgeService::Impl::outboundClosed(const std::string& key, const OutboundSession* session,
                                       bool failed, const std::string& reason) {
  auto it = outbound_.find(key);
  if (it != outbound_.end() && it->second.get() == session) {
    outbound_.erase(it);
  }
  std::string remote = key.substr(key.find('|') + 1);
  if (failed) {
    Backoff& b = backoff_[remote];
    b.failures = std::min(b.failures + 1, 7);
    b.until = Clock::now() + std::min<Clock::duration>(std::chrono::seconds(1 << (b.failures - 1)),
                                                      kMaxBackoff);
    b.reason = reason;
  } else {
    backoff_.erase(remote);
  }
}

void EdgeService::Impl::deliverInbound(xml::Element&& stanza) {
  ++counters_.accepted_inbound;
  if (deliverToGateway(xml::Element(stanza)) || local_.deliver(xml::Element(stanza))) {
    ++counters_.delivered_inbound;
    return;
  }
  countFailure("no-gateway");
  if (stanza.attribute("type").value_or("") == "error") {
    ++counters_.dropped_error_stanzas;
    return;
  }
  bounce(stanza, StanzaErrc::ServiceUnavailable,
         "no XMPP gateway is connected to this edge; the message could not be delivered");
}

void EdgeService::Impl::bounce(const xml::Element& stanza, StanzaErrc condition,
                               const std::string& text) {
  if (stanza.attribute("type").value_or("") == "error") {
    ++counters_.dropped_error_stanzas;  // never answer an error with an error (RFC 6120 §8.3.1)
    return;
  }
  ++counters_.bounced;
  xml::Element error = makeBounce(stanza, condition, text);
  std::string to = domainOf(error.attribute("to").value_or(""));
  store::SnapshotConstSharedPtr snap = snapshots_();
  if (snap->topology.findSipDomain(to) != nullptr) {
    if (!deliverToGateway(xml::Element(error)) && !local_.deliver(std::move(error))) {
      countFailure("bounce-undeliverable");
    }
    return;
  }
  route(std::move(error));  // back to the remote sender over our outbound stream
}

void EdgeService::Impl::verifyDialback(std::weak_ptr<Session> inbound, DomainPair pair,
                                       std::string stream_id, std::string key) {
  auto session = std::make_shared<OutboundSession>(
      shared_from_this(), pair,
      xmpp::s2s::OutboundNegotiator::VerifyOnly{pair, stream_id, key},
      [inbound, pair](bool valid) {
        if (auto s = inbound.lock()) {
          static_cast<InboundSession*>(s.get())->dialbackVerified(pair, valid);
        }
      });
  registerSession(session);
  session->start();
}

// ------------------------------------------------------------------------------------ facade

core::Result<std::unique_ptr<EdgeService>> EdgeService::create(asio::io_context& io,
                                                               EdgeSettings settings,
                                                               SnapshotSource snapshots,
                                                               LocalDelivery& local) {
  auto impl = std::make_shared<Impl>(io, std::move(settings), std::move(snapshots), local);
  XFED_TRY(impl->init());
  return std::unique_ptr<EdgeService>(new EdgeService(impl));
}

EdgeService::EdgeService(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
EdgeService::~EdgeService() = default;

core::Result<void> EdgeService::start() { return impl_->start(); }

void EdgeService::stop() {
  asio::post(impl_->strand_, [impl = impl_] { impl->stop(); });
}

std::uint16_t EdgeService::boundPort() const {
  std::error_code ec;
  return impl_->acceptor_.local_endpoint(ec).port();
}

std::uint16_t EdgeService::boundLinkPort() const {
  std::error_code ec;
  return impl_->link_acceptor_.is_open() ? impl_->link_acceptor_.local_endpoint(ec).port() : 0;
}

std::uint16_t EdgeService::boundDirectTlsPort() const {
  std::error_code ec;
  return impl_->direct_acceptor_.is_open() ? impl_->direct_acceptor_.local_endpoint(ec).port() : 0;
}

void EdgeService::sendOutbound(xml::Element&& stanza) {
  asio::post(impl_->strand_, [impl = impl_, stanza = std::move(stanza)]() mutable {
    impl->route(std::move(stanza));
  });
}

namespace {

// Coroutines that run on the service's strand; free functions taking what they need by value
// (no coroutine lambdas with captures: STYLE §2.5).
asio::awaitable<std::vector<StreamInfo>> collectStreams(std::shared_ptr<EdgeService::Impl> impl) {
  std::vector<StreamInfo> out;
  for (auto& [id, weak] : impl->sessions_) {
    (void)id;
    if (auto session = weak.lock()) {
      out.push_back(session->info());
    }
  }
  co_return out;
}

asio::awaitable<EdgeCounters> collectCounters(std::shared_ptr<EdgeService::Impl> impl) {
  EdgeCounters c = impl->counters_;
  c.gateways_connected = 0;
  for (const auto& weak : impl->gateways_) {
    auto link = weak.lock();
    c.gateways_connected += link && link->ready() ? 1 : 0;
  }
  co_return c;
}

}  // namespace

asio::awaitable<std::vector<StreamInfo>> EdgeService::streams() {
  std::vector<StreamInfo> out =
      co_await asio::co_spawn(impl_->strand_, collectStreams(impl_), use_awaitable);
  co_return out;
}

asio::awaitable<EdgeCounters> EdgeService::counters() {
  EdgeCounters out = co_await asio::co_spawn(impl_->strand_, collectCounters(impl_), use_awaitable);
  co_return out;
}

}  // namespace xfed::edge
