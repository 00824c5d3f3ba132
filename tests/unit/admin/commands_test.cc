// SPDX-License-Identifier: Apache-2.0
// Each admin command against a real store in a temp directory, with its error paths.
#include <fstream>

#include "admin/admin_fixture.h"
#include "pki/digest.h"

namespace xfed::admin {
namespace {

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

config::XmppPartner partner(store::ConfigStore& store, const std::string& domain) {
  auto all = store.partners();
  EXPECT_TRUE(all);
  for (const auto& p : *all) {
    if (p.domain == domain) {
      return p;
    }
  }
  ADD_FAILURE() << "no partner " << domain;
  return {};
}

config::User user(store::ConfigStore& store, const std::string& address) {
  auto found = store.findUsers(address);
  EXPECT_TRUE(found && found->size() == 1) << address;
  return found && found->size() == 1 ? found->front() : config::User{};
}

// ------------------------------------------------------------------------------ partners

class PartnerCommandsTest : public AdminTest {};

TEST_F(PartnerCommandsTest, NewUsesTheSpecDefaultsAndWarnsAboutTheirCombination) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner fabrikam.com"), 0) << err();
  config::XmppPartner p = partner(store(), "fabrikam.com");
  EXPECT_EQ(p.partner_type, config::PartnerType::PublicUnverified);
  EXPECT_EQ(p.tls_negotiation, config::Negotiation::Required);
  EXPECT_EQ(p.sasl_negotiation, config::Negotiation::Required);
  EXPECT_TRUE(p.support_dialback_negotiation);
  EXPECT_TRUE(p.enable_keep_alive);
  EXPECT_FALSE(p.connection_limit);
  // Required/Required/True is saved with the matrix's warning (spec §1.2).
  EXPECT_TRUE(contains(err(), "WARNING:")) << err();
  EXPECT_TRUE(contains(err(), "dialback will not operate")) << err();
  EXPECT_TRUE(contains(out(), "Identity                   : fabrikam.com")) << out();
}

TEST_F(PartnerCommandsTest, GoogleTalkExampleIsStoredAsDialbackOnly) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported "
                "-SaslNegotiation NotSupported -EnableKeepAlive $false "
                "-SupportDialbackNegotiation $true"),
            0)
      << err();
  config::XmppPartner p = partner(store(), "gmail.com");
  EXPECT_EQ(p.tls_negotiation, config::Negotiation::NotSupported);
  EXPECT_EQ(p.sasl_negotiation, config::Negotiation::NotSupported);
  EXPECT_FALSE(p.enable_keep_alive);
  EXPECT_TRUE(p.support_dialback_negotiation);
  EXPECT_TRUE(contains(out(), "TCP dialback")) << out();
  EXPECT_FALSE(contains(err(), "WARNING")) << err();
}

TEST_F(PartnerCommandsTest, InvalidCombinationIsRefusedAndNothingIsSaved) {
  EXPECT_EQ(run("New-CsXmppAllowedPartner x.org -TlsNegotiation NotSupported "
                "-SaslNegotiation Required -SupportDialbackNegotiation $false"),
            1);
  EXPECT_TRUE(contains(err(), "not a valid combination")) << err();
  EXPECT_TRUE(store().partners()->empty());
}

TEST_F(PartnerCommandsTest, DuplicateIsRefusedWithTheCommandToUse) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner x.org"), 0);
  EXPECT_EQ(run("New-CsXmppAllowedPartner X.ORG"), 1);
  EXPECT_TRUE(contains(err(), "already exists")) << err();
  EXPECT_TRUE(contains(err(), "Set-CsXmppAllowedPartner")) << err();
}

TEST_F(PartnerCommandsTest, IdentityAndDomainTogetherAreRefused) {
  EXPECT_EQ(run("New-CsXmppAllowedPartner -Identity a.org -Domain b.org"), 1);
  EXPECT_TRUE(contains(err(), "not both")) << err();
  ASSERT_EQ(run("New-CsXmppAllowedPartner -Domain b.org"), 0) << err();
  EXPECT_EQ(partner(store(), "b.org").domain, "b.org");
}

TEST_F(PartnerCommandsTest, AdditionalDomainsAddRemoveReplaceAndClear) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner x.org -AdditionalDomains a.x.org"), 0) << err();
  ASSERT_EQ(run("Set-CsXmppAllowedPartner x.org -AdditionalDomains @{Add=\"b.x.org\",\"c.x.org\"}"),
            0)
      << err();
  EXPECT_EQ(partner(store(), "x.org").additional_domains,
            (std::vector<std::string>{"a.x.org", "b.x.org", "c.x.org"}));
  ASSERT_EQ(run("Set-CsXmppAllowedPartner x.org -AdditionalDomains @{Remove=\"a.x.org\"}"), 0);
  EXPECT_EQ(partner(store(), "x.org").additional_domains,
            (std::vector<std::string>{"b.x.org", "c.x.org"}));
  EXPECT_EQ(run("Set-CsXmppAllowedPartner x.org -AdditionalDomains @{Remove=\"zz.x.org\"}"), 1);
  EXPECT_TRUE(contains(err(), "is not an additional domain")) << err();
  ASSERT_EQ(run("Set-CsXmppAllowedPartner x.org -AdditionalDomains $null"), 0);
  EXPECT_TRUE(partner(store(), "x.org").additional_domains.empty());
}

TEST_F(PartnerCommandsTest, AdditionalDomainOfAnotherPartnerIsRefused) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner x.org -AdditionalDomains chat.x.org"), 0);
  EXPECT_EQ(run("New-CsXmppAllowedPartner chat.x.org"), 1);
  EXPECT_TRUE(contains(err(), "already belongs to partner 'x.org'")) << err();
}

TEST_F(PartnerCommandsTest, OwnSipDomainCannotBeAPartner) {
  EXPECT_EQ(run("New-CsXmppAllowedPartner contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "own SIP domains")) << err();
}

TEST_F(PartnerCommandsTest, SetChangesOnlyWhatIsGiven) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner x.org -PartnerType Federated -ConnectionLimit 5"), 0);
  ASSERT_EQ(run("Set-CsXmppAllowedPartner x.org -EnableKeepAlive $false -ProxyFqdn xmpp.x.org"),
            0)
      << err();
  config::XmppPartner p = partner(store(), "x.org");
  EXPECT_EQ(p.partner_type, config::PartnerType::Federated);
  EXPECT_EQ(p.connection_limit, 5u);
  EXPECT_FALSE(p.enable_keep_alive);
  EXPECT_EQ(p.proxy_fqdn, "xmpp.x.org");
  ASSERT_EQ(run("Set-CsXmppAllowedPartner x.org -ConnectionLimit $null"), 0);
  EXPECT_FALSE(partner(store(), "x.org").connection_limit);
}

TEST_F(PartnerCommandsTest, GetFiltersByWildcard) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner a.org; New-CsXmppAllowedPartner b.net"), 0);
  ASSERT_EQ(run("Get-CsXmppAllowedPartner -Filter *.org"), 0);
  EXPECT_TRUE(contains(out(), "a.org"));
  EXPECT_FALSE(contains(out(), "b.net"));
  EXPECT_EQ(run("Get-CsXmppAllowedPartner -Identity '*.org'"), 1);
  EXPECT_TRUE(contains(err(), "use -Filter")) << err();
}

TEST_F(PartnerCommandsTest, UnknownPartnerListsTheExistingOnes) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner a.org"), 0);
  EXPECT_EQ(run("Remove-CsXmppAllowedPartner nope.org"), 1);
  EXPECT_TRUE(contains(err(), "nope.org")) << err();
  EXPECT_TRUE(contains(err(), "a.org")) << err();
  ASSERT_EQ(run("Remove-CsXmppAllowedPartner a.org"), 0);
  EXPECT_TRUE(store().partners()->empty());
}

TEST_F(PartnerCommandsTest, WhatIfChangesNothing) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner a.org -WhatIf"), 0) << err();
  EXPECT_TRUE(contains(out(), "What if:")) << out();
  EXPECT_TRUE(store().partners()->empty());
}

// ------------------------------------------------------------------------------ policies

class PolicyCommandsTest : public AdminTest {
protected:
  std::optional<config::ExternalAccessPolicy> policy(config::PolicyScope scope,
                                                     const std::string& name) {
    auto found = store().findPolicy(scope, name);
    EXPECT_TRUE(found);
    return found ? *found : std::nullopt;
  }
  void addUsers(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(run("Enable-CsUser u" + std::to_string(i) + "@contoso.test"), 0) << err();
    }
  }
};

TEST_F(PolicyCommandsTest, NewTagPolicyKeepsUnsetValuesFalse) {
  ASSERT_EQ(run("New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAccess $true"), 0)
      << err();
  auto p = policy(config::PolicyScope::Tag, "FedPic");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->enable_federation_access);
  EXPECT_FALSE(p->enable_xmpp_access);
  EXPECT_FALSE(p->enable_public_cloud_access);
  EXPECT_TRUE(contains(out(), "Tag:FedPic")) << out();
}

TEST_F(PolicyCommandsTest, GlobalCannotBeCreated) {
  EXPECT_EQ(run("New-CsExternalAccessPolicy -Identity global"), 1);
  EXPECT_TRUE(contains(err(), "always exists")) << err();
}

TEST_F(PolicyCommandsTest, SitePolicyNeedsAnExistingSite) {
  ASSERT_EQ(run("New-CsExternalAccessPolicy -Identity site:Site1 -EnableXmppAccess $true "
                "-EnableFederationAccess $true"),
            0)
      << err();
  EXPECT_TRUE(policy(config::PolicyScope::Site, "Site1"));
  EXPECT_EQ(run("New-CsExternalAccessPolicy -Identity site:Mars"), 1);
  EXPECT_TRUE(contains(err(), "no site 'Mars'")) << err();
  EXPECT_TRUE(contains(err(), "site:Site1")) << err();
  // Only one policy per site.
  EXPECT_EQ(run("New-CsExternalAccessPolicy -Identity site:site1"), 1);
  EXPECT_TRUE(contains(err(), "already exists")) << err();
}

TEST_F(PolicyCommandsTest, SetWithoutIdentityChangesGlobal) {
  ASSERT_EQ(run("Set-CsExternalAccessPolicy -EnableOutsideAccess $true"), 0) << err();
  EXPECT_TRUE(policy(config::PolicyScope::Global, "")->enable_outside_access);
}

TEST_F(PolicyCommandsTest, XmppWithoutFederationWarns) {
  ASSERT_EQ(run("New-CsExternalAccessPolicy -Identity X -EnableXmppAccess $true"), 0);
  EXPECT_TRUE(contains(err(), "WARNING:")) << err();
  EXPECT_TRUE(contains(err(), "EnableFederationAccess")) << err();
}

TEST_F(PolicyCommandsTest, RemoveGlobalResetsIt) {
  ASSERT_EQ(run("Set-CsExternalAccessPolicy -Identity global -EnableFederationAccess $true"), 0);
  ASSERT_EQ(run("Remove-CsExternalAccessPolicy -Identity global"), 0) << err();
  auto global = policy(config::PolicyScope::Global, "");
  ASSERT_TRUE(global);
  EXPECT_FALSE(global->enable_federation_access);
  EXPECT_TRUE(contains(err(), "reset")) << err();
}

TEST_F(PolicyCommandsTest, RemoveOfAGrantedPolicyNeedsForce) {
  addUsers(2);
  ASSERT_EQ(run("New-CsExternalAccessPolicy FedPic; Grant-CsExternalAccessPolicy * FedPic"), 0)
      << err();
  EXPECT_EQ(run("Remove-CsExternalAccessPolicy FedPic"), 1);
  EXPECT_TRUE(contains(err(), "granted to 2 user(s)")) << err();
  EXPECT_TRUE(policy(config::PolicyScope::Tag, "FedPic"));
  ASSERT_EQ(run("Remove-CsExternalAccessPolicy FedPic -Force"), 0) << err();
  EXPECT_FALSE(policy(config::PolicyScope::Tag, "FedPic"));
}

TEST_F(PolicyCommandsTest, GrantToOneStarAndNull) {
  addUsers(3);
  ASSERT_EQ(run("New-CsExternalAccessPolicy FedPic"), 0);
  ASSERT_EQ(run("Grant-CsExternalAccessPolicy -Identity u1@contoso.test -PolicyName FedPic"), 0)
      << err();
  EXPECT_EQ(user(store(), "sip:u1@contoso.test").external_access_policy, "FedPic");
  EXPECT_FALSE(user(store(), "sip:u0@contoso.test").external_access_policy);
  ASSERT_EQ(run("Grant-CsExternalAccessPolicy -Identity * -PolicyName tag:FedPic"), 0) << err();
  EXPECT_EQ(*store().countUsersWithPolicy("FedPic"), 3);
  ASSERT_EQ(run("Grant-CsExternalAccessPolicy -Identity u2@contoso.test -PolicyName $null"), 0);
  EXPECT_FALSE(user(store(), "sip:u2@contoso.test").external_access_policy);
}

TEST_F(PolicyCommandsTest, GrantRefusesUnknownAndNonUserPolicies) {
  addUsers(1);
  ASSERT_EQ(run("New-CsExternalAccessPolicy Other"), 0);
  EXPECT_EQ(run("Grant-CsExternalAccessPolicy u0@contoso.test FedPic"), 1);
  EXPECT_TRUE(contains(err(), "no per-user external access policy 'FedPic'")) << err();
  EXPECT_TRUE(contains(err(), "Other")) << err();
  EXPECT_EQ(run("Grant-CsExternalAccessPolicy u0@contoso.test site:Site1"), 1);
  EXPECT_TRUE(contains(err(), "per-user policies only")) << err();
  EXPECT_EQ(run("Grant-CsExternalAccessPolicy nobody@contoso.test Other"), 1);
  EXPECT_TRUE(contains(err(), "no user has the identity")) << err();
}

TEST_F(PolicyCommandsTest, GrantPassThruPrintsTheUser) {
  addUsers(1);
  ASSERT_EQ(run("New-CsExternalAccessPolicy FedPic"), 0);
  ASSERT_EQ(run("Grant-CsExternalAccessPolicy u0@contoso.test FedPic -PassThru"), 0) << err();
  EXPECT_TRUE(contains(out(), "ExternalAccessPolicy : FedPic")) << out();
}

TEST_F(PolicyCommandsTest, GetFiltersByScope) {
  ASSERT_EQ(run("New-CsExternalAccessPolicy FedPic; New-CsExternalAccessPolicy site:Site1"), 0);
  ASSERT_EQ(run("Get-CsExternalAccessPolicy -Filter tag:*"), 0);
  EXPECT_TRUE(contains(out(), "Tag:FedPic"));
  EXPECT_FALSE(contains(out(), "Site:Site1"));
  EXPECT_FALSE(contains(out(), "Global"));
  ASSERT_EQ(run("Get-CsExternalAccessPolicy"), 0);
  EXPECT_TRUE(contains(out(), "Global") && contains(out(), "Site:Site1"));
  EXPECT_EQ(run("Get-CsExternalAccessPolicy -Identity Nope"), 1);
  EXPECT_TRUE(contains(err(), "the policies are: Global")) << err();
}

TEST_F(PolicyCommandsTest, TenantIsRefused) {
  EXPECT_EQ(run("New-CsExternalAccessPolicy X -Tenant 1234"), 1);
  EXPECT_TRUE(contains(err(), "online")) << err();
}

TEST_F(PolicyCommandsTest, EffectivePolicyFollowsUserThenSiteThenGlobal) {
  addUsers(1);
  ASSERT_EQ(run("Get-CsEffectiveExternalAccessPolicy u0@contoso.test"), 0) << err();
  EXPECT_TRUE(contains(out(), "EffectivePolicy                   : Global")) << out();
  ASSERT_EQ(run("New-CsExternalAccessPolicy site:Site1 -EnableOutsideAccess $true"), 0);
  ASSERT_EQ(run("Get-CsEffectiveExternalAccessPolicy u0@contoso.test"), 0);
  EXPECT_TRUE(contains(out(), "EffectivePolicy                   : Site:Site1")) << out();
  EXPECT_TRUE(contains(out(), "EnableOutsideAccess               : True  (from Site:Site1)"))
      << out();
  ASSERT_EQ(run("New-CsExternalAccessPolicy FedPic -EnableXmppAccess $true "
                "-EnableFederationAccess $true; Grant-CsExternalAccessPolicy u0@contoso.test FedPic"),
            0);
  ASSERT_EQ(run("Get-CsEffectiveExternalAccessPolicy u0@contoso.test", true), 0);
  EXPECT_TRUE(contains(out(), "\"EffectivePolicy\": \"Tag:FedPic\"")) << out();
  EXPECT_TRUE(contains(out(), "\"EnableXmppAccess\": {\"value\": true, \"source\": \"Tag:FedPic\"}"))
      << out();
}

// ------------------------------------------------------------------------------ users

class UserCommandsTest : public AdminTest {};

TEST_F(UserCommandsTest, EnableStoresDigestHashesOnly) {
  ASSERT_EQ(run("Enable-CsUser -Identity 'Alice Smith' -SipAddress sip:alice@contoso.test "
                "-PasswordFromStdin"),
            0)
      << err();
  config::User u = user(store(), "sip:alice@contoso.test");
  EXPECT_EQ(u.display_name, "Alice Smith");
  EXPECT_EQ(u.registrar_pool, "fe.contoso.test");  // the only front end pool
  EXPECT_TRUE(u.enabled);
  EXPECT_EQ(u.ha1_md5, pki::md5Hex("alice:contoso.test:" + password_));
  EXPECT_EQ(u.ha1_sha256, pki::sha256Hex("alice:contoso.test:" + password_));
  EXPECT_EQ(last_password_source_, PasswordSource::Stdin);
}

TEST_F(UserCommandsTest, PasswordOnTheCommandLineIsRefused) {
  EXPECT_EQ(run("Enable-CsUser bob@contoso.test -Password hunter2hunter2"), 1);
  EXPECT_TRUE(contains(err(), "never taken on the command line")) << err();
  EXPECT_FALSE(contains(err(), "hunter2")) << "the password must not be echoed: " << err();
  EXPECT_TRUE(store().findUsers("sip:bob@contoso.test")->empty());
}

TEST_F(UserCommandsTest, ShortPasswordIsRefused) {
  password_ = "short";
  EXPECT_EQ(run("Enable-CsUser bob@contoso.test -PasswordFile /x/pw"), 1);
  EXPECT_TRUE(contains(err(), "8 to 256 characters")) << err();
  EXPECT_EQ(last_password_file_, "/x/pw");
}

TEST_F(UserCommandsTest, UnknownDomainAndPoolAreRefusedWithTheChoices) {
  EXPECT_EQ(run("Enable-CsUser bob@fabrikam.com"), 1);
  EXPECT_TRUE(contains(err(), "not a SIP domain of the topology (contoso.test)")) << err();
  EXPECT_EQ(run("Enable-CsUser bob@contoso.test -RegistrarPool fe9.contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "fe.contoso.test")) << err();
  EXPECT_EQ(run("Enable-CsUser 'Bob' "), 1);
  EXPECT_TRUE(contains(err(), "-SipAddress sip:bob@contoso.test")) << err();
}

TEST_F(UserCommandsTest, SipDomainMakesTheAddressFromTheName) {
  ASSERT_EQ(run("Enable-CsUser 'Carol Jones' -SipDomain contoso.test"), 0) << err();
  EXPECT_EQ(user(store(), "sip:carol.jones@contoso.test").display_name, "Carol Jones");
}

TEST_F(UserCommandsTest, DuplicateSaysToUseSetCsUser) {
  ASSERT_EQ(run("Enable-CsUser bob@contoso.test"), 0);
  EXPECT_EQ(run("Enable-CsUser BOB@contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "already enabled")) << err();
}

TEST_F(UserCommandsTest, IdentityIsSipAddressOrDisplayName) {
  ASSERT_EQ(run("Enable-CsUser 'Bob Stone' -SipAddress bob@contoso.test; "
                "Enable-CsUser 'Twin' -SipAddress t1@contoso.test; "
                "Enable-CsUser 'Twin' -SipAddress t2@contoso.test"),
            0)
      << err();
  ASSERT_EQ(run("Get-CsUser 'bob stone'"), 0) << err();
  EXPECT_TRUE(contains(out(), "sip:bob@contoso.test"));
  ASSERT_EQ(run("Get-CsUser sip:BOB@contoso.test"), 0) << err();
  EXPECT_TRUE(contains(out(), "Bob Stone"));
  EXPECT_EQ(run("Get-CsUser Twin"), 1);
  EXPECT_TRUE(contains(err(), "ambiguous")) << err();
  EXPECT_TRUE(contains(err(), "sip:t1@contoso.test, sip:t2@contoso.test")) << err();
  ASSERT_EQ(run("Get-CsUser -Filter 'sip:t*'"), 0);
  EXPECT_TRUE(contains(out(), "t1@") && contains(out(), "t2@") && !contains(out(), "bob@"));
}

TEST_F(UserCommandsTest, SetAndDisable) {
  ASSERT_EQ(run("Enable-CsUser bob@contoso.test -PasswordFile pw"), 0);
  ASSERT_EQ(run("Set-CsUser bob@contoso.test -Enabled $false -DisplayName 'Robert'"), 0) << err();
  config::User u = user(store(), "sip:bob@contoso.test");
  EXPECT_FALSE(u.enabled);
  EXPECT_EQ(u.display_name, "Robert");
  // A new address invalidates the digest (realm and username change).
  ASSERT_EQ(run("Set-CsUser bob@contoso.test -SipAddress rob@contoso.test"), 0) << err();
  EXPECT_TRUE(user(store(), "sip:rob@contoso.test").ha1_md5.empty());
  EXPECT_TRUE(contains(err(), "password was cleared")) << err();
  ASSERT_EQ(run("Disable-CsUser rob@contoso.test"), 0);
  EXPECT_TRUE(store().findUsers("sip:rob@contoso.test")->empty());
  EXPECT_EQ(run("Disable-CsUser rob@contoso.test"), 1);
}

// ------------------------------------------------------------------------------ pipelines

class PipelineTest : public AdminTest {};

TEST_F(PipelineTest, GetCsUserPipedToGrantReachesEveryUser) {
  ASSERT_EQ(run("Enable-CsUser a@contoso.test; Enable-CsUser b@contoso.test; "
                "Enable-CsUser c@contoso.test; New-CsExternalAccessPolicy FedPic"),
            0);
  ASSERT_EQ(run("Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic"), 0) << err();
  EXPECT_EQ(*store().countUsersWithPolicy("FedPic"), 3);
}

TEST_F(PipelineTest, FilterOnGetCsUserLimitsTheGrant) {
  ASSERT_EQ(run("Enable-CsUser a1@contoso.test; Enable-CsUser a2@contoso.test; "
                "Enable-CsUser b@contoso.test; New-CsExternalAccessPolicy FedPic"),
            0);
  ASSERT_EQ(run("Get-CsUser -Filter 'sip:a*' | Grant-CsExternalAccessPolicy -PolicyName FedPic"),
            0)
      << err();
  EXPECT_EQ(*store().countUsersWithPolicy("FedPic"), 2);
  EXPECT_FALSE(user(store(), "sip:b@contoso.test").external_access_policy);
}

TEST_F(PipelineTest, ParameterErrorFailsBeforeAnythingChanges) {
  ASSERT_EQ(run("Enable-CsUser a@contoso.test; New-CsExternalAccessPolicy FedPic"), 0);
  EXPECT_EQ(run("Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic -Bogus 1"), 1);
  EXPECT_TRUE(contains(err(), "Bogus")) << err();
  EXPECT_EQ(*store().countUsersWithPolicy("FedPic"), 0);
}

TEST_F(PipelineTest, ItemErrorsAreReportedAndTheOtherItemsApplied) {
  ASSERT_EQ(run("Enable-CsUser a@contoso.test; Enable-CsUser b@contoso.test; "
                "Enable-CsUser c@contoso.test"),
            0);
  // Every user would take the same address: the first gets it, the others fail one by one.
  EXPECT_EQ(run("Get-CsUser | Set-CsUser -SipAddress same@contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "Set-CsUser : 'sip:b@contoso.test':")) << err();
  EXPECT_TRUE(contains(err(), "Set-CsUser : 'sip:c@contoso.test':")) << err();
  EXPECT_FALSE(contains(err(), "'sip:a@contoso.test'")) << err();
  auto all = store().listUsers({});
  ASSERT_TRUE(all);
  std::vector<std::string> addresses;
  for (const auto& u : *all) {
    addresses.push_back(u.sip_address);
  }
  EXPECT_EQ(addresses, (std::vector<std::string>{"sip:b@contoso.test", "sip:c@contoso.test",
                                                 "sip:same@contoso.test"}));
}

TEST_F(PipelineTest, CommandWithoutPipelineInputIsRefused) {
  EXPECT_EQ(run("Get-CsUser | Get-CsTopology"), 1);
  EXPECT_TRUE(contains(err(), "does not take pipeline input")) << err();
}

TEST_F(PipelineTest, SyntaxErrorAnywhereRunsNothing) {
  EXPECT_EQ(run("New-CsXmppAllowedPartner a.org\nGet-CsUser -Filter 'unterminated"), 1);
  EXPECT_TRUE(store().partners()->empty());
}

TEST_F(PipelineTest, JsonOutputIsAnArrayOfObjects) {
  ASSERT_EQ(run("New-CsXmppAllowedPartner a.org -ConnectionLimit 3", true), 0);
  EXPECT_TRUE(contains(out(), "\"Identity\": \"a.org\"")) << out();
  EXPECT_TRUE(contains(out(), "\"ConnectionLimit\": 3")) << out();
  EXPECT_TRUE(contains(out(), "\"EnableKeepAlive\": true")) << out();
}

// ------------------------------------------------------------------------------ topology

class TopologyCommandsTest : public AdminTest {
protected:
  std::string writeFile(const std::string& name, const std::string& text) {
    std::filesystem::path path = temp_.path() / name;
    std::ofstream(path) << text;
    return path.string();
  }
};

TEST_F(TopologyCommandsTest, ExportedTopologyRepublishesAsANewVersion) {
  ASSERT_EQ(run("Get-CsTopology", true), 0);
  std::string file = writeFile("t.json", out());
  ASSERT_EQ(run("Publish-CsTopology -FileName '" + file + "'"), 0) << err();
  EXPECT_TRUE(contains(out(), "version 2")) << out();
  EXPECT_EQ(store().topology()->version, 2);
}

TEST_F(TopologyCommandsTest, ExportedXmlRepublishesToo) {
  ASSERT_EQ(run("Set-CsSite Site1 -Description 'two\nlines'"), 0) << err();
  ASSERT_EQ(run("Get-CsTopology -AsXml"), 0);
  std::string xml = out().substr(out().find('<'));
  ASSERT_EQ(run("Publish-CsTopology -FileName '" + writeFile("t.xml", xml) + "'"), 0) << err();
  auto t = store().topology();
  EXPECT_EQ(t->version, 3);
  EXPECT_EQ(t->sites.front().description, "two\nlines");
  EXPECT_EQ(t->sites.front().xmpp_federation_route, "edge.contoso.test");
}

TEST_F(TopologyCommandsTest, InvalidTopologyNamesTheObjectAndChangesNothing) {
  ASSERT_EQ(run("Get-CsTopology", true), 0);
  std::string json = out();
  std::string broken = json;
  std::size_t at = broken.find("\"xmppFederationEnabled\": true");
  ASSERT_NE(at, std::string::npos) << json;
  broken.replace(at, std::string("\"xmppFederationEnabled\": true").size(),
                 "\"xmppFederationEnabled\": false");
  EXPECT_EQ(run("Publish-CsTopology '" + writeFile("bad.json", broken) + "'"), 1);
  EXPECT_TRUE(contains(err(), "Site 'Site1'")) << err();
  EXPECT_TRUE(contains(err(), "without XMPP federation enabled")) << err();
  EXPECT_EQ(store().topology()->version, 1);
  EXPECT_EQ(run("Publish-CsTopology '" + writeFile("x.json", "{\"sites\": 3}") + "'"), 1);
  EXPECT_TRUE(contains(err(), "sites must be an array")) << err();
  EXPECT_EQ(run("Publish-CsTopology /nonexistent/file.json"), 1);
  EXPECT_TRUE(contains(err(), "cannot read")) << err();
}

TEST_F(TopologyCommandsTest, PublishThatStrandsUsersIsRefused) {
  ASSERT_EQ(run("Enable-CsUser a@contoso.test"), 0);
  ASSERT_EQ(run("Get-CsTopology", true), 0);
  std::string json = out();
  std::size_t at = json.find("\"fqdn\": \"fe.contoso.test\"");
  ASSERT_NE(at, std::string::npos);
  json.replace(at, std::string("\"fqdn\": \"fe.contoso.test\"").size(),
               "\"fqdn\": \"fe2.contoso.test\"");
  EXPECT_EQ(run("Publish-CsTopology '" + writeFile("t.json", json) + "'"), 1);
  EXPECT_TRUE(contains(err(), "sip:a@contoso.test (its registrar pool fe.contoso.test")) << err();
}

TEST_F(TopologyCommandsTest, SetCsSiteAcceptsTheThreeDocumentedForms) {
  ASSERT_EQ(run("Set-CsSite -Identity Site1 -XmppFederationRoute $null"), 0) << err();
  EXPECT_FALSE(store().topology()->sites.front().xmpp_federation_route);
  ASSERT_EQ(run("Set-CsSite -Identity Site1 -XmppFederationRoute EdgeServer:edge.contoso.test"), 0)
      << err();
  EXPECT_EQ(store().topology()->sites.front().xmpp_federation_route, "edge.contoso.test");
  ASSERT_EQ(run("Set-CsSite Site:Site1 -XmppExternalFederationRoute EDGE.contoso.test"), 0)
      << err();
  EXPECT_EQ(store().topology()->sites.front().xmpp_federation_route, "edge.contoso.test");
  EXPECT_EQ(store().topology()->version, 4);
}

TEST_F(TopologyCommandsTest, SetCsSiteRefusesABadRoute) {
  EXPECT_EQ(run("Set-CsSite Site1 -XmppFederationRoute fe.contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "is a front end pool")) << err();
  EXPECT_EQ(run("Set-CsSite Site1 -XmppFederationRoute EdgeServer:nope.contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "edge.contoso.test")) << err();
  EXPECT_EQ(run("Set-CsSite Mars -XmppFederationRoute edge.contoso.test"), 1);
  EXPECT_TRUE(contains(err(), "no site 'Mars'")) << err();
  EXPECT_EQ(store().topology()->version, 1);
}

TEST_F(TopologyCommandsTest, GetCsTopologyAsXmlAndPools) {
  ASSERT_EQ(run("Get-CsTopology -AsXml"), 0);
  EXPECT_TRUE(contains(out(), "<EdgePool Fqdn=\"edge.contoso.test\"")) << out();
  ASSERT_EQ(run("Get-CsPool edge.contoso.test"), 0) << err();
  EXPECT_TRUE(contains(out(), "XmppPort              : 5269")) << out();
  EXPECT_TRUE(contains(out(), "InternalPort          : 23456")) << out();
  ASSERT_EQ(run("Get-CsSite"), 0);
  EXPECT_TRUE(contains(out(), "EdgeServer:edge.contoso.test")) << out();
}

// ------------------------------------------------------------------------------ settings

class SettingsCommandsTest : public AdminTest {};

TEST_F(SettingsCommandsTest, GatewayConfigurationDefaultsAndChanges) {
  ASSERT_EQ(run("Get-CsXmppGatewayConfiguration"), 0);
  EXPECT_TRUE(contains(out(), "ConnectionLimit               : 1000")) << out();
  EXPECT_TRUE(contains(out(), "PartnerConnectionLimit        : 20")) << out();
  EXPECT_TRUE(contains(out(), "SubscriptionRefreshInterval   : 28800")) << out();
  auto before = store().gatewayConfiguration();
  ASSERT_TRUE(before);
  EXPECT_FALSE(contains(out(), before->dialback_passphrase)) << "the secret is never shown";
  ASSERT_EQ(run("Set-CsXmppGatewayConfiguration -StreamInactivityTimeout 900 "
                "-DialbackPassphrase 'a long shared secret'"),
            0)
      << err();
  auto after = store().gatewayConfiguration();
  EXPECT_EQ(after->stream_inactivity_timeout, 900u);
  EXPECT_EQ(after->dialback_passphrase, "a long shared secret");
}

TEST_F(SettingsCommandsTest, GatewayConfigurationBounds) {
  EXPECT_EQ(run("Set-CsXmppGatewayConfiguration -KeepAliveInterval 0"), 1);
  EXPECT_TRUE(contains(err(), "KeepAliveInterval is 0")) << err();
  EXPECT_EQ(run("Set-CsXmppGatewayConfiguration -PartnerConnectionLimit 5000"), 1);
  EXPECT_TRUE(contains(err(), "larger than ConnectionLimit")) << err();
  EXPECT_EQ(run("Set-CsXmppGatewayConfiguration -Identity site:Site1 -ConnectionLimit 5"), 1);
  EXPECT_TRUE(contains(err(), "single global instance")) << err();
  EXPECT_EQ(store().gatewayConfiguration()->connection_limit, 1000u);
}

TEST_F(SettingsCommandsTest, AccessEdgeAllowFederatedUsers) {
  ASSERT_EQ(run("Set-CsAccessEdgeConfiguration -AllowFederatedUsers $true"), 0) << err();
  EXPECT_TRUE(store().accessEdgeConfiguration()->allow_federated_users);
  ASSERT_EQ(run("Get-CsAccessEdgeConfiguration"), 0);
  EXPECT_TRUE(contains(out(), "AllowFederatedUsers : True")) << out();
}

TEST_F(SettingsCommandsTest, ServiceStatusWhenStopped) {
  ASSERT_EQ(run("Get-CsWindowsService"), 0) << err();
  EXPECT_TRUE(contains(out(), "Status        : Stopped")) << out();
  EXPECT_EQ(run("Get-CsWindowsService -Name RTCSRV"), 1);
  EXPECT_TRUE(contains(err(), "XfedFederation")) << err();
}

TEST_F(SettingsCommandsTest, HelpIsGeneratedFromTheDefinitions) {
  ASSERT_EQ(run("Get-Help New-CsXmppAllowedPartner"), 0);
  EXPECT_TRUE(contains(out(), "-TlsNegotiation")) << out();
  EXPECT_TRUE(contains(out(), "xfedctl partner new")) << out();
  EXPECT_TRUE(contains(out(), "--tls-negotiation required|optional|not-supported")) << out();
  EXPECT_EQ(run("Get-Help New-CsXmppAllowedPartnr"), 1);
  EXPECT_TRUE(contains(err(), "New-CsXmppAllowedPartner")) << err();
}

}  // namespace
}  // namespace xfed::admin
