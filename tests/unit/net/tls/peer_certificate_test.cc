// SPDX-License-Identifier: Apache-2.0
#include "net/tls/peer_certificate.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "core/errors.h"
#include "net/tls/test_pki.h"

namespace xfed::net::tls {
namespace {

using testing::CertSpec;
using testing::TestCa;

TEST(PeerCertificateTest, RoundTripsThroughDerAndPem) {
  const TestCa ca("peer certificate test CA");
  CertSpec spec;
  spec.common_name = "xmpp.example.net";
  const auto issued = ca.issue(spec);
  const PeerCertificate cert = issued.peer();

  auto from_der = PeerCertificate::fromDer(cert.der());
  ASSERT_TRUE(from_der) << from_der.error().detail;
  EXPECT_TRUE(*from_der == cert);
  auto from_pem = PeerCertificate::fromPem(testing::toPem(*issued.cert));
  ASSERT_TRUE(from_pem) << from_pem.error().detail;
  EXPECT_TRUE(*from_pem == cert);

  EXPECT_EQ(cert.subject(), "CN=xmpp.example.net,O=xfed tests");
  EXPECT_EQ(cert.issuer(), "CN=peer certificate test CA,O=xfed tests");
  const auto now = std::chrono::system_clock::now();
  EXPECT_LT(cert.notBefore(), now);
  EXPECT_GT(cert.notAfter(), now + std::chrono::hours(24 * 29));
}

TEST(PeerCertificateTest, CopiesShareTheCertificate) {
  const TestCa ca("peer certificate test CA");
  const PeerCertificate cert = ca.issue({}).peer();
  PeerCertificate copy = cert;
  EXPECT_EQ(copy.native(), cert.native());
  PeerCertificate moved = std::move(copy);
  EXPECT_EQ(moved.native(), cert.native());
  copy = moved;  // assigning to a moved-from object is allowed
  EXPECT_EQ(copy.native(), cert.native());
}

TEST(PeerCertificateTest, GarbageIsAnError) {
  const auto der = PeerCertificate::fromDer("not a certificate");
  ASSERT_FALSE(der);
  EXPECT_EQ(der.error().code, core::Errc::InvalidArgument);
  EXPECT_NE(der.error().detail.find("cannot parse a DER certificate"), std::string::npos);
  const auto pem = PeerCertificate::fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n");
  ASSERT_FALSE(pem);
  EXPECT_NE(pem.error().detail.find("cannot parse a PEM certificate"), std::string::npos);
}

}  // namespace
}  // namespace xfed::net::tls
