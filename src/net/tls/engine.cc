// SPDX-License-Identifier: Apache-2.0
#include "net/tls/engine.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "core/errors.h"
#include "core/strings.h"
#include "net/tls/openssl_util.h"

namespace xfed::net::tls {
namespace {

// The largest TLS record plaintext (RFC 8446 §5.1): one read chunk, and the amount of queued
// plaintext after which writePlaintext() encrypts at once instead of waiting to coalesce.
constexpr std::size_t kMaxRecordPlaintext = 16384;

/** Frees a string's heap block: clear() alone keeps the capacity (up to a 16 KiB record). */
void release(std::string& buffer) { std::string().swap(buffer); }

std::size_t heapCapacity(const std::string& buffer) {
  // A default-constructed string's capacity is its small-string buffer, which is not heap.
  static const std::size_t kInlineCapacity = std::string().capacity();
  return buffer.capacity() > kInlineCapacity ? buffer.capacity() : 0;
}

}  // namespace

// ---- the BIO -----------------------------------------------------------------------------------

/**
 * A source/sink BIO that reads from the engine's input string and writes to its current sink,
 * so no BIO_s_mem buffer (which keeps its high-water capacity) sits under an idle connection.
 */
struct EngineBio {
  static TlsEngine& engine(BIO* bio) { return *static_cast<TlsEngine*>(BIO_get_data(bio)); }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  static int read(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    const int n = engine(bio).bioRead(out, size);
    if (n <= 0) {
      BIO_set_retry_read(bio);  // "no data yet", never EOF: the socket's EOF is the caller's
      return -1;
    }
    return n;
  }

  static int write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    return engine(bio).bioWrite(data, size);
  }

  static long ctrl(BIO* /*bio*/, int cmd, long /*num*/, void* /*ptr*/) {
    // FLUSH must succeed (OpenSSL flushes after each flight); everything else is unsupported.
    return cmd == BIO_CTRL_FLUSH ? 1 : 0;
  }

  static const BIO_METHOD* method() {
    static BIO_METHOD* const kMethod = [] {
      BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "xfed-tls");
      if (method != nullptr) {
        BIO_meth_set_create(method, create);
        BIO_meth_set_read(method, read);
        BIO_meth_set_write(method, write);
        BIO_meth_set_ctrl(method, ctrl);
      }
      return method;  // process lifetime
    }();
    return kMethod;
  }
};

int TlsEngine::bioRead(char* out, int size) {
  const std::size_t available = input_.size() - input_offset_;
  const std::size_t n = std::min(available, static_cast<std::size_t>(std::max(size, 0)));
  if (n == 0) {
    return 0;
  }
  std::memcpy(out, input_.data() + input_offset_, n);
  input_offset_ += n;
  return static_cast<int>(n);
}

int TlsEngine::bioWrite(const char* data, int size) {
  sink_->append(data, static_cast<std::size_t>(std::max(size, 0)));
  return size;
}

// ---- OpenSSL callbacks -------------------------------------------------------------------------

namespace detail {

int verifyPeerCallback(int preverify_ok, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* engine = ssl != nullptr ? static_cast<TlsEngine*>(SSL_get_app_data(ssl)) : nullptr;
  return engine != nullptr ? engine->onVerify(preverify_ok, *store) : 0;
}

int serverNameCallback(SSL* ssl, int* /*alert*/, void* arg) {
  const auto& context = *static_cast<const TlsContext*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name != nullptr) {
    const std::size_t index = context.selectCertificate(name);
    if (index != 0 && SSL_set_SSL_CTX(ssl, context.sslContext(index)) == nullptr) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;  // out of memory
    }
  }
  return SSL_TLSEXT_ERR_OK;
}

int alpnSelectCallback(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length,
                       const unsigned char* in, unsigned int in_length, void* arg) {
  const std::string& ours = static_cast<const TlsContext*>(arg)->alpnWire();
  unsigned char* selected = nullptr;
  if (!ours.empty() && SSL_select_next_proto(&selected, out_length,
                                             reinterpret_cast<const unsigned char*>(ours.data()),
                                             static_cast<unsigned int>(ours.size()), in,
                                             in_length) == OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  // XEP-0368 asks clients to send ALPN but does not make it a condition: go on without it.
  return SSL_TLSEXT_ERR_NOACK;
}

}  // namespace detail

int TlsEngine::onVerify(int preverify_ok, X509_STORE_CTX& store) {
  verify_ran_ = true;
  if (preverify_ok == 1) {
    return 1;
  }
  const int error = X509_STORE_CTX_get_error(&store);
  const int depth = X509_STORE_CTX_get_error_depth(&store);
  X509* cert = X509_STORE_CTX_get_current_cert(&store);
  const bool server_purpose_allowed =
      role() == TlsRole::Server &&
      context_->clientCertificatePurpose() == ClientCertificatePurpose::TlsClientOrServer;
  if (error == X509_V_ERR_INVALID_PURPOSE && server_purpose_allowed && cert != nullptr &&
      X509_check_purpose(cert, X509_PURPOSE_SSL_SERVER, depth > 0 ? 1 : 0) == 1) {
    // A server certificate presented by a connecting server (ejabberd #4392).
    return 1;
  }
  if (verify_error_ == X509_V_OK) {
    verify_error_ = error;
    verify_error_depth_ = depth;
  }
  return context_->peerCertificatePolicy() == PeerCertificatePolicy::Required ? 0 : 1;
}

// ---- lifecycle ---------------------------------------------------------------------------------

TlsEngine::TlsEngine(TlsContextConstSharedPtr context) : context_(std::move(context)) {}

TlsEngine::~TlsEngine() { SSL_free(ssl_); }

core::Result<TlsEnginePtr> TlsEngine::createServer(TlsContextConstSharedPtr context) {
  if (!context || context->role() != TlsRole::Server) {
    return core::fail(core::Errc::InvalidArgument, "a TLS server engine needs a server context");
  }
  SSL_CTX& ssl_ctx = *context->sslContext(0);
  TlsEnginePtr engine(new TlsEngine(std::move(context)));
  XFED_TRY(engine->init(ssl_ctx));
  SSL_set_accept_state(engine->ssl_);
  return engine;
}

core::Result<TlsEnginePtr> TlsEngine::createClient(TlsContextConstSharedPtr context,
                                                   const TlsEngineClientOptions& options) {
  if (!context || context->role() != TlsRole::Client) {
    return core::fail(core::Errc::InvalidArgument, "a TLS client engine needs a client context");
  }
  SSL_CTX& ssl_ctx = *context->sslContext(context->selectCertificate(options.certificate_name));
  TlsEnginePtr engine(new TlsEngine(std::move(context)));
  XFED_TRY(engine->init(ssl_ctx));
  SSL* ssl = engine->ssl_;
  std::string_view server_name = options.server_name;
  if (!server_name.empty() && server_name.back() == '.') {
    server_name.remove_suffix(1);
  }
  if (!server_name.empty() && !core::isIpAddress(server_name) &&
      SSL_set_tlsext_host_name(ssl, std::string(server_name).c_str()) != 1) {
    return engine->fail(TlsErrc::Internal, "cannot set the SNI host name");
  }
  const std::string& alpn = engine->context_->alpnWire();
  if (options.offer_alpn && !alpn.empty() &&
      SSL_set_alpn_protos(ssl, reinterpret_cast<const unsigned char*>(alpn.data()),
                          static_cast<unsigned int>(alpn.size())) != 0) {  // 0 is success here
    return engine->fail(TlsErrc::Internal, "cannot set the ALPN protocols");
  }
  SSL_set_connect_state(ssl);
  XFED_TRY(engine->driveHandshake());  // queues the ClientHello
  return engine;
}

core::Result<void> TlsEngine::init(SSL_CTX& ssl_ctx) {
  ERR_clear_error();
  const BIO_METHOD* method = EngineBio::method();
  ssl_ = SSL_new(&ssl_ctx);
  BIO* bio = method != nullptr ? BIO_new(method) : nullptr;
  if (ssl_ == nullptr || bio == nullptr) {
    BIO_free(bio);
    return fail(TlsErrc::Internal, "cannot allocate a TLS connection");
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_ for both directions
  SSL_set_app_data(ssl_, this);
  return core::ok();
}

// ---- data path ---------------------------------------------------------------------------------

core::Error TlsEngine::fail(TlsErrc errc, std::string_view what) {
  std::string text = std::string(what) + ": " + detail::drainOpensslErrors("no reason given");
  if (verify_error_ != X509_V_OK) {
    text += "; peer certificate: " + chainVerifyReason();
  }
  state_ = TlsState::Failed;
  failure_ = core::makeError(make_error_code(errc), std::move(text));
  release(input_);
  input_offset_ = 0;
  release(plaintext_);
  return failure_;  // output_ is kept: it usually holds the alert for the peer
}

void TlsEngine::releaseDrainedInput() {
  if (input_offset_ == input_.size()) {
    release(input_);
    input_offset_ = 0;
  }
}

core::Result<void> TlsEngine::driveHandshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    handshake_done_ = true;
    state_ = TlsState::Established;
    return core::ok();
  }
  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ) {
    return core::ok();
  }
  return fail(TlsErrc::HandshakeFailed, "TLS handshake failed");
}

core::Result<void> TlsEngine::feedCiphertext(std::string_view bytes) {
  switch (state_) {
    case TlsState::Failed:
      return failure_;
    case TlsState::Closed:
      return core::ok();  // nothing more is expected; the caller closes the socket
    case TlsState::Handshaking:
    case TlsState::Established:
    case TlsState::Closing:
    case TlsState::PeerClosed:
      break;
  }
  if (input_offset_ > 0) {
    input_.erase(0, input_offset_);
    input_offset_ = 0;
  }
  input_.append(bytes);
  if (state_ == TlsState::Handshaking) {
    XFED_TRY(driveHandshake());
    releaseDrainedInput();
  }
  return core::ok();
}

core::Result<void> TlsEngine::readPlaintext(std::string& out) {
  switch (state_) {
    case TlsState::Failed:
      return failure_;
    case TlsState::Closed:
      return core::ok();
    case TlsState::Handshaking:
      XFED_TRY(driveHandshake());
      if (state_ == TlsState::Handshaking) {
        releaseDrainedInput();
        return core::ok();
      }
      break;
    case TlsState::Established:
    case TlsState::Closing:
    case TlsState::PeerClosed:
      break;
  }
  for (;;) {
    ERR_clear_error();
    int result = 0;
    std::size_t got = 0;
    const std::size_t old_size = out.size();
#if defined(__cpp_lib_string_resize_and_overwrite)
    out.resize_and_overwrite(old_size + kMaxRecordPlaintext, [&](char* data, std::size_t) {
      result = SSL_read_ex(ssl_, data + old_size, kMaxRecordPlaintext, &got);
      return old_size + (result == 1 ? got : 0);
    });
#else
    out.resize(old_size + kMaxRecordPlaintext);
    result = SSL_read_ex(ssl_, out.data() + old_size, kMaxRecordPlaintext, &got);
    out.resize(old_size + (result == 1 ? got : 0));
#endif
    if (result == 1) {
      continue;
    }
    const int error = SSL_get_error(ssl_, result);
    if (error == SSL_ERROR_WANT_READ) {
      break;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {  // close_notify (RFC 8446 §6.1)
      state_ = state_ == TlsState::Closing ? TlsState::Closed : TlsState::PeerClosed;
      if (state_ == TlsState::Closed) {
        release(plaintext_);
      }
      break;
    }
    return fail(TlsErrc::ProtocolError, "TLS read failed");
  }
  releaseDrainedInput();
  return core::ok();
}

core::Result<void> TlsEngine::writePlaintext(std::string_view bytes) {
  switch (state_) {
    case TlsState::Failed:
      return failure_;
    case TlsState::Closing:
    case TlsState::Closed:
      return core::makeError(make_error_code(TlsErrc::Closed),
                             "cannot write: close_notify was already sent");
    case TlsState::Handshaking:
    case TlsState::Established:
    case TlsState::PeerClosed:
      break;
  }
  plaintext_.append(bytes);
  if (handshake_done_ && plaintext_.size() >= kMaxRecordPlaintext) {
    encryptPending();  // full records gain nothing from waiting; bound what we hold
  }
  return state_ == TlsState::Failed ? core::Result<void>(failure_) : core::ok();
}

void TlsEngine::encryptPending() {
  if (plaintext_.empty() || !handshake_done_ || state_ == TlsState::Failed) {
    return;
  }
  ERR_clear_error();
  std::size_t written = 0;
  if (SSL_write_ex(ssl_, plaintext_.data(), plaintext_.size(), &written) != 1) {
    static_cast<void>(fail(TlsErrc::ProtocolError, "TLS write failed"));
    return;
  }
  release(plaintext_);  // SSL_write_ex writes everything: the BIO never refuses bytes
}

void TlsEngine::takeCiphertext(std::string& out) {
  if (!output_.empty()) {
    if (out.empty() && out.capacity() < output_.size()) {
      out.swap(output_);  // no copy when the caller's buffer would have to grow anyway
    } else {
      out.append(output_);
    }
  }
  release(output_);
  if (state_ == TlsState::Established || state_ == TlsState::PeerClosed) {
    sink_ = &out;  // records go straight into the caller's buffer
    encryptPending();
    sink_ = &output_;
  }
}

void TlsEngine::close() {
  switch (state_) {
    case TlsState::Failed:
    case TlsState::Closing:
    case TlsState::Closed:
      return;
    case TlsState::Handshaking:
      // No close_notify before the handshake completes; the caller just closes the socket.
      state_ = TlsState::Closed;
      release(input_);
      input_offset_ = 0;
      release(plaintext_);
      return;
    case TlsState::Established:
    case TlsState::PeerClosed:
      break;
  }
  encryptPending();  // data queued before close() goes out before close_notify
  if (state_ == TlsState::Failed) {
    return;
  }
  ERR_clear_error();
  SSL_shutdown(ssl_);  // queues close_notify; 0 means "sent, the peer's not yet seen"
  ERR_clear_error();
  state_ = state_ == TlsState::PeerClosed ? TlsState::Closed : TlsState::Closing;
  if (state_ == TlsState::Closed) {
    release(input_);
    input_offset_ = 0;
  }
}

// ---- accessors ---------------------------------------------------------------------------------

std::string_view stateName(TlsState state) {
  switch (state) {
    case TlsState::Handshaking:
      return "handshaking";
    case TlsState::Established:
      return "established";
    case TlsState::Closing:
      return "closing";
    case TlsState::PeerClosed:
      return "peer-closed";
    case TlsState::Closed:
      return "closed";
    case TlsState::Failed:
      return "failed";
  }
  return "unknown";
}

std::string_view TlsEngine::version() const {
  return handshake_done_ ? std::string_view(SSL_get_version(ssl_)) : std::string_view();
}

std::string_view TlsEngine::cipher() const {
  const SSL_CIPHER* cipher = handshake_done_ ? SSL_get_current_cipher(ssl_) : nullptr;
  return cipher != nullptr ? std::string_view(SSL_CIPHER_get_name(cipher)) : std::string_view();
}

std::string_view TlsEngine::alpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_, &data, &length);
  return data != nullptr ? std::string_view(reinterpret_cast<const char*>(data), length)
                         : std::string_view();
}

std::string_view TlsEngine::sniName() const {
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  return name != nullptr ? std::string_view(name) : std::string_view();
}

std::optional<PeerCertificate> TlsEngine::peerCertificate() const {
  X509* leaf = SSL_get0_peer_certificate(ssl_);
  if (leaf == nullptr) {
    return std::nullopt;
  }
  return PeerCertificate::share(*leaf);
}

std::vector<PeerCertificate> TlsEngine::peerCertificateChain() const {
  std::vector<PeerCertificate> chain;
  X509* leaf = SSL_get0_peer_certificate(ssl_);
  if (leaf == nullptr) {
    return chain;
  }
  chain.push_back(PeerCertificate::share(*leaf));
  // The client side's list starts with the leaf, the server side's does not
  // (SSL_get_peer_cert_chain(3)).
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl_);
  for (int i = 0; sent != nullptr && i < sk_X509_num(sent); ++i) {
    X509* cert = sk_X509_value(sent, i);
    if (X509_cmp(cert, leaf) != 0) {
      chain.push_back(PeerCertificate::share(*cert));
    }
  }
  return chain;
}

bool TlsEngine::chainVerified() const {
  return handshake_done_ && SSL_get0_peer_certificate(ssl_) != nullptr && verify_ran_ &&
         verify_error_ == X509_V_OK;
}

std::string TlsEngine::chainVerifyReason() const {
  if (verify_error_ != X509_V_OK) {
    std::string reason = X509_verify_cert_error_string(verify_error_);
    reason += " (depth " + std::to_string(verify_error_depth_);
    STACK_OF(X509)* chain = SSL_get0_verified_chain(ssl_);
    if (chain != nullptr && verify_error_depth_ >= 0 && verify_error_depth_ < sk_X509_num(chain)) {
      reason += ": " + PeerCertificate::share(*sk_X509_value(chain, verify_error_depth_)).subject();
    }
    return reason + ")";
  }
  if (!handshake_done_) {
    return "the handshake has not completed";
  }
  if (SSL_get0_peer_certificate(ssl_) == nullptr) {
    return "the peer sent no certificate";
  }
  if (!verify_ran_) {
    return "the peer certificate was not verified";
  }
  return {};
}

std::size_t TlsEngine::bufferedBytes() const {
  return (input_.size() - input_offset_) + output_.size() + plaintext_.size();
}

std::size_t TlsEngine::heapBytesHeldForTest() const {
  return heapCapacity(input_) + heapCapacity(output_) + heapCapacity(plaintext_) +
         (failure_.detail.capacity() > std::string().capacity() ? failure_.detail.capacity() : 0);
}

}  // namespace xfed::net::tls
