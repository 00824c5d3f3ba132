// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/dns/resolver.h"
#include "net/dns/unbound_resolver.h"
#include "net/tls/context.h"
#include "store/config_store.h"
#include "xml/element.h"

namespace xfed::edge {

/** Where stanzas for the organisation's own domains go: the gateway link (ADR 0004). */
class LocalDelivery {
public:
  virtual ~LocalDelivery() = default;
  /** Hands a stanza to a connected gateway; false when none is connected (it bounces). */
  virtual bool deliver(xml::Element&& stanza) = 0;
};

/** Node settings of the edge role (node.toml [edge]); the rest comes from the store. */
struct EdgeSettings {
  std::string listen_address = "127.0.0.1";  // the edge pool's external address by default
  std::uint16_t port = 5269;                 // 0 picks a free port (tests)
  std::uint16_t direct_tls_port = 0;         // XEP-0368; 0 = off
  net::tls::TlsContextConstSharedPtr server_tls;  // the edge external certificate
  net::tls::TlsContextConstSharedPtr client_tls;  // the same certificate, to connect out
  net::dns::UnboundConfig dns;
  net::dns::Overrides dns_overrides;
  std::size_t max_queued_per_domain = 1000;  // stanzas waiting for a stream; past it: bounce
  // The gateway link (ADR 0004): mutual TLS, the internal certificate. No link when link_tls is
  // null.
  std::string link_address = "127.0.0.1";  // the edge pool's internal address by default
  std::uint16_t link_port = 23456;          // 0 picks a free port (tests)
  net::tls::TlsContextConstSharedPtr link_tls;
  std::vector<std::string> link_peer_names;  // front end pools and machines allowed on the link
  std::size_t max_unacked_on_link = 1024;
  std::size_t max_stanza_bytes = 512 * 1024;
  /** One line per stream established or closed, with the reason (the node's logger). */
  std::function<void(const std::string&)> log = [](const std::string&) {};
};

/** One line of the stream listing (the seed's netstat check, made useful). */
struct StreamInfo {
  std::uint64_t id = 0;
  std::string direction;  // "in" | "out" | "verify"
  std::string local_domain;
  std::string remote_domain;
  std::string state;
  std::string tls_version;
  std::string tls_cipher;
  std::string auth;  // "SASL EXTERNAL", "dialback", ""
  std::string remote_endpoint;
  double age_s = 0;
  std::uint64_t stanzas_in = 0, stanzas_out = 0, bytes_in = 0, bytes_out = 0;
  std::size_t queue_depth = 0;
};

/** Stanza accounting and failures by reason (for `xfedctl`, tests and benchmarks). */
struct EdgeCounters {
  std::uint64_t accepted_outbound = 0;   // stanzas taken for a remote domain
  std::uint64_t delivered_outbound = 0;  // written to an authenticated s2s stream
  std::uint64_t bounced = 0;             // answered with an error stanza
  std::uint64_t accepted_inbound = 0;    // stanzas received on authenticated streams
  std::uint64_t delivered_inbound = 0;   // handed to the gateway
  std::uint64_t dropped_error_stanzas = 0;  // errors about errors are never answered (§8.3.1)
  std::uint64_t from_gateways = 0;          // stanzas the link brought from gateways
  std::uint64_t gateways_connected = 0;
  std::map<std::string, std::uint64_t> failures;  // reason -> count
};

/**
 * The edge role: XMPP s2s on 5269 (and 5270 direct TLS), inbound and outbound sessions,
 * dialback verification, routing with bounded queues and bounce-on-failure.
 *
 * Threading: its own strand for routing state; each connection has its own strand. Public
 * methods may be called from any thread.
 * Lifetime: owned by app::Server; stop() before destruction.
 */
class EdgeService {
public:
  using SnapshotSource = std::function<store::SnapshotConstSharedPtr()>;

  static core::Result<std::unique_ptr<EdgeService>> create(asio::io_context& io,
                                                           EdgeSettings settings,
                                                           SnapshotSource snapshots,
                                                           LocalDelivery& local);
  ~EdgeService();

  /** Binds the listeners; the bound ports are available afterwards. Call before the
   *  io_context runs, or from its thread. */
  core::Result<void> start();
  void stop();
  std::uint16_t boundPort() const;
  std::uint16_t boundDirectTlsPort() const;
  std::uint16_t boundLinkPort() const;

  /** Routes a stanza from a local user to its remote domain (queues, connects, or bounces). */
  void sendOutbound(xml::Element&& stanza);

  /** A consistent copy, taken on the service's strand. */
  asio::awaitable<std::vector<StreamInfo>> streams();
  asio::awaitable<EdgeCounters> counters();

  class Impl;

private:
  explicit EdgeService(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with the sessions, which may outlive stop() briefly
};

}  // namespace xfed::edge
