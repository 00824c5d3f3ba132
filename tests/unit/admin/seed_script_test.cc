// SPDX-License-Identifier: Apache-2.0
// The seed document's configuration commands (Lync Server 2013 "Configure XMPP federation",
// step 24), copied exactly as the seed prints them, and the Google Talk example, run as
// scripts against a fresh store; the resulting store is checked.
#include <fstream>
#include <sstream>

#include "admin/admin_fixture.h"

namespace xfed::admin {
namespace {

std::string readData(const std::string& name) {
  std::ifstream in(std::string(XFED_TEST_DATA) + "/seed/" + name);
  EXPECT_TRUE(in) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

class SeedScriptTest : public AdminTest {
protected:
  void SetUp() override {
    AdminTest::SetUp();
    ASSERT_EQ(run("Enable-CsUser 'Alice' -SipAddress sip:alice@contoso.test\n"
                  "Enable-CsUser 'Bob' -SipAddress sip:bob@contoso.test\n"
                  "Enable-CsUser 'Carol' -SipAddress sip:carol@contoso.test\n"),
              0)
        << err();
  }
};

TEST_F(SeedScriptTest, Step24DoesWhatTheSeedIntends) {
  std::string script = readData("step24.ps1");
  ASSERT_EQ(lines(script).size(), 5u) << "the seed's five command lines";
  // The two lines that still hold the seed's <placeholders> fail; the other three work.
  EXPECT_EQ(run(script), 2) << err();

  std::vector<std::string> errors = lines(err());
  ASSERT_EQ(errors.size(), 2u) << err();
  EXPECT_NE(errors[0].find("placeholder <name of policy to create."), std::string::npos);
  EXPECT_NE(errors[0].find("replace it"), std::string::npos);
  EXPECT_NE(errors[1].find("placeholder <name of the policy being used>"), std::string::npos);
  EXPECT_NE(errors[1].find("Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true"),
            std::string::npos);

  auto fedpic = store().findPolicy(config::PolicyScope::Tag, "FedPic");
  ASSERT_TRUE(fedpic && *fedpic);
  EXPECT_TRUE((*fedpic)->enable_federation_access);  // -EnableFederationAcces: a valid prefix
  EXPECT_TRUE((*fedpic)->enable_public_cloud_access);
  EXPECT_TRUE((*fedpic)->enable_xmpp_access);
  EXPECT_FALSE((*fedpic)->enable_outside_access);
  EXPECT_EQ(*store().countUsersWithPolicy("FedPic"), 3);  // Get-CsUser | Grant-...
  EXPECT_EQ(store().policies()->size(), 2u) << "global and FedPic; no placeholder policy";
}

TEST_F(SeedScriptTest, TheDashlessTypoIsRefusedWithTheCorrectedCommand) {
  ASSERT_EQ(run("New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAccess $true"), 0);
  EXPECT_EQ(run(readData("step24_english_typo.ps1")), 1);
  EXPECT_NE(err().find("Set-CsExternalAccessPolicy -Identity FedPic -EnableXmppAccess $true"),
            std::string::npos)
      << err();
  EXPECT_FALSE((*store().findPolicy(config::PolicyScope::Tag, "FedPic"))->enable_xmpp_access);
}

TEST_F(SeedScriptTest, GoogleTalkExample) {
  ASSERT_EQ(run(readData("google_talk.ps1")), 0) << err();
  auto partners = store().partners();
  ASSERT_TRUE(partners);
  ASSERT_EQ(partners->size(), 1u);
  const config::XmppPartner& gmail = partners->front();
  EXPECT_EQ(gmail.domain, "gmail.com");
  EXPECT_EQ(gmail.partner_type, config::PartnerType::PublicUnverified);  // the default
  EXPECT_EQ(gmail.tls_negotiation, config::Negotiation::NotSupported);
  EXPECT_EQ(gmail.sasl_negotiation, config::Negotiation::NotSupported);
  EXPECT_TRUE(gmail.support_dialback_negotiation);
  EXPECT_FALSE(gmail.enable_keep_alive);
  EXPECT_TRUE(store().accessEdgeConfiguration()->allow_federated_users);
}

}  // namespace
}  // namespace xfed::admin
