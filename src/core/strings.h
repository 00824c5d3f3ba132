// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xfed::core {

std::string toLower(std::string_view text);
std::string toUpper(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool istartsWith(std::string_view text, std::string_view prefix);

/** PowerShell -like wildcard match (* and ?), case-insensitive. */
bool wildcardMatch(std::string_view pattern, std::string_view text);
bool hasWildcard(std::string_view pattern);

/** Edit distance, case-insensitive; used to suggest the closest names. */
std::size_t editDistance(std::string_view a, std::string_view b);

/** "EnableXmppAccess" -> "enable-xmpp-access"; "NotSupported" -> "not-supported". */
std::string toKebab(std::string_view pascal);

std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string_view trim(std::string_view text);

/** A DNS name (RFC 1035 letters/digits/hyphens, dots, 1-253 chars, labels 1-63). */
bool isDnsName(std::string_view name);

/** A literal IPv4 or IPv6 address. */
bool isIpAddress(std::string_view text);

}  // namespace xfed::core
