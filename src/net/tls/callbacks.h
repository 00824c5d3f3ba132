// SPDX-License-Identifier: Apache-2.0
// Internal to src/net/tls: the OpenSSL callbacks that TlsContext installs on its SSL_CTXs and
// that reach the TlsEngine (or TlsContext) behind an SSL. Defined in engine.cc.
#pragma once

#include <openssl/types.h>

namespace xfed::net::tls::detail {

/** SSL_CTX_set_verify: records the first chain error on the engine; enforces Required. */
int verifyPeerCallback(int preverify_ok, X509_STORE_CTX* store);
/** SSL_CTX_set_tlsext_servername_callback: switches to the pair for the SNI host name. */
int serverNameCallback(SSL* ssl, int* alert, void* arg);
/** SSL_CTX_set_alpn_select_cb: the first of our protocols the client offers, else no ALPN. */
int alpnSelectCallback(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                       const unsigned char* in, unsigned int in_length, void* arg);

}  // namespace xfed::net::tls::detail
