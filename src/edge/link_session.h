// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "edge/stream_connection.h"
#include "xml/element.h"

namespace xfed::edge {

/**
 * One gateway on the internal link (ADR 0004): direct, mutual TLS; a jabber:server stream with
 * full from/to on every stanza; XEP-0198 acknowledgements both ways. The edge side.
 *
 *   state             input                                   -> next / actions
 *   AwaitingHeader    TLS up, client certificate names no front end pool or machine
 *                                                             -> Closed / not-authorized
 *   AwaitingHeader    header (jabber:server)                  -> Open / header + <features><sm/>
 *   Open              <enable xmlns='urn:xmpp:sm:3'/>         -> Open / <enabled/>
 *   Open              <r/>                                    -> Open / <a h='handled'/>
 *   Open              <a h='N'/>                              -> Open / drops acknowledged stanzas
 *   Open              stanza with from and to                 -> Open / to the router (handled+1)
 *   Open              stanza without from or to               -> Open / improper-addressing error
 *   any               parser error                            -> Closed / stream error
 *
 * Threading: the edge's strand. Lifetime: kept alive by its connection until onClosed().
 */
class LinkSession final : public StreamHandler, public std::enable_shared_from_this<LinkSession> {
public:
  struct Hooks {
    /** A stanza from the gateway, for a remote domain (or another local user). */
    std::function<void(xml::Element&&)> route;
    /** The link ended: these stanzas were sent and never acknowledged (redeliver or bounce). */
    std::function<void(LinkSession&, std::deque<xml::Element>&&)> closed;
    std::function<void(const std::string&)> log;
  };

  LinkSession(std::vector<std::string> allowed_peers, std::size_t max_unacked, Hooks hooks);

  void attach(StreamConnectionSharedPtr connection) { connection_ = std::move(connection); }
  /** Whether it can take a stanza now (open, stream management on, room in the window). */
  bool ready() const;
  /** Sends a stanza to the gateway; it stays unacknowledged until <a h/> covers it. */
  void deliver(xml::Element&& stanza);
  std::size_t unacked() const { return unacked_.size(); }
  const std::string& peerName() const { return peer_name_; }

  // StreamHandler
  xmpp::s2s::Actions onConnected() override { return {}; }
  xmpp::s2s::Actions onEvent(const xml::StreamEvent& event) override;
  xmpp::s2s::Actions onTlsEstablished(const xmpp::s2s::TlsResult& result) override;
  xmpp::s2s::Actions onEstablishmentTimeout() override;
  void onAction(xmpp::s2s::Action&& action) override;
  void onClosed(const std::string& reason) override;
  bool established() const override { return open_; }

private:
  xmpp::s2s::Actions onElement(const xml::Element& element);

  std::vector<std::string> allowed_peers_;
  std::size_t max_unacked_;
  Hooks hooks_;
  StreamConnectionSharedPtr connection_;
  std::string peer_name_;
  bool authorized_ = false;
  bool open_ = false;
  bool sm_enabled_ = false;
  std::uint32_t handled_in_ = 0;   // stanzas from the gateway we handled (XEP-0198 h)
  std::uint32_t sent_out_ = 0;     // stanzas we sent
  std::deque<xml::Element> unacked_;  // sent, not yet acknowledged, oldest first
};

}  // namespace xfed::edge
