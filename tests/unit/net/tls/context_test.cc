// SPDX-License-Identifier: Apache-2.0
#include "net/tls/context.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.h"
#include "net/tls/tls_test_support.h"

namespace xfed::net::tls {
namespace {

using testing::clientOptions;
using testing::contains;
using testing::serverOptions;
using testing::TestPki;

const TestPki& pki() { return TestPki::get(); }

TEST(TlsContextTest, ServerPairsCoverTheirLeafNames) {
  auto context = TlsContext::create(serverOptions({pki().contoso, pki().fabrikam}));
  ASSERT_TRUE(context) << context.error().detail;
  const TlsContext& server = **context;
  EXPECT_EQ(server.role(), TlsRole::Server);
  ASSERT_EQ(server.certificateCount(), 2u);
  EXPECT_EQ(server.certificateNames(0),
            (std::vector<std::string>{"contoso.test", "xmpp.contoso.test"}));
  EXPECT_EQ(server.certificateNames(1),
            (std::vector<std::string>{"fabrikam.test", "*.fabrikam.test"}));
  EXPECT_EQ(server.selectCertificate("fabrikam.test"), 1u);
  EXPECT_EQ(server.selectCertificate("Chat.Fabrikam.Test."), 1u);
  EXPECT_EQ(server.selectCertificate("a.chat.fabrikam.test"), 0u);
  EXPECT_EQ(server.selectCertificate("xmpp.contoso.test"), 0u);
  EXPECT_EQ(server.selectCertificate(""), 0u);
}

TEST(TlsContextTest, ExactNameWinsOverAnEarlierWildcard) {
  // fabrikam (first) covers *.fabrikam.test; a later pair naming the host exactly wins.
  const TestPki& p = pki();
  auto exact = testing::writePair(
      p.dir.path(), "chat_fabrikam",
      p.ca.issue(testing::spec("chat.fabrikam.test", {testing::dnsSan("chat.fabrikam.test")})));
  auto context = TlsContext::create(serverOptions({p.fabrikam, exact}));
  ASSERT_TRUE(context) << context.error().detail;
  EXPECT_EQ((*context)->selectCertificate("chat.fabrikam.test"), 1u);
  EXPECT_EQ((*context)->selectCertificate("muc.fabrikam.test"), 0u);
}

TEST(TlsContextTest, ClientWithoutCertificates) {
  auto context = TlsContext::create(clientOptions());
  ASSERT_TRUE(context) << context.error().detail;
  EXPECT_EQ((*context)->certificateCount(), 0u);
  EXPECT_EQ((*context)->selectCertificate("example.net"), 0u);
}

TEST(TlsContextTest, MissingCertificateFileIsNamed) {
  auto options = serverOptions({{pki().dir.path() / "absent.crt", pki().contoso.private_key}});
  auto context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().code, core::Errc::IoFailure);
  const std::string& detail = context.error().detail;
  EXPECT_TRUE(contains(
      detail, "cannot load certificate chain " + (pki().dir.path() / "absent.crt").string() + ": "))
      << detail;
  EXPECT_TRUE(contains(detail, "No such file or directory")) << detail;
}

TEST(TlsContextTest, KeyNotMatchingItsCertificateIsNamed) {
  auto context = TlsContext::create(
      serverOptions({{pki().contoso.certificate_chain, pki().fabrikam.private_key}}));
  ASSERT_FALSE(context);
  EXPECT_EQ(context.error().code, core::Errc::IoFailure);
  EXPECT_TRUE(contains(context.error().detail, pki().fabrikam.private_key.string()))
      << context.error().detail;
  EXPECT_TRUE(contains(context.error().detail, "does not match certificate"))
      << context.error().detail;
}

TEST(TlsContextTest, NonPemKeyIsNamed) {
  auto context = TlsContext::create(
      serverOptions({{pki().contoso.certificate_chain, pki().contoso.certificate_chain}}));
  ASSERT_FALSE(context);
  EXPECT_TRUE(contains(context.error().detail,
                       "cannot load private key " + pki().contoso.certificate_chain.string()))
      << context.error().detail;
}

TEST(TlsContextTest, MissingCaFileIsNamed) {
  auto options = clientOptions();
  options.ca_file = pki().dir.path() / "no-ca.crt";
  auto context = TlsContext::create(options);
  ASSERT_FALSE(context);
  EXPECT_TRUE(contains(context.error().detail, "cannot load CA file " + options.ca_file.string()))
      << context.error().detail;
}

TEST(TlsContextTest, InconsistentOptionsAreRejected) {
  auto no_certificate = serverOptions({});
  EXPECT_EQ(TlsContext::create(no_certificate).error().code, core::Errc::InvalidArgument);

  auto required_without_trust = serverOptions({pki().contoso});
  required_without_trust.ca_file.clear();
  required_without_trust.peer_certificate = PeerCertificatePolicy::Required;
  const auto untrusted = TlsContext::create(required_without_trust);
  ASSERT_FALSE(untrusted);
  EXPECT_TRUE(contains(untrusted.error().detail, "no trust store")) << untrusted.error().detail;

  auto bad_alpn = serverOptions({pki().contoso});
  bad_alpn.alpn_protocols = {""};
  EXPECT_EQ(TlsContext::create(bad_alpn).error().code, core::Errc::InvalidArgument);

  auto versions = serverOptions({pki().contoso});
  versions.minimum_version = TlsVersion::Tls13;
  versions.maximum_version = TlsVersion::Tls12;
  EXPECT_EQ(TlsContext::create(versions).error().code, core::Errc::InvalidArgument);
}

TEST(TlsContextTest, EngineRoleMustMatchTheContext) {
  auto server = testing::mustCreate(serverOptions({pki().contoso}));
  auto client = testing::mustCreate(clientOptions());
  EXPECT_FALSE(TlsEngine::createServer(client));
  EXPECT_FALSE(TlsEngine::createClient(server, testing::to("contoso.test")));
  EXPECT_FALSE(TlsEngine::createServer(nullptr));
}

TEST(TlsContextTest, SystemTrustStoreLoads) {
  auto options = clientOptions();
  options.ca_file.clear();
  options.use_system_trust_store = true;
  auto context = TlsContext::create(options);
  EXPECT_TRUE(context) << context.error().detail;
}

}  // namespace
}  // namespace xfed::net::tls
