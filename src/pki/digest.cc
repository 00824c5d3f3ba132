// SPDX-License-Identifier: Apache-2.0
#include "pki/digest.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace xfed::pki {
namespace {

constexpr std::size_t kRandomChunk = 1 << 16;  // RAND_bytes takes an int count

/**
 * A digest or the CSPRNG failing means the crypto library is unusable (e.g. MD5 disabled by a
 * FIPS-only configuration, or no entropy); nothing sensible can continue, so this terminates
 * with one clear line (STYLE.md §2.4, unrecoverable environment failures).
 */
[[noreturn]] void fatalOpensslFailure(const char* what) {
  std::array<char, 256> reason{};
  ERR_error_string_n(ERR_get_error(), reason.data(), reason.size());
  std::fprintf(stderr, "xfed: fatal: %s failed: %s\n", what, reason.data());
  std::abort();
}

std::string toHex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

std::string digestHex(const EVP_MD* md, std::string_view text, const char* what) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (md == nullptr ||
      EVP_Digest(text.data(), text.size(), digest.data(), &size, md, nullptr) != 1) {
    fatalOpensslFailure(what);
  }
  return toHex(digest.data(), size);
}

}  // namespace

std::string md5Hex(std::string_view text) { return digestHex(EVP_md5(), text, "MD5"); }

std::string sha256Hex(std::string_view text) { return digestHex(EVP_sha256(), text, "SHA-256"); }

std::string randomHex(std::size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  for (std::size_t offset = 0; offset < bytes; offset += kRandomChunk) {
    const std::size_t chunk = std::min(kRandomChunk, bytes - offset);
    if (RAND_bytes(buffer.data() + offset, static_cast<int>(chunk)) != 1) {
      fatalOpensslFailure("RAND_bytes");
    }
  }
  return toHex(buffer.data(), buffer.size());
}

}  // namespace xfed::pki
