// SPDX-License-Identifier: Apache-2.0
#include "edge/link_session.h"

#include <charconv>

#include "edge/bounce.h"
#include "xml/serializer.h"
#include "xmpp/namespaces.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::edge {
namespace {

using xmpp::s2s::Actions;
using xmpp::s2s::CloseStream;
using xmpp::s2s::Send;

// Ask for an acknowledgement after this many unacknowledged stanzas (ADR 0004).
constexpr std::uint32_t kAckEvery = 16;

bool isStanza(const xml::Element& e) {
  return e.ns() == xmpp::ns::kServer &&
         (e.name() == "message" || e.name() == "presence" || e.name() == "iq");
}

}  // namespace

LinkSession::LinkSession(std::vector<std::string> allowed_peers, std::size_t max_unacked,
                         Hooks hooks)
    : allowed_peers_(std::move(allowed_peers)), max_unacked_(max_unacked), hooks_(std::move(hooks)) {}

bool LinkSession::ready() const {
  return open_ && connection_ != nullptr && !connection_->closing() &&
         unacked_.size() < max_unacked_;
}

void LinkSession::deliver(xml::Element&& stanza) {
  std::string bytes;
  xml::appendXml(bytes, stanza, xmpp::ns::kServer);
  ++sent_out_;
  if (sm_enabled_ && sent_out_ % kAckEvery == 0) {
    bytes += "<r xmlns='urn:xmpp:sm:3'/>";
  }
  // ready() said the connection is open, and everything runs on one strand, so this write is
  // queued; if it still fails, the stanza is kept with the unacknowledged ones, which onClosed()
  // hands back for redelivery or a bounce.
  (void)connection_->sendNow(bytes);
  unacked_.push_back(std::move(stanza));
}

Actions LinkSession::onTlsEstablished(const xmpp::s2s::TlsResult& result) {
  for (const std::string& name : allowed_peers_) {
    if (result.certificate_valid_for && result.certificate_valid_for(name)) {
      authorized_ = true;
      peer_name_ = name;
      return {};
    }
  }
  return {CloseStream{xmpp::StreamErrc::NotAuthorized,
                      "the link's client certificate names no front end pool or machine of the "
                      "topology"}};
}

Actions LinkSession::onEstablishmentTimeout() {
  return {CloseStream{xmpp::StreamErrc::ConnectionTimeout, "the gateway did not open its stream"}};
}

Actions LinkSession::onEvent(const xml::StreamEvent& event) {
  if (const auto* opened = std::get_if<xml::StreamOpened>(&event)) {
    if (!authorized_) {
      return {CloseStream{xmpp::StreamErrc::NotAuthorized, "no client certificate"}};
    }
    if (opened->default_ns != xmpp::ns::kServer) {
      return {CloseStream{xmpp::StreamErrc::InvalidNamespace,
                          "the link's content namespace is jabber:server"}};
    }
    xmpp::s2s::StreamHeaderFields header;
    header.from = std::string(opened->root.attribute("to").value_or(""));
    header.to = std::string(opened->root.attribute("from").value_or(""));
    header.id = "link-" + std::to_string(reinterpret_cast<std::uintptr_t>(this) & 0xffffff);
    std::string bytes = xmpp::s2s::streamHeaderXml(header);
    bytes += "<stream:features><sm xmlns='urn:xmpp:sm:3'/><link xmlns='urn:xfed:link:1'/>"
             "</stream:features>";
    open_ = true;
    if (hooks_.log) {
      hooks_.log("link gateway " + peer_name_ + " connected");
    }
    return {Send{std::move(bytes)}};
  }
  if (const auto* received = std::get_if<xml::ElementReceived>(&event)) {
    return onElement(received->element);
  }
  if (std::holds_alternative<xml::StreamClosed>(event)) {
    return {xmpp::s2s::PeerClosed{}};
  }
  return {};
}

Actions LinkSession::onElement(const xml::Element& element) {
  if (element.ns() == xmpp::ns::kStreamManagement) {
    if (element.name() == "enable") {
      sm_enabled_ = true;
      return {Send{"<enabled xmlns='urn:xmpp:sm:3' id='" + std::to_string(sent_out_) +
                   "' resume='false'/>"}};
    }
    if (element.name() == "r") {
      return {Send{"<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(handled_in_) + "'/>"}};
    }
    if (element.name() == "a") {
      std::string_view h = element.attribute("h").value_or("");
      std::uint32_t acked = 0;
      auto [ptr, ec] = std::from_chars(h.data(), h.data() + h.size(), acked);
      if (ec != std::errc() || ptr != h.data() + h.size()) {
        return {CloseStream{xmpp::StreamErrc::BadFormat, "<a/> needs a numeric h"}};
      }
      // h counts every stanza we sent; unacked_ holds the last unacked_.size() of them.
      std::uint32_t first_unacked = sent_out_ - static_cast<std::uint32_t>(unacked_.size());
      while (!unacked_.empty() && first_unacked < acked) {
        unacked_.pop_front();
        ++first_unacked;
      }
      return {};
    }
    return {};
  }
  if (!isStanza(element)) {
    return {CloseStream{xmpp::StreamErrc::UnsupportedStanzaType,
                        "unexpected <" + element.name() + "/> on the link"}};
  }
  ++handled_in_;
  if (!element.attribute("from") || !element.attribute("to")) {
    // ADR 0004: every stanza on the link carries full from and to.
    xml::Element reply = makeBounce(element, xmpp::StanzaErrc::BadRequest,
                                    "stanzas on the link need from and to");
    std::string bytes;
    xml::appendXml(bytes, reply, xmpp::ns::kServer);
    return {Send{std::move(bytes)}};
  }
  hooks_.route(xml::Element(element));
  return {};
}

void LinkSession::onAction(xmpp::s2s::Action&& /*action*/) {}

void LinkSession::onClosed(const std::string& reason) {
  open_ = false;
  if (hooks_.log) {
    hooks_.log("link gateway " + (peer_name_.empty() ? std::string("?") : peer_name_) +
               " closed: " + reason + " (" + std::to_string(unacked_.size()) +
               " stanzas unacknowledged)");
  }
  std::deque<xml::Element> pending = std::move(unacked_);
  unacked_.clear();
  if (hooks_.closed) {
    hooks_.closed(*this, std::move(pending));
  }
  connection_.reset();
}

}  // namespace xfed::edge
