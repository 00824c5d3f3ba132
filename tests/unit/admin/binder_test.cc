// SPDX-License-Identifier: Apache-2.0
#include "admin/binder.h"

#include <gtest/gtest.h>

#include "admin/lexer.h"

namespace xfed::admin {
namespace {

core::Result<BoundCommand> bindLine(std::string_view line, bool pipeline_input = false) {
  auto script = parseScript(line);
  EXPECT_TRUE(script) << (script ? "" : script.error().detail);
  if (!script) {
    return script.error();
  }
  EXPECT_EQ(script->size(), 1u);
  return bindCommand(registry(), script->front().commands.back(), pipeline_input);
}

std::string bindError(std::string_view line, bool pipeline_input = false) {
  auto bound = bindLine(line, pipeline_input);
  EXPECT_FALSE(bound) << "expected an error for: " << line;
  return bound ? std::string() : bound.error().detail;
}

TEST(BinderTest, UnknownCommandSuggestsClosestNames) {
  std::string error = bindError("Get-CsUsr");
  EXPECT_NE(error.find("'Get-CsUsr' is not recognized"), std::string::npos) << error;
  EXPECT_NE(error.find("Get-CsUser"), std::string::npos) << error;
}

TEST(BinderTest, CommandNamesAreCaseInsensitive) {
  auto bound = bindLine("get-csxmppallowedpartner");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->def->name, "Get-CsXmppAllowedPartner");
}

TEST(BinderTest, UnambiguousPrefixBindsTheFullParameter) {
  auto bound = bindLine("New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAcces $true");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.boolean("EnableFederationAccess"), true);
}

TEST(BinderTest, AmbiguousPrefixListsTheCandidates) {
  std::string error = bindError("Set-CsExternalAccessPolicy -Identity FedPic -EnablePublic $true");
  EXPECT_NE(error.find("ambiguous"), std::string::npos) << error;
  EXPECT_NE(error.find("-EnablePublicCloudAccess"), std::string::npos) << error;
  EXPECT_NE(error.find("-EnablePublicCloudAudioVideoAccess"), std::string::npos) << error;
}

TEST(BinderTest, UnknownParameterListsTheParameters) {
  std::string error = bindError("Get-CsXmppAllowedPartner -Bogus 1");
  EXPECT_NE(error.find("'Bogus'"), std::string::npos) << error;
  EXPECT_NE(error.find("-Filter"), std::string::npos) << error;
}

TEST(BinderTest, AliasAndItsPrefixBind) {
  auto bound = bindLine("Set-CsSite Site1 -XmppExternalFederationRoute edge.contoso.test");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.string("XmppFederationRoute"), "edge.contoso.test");
  EXPECT_EQ(bound->args.string("Identity"), "Site1");
}

TEST(BinderTest, PositionalIdentity) {
  auto bound = bindLine("New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.string("Identity"), "gmail.com");
  EXPECT_EQ(bound->args.string("TlsNegotiation"), "NotSupported");
}

TEST(BinderTest, EnumValuesAreCaseInsensitiveAndAcceptKebabCase) {
  auto bound = bindLine("New-CsXmppAllowedPartner x.org -TlsNegotiation notsupported "
                        "-SaslNegotiation not-supported -PartnerType FEDERATED");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.string("TlsNegotiation"), "NotSupported");
  EXPECT_EQ(bound->args.string("SaslNegotiation"), "NotSupported");
  EXPECT_EQ(bound->args.string("PartnerType"), "Federated");
}

TEST(BinderTest, WrongEnumValueListsTheAllowedOnes) {
  std::string error = bindError("New-CsXmppAllowedPartner x.org -TlsNegotiation Sometimes");
  EXPECT_NE(error.find("'Sometimes' is not a valid value for -TlsNegotiation"), std::string::npos)
      << error;
  EXPECT_NE(error.find("Required, Optional, NotSupported"), std::string::npos) << error;
}

TEST(BinderTest, WrongBooleanSaysToUseTrueOrFalse) {
  std::string error = bindError("New-CsXmppAllowedPartner x.org -EnableKeepAlive maybe");
  EXPECT_NE(error.find("Boolean"), std::string::npos) << error;
  EXPECT_NE(error.find("$true or $false"), std::string::npos) << error;
}

TEST(BinderTest, WrongNumberSaysWhatIsAllowed) {
  std::string error = bindError("New-CsXmppAllowedPartner x.org -ConnectionLimit lots");
  EXPECT_NE(error.find("UInt32"), std::string::npos) << error;
  EXPECT_NE(error.find("-ConnectionLimit"), std::string::npos) << error;
  EXPECT_FALSE(bindLine("New-CsXmppAllowedPartner x.org -ConnectionLimit -1"));
  EXPECT_FALSE(bindLine("New-CsXmppAllowedPartner x.org -ConnectionLimit 4294967296"));
}

TEST(BinderTest, MissingArgumentNamesTheParameterAndType) {
  std::string error = bindError("New-CsXmppAllowedPartner x.org -EnableKeepAlive");
  EXPECT_NE(error.find("missing an argument for parameter -EnableKeepAlive"), std::string::npos)
      << error;
  EXPECT_NE(error.find("Boolean"), std::string::npos) << error;
}

TEST(BinderTest, MissingRequiredParameterIsNamed) {
  std::string error = bindError("Grant-CsExternalAccessPolicy -PolicyName FedPic");
  EXPECT_NE(error.find("missing the required parameter -Identity"), std::string::npos) << error;
}

TEST(BinderTest, PipelineInputSatisfiesTheRequiredIdentity) {
  auto bound = bindLine("Grant-CsExternalAccessPolicy -PolicyName FedPic", true);
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_FALSE(bound->args.has("Identity"));
}

TEST(BinderTest, ParameterGivenTwiceIsRefused) {
  std::string error = bindError("Get-CsUser -Filter a* -Filter b*");
  EXPECT_NE(error.find("more than once"), std::string::npos) << error;
}

TEST(BinderTest, SwitchAloneIsTrueAndTakesAnAttachedFalse) {
  auto on = bindLine("Remove-CsXmppAllowedPartner x.org -Force");
  ASSERT_TRUE(on) << on.error().detail;
  EXPECT_EQ(on->args.boolean("Force"), true);
  auto off = bindLine("Remove-CsXmppAllowedPartner x.org -Force:$false");
  ASSERT_TRUE(off) << off.error().detail;
  EXPECT_EQ(off->args.boolean("Force"), false);
}

TEST(BinderTest, AttachedValueForm) {
  auto bound = bindLine("Set-CsExternalAccessPolicy -Identity:FedPic -EnableXmppAccess:$true");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.string("Identity"), "FedPic");
  EXPECT_EQ(bound->args.boolean("EnableXmppAccess"), true);
}

TEST(BinderTest, NullIsAcceptedOnlyWhereAllowed) {
  auto ok = bindLine("Set-CsXmppAllowedPartner x.org -ConnectionLimit $null -ProxyFqdn $null");
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_TRUE(ok->args.isNull("ConnectionLimit"));
  EXPECT_TRUE(ok->args.isNull("ProxyFqdn"));
  std::string error = bindError("Set-CsXmppAllowedPartner x.org -EnableKeepAlive $null");
  EXPECT_NE(error.find("cannot be $null"), std::string::npos) << error;
}

TEST(BinderTest, ListModifierTakesAddAndRemove) {
  auto bound = bindLine("Set-CsXmppAllowedPartner x.org -AdditionalDomains "
                        "@{Add=\"a.x.org\",\"b.x.org\"; Remove=\"c.x.org\"}");
  ASSERT_TRUE(bound) << bound.error().detail;
  auto m = bound->args.modifier("AdditionalDomains");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->add, (std::vector<std::string>{"a.x.org", "b.x.org"}));
  EXPECT_EQ(m->remove, (std::vector<std::string>{"c.x.org"}));
  EXPECT_FALSE(m->replace);
}

TEST(BinderTest, ListModifierRejectsUnknownKeys) {
  std::string error = bindError("Set-CsXmppAllowedPartner x.org -AdditionalDomains @{Plus=\"a\"}");
  EXPECT_NE(error.find("Add, Remove or Replace"), std::string::npos) << error;
}

TEST(BinderTest, StringListFromCommas) {
  auto bound = bindLine("New-CsXmppAllowedPartner x.org -AdditionalDomains a.x.org,b.x.org");
  ASSERT_TRUE(bound) << bound.error().detail;
  EXPECT_EQ(bound->args.list("AdditionalDomains"),
            (std::vector<std::string>{"a.x.org", "b.x.org"}));
}

TEST(BinderTest, ExtraPositionalArgumentIsRefused) {
  std::string error = bindError("Remove-CsXmppAllowedPartner x.org y.org");
  EXPECT_NE(error.find("positional parameter cannot be found"), std::string::npos) << error;
  EXPECT_NE(error.find("'y.org'"), std::string::npos) << error;
}

TEST(BinderTest, ParameterWithoutDashShowsTheCorrectedCommand) {
  std::string error = bindError("Set-CsExternalAccessPolicy -Identity FedPic EnableXmppAccess $true");
  EXPECT_NE(error.find("without its leading dash"), std::string::npos) << error;
  EXPECT_NE(error.find("Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true"),
            std::string::npos)
      << error;
}

TEST(BinderTest, PlaceholderIsRefusedWithAnExample) {
  std::string error = bindError(
      "New-CsExternalAccessPolicy -Identity <name of policy to create.  If site scope, prepend "
      "with 'site:'> -EnableFederationAcces $true -EnablePublicCloudAccess $true");
  EXPECT_NE(error.find("placeholder <name of policy to create."), std::string::npos) << error;
  EXPECT_NE(error.find("replace it"), std::string::npos) << error;
  EXPECT_NE(error.find("New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAccess $true "
                       "-EnablePublicCloudAccess $true"),
            std::string::npos)
      << error;
}

TEST(BinderTest, PlaceholderWithMissingDashSuggestsBothFixes) {
  std::string error = bindError(
      "Set-CsExternalAccessPolicy -Identity <name of the policy being used> EnableXmppAccess $true");
  EXPECT_NE(error.find("placeholder <name of the policy being used>"), std::string::npos) << error;
  EXPECT_NE(error.find("Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true"),
            std::string::npos)
      << error;
}

TEST(BinderTest, VariablesOtherThanTrueFalseNullAreRefused) {
  std::string error = bindError("Get-CsUser -Identity $alice");
  EXPECT_NE(error.find("$alice"), std::string::npos) << error;
}

TEST(BinderTest, RenderCallRoundTrips) {
  auto script = parseScript("Set-CsXmppAllowedPartner x.org -AdditionalDomains @{Add='a.x.org'} "
                            "-Description 'it''s ours'");
  ASSERT_TRUE(script);
  std::string rendered = renderCall(script->front().commands.front());
  auto again = parseScript(rendered);
  ASSERT_TRUE(again) << rendered;
  EXPECT_EQ(renderCall(again->front().commands.front()), rendered);
}

}  // namespace
}  // namespace xfed::admin
