// SPDX-License-Identifier: Apache-2.0
#include "policy/effective_policy.h"

#include "core/strings.h"

namespace xfed::policy {
namespace {

const config::ExternalAccessPolicy* find(const std::vector<config::ExternalAccessPolicy>& policies,
                                         config::PolicyScope scope, std::string_view name) {
  for (const config::ExternalAccessPolicy& p : policies) {
    if (p.scope == scope && (scope == config::PolicyScope::Global || core::iequals(p.name, name))) {
      return &p;
    }
  }
  return nullptr;
}

}  // namespace

EffectivePolicy effectivePolicy(const config::User& user, const config::Topology& topology,
                                const std::vector<config::ExternalAccessPolicy>& policies) {
  EffectivePolicy out;
  const config::FrontEndPool* pool = topology.findFrontEndPool(user.registrar_pool);
  if (pool != nullptr) {
    out.site = pool->site;
  }
  std::string dangling;
  if (user.external_access_policy) {
    if (const auto* tag = find(policies, config::PolicyScope::Tag, *user.external_access_policy)) {
      out.policy = *tag;
      out.source = tag->identity();
      out.reason = "per-user policy " + tag->name + " is granted to " + user.sip_address;
      return out;
    }
    dangling = " (the granted per-user policy " + *user.external_access_policy +
               " no longer exists)";
  }
  if (out.site) {
    if (const auto* site = find(policies, config::PolicyScope::Site, *out.site)) {
      out.policy = *site;
      out.source = site->identity();
      out.reason = "no per-user policy is granted" + dangling + "; the registrar pool " +
                   user.registrar_pool + " is in site " + *out.site + ", which has a site policy";
      return out;
    }
  }
  if (const auto* global = find(policies, config::PolicyScope::Global, "")) {
    out.policy = *global;
  }
  out.source = "Global";
  out.reason = "no per-user policy is granted" + dangling + " and " +
               (out.site ? "site " + *out.site + " has no site policy"
                         : "the registrar pool " + user.registrar_pool + " is in no known site");
  return out;
}

}  // namespace xfed::policy
