// SPDX-License-Identifier: Apache-2.0
#include "net/dns/rdata.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>

#include "core/strings.h"
#include "net/dns/errors.h"

namespace xfed::net::dns {
namespace {

constexpr std::size_t kMaxWireName = 255;  // RFC 1035 §3.1
constexpr std::size_t kMaxLabel = 63;

bool isLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

std::uint16_t readU16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[at]) << 8) |
                                    static_cast<std::uint8_t>(bytes[at + 1]));
}

// An uncompressed wire-format name that fills `wire` exactly.
core::Result<std::string> decodeName(std::string_view wire) {
  std::string name;
  std::size_t at = 0;
  while (true) {
    if (at >= wire.size()) {
      return dnsError(DnsErrc::Malformed, "SRV target name is truncated");
    }
    auto length = static_cast<std::uint8_t>(wire[at]);
    if (length == 0) {
      ++at;
      break;
    }
    if (length > kMaxLabel) {  // 0xC0 and up: a compression pointer, not allowed here
      return dnsError(DnsErrc::Malformed, "SRV target uses name compression or a bad label");
    }
    if (at + 1 + length > wire.size()) {
      return dnsError(DnsErrc::Malformed, "SRV target label is truncated");
    }
    std::string_view label = wire.substr(at + 1, length);
    for (char c : label) {
      if (!isLabelChar(c)) {
        return dnsError(DnsErrc::Malformed, "SRV target has a character not allowed in a host");
      }
    }
    if (!name.empty()) {
      name += '.';
    }
    name += label;
    at += 1 + length;
  }
  if (at > kMaxWireName) {
    return dnsError(DnsErrc::Malformed, "SRV target name is longer than 255 octets");
  }
  if (at != wire.size()) {
    return dnsError(DnsErrc::Malformed, "SRV record has data after the target name");
  }
  return name.empty() ? std::string(".") : name;
}

}  // namespace

core::Result<SrvRecord> parseSrvRdata(std::string_view rdata) {
  if (rdata.size() < 7) {  // three 16-bit fields and at least the root label
    return dnsError(DnsErrc::Malformed, "SRV record shorter than 7 octets");
  }
  XFED_ASSIGN_OR_RETURN(std::string target, decodeName(rdata.substr(6)));
  return SrvRecord{readU16(rdata, 0), readU16(rdata, 2), readU16(rdata, 4), std::move(target)};
}

core::Result<std::string> parseAddressRdata(std::string_view rdata) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  int family = 0;
  if (rdata.size() == 4) {
    family = AF_INET;
  } else if (rdata.size() == 16) {
    family = AF_INET6;
  } else {
    return dnsError(DnsErrc::Malformed,
                    "address record of " + std::to_string(rdata.size()) + " octets");
  }
  if (inet_ntop(family, rdata.data(), text.data(), text.size()) == nullptr) {
    return dnsError(DnsErrc::Malformed, "address record cannot be printed");
  }
  return std::string(text.data());
}

std::optional<std::string> literalAddress(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    std::string inner(host.substr(1, host.size() - 2));
    std::array<unsigned char, 16> buffer{};
    if (inet_pton(AF_INET6, inner.c_str(), buffer.data()) == 1) {
      return inner;
    }
    return std::nullopt;
  }
  if (core::isIpAddress(host)) {
    return std::string(host);
  }
  return std::nullopt;
}

std::string normalizeName(std::string_view name) {
  if (name.size() > 1 && name.back() == '.') {
    name.remove_suffix(1);
  }
  return core::toLower(name);
}

bool isQueryName(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) {
        return false;
      }
      label = 0;
      continue;
    }
    if (!isLabelChar(c) || ++label > kMaxLabel) {
      return false;
    }
  }
  return label > 0;
}

}  // namespace xfed::net::dns
