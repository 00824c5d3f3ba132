// SPDX-License-Identifier: Apache-2.0
// Get-/Publish-CsTopology, Get-/Set-CsSite, Get-CsPool, Get-CsSipDomain (spec §1.5).
#include <fstream>
#include <sstream>

#include "admin/commands/common.h"
#include "config/topology_json.h"
#include "config/topology_xml.h"
#include "config/validation.h"

namespace xfed::admin {
namespace {

using namespace commands;
using core::Result;

constexpr std::size_t kMaxTopologyFileBytes = 16 * 1024 * 1024;

std::vector<std::string> siteNames(const config::Topology& t) {
  std::vector<std::string> names;
  for (const auto& s : t.sites) {
    names.push_back(s.name);
  }
  return names;
}

Result<std::vector<Record>> getTopology(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::Topology t, context.store.topology());
  Record r{"Topology", "Topology", {}, {}, {}};
  std::vector<std::string> domains, fe, edge, routes;
  for (const auto& d : t.sip_domains) {
    domains.push_back(d.name + (d.is_default ? " (default)" : ""));
  }
  for (const auto& p : t.front_end_pools) {
    fe.push_back(p.fqdn);
  }
  for (const auto& p : t.edge_pools) {
    edge.push_back(p.fqdn + (p.xmpp_federation_enabled ? " (XMPP federation enabled)" : ""));
  }
  for (const auto& s : t.sites) {
    if (s.xmpp_federation_route) {
      routes.push_back("Site:" + s.name + " -> " + *s.xmpp_federation_route);
    }
  }
  r.add("Version", std::int64_t{t.version})
      .add("PublishedAt", t.published_at)
      .add("SipDomains", domains)
      .add("Sites", siteNames(t))
      .add("FrontEndPools", fe)
      .add("EdgePools", edge)
      .add("XmppFederationRoute", routes);
  r.json = config::topologyToJson(t);
  if (args.flag("AsXml")) {
    r.text = config::topologyToXml(t);
  }
  return std::vector<Record>{r};
}

/** Refuses a topology that would strand users or site policies of the current store. */
Result<void> checkReferences(Context& context, const config::Topology& t) {
  XFED_ASSIGN_OR_RETURN(std::vector<config::User> users, context.store.listUsers({}));
  std::vector<std::string> stranded;
  std::size_t count = 0;
  for (const config::User& u : users) {
    bool pool_ok = t.findFrontEndPool(u.registrar_pool) != nullptr;
    bool domain_ok = t.findSipDomain(u.domainPart()) != nullptr;
    if (!pool_ok || !domain_ok) {
      if (++count <= 5) {
        stranded.push_back(u.sip_address + (pool_ok ? " (its SIP domain " + u.domainPart()
                                                    : " (its registrar pool " + u.registrar_pool) +
                           " is not in the new topology)");
      }
    }
  }
  if (count > 0) {
    return invalidArgument(
        std::to_string(count) + " user(s) would be left without their pool or SIP domain: " +
        core::join(stranded, "; ") + (count > 5 ? "; ..." : "") +
        ". Move them first (Set-CsUser -RegistrarPool) or keep the pool and domain");
  }
  XFED_ASSIGN_OR_RETURN(auto policies, context.store.policies());
  for (const auto& p : policies) {
    if (p.scope == config::PolicyScope::Site && t.findSite(p.name) == nullptr) {
      return invalidArgument("the site policy " + p.identity() + " belongs to site '" + p.name +
                             "', which the new topology removes; remove the policy first "
                             "(Remove-CsExternalAccessPolicy -Identity site:" + p.name +
                             ") or keep the site");
    }
  }
  return core::ok();
}

Result<std::vector<Record>> publishTopology(Context& context, const Args& args) {
  std::string path = *args.string("FileName");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return invalidArgument("cannot read the topology file '" + path + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string document = text.str();
  if (document.size() > kMaxTopologyFileBytes) {
    return invalidArgument("the topology file '" + path + "' is larger than 16 MiB");
  }
  // JSON (Get-CsTopology --json) or XML (Get-CsTopology -AsXml), as exported.
  std::string_view body = core::trim(document);
  XFED_ASSIGN_OR_RETURN(config::Topology t, body.starts_with("<")
                                                ? config::topologyFromXml(body)
                                                : config::topologyFromJson(body));
  XFED_TRY(config::validateTopology(t));
  XFED_TRY(checkReferences(context, t));
  if (args.flag("WhatIf")) {
    return whatIf("Publish-CsTopology", path);
  }
  XFED_ASSIGN_OR_RETURN(int version, context.store.publishTopology(t));
  Record r;
  r.text = "Published topology version " + std::to_string(version) + ".";
  r.add("Version", std::int64_t{version});
  return std::vector<Record>{r};
}

std::string stripSitePrefix(std::string_view identity) {
  identity = core::trim(identity);
  if (core::istartsWith(identity, "site:")) {
    identity.remove_prefix(5);
  }
  return std::string(identity);
}

Record siteRecord(const config::Topology& t, const config::Site& s) {
  std::vector<std::string> fe, edge;
  for (const auto& p : t.front_end_pools) {
    if (core::iequals(p.site, s.name)) {
      fe.push_back(p.fqdn);
    }
  }
  for (const auto& p : t.edge_pools) {
    if (core::iequals(p.site, s.name)) {
      edge.push_back(p.fqdn);
    }
  }
  Record r{"Site", "Site:" + s.name, {}, {}, {}};
  r.add("Identity", "Site:" + s.name)
      .add("SiteName", s.name)
      .add("Description", s.description)
      .add("XmppFederationRoute", s.xmpp_federation_route
                                      ? Field("EdgeServer:" + *s.xmpp_federation_route)
                                      : Field(std::monostate{}))
      .add("FrontEndPools", fe)
      .add("EdgePools", edge);
  return r;
}

Result<std::vector<Record>> getSite(Context& context, const Args& args) {
  XFED_TRY(rejectWildcardIdentity(args));
  XFED_ASSIGN_OR_RETURN(config::Topology t, context.store.topology());
  std::vector<Record> out;
  auto identity = args.string("Identity");
  auto filter = args.string("Filter");
  for (const auto& s : t.sites) {
    if (identity && !core::iequals(stripSitePrefix(*identity), s.name)) {
      continue;
    }
    if (filter && !core::wildcardMatch(*filter, "Site:" + s.name) &&
        !core::wildcardMatch(*filter, s.name)) {
      continue;
    }
    out.push_back(siteRecord(t, s));
  }
  if (identity && out.empty()) {
    return notFound("there is no site '" + *identity + "'; the sites are: " +
                    core::join(siteNames(t), ", "));
  }
  return out;
}

Result<std::vector<Record>> setSite(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::Topology t, context.store.topology());
  std::string name = stripSitePrefix(*args.string("Identity"));
  config::Site* site = t.findSite(name);
  if (site == nullptr) {
    return notFound("there is no site '" + name + "'; the sites are: " +
                    core::join(siteNames(t), ", "));
  }
  if (args.isNull("XmppFederationRoute")) {
    site->xmpp_federation_route.reset();
  } else if (auto route = args.string("XmppFederationRoute")) {
    // Accepted as a bare FQDN or as the service identity "EdgeServer:<fqdn>" (spec §1.5).
    std::string_view fqdn = core::trim(*route);
    if (core::istartsWith(fqdn, "EdgeServer:")) {
      fqdn.remove_prefix(std::string_view("EdgeServer:").size());
    }
    const config::EdgePool* edge = t.findEdgePool(fqdn);
    site->xmpp_federation_route = edge != nullptr ? edge->fqdn : core::toLower(fqdn);
  }
  if (auto description = args.string("Description")) {
    site->description = *description;
  }
  XFED_TRY(config::validateTopology(t));
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsSite", "Site:" + site->name);
  }
  XFED_ASSIGN_OR_RETURN(int version, context.store.publishTopology(t));
  (void)version;
  return std::vector<Record>{};
}

Result<std::vector<Record>> getPool(Context& context, const Args& args) {
  XFED_TRY(rejectWildcardIdentity(args));
  XFED_ASSIGN_OR_RETURN(config::Topology t, context.store.topology());
  auto identity = args.string("Identity");
  auto filter = args.string("Filter");
  auto wanted = [&](const std::string& fqdn) {
    return (!identity || core::iequals(*identity, fqdn)) &&
           (!filter || core::wildcardMatch(*filter, fqdn));
  };
  std::vector<Record> out;
  for (const auto& p : t.front_end_pools) {
    if (!wanted(p.fqdn)) {
      continue;
    }
    std::vector<std::string> machines;
    for (const auto& m : p.machines) {
      machines.push_back(m.fqdn + " (" + m.internal_address + ")");
    }
    Record r{"Pool", p.fqdn, {}, {}, {}};
    r.add("Identity", p.fqdn)
        .add("Role", std::string("FrontEnd"))
        .add("Site", "Site:" + p.site)
        .add("Computers", machines)
        .add("SipPort", std::int64_t{p.sip_port})
        .add("SipTlsPort", std::int64_t{p.sip_tls_port});
    out.push_back(std::move(r));
  }
  for (const auto& p : t.edge_pools) {
    if (!wanted(p.fqdn)) {
      continue;
    }
    std::vector<std::string> machines;
    for (const auto& m : p.machines) {
      machines.push_back(m.fqdn + " (internal " + m.internal_address + ", external " +
                         m.external_address + ")");
    }
    Record r{"Pool", p.fqdn, {}, {}, {}};
    r.add("Identity", p.fqdn)
        .add("Role", std::string("Edge"))
        .add("Site", "Site:" + p.site)
        .add("ExternalFqdn", p.external_fqdn)
        .add("InternalAddress", p.internal_address)
        .add("ExternalAddress", p.external_address)
        .add("XmppFederationEnabled", p.xmpp_federation_enabled)
        .add("XmppPort", std::int64_t{p.xmpp_port})
        .add("InternalPort", std::int64_t{p.internal_port})
        .add("Computers", machines);
    out.push_back(std::move(r));
  }
  if (identity && out.empty()) {
    return notFound("there is no pool '" + *identity + "' in the topology");
  }
  return out;
}

Result<std::vector<Record>> getSipDomain(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::Topology t, context.store.topology());
  auto identity = args.string("Identity");
  std::vector<Record> out;
  for (const auto& d : t.sip_domains) {
    if (identity && !core::iequals(*identity, d.name)) {
      continue;
    }
    Record r{"SipDomain", d.name, {}, {}, {}};
    r.add("Identity", d.name).add("Name", d.name).add("IsDefault", d.is_default);
    out.push_back(std::move(r));
  }
  if (identity && out.empty()) {
    return notFound("'" + *identity + "' is not a SIP domain of the topology");
  }
  return out;
}

}  // namespace

void registerTopologyCommands(Registry& registry) {
  {
    CommandDef c{"Get-CsTopology", "topology", "get",
                 "Shows the published topology; --json exports it for Publish-CsTopology"};
    c.params.push_back(switchParam("AsXml", "print the topology as XML"));
    c.handler = getTopology;
    c.examples = {"Get-CsTopology", "xfedctl --json Get-CsTopology > topology.json"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Publish-CsTopology", "topology", "publish",
                 "Validates a topology file (JSON or XML, as Get-CsTopology exports it) and stores it as "
                 "a new version"};
    ParamDef file{"FileName", ParamType::String, "the topology document (JSON or XML)"};
    file.required = true;
    file.position = 0;
    file.example = "topology.json";
    c.params.push_back(file);
    addChangeSwitches(c.params);
    c.handler = publishTopology;
    c.writes = true;
    c.examples = {"Publish-CsTopology -FileName topology.json"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsSite", "site", "get", "Shows sites and their XMPP federation route"};
    c.params.push_back(identityParam("the site (Site1 or Site:Site1)", "Site1", false));
    c.params.push_back(filterParam("Site:*"));
    c.handler = getSite;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsSite", "site", "set",
                 "Changes a site: its XMPP federation route (the edge pool), its description"};
    c.params.push_back(identityParam("the site (Site1 or Site:Site1)", "Site1", true, true));
    ParamDef route{"XmppFederationRoute", ParamType::String,
                   "edge pool for XMPP federation: <fqdn> or EdgeServer:<fqdn>; $null removes it"};
    route.aliases = {"XmppExternalFederationRoute"};
    route.nullable = true;
    route.example = "EdgeServer:edge.contoso.test";
    c.params.push_back(route);
    c.params.push_back(stringParam("Description", "free text"));
    addChangeSwitches(c.params);
    c.handler = setSite;
    c.writes = true;
    c.examples = {"Set-CsSite -Identity Site1 -XmppFederationRoute EdgeServer:edge.contoso.test",
                  "Set-CsSite Site2 -XmppExternalFederationRoute edge2.contoso.test"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsPool", "pool", "get", "Shows the front end and edge pools"};
    c.params.push_back(identityParam("pool FQDN", "edge.contoso.test", false));
    c.params.push_back(filterParam("edge*"));
    c.handler = getPool;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsSipDomain", "sip-domain", "get",
                 "Shows the SIP domains (each is also an XMPP domain)"};
    c.params.push_back(identityParam("domain name", "contoso.test", false));
    c.handler = getSipDomain;
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
