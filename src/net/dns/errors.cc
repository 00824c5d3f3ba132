// SPDX-License-Identifier: Apache-2.0
#include "net/dns/errors.h"

namespace xfed::net::dns {
namespace {

class Category : public std::error_category {
public:
  const char* name() const noexcept override { return "xfed.dns"; }
  std::string message(int value) const override {
    switch (static_cast<DnsErrc>(value)) {
      case DnsErrc::NoService:
        return "domain has no XMPP service";
      case DnsErrc::NotFound:
        return "no DNS records to connect to";
      case DnsErrc::Timeout:
        return "DNS lookup timed out";
      case DnsErrc::ServerFailure:
        return "DNS server failure";
      case DnsErrc::Bogus:
        return "DNSSEC validation failed";
      case DnsErrc::Malformed:
        return "malformed DNS answer";
      case DnsErrc::InvalidName:
        return "invalid DNS name";
      case DnsErrc::ResolverFailure:
        return "resolver failure";
      case DnsErrc::Canceled:
        return "DNS lookup canceled";
    }
    return "unknown DNS error";
  }
};

}  // namespace

const std::error_category& dnsErrorCategory() noexcept {
  static const Category category;
  return category;
}

}  // namespace xfed::net::dns
