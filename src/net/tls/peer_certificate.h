// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "core/result.h"

namespace xfed::net::tls {

/**
 * One X.509 certificate presented by a peer (or loaded for a test): a shared, reference-counted
 * handle on an OpenSSL X509, cheap to copy. Never empty, except after being moved from (then
 * only assignment and destruction are allowed).
 *
 * Threading: an X509 is immutable once parsed; copies may be used on any thread.
 * Lifetime: independent of the TlsEngine it came from.
 */
class PeerCertificate {
public:
  /** Takes one more reference on cert (X509_up_ref); cert must not be null. */
  static PeerCertificate share(X509& cert);
  /** Errors: core::Errc::InvalidArgument with OpenSSL's reason. */
  static core::Result<PeerCertificate> fromDer(std::string_view der);
  /** The first certificate of a PEM text. Errors: core::Errc::InvalidArgument. */
  static core::Result<PeerCertificate> fromPem(std::string_view pem);

  PeerCertificate(const PeerCertificate& other);
  PeerCertificate& operator=(const PeerCertificate& other);
  PeerCertificate(PeerCertificate&& other) noexcept = default;
  PeerCertificate& operator=(PeerCertificate&& other) noexcept = default;
  ~PeerCertificate() = default;

  /** Borrowed; valid as long as this object (or a copy) lives. */
  X509* native() const { return cert_.get(); }

  std::string der() const;
  /** RFC 2253 one-line form, for logs: "CN=xmpp.example.net,O=Example". */
  std::string subject() const;
  std::string issuer() const;
  std::chrono::system_clock::time_point notBefore() const;
  /** For RFC 6120 §13.7.2.3: long-lived streams re-check expiry. */
  std::chrono::system_clock::time_point notAfter() const;

  friend bool operator==(const PeerCertificate& a, const PeerCertificate& b);

private:
  struct Free {
    void operator()(X509* cert) const;
  };
  explicit PeerCertificate(X509* owned) : cert_(owned) {}

  std::unique_ptr<X509, Free> cert_;
};

}  // namespace xfed::net::tls
