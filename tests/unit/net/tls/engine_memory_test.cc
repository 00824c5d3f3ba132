// SPDX-License-Identifier: Apache-2.0
// Heap cost of idle, established engines (ARCHITECTURE.md §5: ~14 KiB per idle OpenSSL 3
// server connection with SSL_MODE_RELEASE_BUFFERS). The numbers depend on the allocator and
// the OpenSSL build, so they are printed, not asserted; what is asserted is that an idle
// engine holds no plaintext or ciphertext bytes and no buffers of its own.
#include <malloc.h>

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/tls/engine.h"
#include "net/tls/tls_test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define XFED_TLS_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XFED_TLS_TEST_ASAN 1
#endif
#endif

#if defined(XFED_TLS_TEST_ASAN)
// From <sanitizer/allocator_interface.h>, which g++ 12 does not install.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace xfed::net::tls {
namespace {

using testing::clientOptions;
using testing::connect;
using testing::EnginePair;
using testing::mustCreate;
using testing::serverOptions;
using testing::TestPki;

constexpr int kPairs = 1000;

/** Bytes in use on the heap now (ASan's count under ASan, glibc's otherwise). */
std::size_t heapInUse() {
#if defined(XFED_TLS_TEST_ASAN)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
#endif
}

double kibPerEngine(std::size_t before, std::size_t after) {
  return after > before ? static_cast<double>(after - before) / kPairs / 1024.0 : 0.0;
}

struct Measured {
  double server_kib;
  double client_kib;
};

/**
 * Establishes kPairs connections, exchanges a stanza each way, then measures the heap with
 * both engines alive and after freeing the client engines.
 */
Measured measure(const TlsContextConstSharedPtr& client_context,
                 const TlsContextConstSharedPtr& server_context) {
  // Warm up lazily initialised OpenSSL state (error strings, method tables, the BIO method).
  { auto warm = connect(client_context, server_context); }
  std::vector<EnginePair> pairs;
  pairs.reserve(kPairs);
  const std::size_t before = heapInUse();
  for (int i = 0; i < kPairs; ++i) {
    pairs.push_back(connect(client_context, server_context));
    EnginePair& pair = pairs.back();
    EXPECT_TRUE(pair.server->handshakeDone()) << pair.server->failure().detail;
    EXPECT_TRUE(pair.client->writePlaintext("<presence/>"));
    EXPECT_TRUE(pair.server->writePlaintext("<presence/>"));
    testing::pump(pair);
    EXPECT_EQ(pair.server_received, "<presence/>");
    std::string().swap(pair.server_received);  // the test's own buffers are not the engine's
    std::string().swap(pair.client_received);
  }
  const std::size_t with_both = heapInUse();
  for (EnginePair& pair : pairs) {
    EXPECT_EQ(pair.server->bufferedBytes(), 0u);
    EXPECT_EQ(pair.client->bufferedBytes(), 0u);
    EXPECT_EQ(pair.server->heapBytesHeldForTest(), 0u);
    EXPECT_EQ(pair.client->heapBytesHeldForTest(), 0u);
    pair.client.reset();
  }
  const std::size_t servers_only = heapInUse();
  Measured measured;
  measured.server_kib = kibPerEngine(before, servers_only);
  measured.client_kib = kibPerEngine(servers_only, with_both);
  return measured;
}

TEST(TlsEngineMemoryTest, IdleEstablishedEnginesHoldNoBuffers) {
  const TestPki& pki = TestPki::get();
  auto server_context = mustCreate(serverOptions({pki.contoso}));
  const Measured anonymous = measure(mustCreate(clientOptions()), server_context);
  const Measured mutual = measure(mustCreate(clientOptions({pki.example})), server_context);
  std::printf("[ memory ] idle established TLS 1.3 engines, %d pairs, %s heap count:\n", kPairs,
#if defined(XFED_TLS_TEST_ASAN)
              "ASan"
#else
              "glibc mallinfo2"
#endif
  );
  std::printf("[ memory ]   server, client sent no certificate: %.1f KiB per engine\n",
              anonymous.server_kib);
  std::printf("[ memory ]   server, client sent a certificate:  %.1f KiB per engine\n",
              mutual.server_kib);
  std::printf("[ memory ]   client (verified server chain):     %.1f KiB per engine\n",
              mutual.client_kib);
  RecordProperty("server_kib_no_client_cert", std::to_string(anonymous.server_kib));
  RecordProperty("server_kib_client_cert", std::to_string(mutual.server_kib));
  RecordProperty("client_kib", std::to_string(mutual.client_kib));
}

}  // namespace
}  // namespace xfed::net::tls
