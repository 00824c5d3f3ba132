// SPDX-License-Identifier: Apache-2.0
#include "pki/digest.h"

#include <set>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace xfed::pki {
namespace {

bool isLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

// RFC 1321 Appendix A.5 test suite.
TEST(Md5HexTest, MatchesRfc1321Vectors) {
  EXPECT_EQ(md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5Hex(std::string_view{}), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5Hex("a"), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(md5Hex("message digest"), "f96b697d7cb7938d525a2f31aaf161d0");
  std::string digits;
  for (int i = 0; i < 8; ++i) {
    digits += "1234567890";
  }
  EXPECT_EQ(md5Hex(digits), "57edf4a22be3c955ac49da2e2107b67a");
}

TEST(Md5HexTest, HandlesEmbeddedNul) {
  using namespace std::string_view_literals;
  EXPECT_NE(md5Hex("a\0b"sv), md5Hex("a"));
  EXPECT_EQ(md5Hex("a\0b"sv).size(), 32u);
}

// FIPS 180-2 Appendix B.
TEST(Sha256HexTest, MatchesFips180Vectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

// RFC 2617 §3.5: HA1, HA2 and the response of the worked example.
TEST(DigestAuthTest, MatchesRfc2617Example) {
  const std::string ha1 = ha1Md5("Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(ha1, "939e7578ed9e3c518a452acee763bce9");
  EXPECT_EQ(md5Hex("Mufasa:testrealm@host.com:Circle Of Life"), ha1);
  const std::string ha2 = md5Hex("GET:/dir/index.html");
  EXPECT_EQ(ha2, "39aff3a2bab6126f332b942af96d3366");
  EXPECT_EQ(md5Hex(ha1 + ":dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:" + ha2),
            "6629fae49393a05397450978507c4ef1");
}

// RFC 7616 §3.9.1: the SHA-256 response of the worked example.
TEST(DigestAuthTest, MatchesRfc7616Sha256Example) {
  const std::string ha1 = ha1Sha256("Mufasa", "http-auth@example.org", "Circle of Life");
  const std::string ha2 = sha256Hex("GET:/dir/index.html");
  EXPECT_EQ(sha256Hex(ha1 + ":7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v:00000001:" +
                      "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ:auth:" + ha2),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(RandomHexTest, HasTwoLowerHexDigitsPerByte) {
  EXPECT_EQ(randomHex(0), "");
  for (const std::size_t bytes : {1u, 16u, 33u, 200000u}) {
    const std::string value = randomHex(bytes);
    EXPECT_EQ(value.size(), 2 * bytes);
    EXPECT_TRUE(isLowerHex(value)) << value.substr(0, 64);
  }
}

TEST(RandomHexTest, ValuesAreUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(randomHex(16)).second);
  }
}

TEST(RandomHexTest, UsesAllDigits) {
  // 4096 random hex digits miss one of the 16 with probability ~16 * (15/16)^4096.
  const std::string value = randomHex(2048);
  EXPECT_EQ(std::set<char>(value.begin(), value.end()).size(), 16u);
}

}  // namespace
}  // namespace xfed::pki
