// SPDX-License-Identifier: Apache-2.0
#include "config/model.h"

#include <algorithm>
#include <array>

#include "core/strings.h"

namespace xfed::config {
namespace {

template <class Range, class Key>
auto findBy(Range& range, std::string_view value, Key key) -> decltype(&*range.begin()) {
  auto it = std::find_if(range.begin(), range.end(),
                         [&](const auto& item) { return core::iequals(key(item), value); });
  return it == range.end() ? nullptr : &*it;
}

constexpr std::array<std::pair<PartnerType, std::string_view>, 3> kPartnerTypes{{
    {PartnerType::Federated, "Federated"},
    {PartnerType::PublicVerified, "PublicVerified"},
    {PartnerType::PublicUnverified, "PublicUnverified"},
}};
constexpr std::array<std::pair<Negotiation, std::string_view>, 3> kNegotiations{{
    {Negotiation::Required, "Required"},
    {Negotiation::Optional, "Optional"},
    {Negotiation::NotSupported, "NotSupported"},
}};

template <class Table, class Enum>
std::string_view nameIn(const Table& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) {
      return name;
    }
  }
  return "?";
}

template <class Enum, class Table>
std::optional<Enum> parseIn(const Table& table, std::string_view text) {
  for (const auto& [value, name] : table) {
    // Accept "NotSupported" and the CLI spelling "not-supported".
    if (core::iequals(name, text) || core::iequals(core::toKebab(name), text)) {
      return value;
    }
  }
  return std::nullopt;
}

}  // namespace

const Site* Topology::findSite(std::string_view name) const {
  return findBy(sites, name, [](const Site& s) -> const std::string& { return s.name; });
}
Site* Topology::findSite(std::string_view name) {
  return findBy(sites, name, [](const Site& s) -> const std::string& { return s.name; });
}
const FrontEndPool* Topology::findFrontEndPool(std::string_view fqdn) const {
  return findBy(front_end_pools, fqdn,
                [](const FrontEndPool& p) -> const std::string& { return p.fqdn; });
}
const EdgePool* Topology::findEdgePool(std::string_view fqdn) const {
  return findBy(edge_pools, fqdn, [](const EdgePool& p) -> const std::string& { return p.fqdn; });
}
const SipDomain* Topology::findSipDomain(std::string_view name) const {
  return findBy(sip_domains, name, [](const SipDomain& d) -> const std::string& { return d.name; });
}
std::string Topology::defaultSipDomain() const {
  for (const SipDomain& domain : sip_domains) {
    if (domain.is_default) {
      return domain.name;
    }
  }
  return sip_domains.empty() ? std::string() : sip_domains.front().name;
}

std::string User::userPart() const {
  std::string_view address(sip_address);
  if (address.starts_with("sip:")) {
    address.remove_prefix(4);
  }
  return std::string(address.substr(0, address.find('@')));
}

std::string User::domainPart() const {
  std::size_t at = sip_address.find('@');
  return at == std::string::npos ? std::string() : sip_address.substr(at + 1);
}

std::string ExternalAccessPolicy::identity() const {
  switch (scope) {
    case PolicyScope::Global:
      return "Global";
    case PolicyScope::Site:
      return "Site:" + name;
    case PolicyScope::Tag:
      return "Tag:" + name;
  }
  return name;
}

std::string_view toString(PartnerType type) { return nameIn(kPartnerTypes, type); }
std::string_view toString(Negotiation negotiation) { return nameIn(kNegotiations, negotiation); }
std::string_view toString(PolicyScope scope) {
  switch (scope) {
    case PolicyScope::Global:
      return "global";
    case PolicyScope::Site:
      return "site";
    case PolicyScope::Tag:
      return "tag";
  }
  return "?";
}
std::optional<PartnerType> parsePartnerType(std::string_view text) {
  return parseIn<PartnerType>(kPartnerTypes, text);
}
std::optional<Negotiation> parseNegotiation(std::string_view text) {
  return parseIn<Negotiation>(kNegotiations, text);
}

std::optional<std::string> normalizeSipAddress(std::string_view text) {
  std::string address = core::toLower(core::trim(text));
  if (address.starts_with("sip:")) {
    address.erase(0, 4);
  }
  std::size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || address.find('@', at + 1) != std::string::npos) {
    return std::nullopt;
  }
  std::string_view user = std::string_view(address).substr(0, at);
  for (char c : user) {
    // RFC 3261 "user" unreserved characters; escaping is not needed for admin-entered names.
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-_.!~*'()&=+$,;?/").find(c) != std::string_view::npos)) {
      return std::nullopt;
    }
  }
  if (!core::isDnsName(std::string_view(address).substr(at + 1))) {
    return std::nullopt;
  }
  return "sip:" + address;
}

}  // namespace xfed::config
