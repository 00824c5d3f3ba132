// SPDX-License-Identifier: Apache-2.0
#include "xmpp/s2s/dialback_key.h"

#include <gtest/gtest.h>

namespace xfed::xmpp::s2s {
namespace {

// Computed independently (Python hmac/hashlib) for the inputs of the XEP-0185 example.
TEST(DialbackKeyTest, MatchesXep0185Algorithm) {
  EXPECT_EQ(dialbackKey("s3cr3tf0rd14lb4ck", "example.net", "example.com", "D60000229F"),
            "008c689ff366b50c63d69a3e2d2c0e0e1f8404b0118eb688a0102c87cb691bdc");
}

TEST(DialbackKeyTest, DependsOnEveryInput) {
  std::string base = dialbackKey("secret", "a.test", "b.test", "id1");
  EXPECT_NE(base, dialbackKey("secret2", "a.test", "b.test", "id1"));
  EXPECT_NE(base, dialbackKey("secret", "b.test", "a.test", "id1"));
  EXPECT_NE(base, dialbackKey("secret", "a.test", "b.test", "id2"));
  // Domains never contain spaces, so the space delimiter keeps the inputs apart.
  EXPECT_NE(dialbackKey("s", "ab.test", "c.test", "i"), dialbackKey("s", "a", "b.testc.test", "i"));
  EXPECT_EQ(base.size(), 64u);
}

TEST(DialbackKeyTest, ConstantTimeComparison) {
  EXPECT_TRUE(dialbackKeysEqual("abc", "abc"));
  EXPECT_FALSE(dialbackKeysEqual("abc", "abd"));
  EXPECT_FALSE(dialbackKeysEqual("abc", "abcd"));
}

}  // namespace
}  // namespace xfed::xmpp::s2s
