// SPDX-License-Identifier: Apache-2.0
// Which external access policy applies to a user (spec §1.4: user > site > global).
#include "policy/effective_policy.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/defaults.h"
#include "config/model.h"

namespace xfed::policy {
namespace {

using config::ExternalAccessPolicy;
using config::PolicyScope;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

ExternalAccessPolicy globalPolicy() {
  ExternalAccessPolicy p;
  p.scope = PolicyScope::Global;
  p.description = "global";
  return p;
}

ExternalAccessPolicy sitePolicy(std::string site) {
  ExternalAccessPolicy p;
  p.scope = PolicyScope::Site;
  p.name = std::move(site);
  p.enable_federation_access = true;
  p.description = "site";
  return p;
}

ExternalAccessPolicy tagPolicy(std::string name) {
  ExternalAccessPolicy p;
  p.scope = PolicyScope::Tag;
  p.name = std::move(name);
  p.enable_federation_access = true;
  p.enable_xmpp_access = true;
  p.enable_public_cloud_access = true;
  p.description = "tag";
  return p;
}

/** The default topology plus a second site, Site2, hosting fe2.contoso.test. */
config::Topology topology() {
  config::Topology t = config::defaultTopology();
  t.sites.push_back({"Site2", "", std::nullopt});
  config::FrontEndPool fe;
  fe.fqdn = "fe2.contoso.test";
  fe.site = "Site2";
  fe.machines.push_back({"fe2-1.contoso.test", "127.0.0.2", ""});
  t.front_end_pools.push_back(fe);
  return t;
}

config::User user(std::string pool, std::optional<std::string> policy = std::nullopt) {
  config::User u;
  u.sip_address = "sip:alice@contoso.test";
  u.display_name = "Alice";
  u.registrar_pool = std::move(pool);
  u.external_access_policy = std::move(policy);
  return u;
}

TEST(EffectivePolicy, AGrantedUserPolicyWinsOverSiteAndGlobal) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1"),
                                             tagPolicy("FedPic")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test", "FedPic"), topology(), policies);
  EXPECT_EQ(e.source, "Tag:FedPic");
  EXPECT_EQ(e.policy.scope, PolicyScope::Tag);
  EXPECT_EQ(e.policy.description, "tag");
  EXPECT_TRUE(e.policy.enable_xmpp_access);
  EXPECT_EQ(e.site, "Site1");
  EXPECT_THAT(e.reason, AllOf(HasSubstr("per-user policy FedPic"),
                              HasSubstr("granted to sip:alice@contoso.test")));
}

TEST(EffectivePolicy, TheGrantedPolicyNameIsMatchedIgnoringCase) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), tagPolicy("FedPic")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test", "fedpic"), topology(), policies);
  EXPECT_EQ(e.source, "Tag:FedPic");
}

TEST(EffectivePolicy, TheSitePolicyWinsOverGlobalWhenNoUserPolicyIsGranted) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1"),
                                             tagPolicy("FedPic")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), policies);
  EXPECT_EQ(e.source, "Site:Site1");
  EXPECT_EQ(e.policy.description, "site");
  EXPECT_TRUE(e.policy.enable_federation_access);
  EXPECT_FALSE(e.policy.enable_xmpp_access);
  EXPECT_THAT(e.reason, AllOf(HasSubstr("no per-user policy is granted"),
                              HasSubstr("fe.contoso.test"), HasSubstr("site Site1"),
                              HasSubstr("site policy")));
}

TEST(EffectivePolicy, AUserGetsThePolicyOfTheSiteThatHostsTheirPool) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1"),
                                             sitePolicy("Site2")};
  policies[2].description = "site2";
  EffectivePolicy e = effectivePolicy(user("FE2.contoso.test"), topology(), policies);
  EXPECT_EQ(e.source, "Site:Site2");
  EXPECT_EQ(e.policy.description, "site2");
  EXPECT_EQ(e.site, "Site2");
  EXPECT_THAT(e.reason, HasSubstr("site Site2"));
}

TEST(EffectivePolicy, TheSitePolicyOfAnotherSiteDoesNotApply) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site2")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), policies);
  EXPECT_EQ(e.source, "Global");
  EXPECT_EQ(e.policy.scope, PolicyScope::Global);
  EXPECT_EQ(e.policy.description, "global");
  EXPECT_THAT(e.reason, AllOf(HasSubstr("no per-user policy is granted"),
                              HasSubstr("site Site1 has no site policy")));
}

TEST(EffectivePolicy, GlobalAppliesWhenNothingElseDoes) {
  ExternalAccessPolicy global = globalPolicy();
  global.enable_outside_access = true;
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), {global});
  EXPECT_EQ(e.source, "Global");
  EXPECT_TRUE(e.policy.enable_outside_access);
}

TEST(EffectivePolicy, AGrantedPolicyThatNoLongerExistsFallsBackToTheSitePolicy) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test", "Removed"), topology(), policies);
  EXPECT_EQ(e.source, "Site:Site1");
  EXPECT_THAT(e.reason, AllOf(HasSubstr("per-user policy Removed no longer exists"),
                              HasSubstr("site Site1")));
}

TEST(EffectivePolicy, AGrantedPolicyThatNoLongerExistsFallsBackToGlobal) {
  EffectivePolicy e =
      effectivePolicy(user("fe.contoso.test", "Removed"), topology(), {globalPolicy()});
  EXPECT_EQ(e.source, "Global");
  EXPECT_EQ(e.policy.description, "global");
  EXPECT_THAT(e.reason, AllOf(HasSubstr("per-user policy Removed no longer exists"),
                              HasSubstr("site Site1 has no site policy")));
}

TEST(EffectivePolicy, ASitePolicyNamedLikeTheGrantedTagIsNotMistakenForIt) {
  // Scope matters: "Site:FedPic" is not the per-user policy "Tag:FedPic".
  config::Topology t = topology();
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("FedPic")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test", "FedPic"), t, policies);
  EXPECT_EQ(e.source, "Global");
  EXPECT_THAT(e.reason, HasSubstr("no longer exists"));
}

TEST(EffectivePolicy, AUserOnAnUnknownPoolHasNoSiteAndGetsGlobal) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1")};
  EffectivePolicy e = effectivePolicy(user("gone.contoso.test"), topology(), policies);
  EXPECT_EQ(e.source, "Global");
  EXPECT_FALSE(e.site.has_value());
  EXPECT_THAT(e.reason, AllOf(HasSubstr("gone.contoso.test"), HasSubstr("in no known site")));
}

TEST(EffectivePolicy, WithoutAnyStoredPolicyTheResultIsTheAllOffGlobalDefault) {
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), {});
  EXPECT_EQ(e.source, "Global");
  EXPECT_FALSE(e.policy.enable_federation_access || e.policy.enable_xmpp_access ||
               e.policy.enable_public_cloud_access ||
               e.policy.enable_public_cloud_audio_video_access || e.policy.enable_outside_access);
}

TEST(EffectivePolicy, TheWinningPolicyAppliesWholeWithoutMergingLowerScopes) {
  // Lync does not merge: a site policy with XMPP off beats a global policy with XMPP on.
  ExternalAccessPolicy global = globalPolicy();
  global.enable_xmpp_access = true;
  global.enable_public_cloud_audio_video_access = true;
  ExternalAccessPolicy site = sitePolicy("Site1");
  site.enable_xmpp_access = false;
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), {global, site});
  EXPECT_EQ(e.source, "Site:Site1");
  EXPECT_FALSE(e.policy.enable_xmpp_access);
  EXPECT_FALSE(e.policy.enable_public_cloud_audio_video_access);
}

TEST(EffectivePolicy, ReasonsOfTheLowerScopesDoNotClaimAUserPolicy) {
  std::vector<ExternalAccessPolicy> policies{globalPolicy(), sitePolicy("Site1")};
  EffectivePolicy e = effectivePolicy(user("fe.contoso.test"), topology(), policies);
  EXPECT_THAT(e.reason, Not(HasSubstr("no longer exists")));
}

}  // namespace
}  // namespace xfed::policy
