// SPDX-License-Identifier: Apache-2.0
// New-, Set-, Get-, Remove-CsXmppAllowedPartner (lync-xmpp-spec.md §1.2).
#include <algorithm>

#include "admin/commands/common.h"
#include "config/validation.h"

namespace xfed::admin {
namespace {

using namespace commands;
using core::Result;

const std::vector<std::string> kNegotiations{"Required", "Optional", "NotSupported"};
const std::vector<std::string> kPartnerTypes{"Federated", "PublicVerified", "PublicUnverified"};

Record partnerRecord(const config::XmppPartner& p) {
  config::NegotiationVerdict verdict = config::checkNegotiation(
      p.tls_negotiation, p.sasl_negotiation, p.support_dialback_negotiation);
  Record r{"XmppAllowedPartner", p.domain, {}, {}, {}};
  r.add("Identity", p.domain)
      .add("Domain", p.domain)
      .add("AdditionalDomains", p.additional_domains)
      .add("PartnerType", std::string(toString(p.partner_type)))
      .add("TlsNegotiation", std::string(toString(p.tls_negotiation)))
      .add("SaslNegotiation", std::string(toString(p.sasl_negotiation)))
      .add("SupportDialbackNegotiation", p.support_dialback_negotiation)
      .add("EnableKeepAlive", p.enable_keep_alive)
      .add("ProxyFqdn", p.proxy_fqdn)
      .add("ConnectionLimit", p.connection_limit ? Field(std::int64_t{*p.connection_limit})
                                                 : Field(std::monostate{}))
      .add("Description", p.description)
      .add("ExpectedAuthentication", verdict.expected);
  return r;
}

std::vector<ParamDef> partnerSettingParams(bool for_set) {
  std::vector<ParamDef> params;
  ParamDef additional{"AdditionalDomains",
                      for_set ? ParamType::ListModifier : ParamType::StringList,
                      "further domains (or child domains) of the partner"};
  additional.example = for_set ? "@{Add=\"chat.fabrikam.com\"}" : "chat.fabrikam.com";
  params.push_back(additional);
  ParamDef type{"PartnerType", ParamType::Enum,
                "trust level: Federated (high trust), PublicVerified, PublicUnverified (default)"};
  type.values = kPartnerTypes;
  params.push_back(type);
  ParamDef tls{"TlsNegotiation", ParamType::Enum, "STARTTLS on the s2s stream (default Required)"};
  tls.values = kNegotiations;
  params.push_back(tls);
  ParamDef sasl{"SaslNegotiation", ParamType::Enum,
                "SASL EXTERNAL authentication; needs TLS (default Required)"};
  sasl.values = kNegotiations;
  params.push_back(sasl);
  params.push_back(boolParam("SupportDialbackNegotiation",
                             "allow XEP-0220 server dialback (default $true)"));
  params.push_back(boolParam("EnableKeepAlive", "send keepalives on the stream (default $true)"));
  ParamDef proxy = stringParam("ProxyFqdn", "host to connect to instead of DNS SRV discovery",
                               "xmpp.fabrikam.com");
  proxy.nullable = true;
  params.push_back(proxy);
  ParamDef limit{"ConnectionLimit", ParamType::UInt32,
                 "simultaneous connections to this partner (default: the global "
                 "PartnerConnectionLimit, 20)"};
  limit.example = "10";
  limit.nullable = true;
  params.push_back(limit);
  params.push_back(stringParam("Description", "free text, e.g. the partner's contact"));
  return params;
}

void applySettings(const Args& args, config::XmppPartner& p) {
  if (auto v = args.string("PartnerType")) {
    p.partner_type = *config::parsePartnerType(*v);
  }
  if (auto v = args.string("TlsNegotiation")) {
    p.tls_negotiation = *config::parseNegotiation(*v);
  }
  if (auto v = args.string("SaslNegotiation")) {
    p.sasl_negotiation = *config::parseNegotiation(*v);
  }
  if (auto v = args.boolean("SupportDialbackNegotiation")) {
    p.support_dialback_negotiation = *v;
  }
  if (auto v = args.boolean("EnableKeepAlive")) {
    p.enable_keep_alive = *v;
  }
  if (args.isNull("ProxyFqdn")) {
    p.proxy_fqdn.clear();
  } else if (auto v = args.string("ProxyFqdn")) {
    p.proxy_fqdn = core::toLower(*v);
  }
  if (args.isNull("ConnectionLimit")) {
    p.connection_limit.reset();
  } else if (auto v = args.integer("ConnectionLimit")) {
    p.connection_limit = static_cast<std::uint32_t>(*v);
  }
  if (auto v = args.string("Description")) {
    p.description = *v;
  }
}

std::vector<std::string> lowered(std::vector<std::string> names) {
  for (std::string& n : names) {
    n = core::toLower(core::trim(n));
  }
  return names;
}

Result<void> applyAdditionalDomains(const Args& args, config::XmppPartner& p) {
  if (auto list = args.list("AdditionalDomains")) {
    p.additional_domains = lowered(*list);
  } else if (args.isNull("AdditionalDomains")) {
    p.additional_domains.clear();
  } else if (auto m = args.modifier("AdditionalDomains")) {
    if (m->replace) {
      p.additional_domains = lowered(*m->replace);
    }
    for (const std::string& remove : lowered(m->remove)) {
      auto it = std::find(p.additional_domains.begin(), p.additional_domains.end(), remove);
      if (it == p.additional_domains.end()) {
        return invalidArgument("cannot remove '" + remove + "': it is not an additional domain "
                               "of " + p.domain + " (" +
                               (p.additional_domains.empty()
                                    ? std::string("it has none")
                                    : core::join(p.additional_domains, ", ")) + ")");
      }
      p.additional_domains.erase(it);
    }
    for (const std::string& add : lowered(m->add)) {
      if (std::find(p.additional_domains.begin(), p.additional_domains.end(), add) ==
          p.additional_domains.end()) {
        p.additional_domains.push_back(add);
      }
    }
  }
  return core::ok();
}

/** Validates against the other partners and the topology; prints the matrix's warning. */
Result<void> check(Context& context, const config::XmppPartner& p) {
  XFED_ASSIGN_OR_RETURN(std::vector<config::XmppPartner> all, context.store.partners());
  std::erase_if(all, [&](const config::XmppPartner& o) { return core::iequals(o.domain, p.domain); });
  XFED_ASSIGN_OR_RETURN(config::Topology topology, context.store.topology());
  XFED_TRY(config::validatePartner(p, all, topology));
  config::NegotiationVerdict verdict =
      config::checkNegotiation(p.tls_negotiation, p.sasl_negotiation, p.support_dialback_negotiation);
  if (verdict.warning) {
    context.warn("partner " + p.domain + ": " + *verdict.warning + " (expected authentication: " +
                 verdict.expected + ")");
  }
  return core::ok();
}

Result<config::XmppPartner> findPartner(Context& context, const std::string& identity) {
  XFED_ASSIGN_OR_RETURN(std::vector<config::XmppPartner> all, context.store.partners());
  for (config::XmppPartner& p : all) {
    if (core::iequals(p.domain, identity)) {
      return std::move(p);
    }
  }
  for (const config::XmppPartner& p : all) {
    for (const std::string& d : p.additional_domains) {
      if (core::iequals(d, identity)) {
        return notFound("'" + identity + "' is an additional domain of partner '" + p.domain +
                        "'; use -Identity " + p.domain);
      }
    }
  }
  std::vector<std::string> names;
  for (const config::XmppPartner& p : all) {
    names.push_back(p.domain);
  }
  return notFound("no XMPP allowed partner has the identity '" + identity + "'" +
                  (names.empty() ? std::string("; there are no partners yet (New-CsXmppAllowedPartner)")
                                 : "; the partners are: " + core::join(names, ", ")));
}

Result<std::vector<Record>> newPartner(Context& context, const Args& args) {
  auto identity = args.string("Identity");
  auto domain = args.string("Domain");
  if (identity && domain) {
    return invalidArgument("give the primary domain as -Identity or as -Domain, not both");
  }
  if (!identity && !domain) {
    return invalidArgument("missing the partner's primary domain: New-CsXmppAllowedPartner "
                           "-Identity fabrikam.com (or -Domain fabrikam.com)");
  }
  config::XmppPartner p;
  p.domain = core::toLower(core::trim(identity ? *identity : *domain));
  XFED_ASSIGN_OR_RETURN(std::vector<config::XmppPartner> all, context.store.partners());
  for (const config::XmppPartner& o : all) {
    if (core::iequals(o.domain, p.domain)) {
      return core::fail(core::Errc::AlreadyExists,
                        "the XMPP allowed partner '" + p.domain +
                            "' already exists; change it with Set-CsXmppAllowedPartner " +
                            p.domain + " ...");
    }
  }
  applySettings(args, p);
  XFED_TRY(applyAdditionalDomains(args, p));
  XFED_TRY(check(context, p));
  if (args.flag("WhatIf")) {
    return whatIf("New-CsXmppAllowedPartner", p.domain);
  }
  if (!args.flag("InMemory")) {
    XFED_TRY(context.store.upsertPartner(p));
  }
  return std::vector<Record>{partnerRecord(p)};
}

Result<std::vector<Record>> setPartner(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::XmppPartner p, findPartner(context, *args.string("Identity")));
  applySettings(args, p);
  XFED_TRY(applyAdditionalDomains(args, p));
  XFED_TRY(check(context, p));
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsXmppAllowedPartner", p.domain);
  }
  XFED_TRY(context.store.upsertPartner(p));
  return std::vector<Record>{};
}

Result<std::vector<Record>> getPartner(Context& context, const Args& args) {
  XFED_TRY(rejectWildcardIdentity(args));
  XFED_ASSIGN_OR_RETURN(std::vector<config::XmppPartner> all, context.store.partners());
  std::vector<Record> out;
  if (auto identity = args.string("Identity")) {
    XFED_ASSIGN_OR_RETURN(config::XmppPartner p, findPartner(context, *identity));
    out.push_back(partnerRecord(p));
    return out;
  }
  auto filter = args.string("Filter");
  for (const config::XmppPartner& p : all) {
    if (!filter || core::wildcardMatch(*filter, p.domain)) {
      out.push_back(partnerRecord(p));
    }
  }
  return out;
}

Result<std::vector<Record>> removePartner(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::XmppPartner p, findPartner(context, *args.string("Identity")));
  if (args.flag("WhatIf")) {
    return whatIf("Remove-CsXmppAllowedPartner", p.domain);
  }
  XFED_TRY(context.store.deletePartner(p.domain));
  return std::vector<Record>{};
}

}  // namespace

void registerPartnerCommands(Registry& registry) {
  const std::string kIdentityHelp = "the partner's primary domain";
  {
    CommandDef c{"New-CsXmppAllowedPartner", "partner", "new",
                 "Allows an XMPP domain to federate, with its TLS / SASL / dialback settings"};
    ParamDef identity = identityParam(kIdentityHelp, "fabrikam.com", false);
    c.params.push_back(identity);
    c.params.push_back(stringParam("Domain", "the primary domain (instead of -Identity)",
                                   "fabrikam.com"));
    for (ParamDef& p : partnerSettingParams(false)) {
      c.params.push_back(std::move(p));
    }
    c.params.push_back(switchParam("InMemory", "build and show the object without saving it"));
    addChangeSwitches(c.params);
    c.handler = newPartner;
    c.writes = true;
    c.examples = {"New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported "
                  "-SaslNegotiation NotSupported -EnableKeepAlive $false "
                  "-SupportDialbackNegotiation $true",
                  "New-CsXmppAllowedPartner fabrikam.com -PartnerType Federated"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsXmppAllowedPartner", "partner", "set", "Changes an XMPP allowed partner"};
    c.params.push_back(identityParam(kIdentityHelp, "fabrikam.com", true, true));
    for (ParamDef& p : partnerSettingParams(true)) {
      c.params.push_back(std::move(p));
    }
    addChangeSwitches(c.params);
    c.handler = setPartner;
    c.writes = true;
    c.examples = {"Set-CsXmppAllowedPartner fabrikam.com -AdditionalDomains "
                  "@{Add=\"chat.fabrikam.com\"}"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsXmppAllowedPartner", "partner", "get", "Shows XMPP allowed partners"};
    c.params.push_back(identityParam(kIdentityHelp, "fabrikam.com", false));
    c.params.push_back(filterParam("*.org"));
    c.params.push_back(switchParam("LocalStore", "accepted for compatibility: there is one store"));
    c.handler = getPartner;
    c.examples = {"Get-CsXmppAllowedPartner -Filter *.org"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Remove-CsXmppAllowedPartner", "partner", "remove",
                 "Stops federation with an XMPP partner"};
    c.params.push_back(identityParam(kIdentityHelp, "fabrikam.com", true, true));
    addChangeSwitches(c.params);
    c.handler = removePartner;
    c.writes = true;
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
