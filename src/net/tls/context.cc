// SPDX-License-Identifier: Apache-2.0
#include "net/tls/context.h"

#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "core/errors.h"
#include "net/tls/callbacks.h"
#include "net/tls/identity.h"
#include "net/tls/openssl_util.h"
#include "net/tls/peer_certificate.h"

namespace xfed::net::tls {
namespace {

// RFC 9325 §4.2 (ECDHE + AEAD; ECDSA and RSA certificates). TLS 1.2 only: TLS 1.3 suites are
// configured separately and are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
// Deep enough for any public chain (leaf, two intermediates, root) with room for cross-signs.
constexpr int kMaxVerifyDepth = 8;
constexpr std::size_t kMaxAlpnNameLength = 255;  // RFC 7301 §3.1: one length byte
constexpr unsigned char kSessionIdContext[] = "xfed";

using X509StorePtr = std::unique_ptr<X509_STORE, detail::OpensslDeleter<X509_STORE_free>>;

/** Never prompts on a terminal: an encrypted key is an error. */
int noPassword(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return 0; }

core::Error fileError(std::string_view what, const std::filesystem::path& path) {
  return core::fail(core::Errc::IoFailure, "cannot load " + std::string(what) + " " +
                                               path.string() + ": " + detail::drainOpensslErrors());
}

core::Error internalError(std::string_view what) {
  return core::fail(core::Errc::Internal, std::string(what) + ": " + detail::drainOpensslErrors());
}

int protocolVersion(TlsVersion version) {
  switch (version) {
    case TlsVersion::Tls12:
      return TLS1_2_VERSION;
    case TlsVersion::Tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_3_VERSION;
}

core::Result<std::string> encodeAlpn(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& protocol : protocols) {
    if (protocol.empty() || protocol.size() > kMaxAlpnNameLength) {
      return core::fail(core::Errc::InvalidArgument,
                        "ALPN protocol name '" + protocol + "' must have 1 to 255 bytes");
    }
    wire += static_cast<char>(protocol.size());
    wire += protocol;
  }
  return wire;
}

core::Result<X509StorePtr> buildTrustStore(const TlsContextOptions& options) {
  X509StorePtr store(X509_STORE_new());
  if (!store) {
    return internalError("cannot allocate a trust store");
  }
  if (!options.ca_file.empty() && X509_STORE_load_file(store.get(), options.ca_file.c_str()) != 1) {
    return fileError("CA file", options.ca_file);
  }
  if (options.use_system_trust_store && X509_STORE_set_default_paths(store.get()) != 1) {
    return core::fail(core::Errc::IoFailure,
                      "cannot load the system trust store: " + detail::drainOpensslErrors());
  }
  return store;
}

/** The DNS names a leaf covers, for SNI: its dNSNames, else its CN. */
std::vector<std::string> leafNames(X509& leaf) {
  const PresentedIdentifiers ids = presentedIdentifiers(PeerCertificate::share(leaf));
  std::vector<std::string> names;
  for (const std::string& name : ids.dns_ids) {
    names.push_back(detail::asciiLower(name));
  }
  if (names.empty() && !ids.common_name.empty()) {
    names.push_back(detail::asciiLower(ids.common_name));
  }
  return names;
}

core::Result<void> configure(SSL_CTX& ctx, const TlsContextOptions& options, X509_STORE& store,
                             TlsContext& context) {
  const bool server = options.role == TlsRole::Server;
  if (SSL_CTX_set_min_proto_version(&ctx, protocolVersion(options.minimum_version)) != 1 ||
      SSL_CTX_set_max_proto_version(&ctx, protocolVersion(options.maximum_version)) != 1) {
    return internalError("cannot set the TLS versions");
  }
  if (SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(&ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(&ctx, kGroups) != 1) {
    return internalError("cannot set the cipher suites");
  }
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  // NO_AUTO_CHAIN: send the chain file as written, not a chain OpenSSL completes from the
  // trust store (which would add the root: bytes in every handshake, parsed by every peer).
  SSL_CTX_set_mode(&ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_NO_AUTO_CHAIN);
  SSL_CTX_set_session_cache_mode(&ctx, SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_num_tickets(&ctx, 0) != 1 ||
      SSL_CTX_set_session_id_context(&ctx, kSessionIdContext, sizeof(kSessionIdContext) - 1) != 1) {
    return internalError("cannot turn session resumption off");
  }
  SSL_CTX_set_default_passwd_cb(&ctx, noPassword);
  SSL_CTX_set1_cert_store(&ctx, &store);
  SSL_CTX_set_verify_depth(&ctx, kMaxVerifyDepth);
  int verify_mode = SSL_VERIFY_PEER;
  if (server && options.peer_certificate == PeerCertificatePolicy::Required) {
    verify_mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  }
  SSL_CTX_set_verify(&ctx, verify_mode, detail::verifyPeerCallback);
  if (server) {
    SSL_CTX_set_tlsext_servername_callback(&ctx, detail::serverNameCallback);
    SSL_CTX_set_tlsext_servername_arg(&ctx, &context);
    SSL_CTX_set_alpn_select_cb(&ctx, detail::alpnSelectCallback, &context);
  }
  return core::ok();
}

core::Result<std::vector<std::string>> loadPair(SSL_CTX& ctx, const CertificateFiles& files) {
  if (SSL_CTX_use_certificate_chain_file(&ctx, files.certificate_chain.c_str()) != 1) {
    return fileError("certificate chain", files.certificate_chain);
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, files.private_key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const unsigned long last = ERR_peek_last_error();
    if (ERR_GET_LIB(last) == ERR_LIB_X509 && ERR_GET_REASON(last) == X509_R_KEY_VALUES_MISMATCH) {
      return core::fail(core::Errc::IoFailure, "private key " + files.private_key.string() +
                                                   " does not match certificate " +
                                                   files.certificate_chain.string() + ": " +
                                                   detail::drainOpensslErrors());
    }
    return fileError("private key", files.private_key);
  }
  if (SSL_CTX_check_private_key(&ctx) != 1) {
    return core::fail(core::Errc::IoFailure,
                      "private key " + files.private_key.string() + " does not match certificate " +
                          files.certificate_chain.string() + ": " + detail::drainOpensslErrors());
  }
  X509* leaf = SSL_CTX_get0_certificate(&ctx);
  if (leaf == nullptr) {
    return internalError("no certificate after loading " + files.certificate_chain.string());
  }
  return leafNames(*leaf);
}

}  // namespace

core::Result<TlsContextSharedPtr> TlsContext::create(const TlsContextOptions& options) {
  ERR_clear_error();
  const bool server = options.role == TlsRole::Server;
  if (server && options.certificates.empty()) {
    return core::fail(core::Errc::InvalidArgument,
                      "a TLS server needs at least one certificate and key");
  }
  if (options.peer_certificate == PeerCertificatePolicy::Required && options.ca_file.empty() &&
      !options.use_system_trust_store) {
    return core::fail(core::Errc::InvalidArgument,
                      "peer certificates are required but no trust store is configured "
                      "(set a CA file or the system store)");
  }
  if (protocolVersion(options.minimum_version) > protocolVersion(options.maximum_version)) {
    return core::fail(core::Errc::InvalidArgument, "the minimum TLS version is above the maximum");
  }
  XFED_ASSIGN_OR_RETURN(std::string wire, encodeAlpn(options.alpn_protocols));
  XFED_ASSIGN_OR_RETURN(X509StorePtr store, buildTrustStore(options));

  TlsContextSharedPtr context(new TlsContext());
  context->role_ = options.role;
  context->peer_certificate_ = options.peer_certificate;
  context->client_purpose_ = options.client_certificate_purpose;
  context->has_certificates_ = !options.certificates.empty();
  context->alpn_wire_ = std::move(wire);

  const std::size_t pairs = options.certificates.empty() ? 1 : options.certificates.size();
  context->entries_.reserve(pairs);
  for (std::size_t i = 0; i < pairs; ++i) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_method());
    if (ctx == nullptr) {
      return internalError("cannot allocate a TLS context");
    }
    context->entries_.push_back(Entry{ctx, {}});  // owned by context from here on
    XFED_TRY(configure(*ctx, options, *store, *context));
    if (!options.certificates.empty()) {
      XFED_ASSIGN_OR_RETURN(context->entries_.back().names,
                            loadPair(*ctx, options.certificates[i]));
    }
  }
  return context;
}

TlsContext::~TlsContext() {
  for (Entry& entry : entries_) {
    SSL_CTX_free(entry.ssl_ctx);
  }
}

std::size_t TlsContext::certificateCount() const { return has_certificates_ ? entries_.size() : 0; }

const std::vector<std::string>& TlsContext::certificateNames(std::size_t index) const {
  return entries_.at(index).names;
}

std::size_t TlsContext::selectCertificate(std::string_view host_name) const {
  if (host_name.empty()) {
    return 0;
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (const std::string& name : entries_[i].names) {
      if (name.find('*') == std::string::npos && matchesDnsId(name, host_name)) {
        return i;
      }
    }
  }
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    for (const std::string& name : entries_[i].names) {
      if (name.find('*') != std::string::npos && matchesDnsId(name, host_name)) {
        return i;
      }
    }
  }
  return 0;
}

}  // namespace xfed::net::tls
