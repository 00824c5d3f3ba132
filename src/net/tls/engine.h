// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "core/result.h"
#include "net/tls/callbacks.h"
#include "net/tls/context.h"
#include "net/tls/errors.h"
#include "net/tls/peer_certificate.h"

namespace xfed::net::tls {

struct TlsEngineClientOptions {
  /**
   * The remote domain (the JID domain sought, not the SRV target): sent as SNI (RFC 6066;
   * XEP-0368 §3). Not sent when empty or an IP literal (RFC 6066 §3); a trailing dot is
   * dropped. The certificate is checked against it separately (identity.h).
   */
  std::string server_name;
  /** Offer the context's ALPN protocols: direct TLS (XEP-0368 §3), not STARTTLS. */
  bool offer_alpn = false;
  /** Present the context's certificate pair covering this name (the sending domain), else the
   *  first. Ignored when the context has no certificates. */
  std::string certificate_name;
};

/**
 * Connection states. Transitions (inputs: feed = feedCiphertext, read = readPlaintext):
 *
 *   Handshaking --feed/read: handshake completes--------------------> Established
 *   Handshaking --feed/read: bad input, alert, certificate refused---> Failed
 *   Handshaking --close()-------------------------------------------> Closed (nothing sent)
 *   Established --read: close_notify received------------------------> PeerClosed
 *   Established --close(): close_notify queued------------------------> Closing
 *   Established --read/take: bad record, alert------------------------> Failed
 *   PeerClosed  --close(): close_notify queued------------------------> Closed
 *   Closing     --read: close_notify received------------------------> Closed
 *   Closing, PeerClosed --read/take: bad record, alert----------------> Failed
 *   Failed, Closed: terminal; every input is a no-op returning failure() (Failed) or ok (Closed)
 */
enum class TlsState {
  Handshaking,
  Established,
  Closing,     // we sent close_notify; the peer's may still come (with data before it)
  PeerClosed,  // the peer sent close_notify; we may still write (RFC 8446 §6.1), then close()
  Closed,
  Failed,
};

std::string_view stateName(TlsState state);

class TlsEngine;
using TlsEnginePtr = std::unique_ptr<TlsEngine>;

/**
 * One TLS connection, sans-I/O: ciphertext in and out as bytes, plaintext in and out as bytes;
 * the caller owns the socket. Works for direct TLS (XEP-0368) and STARTTLS alike: create the
 * engine when the socket switches to TLS (after <proceed/>) and feed it every byte read from
 * then on, starting with any bytes already read past the plaintext.
 *
 * Driving it, after every socket read:
 *   engine.feedCiphertext(bytes);   // drives the handshake
 *   engine.readPlaintext(plain);    // decrypted application data, appended
 *   engine.takeCiphertext(out);     // handshake messages, alerts, records to send, appended
 * and after queuing application data with writePlaintext(): takeCiphertext(out), write out.
 * takeCiphertext() may have bytes after any call (a client engine has its ClientHello right
 * after createClient(); a failed engine usually has the alert that explains the failure:
 * send it, then close the socket).
 *
 * Memory: the engine keeps no buffer while idle. Ciphertext not yet decrypted, ciphertext not
 * yet taken and plaintext not yet encrypted live in std::strings that are released (not only
 * cleared) when drained; OpenSSL's record buffers are released by SSL_MODE_RELEASE_BUFFERS;
 * the BIO is a thin custom one with no buffer of its own. Plaintext written between two
 * takeCiphertext() calls is encrypted together (one record per 16 KiB, so stanzas queued in one
 * turn of the event loop share records), or as soon as 16 KiB are queued.
 *
 * TLS 1.3 note: a client's handshake completes before the server has checked the client's
 * certificate; if the server refuses it, the client learns it from the alert that a later
 * readPlaintext() returns (ProtocolError, "tlsv13 alert certificate required").
 *
 * Errors: core::Error with TlsErrc (errors.h) and OpenSSL's reason in the detail; the first
 * error also moves the engine to Failed, where failure() keeps it.
 *
 * Threading: not thread-safe; use from one strand. Lifetime: holds its context; not movable
 * (OpenSSL holds pointers to it), hence created as a TlsEnginePtr.
 */
class TlsEngine {
public:
  /** Errors: TlsErrc::Internal (allocation); core::Errc::InvalidArgument for a client context. */
  static core::Result<TlsEnginePtr> createServer(TlsContextConstSharedPtr context);
  /** Starts the handshake: the ClientHello is ready for takeCiphertext(). */
  static core::Result<TlsEnginePtr> createClient(TlsContextConstSharedPtr context,
                                                 const TlsEngineClientOptions& options);

  TlsEngine(const TlsEngine&) = delete;
  TlsEngine& operator=(const TlsEngine&) = delete;
  ~TlsEngine();

  /** Bytes read from the socket, any split. Drives the handshake. */
  core::Result<void> feedCiphertext(std::string_view bytes);
  /** Appends what must be written to the socket; encrypts queued plaintext first. */
  void takeCiphertext(std::string& out);
  /** Queues application data; it is sent once the handshake is done. Errors: Closed after
   *  close() or in a terminal state. */
  core::Result<void> writePlaintext(std::string_view bytes);
  /** Appends decrypted application data; processes close_notify and post-handshake messages.
   *  Decrypts straight into out, which needs room for a 16 KiB record: pass a reused
   *  (per-thread) buffer. Errors: ProtocolError (bad record, alert from the peer). */
  core::Result<void> readPlaintext(std::string& out);
  /** Queues close_notify (after any queued plaintext). The socket may be closed once
   *  takeCiphertext() has been written; waiting for the peer's close_notify is optional. */
  void close();

  TlsState state() const { return state_; }
  /** True once the handshake has completed, whatever happened since. */
  bool handshakeDone() const { return handshake_done_; }
  bool failed() const { return state_ == TlsState::Failed; }
  /** Why the engine failed (meaningful when failed()). */
  const core::Error& failure() const { return failure_; }
  bool peerClosed() const { return state_ == TlsState::PeerClosed || state_ == TlsState::Closed; }
  TlsRole role() const { return context_->role(); }

  /** "TLSv1.3", "TLSv1.2"; empty before the handshake completes. */
  std::string_view version() const;
  /** OpenSSL's cipher name ("TLS_AES_128_GCM_SHA256"); empty before the handshake completes. */
  std::string_view cipher() const;
  /** The negotiated ALPN protocol; empty when none. */
  std::string_view alpn() const;
  /** Server: the SNI host name the client sent; client: the one it sent. Empty when none. */
  std::string_view sniName() const;

  /** The peer's leaf certificate, if it sent one. */
  std::optional<PeerCertificate> peerCertificate() const;
  /** The chain as the peer sent it, leaf first (both roles); empty if it sent none. */
  std::vector<PeerCertificate> peerCertificateChain() const;
  /** The peer sent a certificate and its chain verified against the context's trust store
   *  (with the purpose rules of ClientCertificatePurpose). Says nothing about its names. */
  bool chainVerified() const;
  /** Why chainVerified() is false: "certificate has expired (depth 0: CN=xmpp.example.net)",
   *  "the peer sent no certificate"; empty when it is true. */
  std::string chainVerifyReason() const;

  /** Bytes the engine holds (undecrypted input, untaken output, unencrypted plaintext). */
  std::size_t bufferedBytes() const;
  /** Heap capacity of the engine's own strings (0 when idle); OpenSSL's memory not included. */
  std::size_t heapBytesHeldForTest() const;

private:
  friend int detail::verifyPeerCallback(int preverify_ok, X509_STORE_CTX* store);
  friend struct EngineBio;

  explicit TlsEngine(TlsContextConstSharedPtr context);

  core::Result<void> init(SSL_CTX& ssl_ctx);
  core::Result<void> driveHandshake();
  void encryptPending();
  core::Error fail(TlsErrc errc, std::string_view what);
  void releaseDrainedInput();
  int onVerify(int preverify_ok, X509_STORE_CTX& store);

  // BIO callbacks.
  int bioRead(char* out, int size);
  int bioWrite(const char* data, int size);

  TlsContextConstSharedPtr context_;
  SSL* ssl_ = nullptr;            // owned; owns the BIO
  std::string input_;             // ciphertext fed but not yet consumed by OpenSSL
  std::size_t input_offset_ = 0;  // consumed prefix of input_
  std::string output_;            // ciphertext produced outside takeCiphertext()
  std::string* sink_ = &output_;  // where the BIO writes: output_, or the caller's buffer
  std::string plaintext_;         // written, not yet encrypted
  core::Error failure_;
  int verify_error_ = 0;  // first X509_V_ERR_* seen while verifying the peer chain
  int verify_error_depth_ = -1;
  bool verify_ran_ = false;
  bool handshake_done_ = false;
  TlsState state_ = TlsState::Handshaking;
};

}  // namespace xfed::net::tls
