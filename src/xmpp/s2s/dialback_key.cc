// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/dialback_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace xfed::xmpp::s2s {
namespace {

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

[[noreturn]] void cryptoFailure(const char* what) {
  // SHA-256 and HMAC cannot fail on a working OpenSSL; a failure is an environment bug.
  std::fprintf(stderr, "xfed: OpenSSL %s failed\n", what);
  std::abort();
}

}  // namespace

std::string dialbackKey(std::string_view secret, std::string_view receiving_server,
                        std::string_view originating_server, std::string_view stream_id) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(secret.data(), secret.size(), digest.data(), &length, EVP_sha256(), nullptr) !=
      1) {
    cryptoFailure("SHA-256");
  }
  std::string hmac_key = hex(digest.data(), length);
  std::string message;
  message.reserve(receiving_server.size() + originating_server.size() + stream_id.size() + 2);
  message.append(receiving_server).append(" ").append(originating_server).append(" ");
  message.append(stream_id);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_length = 0;
  if (HMAC(EVP_sha256(), hmac_key.data(), static_cast<int>(hmac_key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(),
           &mac_length) == nullptr) {
    cryptoFailure("HMAC-SHA256");
  }
  return hex(mac.data(), mac_length);
}

bool dialbackKeysEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xfed::xmpp::s2s
