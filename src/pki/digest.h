// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace xfed::pki {

/** Lower-case hex MD5 of text. */
std::string md5Hex(std::string_view text);
/** Lower-case hex SHA-256 of text. */
std::string sha256Hex(std::string_view text);

/** SIP digest HA1 = H(username ":" realm ":" password) (RFC 2617 §3.2.2.2, RFC 8760). */
inline std::string ha1Md5(std::string_view user, std::string_view realm, std::string_view password) {
  return md5Hex(std::string(user) + ":" + std::string(realm) + ":" + std::string(password));
}
inline std::string ha1Sha256(std::string_view user, std::string_view realm,
                             std::string_view password) {
  return sha256Hex(std::string(user) + ":" + std::string(realm) + ":" + std::string(password));
}

/** bytes random bytes from OpenSSL's CSPRNG, hex-encoded. */
std::string randomHex(std::size_t bytes);

}  // namespace xfed::pki
