// SPDX-License-Identifier: Apache-2.0
// Engine pairs talking in memory, for the tls unit tests: a client TlsEngine and a server
// TlsEngine with the ciphertext pumped between them, and the certificates they use.
#pragma once

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fakes/temp_dir.h"
#include "net/tls/context.h"
#include "net/tls/engine.h"
#include "net/tls/test_pki.h"

namespace xfed::net::tls::testing {

/** Every certificate the engine tests need, generated once per process. */
struct TestPki {
  fakes::TempDir dir;
  TestCa ca{"xfed test CA"};
  TestCa intermediate{"xfed test intermediate", &ca};
  TestCa stranger{"unknown CA"};
  std::filesystem::path ca_file = writeCa(dir.path(), "ca", ca);
  CertificateFiles contoso =
      write("contoso", ca,
            spec("xmpp.contoso.test", {dnsSan("contoso.test"), dnsSan("xmpp.contoso.test")}));
  CertificateFiles fabrikam = write(
      "fabrikam", ca, spec("fabrikam.test", {dnsSan("fabrikam.test"), dnsSan("*.fabrikam.test")}));
  CertificateFiles example = write("example", ca, spec("example.net", {dnsSan("example.net")}));
  CertificateFiles via_intermediate =
      write("via_intermediate", intermediate, spec("contoso.test", {dnsSan("contoso.test")}));
  CertificateFiles unknown_ca =
      write("unknown_ca", stranger, spec("contoso.test", {dnsSan("contoso.test")}));
  CertificateFiles expired = write("expired", ca,
                                   spec("contoso.test", {dnsSan("contoso.test")},
                                        "serverAuth,clientAuth", -7 * 86400L, -86400L));
  CertificateFiles server_auth_only =
      write("server_auth_only", ca, spec("example.net", {dnsSan("example.net")}, "serverAuth"));
  CertificateFiles client_auth_only =
      write("client_auth_only", ca, spec("contoso.test", {dnsSan("contoso.test")}, "clientAuth"));

  static const TestPki& get() {
    // Destroyed at exit (removing the directory), before OpenSSL's own atexit cleanup, which
    // was registered when the first OpenSSL call in the constructor initialised the library.
    static const TestPki kPki;
    return kPki;
  }

private:
  CertificateFiles write(const std::string& stem, const TestCa& issuer, const CertSpec& what) {
    return writePair(dir.path(), stem, issuer.issue(what));
  }
};

inline TlsContextSharedPtr mustCreate(const TlsContextOptions& options) {
  auto context = TlsContext::create(options);
  if (!context) {
    std::fprintf(stderr, "TlsContext::create: %s\n", context.error().detail.c_str());
    std::abort();
  }
  return *context;
}

inline TlsContextOptions serverOptions(std::vector<CertificateFiles> certificates) {
  TlsContextOptions options;
  options.role = TlsRole::Server;
  options.certificates = std::move(certificates);
  options.ca_file = TestPki::get().ca_file;
  return options;
}

inline TlsContextOptions clientOptions(std::vector<CertificateFiles> certificates = {}) {
  TlsContextOptions options;
  options.role = TlsRole::Client;
  options.certificates = std::move(certificates);
  options.ca_file = TestPki::get().ca_file;
  return options;
}

struct EnginePair {
  TlsEnginePtr client;
  TlsEnginePtr server;
  std::string client_received;  // plaintext the client read
  std::string server_received;
  std::size_t client_to_server_bytes = 0;  // ciphertext moved, for the coalescing tests
  std::size_t server_to_client_bytes = 0;
};

inline void deliver(TlsEngine& engine, std::string_view bytes, std::string& plaintext,
                    std::size_t chunk) {
  for (std::size_t offset = 0; offset < bytes.size(); offset += chunk) {
    static_cast<void>(engine.feedCiphertext(bytes.substr(offset, chunk)));
    static_cast<void>(engine.readPlaintext(plaintext));
  }
}

/** Moves ciphertext both ways until neither engine has anything to send. */
inline void pump(EnginePair& pair, std::size_t chunk = std::string::npos) {
  for (int round = 0; round < 10000; ++round) {
    std::string to_server;
    std::string to_client;
    pair.client->takeCiphertext(to_server);
    pair.server->takeCiphertext(to_client);
    if (to_server.empty() && to_client.empty()) {
      return;
    }
    pair.client_to_server_bytes += to_server.size();
    pair.server_to_client_bytes += to_client.size();
    deliver(*pair.server, to_server, pair.server_received, chunk);
    deliver(*pair.client, to_client, pair.client_received, chunk);
  }
  ADD_FAILURE() << "the engines never went quiet";
}

/** Client options: SNI, ALPN offered, the name choosing the client's certificate. */
inline TlsEngineClientOptions to(std::string server_name, bool offer_alpn = false,
                                 std::string certificate_name = {}) {
  TlsEngineClientOptions options;
  options.server_name = std::move(server_name);
  options.offer_alpn = offer_alpn;
  options.certificate_name = std::move(certificate_name);
  return options;
}

inline EnginePair makePair(TlsEnginePtr client, TlsEnginePtr server) {
  EnginePair pair;
  pair.client = std::move(client);
  pair.server = std::move(server);
  return pair;
}

inline EnginePair connect(const TlsContextConstSharedPtr& client_context,
                          const TlsContextConstSharedPtr& server_context,
                          const TlsEngineClientOptions& client_options = to("contoso.test"),
                          std::size_t chunk = std::string::npos) {
  EnginePair pair;
  auto client = TlsEngine::createClient(client_context, client_options);
  auto server = TlsEngine::createServer(server_context);
  if (!client || !server) {
    std::fprintf(stderr, "cannot create engines\n");
    std::abort();
  }
  pair.client = std::move(*client);
  pair.server = std::move(*server);
  pump(pair, chunk);
  return pair;
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

}  // namespace xfed::net::tls::testing
