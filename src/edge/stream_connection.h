// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/tls/context.h"
#include "net/tls/engine.h"
#include "xml/stream_parser.h"
#include "xmpp/s2s/negotiation.h"

namespace xfed::edge {

/** Counters of one stream, for the stream listing. */
struct StreamCounters {
  std::uint64_t stanzas_in = 0;
  std::uint64_t stanzas_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

/**
 * The protocol side of a connection: a negotiator and what the session does with the actions
 * that are not I/O (VerifyDialback, PairAuthenticated, Deliver, ...).
 */
class StreamHandler {
public:
  virtual ~StreamHandler() = default;
  /** TCP (and, for direct TLS, the TLS handshake) is up. */
  virtual xmpp::s2s::Actions onConnected() = 0;
  virtual xmpp::s2s::Actions onEvent(const xml::StreamEvent& event) = 0;
  virtual xmpp::s2s::Actions onTlsEstablished(const xmpp::s2s::TlsResult& result) = 0;
  /** The establishment deadline passed before the stream was established. */
  virtual xmpp::s2s::Actions onEstablishmentTimeout() = 0;
  /** Every action that is not I/O, in order. */
  virtual void onAction(xmpp::s2s::Action&& action) = 0;
  /** The connection is gone (after every action); called exactly once. */
  virtual void onClosed(const std::string& reason) = 0;
  virtual bool established() const = 0;
};

struct ConnectionSettings {
  std::chrono::seconds establishment_timeout{60};
  std::chrono::seconds inactivity_timeout{600};
  std::chrono::seconds keepalive_interval{300};
  bool keepalive = true;
  std::chrono::seconds write_timeout{30};
  xml::Limits limits;
};

/**
 * One s2s TCP connection: socket, optional TLS engine (STARTTLS or direct TLS), the restricted
 * XML parser, one writer. It carries out the I/O actions of its handler's negotiator (Send,
 * StartTls, ResetParser, CloseStream, PeerClosed) and hands the others to the handler.
 *
 * Threading: everything runs on the strand given at construction; send() and close() may be
 * called from any thread (they post).
 * Lifetime: a shared_ptr kept alive by its coroutines (run() takes `self` by value); it keeps
 * its handler (the session) alive until onClosed(), after which the session drops it.
 */
class StreamConnection : public std::enable_shared_from_this<StreamConnection> {
public:
  using Strand = asio::strand<asio::any_io_executor>;

  StreamConnection(Strand strand, asio::ip::tcp::socket socket, net::tls::TlsRole role,
                   net::tls::TlsContextConstSharedPtr tls, std::string tls_server_name,
                   ConnectionSettings settings, std::shared_ptr<StreamHandler> handler);

  /** Starts the read and write loops. direct_tls: TLS starts before any XML (XEP-0368). */
  void start(bool direct_tls);
  /** Writes bytes (plaintext XML) after what is queued. */
  void send(std::string bytes);
  /** On the connection's strand only: queues bytes now; false when the connection is closing
   *  (the caller still owns the stanza and must bounce it). */
  bool sendNow(std::string_view bytes);
  /** Carries out actions a session produced outside a read (e.g. a dialback answer). */
  void execute(xmpp::s2s::Actions actions);
  /** Closes with a stream error (or cleanly when condition is nullopt). */
  void close(std::optional<xmpp::StreamErrc> condition, std::string text);

  const StreamCounters& counters() const { return counters_; }
  /** On the strand: no more stanzas can be written (a close is under way or done). */
  bool closing() const { return closing_ || finished_; }
  std::string tlsVersion() const;
  std::string tlsCipher() const;
  std::string remoteEndpoint() const { return remote_endpoint_; }
  std::string localEndpoint() const { return local_endpoint_; }
  Strand strand() const { return strand_; }

private:
  static asio::awaitable<void> run(std::shared_ptr<StreamConnection> self, bool direct_tls);
  asio::awaitable<void> readLoop();
  asio::awaitable<void> writeLoop();
  asio::awaitable<void> timerLoop();
  void perform(xmpp::s2s::Actions&& actions);
  void handleBytes(std::string_view plaintext);
  void startTls();
  void pumpTls(std::string_view ciphertext);
  void queueRaw(std::string_view bytes);
  void finish(const std::string& reason);
  void wakeWriter();

  Strand strand_;
  asio::ip::tcp::socket socket_;
  net::tls::TlsRole role_;
  net::tls::TlsContextConstSharedPtr tls_context_;
  std::string tls_server_name_;
  ConnectionSettings settings_;
  // The session: kept alive by its connection until onClosed(), where it lets go of the
  // connection in turn (the cycle is broken there).
  std::shared_ptr<StreamHandler> handler_holder_;
  StreamHandler& handler_;

  net::tls::TlsEnginePtr tls_;
  bool tls_reported_ = false;
  bool direct_tls_ = false;  // onConnected() waits for the TLS handshake
  xml::StreamParser parser_;
  std::vector<xml::StreamEvent> events_;
  std::string outbox_;       // bytes for the socket (ciphertext once TLS is up)
  std::string plain_out_;    // plaintext waiting for the TLS engine
  bool closing_ = false;     // no more input is processed; flush, then close
  bool finished_ = false;
  std::string close_reason_;
  asio::steady_timer writer_wake_;
  std::chrono::steady_clock::time_point last_input_;
  std::chrono::steady_clock::time_point last_output_;
  std::chrono::steady_clock::time_point started_;
  StreamCounters counters_;
  std::string remote_endpoint_;
  std::string local_endpoint_;
};

using StreamConnectionSharedPtr = std::shared_ptr<StreamConnection>;

}  // namespace xfed::edge
