// SPDX-License-Identifier: Apache-2.0
#include "net/dns/rdata.h"

#include <string>

#include <gtest/gtest.h>

#include "net/dns/errors.h"

namespace xfed::net::dns {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) {
    out.push_back(static_cast<char>(v));
  }
  return out;
}

// SRV 10 60 5269 xmpp1.example.test, as libunbound hands it over (seen from dnsmasq).
const std::string kSrvRdata = bytes({0x00, 0x0a, 0x00, 0x3c, 0x14, 0x95, 5}) + "xmpp1" +
                              bytes({7}) + "example" + bytes({4}) + "test" + bytes({0});

TEST(RdataTest, ParsesSrvRecord) {
  core::Result<SrvRecord> record = parseSrvRdata(kSrvRdata);
  ASSERT_TRUE(record) << record.error().detail;
  EXPECT_EQ(*record, (SrvRecord{10, 60, 5269, "xmpp1.example.test"}));
}

TEST(RdataTest, ParsesRootTargetAsDot) {
  core::Result<SrvRecord> record = parseSrvRdata(bytes({0, 0, 0, 0, 0, 0, 0}));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->target, ".");
}

TEST(RdataTest, RejectsMalformedSrvRecords) {
  const std::string cases[] = {
      bytes({0, 1, 0, 2, 0, 3}),                                  // no target at all
      bytes({0, 1, 0, 2, 0, 3, 5}) + "xmp",                       // truncated label
      bytes({0, 1, 0, 2, 0, 3, 0xc0, 0x0c}),                      // compression pointer
      bytes({0, 1, 0, 2, 0, 3, 3}) + "a b" + bytes({0}),          // space in a label
      bytes({0, 1, 0, 2, 0, 3, 1}) + "a" + bytes({0}) + "extra",  // data after the name
  };
  for (const std::string& rdata : cases) {
    core::Result<SrvRecord> record = parseSrvRdata(rdata);
    ASSERT_FALSE(record) << "accepted " << rdata.size() << " octets";
    EXPECT_TRUE(isDnsError(record.error(), DnsErrc::Malformed));
  }
}

TEST(RdataTest, AcceptsUnderscoresAndDigitsInTargets) {
  core::Result<SrvRecord> record =
      parseSrvRdata(bytes({0, 1, 0, 2, 0, 3, 6}) + "_x-9y1" + bytes({0}));
  ASSERT_TRUE(record);
  EXPECT_EQ(record->target, "_x-9y1");
}

TEST(RdataTest, ParsesAddresses) {
  EXPECT_EQ(*parseAddressRdata(bytes({127, 53, 0, 10})), "127.53.0.10");
  EXPECT_EQ(*parseAddressRdata(bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})),
            "2001:db8::1");
  EXPECT_FALSE(parseAddressRdata(bytes({1, 2, 3})));
}

TEST(RdataTest, RecognizesLiteralAddresses) {
  EXPECT_EQ(literalAddress("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(literalAddress("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(literalAddress("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(literalAddress("[192.0.2.1]"), std::nullopt);
  EXPECT_EQ(literalAddress("example.net"), std::nullopt);
  EXPECT_EQ(literalAddress(""), std::nullopt);
}

TEST(RdataTest, NormalizesAndChecksNames) {
  EXPECT_EQ(normalizeName("Example.NET."), "example.net");
  EXPECT_EQ(normalizeName("."), ".");
  EXPECT_TRUE(isQueryName("_xmpp-server._tcp.example.net"));
  EXPECT_FALSE(isQueryName(""));
  EXPECT_FALSE(isQueryName("a..b"));
  EXPECT_FALSE(isQueryName("a b.example"));
  EXPECT_FALSE(isQueryName(std::string(64, 'a') + ".example"));
  EXPECT_FALSE(isQueryName(std::string(254, 'a')));
}

}  // namespace
}  // namespace xfed::net::dns
