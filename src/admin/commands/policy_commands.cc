// SPDX-License-Identifier: Apache-2.0
// New-, Set-, Get-, Grant-, Remove-CsExternalAccessPolicy and the effective policy of a user
// (lync-xmpp-spec.md §1.4).
#include "admin/commands/common.h"
#include "admin/commands/users.h"
#include "config/validation.h"
#include "policy/effective_policy.h"

namespace xfed::admin {
namespace {

using namespace commands;
using core::Result;

struct PolicyId {
  config::PolicyScope scope;
  std::string name;
};

/** "global", "site:Redmond", "tag:FedPic" or a bare per-user name ("FedPic" = "tag:FedPic"). */
Result<PolicyId> parsePolicyId(const std::string& text) {
  std::string_view t = core::trim(text);
  if (core::iequals(t, "global")) {
    return PolicyId{config::PolicyScope::Global, ""};
  }
  config::PolicyScope scope = config::PolicyScope::Tag;
  if (core::istartsWith(t, "site:")) {
    scope = config::PolicyScope::Site;
    t.remove_prefix(5);
  } else if (core::istartsWith(t, "tag:")) {
    t.remove_prefix(4);
  } else if (t.find(':') != std::string_view::npos) {
    return invalidArgument("'" + text + "' is not a policy identity; use global, site:<site name> "
                           "or a per-user policy name such as FedPic (tag:FedPic)");
  }
  bool valid = scope == config::PolicyScope::Site ? config::isValidSiteName(t)
                                                  : config::isValidTagName(t);
  if (!valid) {
    return invalidArgument("'" + std::string(t) + "' is not a valid policy name: use 1-64 letters, "
                           "digits, '-', '_' or '.'");
  }
  return PolicyId{scope, std::string(t)};
}

std::string policyNames(const std::vector<config::ExternalAccessPolicy>& all) {
  std::vector<std::string> names;
  for (const auto& p : all) {
    names.push_back(p.identity());
  }
  return core::join(names, ", ");
}

Result<config::ExternalAccessPolicy> findPolicy(Context& context, const std::string& identity) {
  XFED_ASSIGN_OR_RETURN(PolicyId id, parsePolicyId(identity));
  XFED_ASSIGN_OR_RETURN(auto found, context.store.findPolicy(id.scope, id.name));
  if (found) {
    return *found;
  }
  XFED_ASSIGN_OR_RETURN(auto all, context.store.policies());
  return notFound("no external access policy has the identity '" + identity +
                  "'; the policies are: " + policyNames(all));
}

Record policyRecord(const config::ExternalAccessPolicy& p) {
  Record r{"ExternalAccessPolicy", p.identity(), {}, {}, {}};
  r.add("Identity", p.identity())
      .add("Description", p.description)
      .add("EnableFederationAccess", p.enable_federation_access)
      .add("EnableXmppAccess", p.enable_xmpp_access)
      .add("EnablePublicCloudAccess", p.enable_public_cloud_access)
      .add("EnablePublicCloudAudioVideoAccess", p.enable_public_cloud_audio_video_access)
      .add("EnableOutsideAccess", p.enable_outside_access);
  return r;
}

void applyValues(const Args& args, config::ExternalAccessPolicy& p) {
  auto set = [&](const char* name, bool& field) {
    if (auto v = args.boolean(name)) {
      field = *v;
    }
  };
  set("EnableFederationAccess", p.enable_federation_access);
  set("EnableXmppAccess", p.enable_xmpp_access);
  set("EnablePublicCloudAccess", p.enable_public_cloud_access);
  set("EnablePublicCloudAudioVideoAccess", p.enable_public_cloud_audio_video_access);
  set("EnableOutsideAccess", p.enable_outside_access);
  if (auto v = args.string("Description")) {
    p.description = *v;
  }
}

void warnIfXmppWithoutFederation(Context& context, const config::ExternalAccessPolicy& p) {
  if (p.enable_xmpp_access && !p.enable_federation_access) {
    // The Control Panel requires federation access before XMPP access is offered (spec §1.4).
    context.warn("policy " + p.identity() + ": EnableXmppAccess is $true but "
                 "EnableFederationAccess is $false; XMPP federation normally goes with federation "
                 "access (Set-CsExternalAccessPolicy -Identity " + p.identity() +
                 " -EnableFederationAccess $true)");
  }
}

Result<void> rejectTenant(const Args& args) {
  if (args.has("Tenant")) {
    return invalidArgument("-Tenant applies to online (Skype for Business Online) deployments "
                           "only; leave it out");
  }
  return core::ok();
}

Result<std::vector<Record>> newPolicy(Context& context, const Args& args) {
  XFED_TRY(rejectTenant(args));
  XFED_ASSIGN_OR_RETURN(PolicyId id, parsePolicyId(*args.string("Identity")));
  if (id.scope == config::PolicyScope::Global) {
    return invalidArgument("the global policy always exists and cannot be created; change it with "
                           "Set-CsExternalAccessPolicy -Identity global ...");
  }
  if (id.scope == config::PolicyScope::Site) {
    XFED_ASSIGN_OR_RETURN(config::Topology topology, context.store.topology());
    const config::Site* site = topology.findSite(id.name);
    if (site == nullptr) {
      std::vector<std::string> names;
      for (const auto& s : topology.sites) {
        names.push_back("site:" + s.name);
      }
      return invalidArgument("there is no site '" + id.name + "' in the topology; use one of: " +
                             core::join(names, ", "));
    }
    id.name = site->name;
  }
  XFED_ASSIGN_OR_RETURN(auto existing, context.store.findPolicy(id.scope, id.name));
  if (existing) {
    return core::fail(core::Errc::AlreadyExists,
                      "the policy " + existing->identity() +
                          " already exists; change it with Set-CsExternalAccessPolicy -Identity " +
                          existing->identity() + " ...");
  }
  config::ExternalAccessPolicy p;
  p.scope = id.scope;
  p.name = id.name;
  applyValues(args, p);
  warnIfXmppWithoutFederation(context, p);
  if (args.flag("WhatIf")) {
    return whatIf("New-CsExternalAccessPolicy", p.identity());
  }
  if (!args.flag("InMemory")) {
    XFED_TRY(context.store.upsertPolicy(p));
  }
  return std::vector<Record>{policyRecord(p)};
}

Result<std::vector<Record>> setPolicy(Context& context, const Args& args) {
  XFED_TRY(rejectTenant(args));
  XFED_ASSIGN_OR_RETURN(config::ExternalAccessPolicy p,
                        findPolicy(context, args.string("Identity").value_or("global")));
  applyValues(args, p);
  warnIfXmppWithoutFederation(context, p);
  if (args.flag("WhatIf")) {
    return whatIf("Set-CsExternalAccessPolicy", p.identity());
  }
  XFED_TRY(context.store.upsertPolicy(p));
  return std::vector<Record>{};
}

Result<std::vector<Record>> getPolicy(Context& context, const Args& args) {
  XFED_TRY(rejectTenant(args));
  XFED_TRY(rejectWildcardIdentity(args));
  std::vector<Record> out;
  if (auto identity = args.string("Identity")) {
    XFED_ASSIGN_OR_RETURN(config::ExternalAccessPolicy p, findPolicy(context, *identity));
    out.push_back(policyRecord(p));
    return out;
  }
  XFED_ASSIGN_OR_RETURN(auto all, context.store.policies());
  auto filter = args.string("Filter");
  for (const auto& p : all) {
    // "tag:*", "site:*" and bare names ("Fed*") all work, as in Lync.
    if (!filter || core::wildcardMatch(*filter, p.identity()) ||
        (p.scope == config::PolicyScope::Tag && core::wildcardMatch(*filter, p.name))) {
      out.push_back(policyRecord(p));
    }
  }
  return out;
}

Result<std::vector<Record>> grantPolicy(Context& context, const Args& args) {
  std::optional<std::string> policy;
  if (!args.isNull("PolicyName")) {
    std::string name = *args.string("PolicyName");
    XFED_ASSIGN_OR_RETURN(PolicyId id, parsePolicyId(name));
    if (id.scope != config::PolicyScope::Tag) {
      return invalidArgument("Grant assigns per-user policies only; " +
                             std::string(id.scope == config::PolicyScope::Global
                                             ? "the global policy applies to everyone without one"
                                             : "a site policy applies to its site's users "
                                               "automatically") +
                             " (use -PolicyName $null to unassign a per-user policy)");
    }
    XFED_ASSIGN_OR_RETURN(auto found, context.store.findPolicy(id.scope, id.name));
    if (!found) {
      XFED_ASSIGN_OR_RETURN(auto all, context.store.policies());
      std::vector<std::string> tags;
      for (const auto& p : all) {
        if (p.scope == config::PolicyScope::Tag) {
          tags.push_back(p.name);
        }
      }
      return notFound("there is no per-user external access policy '" + id.name + "'" +
                      (tags.empty() ? "; create it with New-CsExternalAccessPolicy -Identity " +
                                          id.name
                                    : "; the per-user policies are: " + core::join(tags, ", ")));
    }
    policy = found->name;
  }
  std::string identity = *args.string("Identity");
  if (identity == "*") {
    if (args.flag("WhatIf")) {
      return whatIf("Grant-CsExternalAccessPolicy", "all users");
    }
    XFED_ASSIGN_OR_RETURN(std::int64_t changed, context.store.setAllUsersPolicy(policy));
    (void)changed;
    return std::vector<Record>{};
  }
  XFED_ASSIGN_OR_RETURN(config::User user, commands::resolveUser(context, identity));
  if (args.flag("WhatIf")) {
    return whatIf("Grant-CsExternalAccessPolicy", user.sip_address);
  }
  XFED_TRY(context.store.setUserPolicy(user.sip_address, policy));
  if (args.flag("PassThru")) {
    user.external_access_policy = policy;
    return std::vector<Record>{commands::userRecord(user)};
  }
  return std::vector<Record>{};
}

Result<std::vector<Record>> removePolicy(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::ExternalAccessPolicy p, findPolicy(context, *args.string("Identity")));
  if (args.flag("WhatIf")) {
    return whatIf("Remove-CsExternalAccessPolicy", p.identity());
  }
  if (p.scope == config::PolicyScope::Global) {
    XFED_TRY(context.store.upsertPolicy(config::ExternalAccessPolicy{}));
    context.warn("the global policy cannot be removed; it was reset to its defaults (every "
                 "external access option off)");
    return std::vector<Record>{};
  }
  if (p.scope == config::PolicyScope::Tag) {
    XFED_ASSIGN_OR_RETURN(std::int64_t users, context.store.countUsersWithPolicy(p.name));
    if (users > 0 && !args.flag("Force")) {
      return core::fail(core::Errc::FailedPrecondition,
                        "the policy " + p.identity() + " is granted to " + std::to_string(users) +
                            " user(s); grant them another policy first, or use -Force to "
                            "unassign it from them and remove it");
    }
  }
  XFED_TRY(context.store.deletePolicy(p.scope, p.name));
  return std::vector<Record>{};
}

std::string valueWithSource(bool value, const std::string& source) {
  return std::string(value ? "True" : "False") + "  (from " + source + ")";
}

Result<std::vector<Record>> effectivePolicy(Context& context, const Args& args) {
  XFED_ASSIGN_OR_RETURN(config::User user, commands::resolveUser(context, *args.string("Identity")));
  XFED_ASSIGN_OR_RETURN(config::Topology topology, context.store.topology());
  XFED_ASSIGN_OR_RETURN(auto all, context.store.policies());
  policy::EffectivePolicy e = policy::effectivePolicy(user, topology, all);
  Record r{"EffectiveExternalAccessPolicy", user.sip_address, {}, {}, {}};
  r.add("Identity", user.sip_address)
      .add("Site", e.site ? Field(*e.site) : Field(std::monostate{}))
      .add("EffectivePolicy", e.source)
      .add("Reason", e.reason)
      .add("EnableFederationAccess", valueWithSource(e.policy.enable_federation_access, e.source))
      .add("EnableXmppAccess", valueWithSource(e.policy.enable_xmpp_access, e.source))
      .add("EnablePublicCloudAccess", valueWithSource(e.policy.enable_public_cloud_access, e.source))
      .add("EnablePublicCloudAudioVideoAccess",
           valueWithSource(e.policy.enable_public_cloud_audio_video_access, e.source))
      .add("EnableOutsideAccess", valueWithSource(e.policy.enable_outside_access, e.source));
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  auto q = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
      }
      out += c;
    }
    return out + "\"";
  };
  std::string value_source = ", \"source\": " + q(e.source) + "}";
  r.json = "{\"Identity\": " + q(user.sip_address) + ", \"Site\": " +
           (e.site ? q(*e.site) : std::string("null")) + ", \"EffectivePolicy\": " + q(e.source) +
           ", \"Reason\": " + q(e.reason) +
           ", \"EnableFederationAccess\": {\"value\": " + b(e.policy.enable_federation_access) +
           value_source + ", \"EnableXmppAccess\": {\"value\": " + b(e.policy.enable_xmpp_access) +
           value_source + ", \"EnablePublicCloudAccess\": {\"value\": " +
           b(e.policy.enable_public_cloud_access) + value_source +
           ", \"EnablePublicCloudAudioVideoAccess\": {\"value\": " +
           b(e.policy.enable_public_cloud_audio_video_access) + value_source +
           ", \"EnableOutsideAccess\": {\"value\": " + b(e.policy.enable_outside_access) +
           value_source + "}";
  return std::vector<Record>{r};
}

void addValueParams(std::vector<ParamDef>& params) {
  params.push_back(boolParam("EnableFederationAccess",
                             "communicate with users of federated organisations"));
  params.push_back(boolParam("EnableXmppAccess", "communicate with users of XMPP partners"));
  params.push_back(boolParam("EnablePublicCloudAccess", "communicate with public IM providers"));
  params.push_back(boolParam("EnablePublicCloudAudioVideoAccess",
                             "audio/video with public IM contacts"));
  params.push_back(boolParam("EnableOutsideAccess", "sign in from outside without VPN"));
  params.push_back(stringParam("Description", "free text"));
  params.push_back(stringParam("Tenant", "online deployments only; refused here"));
}

}  // namespace

void registerPolicyCommands(Registry& registry) {
  const std::string kIdentityHelp =
      "global, site:<site name>, or a per-user policy name (tag:<name>)";
  {
    CommandDef c{"New-CsExternalAccessPolicy", "policy", "new",
                 "Creates a site or per-user external access policy"};
    c.params.push_back(identityParam(kIdentityHelp, "FedPic", true));
    addValueParams(c.params);
    c.params.push_back(switchParam("InMemory", "build and show the object without saving it"));
    addChangeSwitches(c.params);
    c.handler = newPolicy;
    c.writes = true;
    c.examples = {"New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAccess $true "
                  "-EnablePublicCloudAccess $true"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Set-CsExternalAccessPolicy", "policy", "set",
                 "Changes an external access policy (global when -Identity is left out)"};
    c.params.push_back(identityParam(kIdentityHelp, "FedPic", false, true));
    addValueParams(c.params);
    addChangeSwitches(c.params);
    c.handler = setPolicy;
    c.writes = true;
    c.examples = {"Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsExternalAccessPolicy", "policy", "get", "Shows external access policies"};
    c.params.push_back(identityParam(kIdentityHelp, "FedPic", false));
    c.params.push_back(filterParam("tag:*"));
    c.params.push_back(switchParam("LocalStore", "accepted for compatibility: there is one store"));
    c.params.push_back(stringParam("Tenant", "online deployments only; refused here"));
    c.handler = getPolicy;
    c.examples = {"Get-CsExternalAccessPolicy -Filter site:*"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Grant-CsExternalAccessPolicy", "policy", "grant",
                 "Assigns a per-user external access policy to a user, to * (all), or to each "
                 "user piped in"};
    c.params.push_back(identityParam("a user (SIP address or display name), or *",
                                     "sip:alice@contoso.test", true, true));
    ParamDef name{"PolicyName", ParamType::String,
                  "the per-user policy (without tag:), or $null to unassign"};
    name.required = true;
    name.position = 1;
    name.nullable = true;
    name.example = "FedPic";
    c.params.push_back(name);
    c.params.push_back(switchParam("PassThru", "print the user after the change"));
    c.params.push_back(stringParam("DomainController", "accepted for compatibility; ignored"));
    addChangeSwitches(c.params);
    c.handler = grantPolicy;
    c.writes = true;
    c.examples = {"Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic",
                  "Grant-CsExternalAccessPolicy -Identity sip:alice@contoso.test -PolicyName $null"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Remove-CsExternalAccessPolicy", "policy", "remove",
                 "Removes a site or per-user policy; resets the global policy"};
    c.params.push_back(identityParam(kIdentityHelp, "FedPic", true, true));
    addChangeSwitches(c.params);
    c.handler = removePolicy;
    c.writes = true;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsEffectiveExternalAccessPolicy", "policy", "effective",
                 "Shows the external access policy that applies to a user and where each value "
                 "comes from (user > site > global)"};
    c.params.push_back(identityParam("a user (SIP address or display name)",
                                     "sip:alice@contoso.test", true, true));
    c.handler = effectivePolicy;
    c.examples = {"Get-CsEffectiveExternalAccessPolicy sip:alice@contoso.test"};
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
