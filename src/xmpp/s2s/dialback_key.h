// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

namespace xfed::xmpp::s2s {

/**
 * The dialback key of XEP-0185 §2 (also XEP-0220 §4):
 *   key = HEX( HMAC-SHA256( HEX(SHA256(secret)), receiving + " " + originating + " " + stream_id ) )
 * Every edge of the organisation derives the same key from the store's DialbackPassphrase, so
 * any of them can answer a <db:verify/> for a stream another one opened. Pure.
 */
std::string dialbackKey(std::string_view secret, std::string_view receiving_server,
                        std::string_view originating_server, std::string_view stream_id);

/** Constant-time comparison of two keys (a verify answer must not leak the key by timing). */
bool dialbackKeysEqual(std::string_view a, std::string_view b);

}  // namespace xfed::xmpp::s2s
