// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/types.h>

#include "core/result.h"
#include "net/tls/callbacks.h"

namespace xfed::net::tls {

enum class TlsRole {
  Server,  // accepts: s2s port 5269 (STARTTLS), 5270 (XEP-0368 direct TLS), the internal link
  Client,  // connects: outbound s2s, the gateway's side of the internal link
};

enum class TlsVersion {
  Tls12,
  Tls13,
};

/**
 * What the other side's certificate must be.
 * - Server role, Optional (the s2s port): a client certificate is requested, not required; the
 *   handshake completes whatever the client sends, and TlsEngine::chainVerified() reports the
 *   verdict, so a peer without a usable certificate can still authenticate with dialback
 *   (RFC 7590 §3.3, XEP-0220 over TLS) and SASL EXTERNAL is offered only when it verified
 *   (XEP-0178 §3, ejabberd #2030).
 * - Server role, Required (the internal link, ADR 0004): no certificate, or one that does not
 *   verify against the trust store, fails the handshake.
 * - Client role: Optional reports the server's chain verdict (outbound s2s decides: dialback,
 *   POSH, DANE may still authenticate the stream); Required fails the handshake unless the
 *   chain verifies (the internal link).
 */
enum class PeerCertificatePolicy {
  Optional,
  Required,
};

/**
 * Which extended key usage a client certificate needs (server role). An XMPP server presents
 * its server certificate when it connects, and public CAs stopped issuing clientAuth in 2025-26
 * (Let's Encrypt "tlsserver" profile; ejabberd #4392, Prosody accepts such certificates for s2s).
 * TlsClientOrServer accepts a chain whose every certificate allows clientAuth or serverAuth.
 */
enum class ClientCertificatePurpose {
  TlsClient,
  TlsClientOrServer,
};

/** One certificate chain and its key, PEM files; the key must not be encrypted. */
struct CertificateFiles {
  std::filesystem::path certificate_chain;  // leaf, then intermediates (no root): sent as is
  std::filesystem::path private_key;
};

struct TlsContextOptions {
  TlsRole role = TlsRole::Server;
  /**
   * Server: at least one; the first is the default when the SNI host name (or its absence)
   * matches no other. Each pair covers the DNS names of its leaf (subjectAltName dNSNames, or
   * the CN when there are none); SNI picks an exact name first, then a wildcard
   * ("*.example.net"), then the default.
   * Client: none (a server that requests one gets an empty Certificate message, and the stream
   * falls back to dialback) or the pairs to present; TlsEngineClientOptions::certificate_name
   * picks one by name (the sending domain), else the first.
   */
  std::vector<CertificateFiles> certificates;
  /** Trust anchors (PEM), e.g. the lab CA <data-dir>/pki/ca.crt. Empty: none from a file. */
  std::filesystem::path ca_file;
  /** Also trust the system store (OpenSSL's default paths: /etc/ssl/certs on Debian). */
  bool use_system_trust_store = false;
  PeerCertificatePolicy peer_certificate = PeerCertificatePolicy::Optional;
  ClientCertificatePurpose client_certificate_purpose = ClientCertificatePurpose::TlsClientOrServer;
  /**
   * ALPN (RFC 7301). Server: the protocols accepted, in preference order; a client that offers
   * none of them (or no ALPN at all) is still served, without ALPN (XEP-0368 §3 says clients
   * SHOULD send it, not MUST). Client: offered when TlsEngineClientOptions::offer_alpn is set.
   */
  std::vector<std::string> alpn_protocols = {"xmpp-server"};
  TlsVersion minimum_version = TlsVersion::Tls12;  // RFC 7590 §3.1, RFC 9325 §3.1.1
  TlsVersion maximum_version = TlsVersion::Tls13;
};

class TlsContext;
using TlsContextSharedPtr = std::shared_ptr<TlsContext>;
using TlsContextConstSharedPtr = std::shared_ptr<const TlsContext>;

/**
 * The TLS configuration shared by many connections: OpenSSL SSL_CTXs (one per certificate
 * pair, so SNI can switch between them), the trust store and the policy. Built once from PEM
 * files; immutable afterwards. A reload builds a new context; engines keep the one they were
 * created with.
 *
 * Fixed choices (RFC 9325, RFC 7590):
 * - TLS 1.2 minimum, 1.3 preferred; TLS 1.2 suites are ECDHE with AEAD only (no RSA key
 *   exchange, no CBC, no finite-field DHE: RFC 9325 §4.1-4.2); groups X25519, P-256, P-384.
 * - No compression (RFC 7590 §3.5), no renegotiation.
 * - No session resumption (no tickets, no session cache): s2s streams are few and long-lived,
 *   so a full handshake per stream costs little; resumption would skip the certificate checks
 *   the stream authentication depends on, tickets need a key shared by every edge of a pool and
 *   rotated to keep forward secrecy, and TLS 1.3 tickets add bytes to every handshake.
 * - SSL_MODE_RELEASE_BUFFERS: an idle connection holds no 16 KiB record buffers
 *   (ARCHITECTURE.md §5).
 * - Host name checks are not OpenSSL's: the XMPP rules (SRV-ID, XmppAddr) live in identity.h.
 *
 * Threading: immutable after create(); shared by engines on any thread.
 * Lifetime: held by every TlsEngine created from it (shared_ptr).
 */
class TlsContext {
public:
  /**
   * Errors: core::Errc::IoFailure naming the file and OpenSSL's reason (missing, unreadable,
   * not PEM, encrypted key, key not matching its certificate); core::Errc::InvalidArgument for
   * inconsistent options (a server without a certificate, Required without a trust store, an
   * empty or overlong ALPN name, minimum above maximum).
   */
  static core::Result<TlsContextSharedPtr> create(const TlsContextOptions& options);

  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  ~TlsContext();

  TlsRole role() const { return role_; }
  PeerCertificatePolicy peerCertificatePolicy() const { return peer_certificate_; }
  ClientCertificatePurpose clientCertificatePurpose() const { return client_purpose_; }

  /** Number of certificate pairs (0 for a client without certificates). */
  std::size_t certificateCount() const;
  /** The DNS names pair index covers, lower case, as used for SNI. */
  const std::vector<std::string>& certificateNames(std::size_t index) const;
  /**
   * The pair for a host name: an exact name first, then a wildcard, else 0 (the default).
   * Also used by the client role with the sending domain.
   */
  std::size_t selectCertificate(std::string_view host_name) const;

private:
  friend class TlsEngine;
  friend int detail::serverNameCallback(SSL* ssl, int* alert, void* arg);
  friend int detail::alpnSelectCallback(SSL* ssl, const unsigned char** out,
                                        unsigned char* out_length, const unsigned char* in,
                                        unsigned int in_length, void* arg);

  struct Entry {
    SSL_CTX* ssl_ctx = nullptr;  // owned
    std::vector<std::string> names;
  };

  TlsContext() = default;

  /** The SSL_CTX of pair index (for a client without certificates: the bare one). */
  SSL_CTX* sslContext(std::size_t index) const { return entries_[index].ssl_ctx; }
  /** ALPN protocol list in wire form (RFC 7301 §3.1: length-prefixed names). */
  const std::string& alpnWire() const { return alpn_wire_; }

  TlsRole role_ = TlsRole::Server;
  PeerCertificatePolicy peer_certificate_ = PeerCertificatePolicy::Optional;
  ClientCertificatePurpose client_purpose_ = ClientCertificatePurpose::TlsClientOrServer;
  bool has_certificates_ = false;
  std::vector<Entry> entries_;  // never empty once created
  std::string alpn_wire_;
};

}  // namespace xfed::net::tls
