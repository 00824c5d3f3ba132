// SPDX-License-Identifier: Apache-2.0
#include "edge/stream_connection.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <array>

#include "net/tls/identity.h"
#include "xmpp/errors.h"
#include "xmpp/s2s/stream_header.h"

namespace xfed::edge {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

// Reads land in one buffer per thread: an idle stream holds no read buffer (ARCHITECTURE §5).
constexpr std::size_t kReadBufferBytes = 16 * 1024;

std::string endpointText(const asio::ip::tcp::socket& socket, bool remote) {
  std::error_code ec;
  asio::ip::tcp::endpoint endpoint = remote ? socket.remote_endpoint(ec) : socket.local_endpoint(ec);
  if (ec) {
    return "?";
  }
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

StreamConnection::StreamConnection(Strand strand, asio::ip::tcp::socket socket,
                                   net::tls::TlsRole role, net::tls::TlsContextConstSharedPtr tls,
                                   std::string tls_server_name, ConnectionSettings settings,
                                   std::shared_ptr<StreamHandler> handler)
    : strand_(std::move(strand)),
      socket_(std::move(socket)),
      role_(role),
      tls_context_(std::move(tls)),
      tls_server_name_(std::move(tls_server_name)),
      settings_(settings),
      handler_holder_(std::move(handler)),
      handler_(*handler_holder_),
      parser_(settings.limits),
      writer_wake_(strand_),
      last_input_(Clock::now()),
      last_output_(Clock::now()),
      started_(Clock::now()),
      remote_endpoint_(endpointText(socket_, true)),
      local_endpoint_(endpointText(socket_, false)) {}

void StreamConnection::start(bool direct_tls) {
  asio::co_spawn(strand_, run(shared_from_this(), direct_tls), asio::detached);
}

std::string StreamConnection::tlsVersion() const {
  return tls_ && tls_->handshakeDone() ? std::string(tls_->version()) : std::string();
}

std::string StreamConnection::tlsCipher() const {
  return tls_ && tls_->handshakeDone() ? std::string(tls_->cipher()) : std::string();
}

void StreamConnection::send(std::string bytes) {
  asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
    if (self->closing_) {
      return;  // the session bounces what it could not hand over; see Session::send
    }
    self->queueRaw(bytes);
    self->wakeWriter();
  });
}

bool StreamConnection::sendNow(std::string_view bytes) {
  if (closing_ || finished_) {
    return false;
  }
  queueRaw(bytes);
  wakeWriter();
  return !closing_;
}

void StreamConnection::execute(xmpp::s2s::Actions actions) {
  asio::post(strand_, [self = shared_from_this(), actions = std::move(actions)]() mutable {
    self->perform(std::move(actions));
  });
}

void StreamConnection::close(std::optional<xmpp::StreamErrc> condition, std::string text) {
  asio::post(strand_, [self = shared_from_this(), condition, text = std::move(text)]() mutable {
    xmpp::s2s::Actions actions;
    if (condition) {
      actions.push_back(xmpp::s2s::CloseStream{*condition, std::move(text)});
    } else {
      actions.push_back(xmpp::s2s::PeerClosed{});
    }
    self->perform(std::move(actions));
    self->wakeWriter();
  });
}

asio::awaitable<void> StreamConnection::run(std::shared_ptr<StreamConnection> self,
                                            bool direct_tls) {
  using namespace asio::experimental::awaitable_operators;
  // `self` lives in this frame: the connection cannot go away while its loops are suspended.
  asio::co_spawn(self->strand_, [](std::shared_ptr<StreamConnection> me) -> asio::awaitable<void> {
    co_await me->writeLoop();
  }(self), asio::detached);
  if (direct_tls) {
    self->direct_tls_ = true;
    self->startTls();
  } else {
    self->perform(self->handler_.onConnected());
  }
  self->wakeWriter();
  co_await (self->readLoop() || self->timerLoop());
  self->closing_ = true;
  self->wakeWriter();
}

asio::awaitable<void> StreamConnection::readLoop() {
  thread_local std::array<char, kReadBufferBytes> buffer;
  while (!closing_) {
    std::error_code ec;
    std::size_t n = co_await socket_.async_read_some(asio::buffer(buffer),
                                                     asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (close_reason_.empty()) {
        close_reason_ = ec == asio::error::eof ? "connection closed by peer" : ec.message();
      }
      co_return;
    }
    last_input_ = Clock::now();
    counters_.bytes_in += n;
    std::string_view bytes(buffer.data(), n);
    if (tls_) {
      pumpTls(bytes);
    } else {
      handleBytes(bytes);
    }
    wakeWriter();
  }
}

asio::awaitable<void> StreamConnection::writeLoop() {
  std::string chunk;
  while (true) {
    if (outbox_.empty()) {
      if (closing_) {
        break;
      }
      writer_wake_.expires_at(Clock::time_point::max());
      std::error_code ec;
      co_await writer_wake_.async_wait(asio::redirect_error(use_awaitable, ec));
      continue;
    }
    chunk.clear();
    chunk.swap(outbox_);  // one write in flight; everything queued meanwhile goes in the next
    std::error_code ec;
    asio::steady_timer deadline(strand_, settings_.write_timeout);
    deadline.async_wait([this](std::error_code e) {
      if (!e) {
        socket_.cancel();
      }
    });
    co_await asio::async_write(socket_, asio::buffer(chunk), asio::redirect_error(use_awaitable, ec));
    deadline.cancel();
    if (ec) {
      if (close_reason_.empty()) {
        close_reason_ = "write failed: " + ec.message();
      }
      closing_ = true;
      outbox_.clear();
      break;
    }
    counters_.bytes_out += chunk.size();
    last_output_ = Clock::now();
  }
  std::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  writer_wake_.cancel();
  finish(close_reason_.empty() ? "closed" : close_reason_);
}

asio::awaitable<void> StreamConnection::timerLoop() {
  asio::steady_timer timer(strand_);
  while (!closing_) {
    Clock::time_point now = Clock::now();
    Clock::time_point next = last_input_ + settings_.inactivity_timeout;
    if (!handler_.established()) {
      next = std::min(next, started_ + settings_.establishment_timeout);
    } else if (settings_.keepalive) {
      next = std::min(next, last_output_ + settings_.keepalive_interval);
    }
    if (next > now) {
      timer.expires_at(next);
      std::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (ec) {
        co_return;
      }
      continue;
    }
    if (!handler_.established() && now >= started_ + settings_.establishment_timeout) {
      perform(handler_.onEstablishmentTimeout());
      if (!closing_) {
        perform({xmpp::s2s::CloseStream{xmpp::StreamErrc::ConnectionTimeout,
                                        "the stream was not established in time"}});
      }
    } else if (now >= last_input_ + settings_.inactivity_timeout) {
      perform({xmpp::s2s::CloseStream{
          xmpp::StreamErrc::ConnectionTimeout,
          "no data for " + std::to_string(settings_.inactivity_timeout.count()) + " s"}});
    } else {
      queueRaw(" ");  // whitespace keepalive (RFC 6120 §4.6.1)
      last_output_ = now;
    }
    wakeWriter();
  }
}

void StreamConnection::handleBytes(std::string_view plaintext) {
  events_.clear();
  parser_.feed(plaintext, events_);
  for (xml::StreamEvent& event : events_) {
    if (closing_) {
      return;
    }
    if (const auto* error = std::get_if<xml::Error>(&event)) {
      perform({xmpp::s2s::CloseStream{xmpp::s2s::streamErrcFor(error->kind), error->text}});
      return;
    }
    if (std::holds_alternative<xml::ElementReceived>(event)) {
      ++counters_.stanzas_in;
    }
    bool restarted = false;
    xmpp::s2s::Actions actions = handler_.onEvent(event);
    for (const xmpp::s2s::Action& a : actions) {
      restarted = restarted || std::holds_alternative<xmpp::s2s::ResetParser>(a) ||
                  std::holds_alternative<xmpp::s2s::StartTls>(a);
    }
    perform(std::move(actions));
    if (restarted) {
      // A stream restart voids the rest of this read: the peer may not send before the
      // restart point (RFC 6120 §5.4.3.3, §6.4.6), so anything after it is discarded.
      return;
    }
  }
}

void StreamConnection::perform(xmpp::s2s::Actions&& actions) {
  for (xmpp::s2s::Action& action : actions) {
    if (finished_) {
      return;
    }
    if (auto* send = std::get_if<xmpp::s2s::Send>(&action)) {
      if (!closing_) {
        queueRaw(send->bytes);
      }
    } else if (std::holds_alternative<xmpp::s2s::StartTls>(action)) {
      startTls();
    } else if (std::holds_alternative<xmpp::s2s::ResetParser>(action)) {
      parser_.reset();
    } else if (auto* close = std::get_if<xmpp::s2s::CloseStream>(&action)) {
      if (!closing_) {
        queueRaw(xmpp::streamErrorXml(close->condition, close->text) + "</stream:stream>");
        close_reason_ = std::string(xmpp::conditionName(close->condition)) +
                        (close->text.empty() ? "" : ": " + close->text);
        closing_ = true;
      }
    } else if (std::holds_alternative<xmpp::s2s::PeerClosed>(action) ||
               std::holds_alternative<xmpp::s2s::CloseCleanly>(action)) {
      if (!closing_) {
        queueRaw("</stream:stream>");
        if (close_reason_.empty()) {
          close_reason_ = "stream closed";
        }
        closing_ = true;
      }
    } else {
      handler_.onAction(std::move(action));
    }
  }
  wakeWriter();
}

void StreamConnection::startTls() {
  auto engine = role_ == net::tls::TlsRole::Server
                    ? net::tls::TlsEngine::createServer(tls_context_)
                    : net::tls::TlsEngine::createClient(
                          tls_context_, net::tls::TlsEngineClientOptions{tls_server_name_, false, {}});
  if (!engine) {
    close_reason_ = "TLS could not start: " + engine.error().detail;
    closing_ = true;
    return;
  }
  tls_ = std::move(*engine);
  parser_.reset();
  tls_->takeCiphertext(outbox_);  // a client's ClientHello
}

void StreamConnection::pumpTls(std::string_view ciphertext) {
  if (core::Result<void> fed = tls_->feedCiphertext(ciphertext); !fed) {
    tls_->takeCiphertext(outbox_);  // the alert that explains it
    close_reason_ = "TLS failed: " + fed.error().detail;
    closing_ = true;
    return;
  }
  std::string plain;
  core::Result<void> read = tls_->readPlaintext(plain);
  tls_->takeCiphertext(outbox_);
  if (tls_->handshakeDone() && !tls_reported_) {
    tls_reported_ = true;
    std::weak_ptr<StreamConnection> weak = weak_from_this();
    xmpp::s2s::TlsResult result{[weak](std::string_view domain) {
      auto self = weak.lock();
      if (!self || !self->tls_ || !self->tls_->chainVerified()) {
        return false;
      }
      std::optional<net::tls::PeerCertificate> cert = self->tls_->peerCertificate();
      return cert && static_cast<bool>(net::tls::verifyXmppServerIdentity(*cert, domain));
    }};
    perform(handler_.onTlsEstablished(result));
    if (direct_tls_) {
      // Direct TLS (XEP-0368): the XMPP stream begins once TLS is up.
      direct_tls_ = false;
      perform(handler_.onConnected());
    }
  }
  if (!plain.empty()) {
    handleBytes(plain);
  }
  if (!read) {
    if (close_reason_.empty()) {
      close_reason_ = "TLS failed: " + read.error().detail;
    }
    closing_ = true;
  }
  tls_->takeCiphertext(outbox_);
}

void StreamConnection::queueRaw(std::string_view bytes) {
  if (tls_) {
    if (core::Result<void> ok = tls_->writePlaintext(bytes); !ok) {
      close_reason_ = "TLS write failed: " + ok.error().detail;
      closing_ = true;
      return;
    }
    tls_->takeCiphertext(outbox_);
  } else {
    outbox_.append(bytes);
  }
}

void StreamConnection::wakeWriter() { writer_wake_.cancel(); }

void StreamConnection::finish(const std::string& reason) {
  if (finished_) {
    return;
  }
  finished_ = true;
  handler_.onClosed(reason);
  handler_holder_.reset();
}

}  // namespace xfed::edge
