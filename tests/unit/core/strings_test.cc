// SPDX-License-Identifier: Apache-2.0
#include "core/strings.h"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace xfed::core {
namespace {

using namespace std::string_view_literals;

// ------------------------------------------------------------------------------- wildcardMatch

TEST(WildcardMatch, PatternWithoutWildcardsMatchesOnlyTheSameText) {
  EXPECT_TRUE(wildcardMatch("fabrikam.com", "fabrikam.com"));
  EXPECT_FALSE(wildcardMatch("fabrikam.com", "fabrikam.co"));
  EXPECT_FALSE(wildcardMatch("fabrikam.com", "fabrikam.comx"));
  EXPECT_FALSE(wildcardMatch("fabrikam.com", "xfabrikam.com"));
}

TEST(WildcardMatch, IgnoresCase) {
  EXPECT_TRUE(wildcardMatch("Fabrikam.COM", "fabrikam.com"));
  EXPECT_TRUE(wildcardMatch("*.ORG", "example.org"));
  EXPECT_TRUE(wildcardMatch("sip:ALICE@*", "sip:alice@contoso.test"));
}

TEST(WildcardMatch, StarMatchesAnySequenceIncludingNone) {
  EXPECT_TRUE(wildcardMatch("*", ""));
  EXPECT_TRUE(wildcardMatch("*", "anything at all"));
  EXPECT_TRUE(wildcardMatch("*.org", "example.org"));
  EXPECT_TRUE(wildcardMatch("*.org", ".org"));
  EXPECT_FALSE(wildcardMatch("*.org", "example.com"));
  EXPECT_TRUE(wildcardMatch("S*", "Site1"));
  EXPECT_TRUE(wildcardMatch("a*b*c", "abc"));
  EXPECT_TRUE(wildcardMatch("a*b*c", "a-x-b-y-c"));
  EXPECT_TRUE(wildcardMatch("***", "abc"));
  EXPECT_FALSE(wildcardMatch("a*", "ba"));
}

TEST(WildcardMatch, QuestionMarkMatchesExactlyOneCharacter) {
  EXPECT_TRUE(wildcardMatch("site?", "site1"));
  EXPECT_FALSE(wildcardMatch("site?", "site"));
  EXPECT_FALSE(wildcardMatch("site?", "site12"));
  EXPECT_TRUE(wildcardMatch("??", "ab"));
  EXPECT_FALSE(wildcardMatch("?", ""));
  EXPECT_TRUE(wildcardMatch("?*", "a"));
  EXPECT_FALSE(wildcardMatch("?*", ""));
}

TEST(WildcardMatch, EmptyPatternMatchesOnlyEmptyText) {
  EXPECT_TRUE(wildcardMatch("", ""));
  EXPECT_FALSE(wildcardMatch("", "a"));
}

TEST(WildcardMatch, BacktracksWhenTheFirstCandidateForAStarFails) {
  // The first "b" after the star is not the one that lets the rest match.
  EXPECT_TRUE(wildcardMatch("*bc", "abbc"));
  EXPECT_TRUE(wildcardMatch("a*bc", "abcbcbc"));
  EXPECT_TRUE(wildcardMatch("*aab", "aaaab"));
  EXPECT_TRUE(wildcardMatch("*a?c", "abcaxc"));
  EXPECT_TRUE(wildcardMatch("*.contoso.test", "a.b.contoso.test"));
  EXPECT_FALSE(wildcardMatch("*bcd", "abcbc"));
  EXPECT_FALSE(wildcardMatch("a*b*c", "acb"));
  // Backtracking must move to the latest star, not restart from the first one.
  EXPECT_TRUE(wildcardMatch("*a*b", "xaxxbxb"));
  EXPECT_FALSE(wildcardMatch("*a*b", "xbxa"));
}

TEST(WildcardMatch, LongInputWithManyStarsFinishes) {
  // A naive recursive matcher is exponential here; the iterative one is fast.
  std::string text(2000, 'a');
  std::string pattern = "*a*a*a*a*a*a*a*a*a*b";
  EXPECT_FALSE(wildcardMatch(pattern, text));
  EXPECT_TRUE(wildcardMatch("*a*a*a*a*a*a*a*a*a*", text));
}

TEST(WildcardMatch, StarInPatternStillMatchesTextThatContainsAStar) {
  // '*' and '?' are legal in the user part of a SIP address (RFC 3261 unreserved "mark").
  // A pattern star must keep its wildcard meaning even where the text has a literal '*'.
  EXPECT_TRUE(wildcardMatch("a*", "a*b"));
  EXPECT_TRUE(wildcardMatch("*", "*x"));
  EXPECT_TRUE(wildcardMatch("sip:*@contoso.test", "sip:*77@contoso.test"));
  EXPECT_TRUE(wildcardMatch("a?c", "a*c"));
}

TEST(HasWildcard, DetectsStarAndQuestionMark) {
  EXPECT_TRUE(hasWildcard("*.org"));
  EXPECT_TRUE(hasWildcard("site?"));
  EXPECT_FALSE(hasWildcard("fabrikam.com"));
  EXPECT_FALSE(hasWildcard(""));
}

// ------------------------------------------------------------------------------- editDistance

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(editDistance("", ""), 0u);
  EXPECT_EQ(editDistance("abc", ""), 3u);
  EXPECT_EQ(editDistance("", "abc"), 3u);
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("flaw", "lawn"), 2u);
  EXPECT_EQ(editDistance("Identity", "Identiy"), 1u);
  EXPECT_EQ(editDistance("abc", "abc"), 0u);
  EXPECT_EQ(editDistance("abc", "xyz"), 3u);
}

TEST(EditDistance, IsSymmetric) {
  EXPECT_EQ(editDistance("TlsNegotiation", "SaslNegotiation"),
            editDistance("SaslNegotiation", "TlsNegotiation"));
  EXPECT_EQ(editDistance("ab", "ba"), editDistance("ba", "ab"));
}

TEST(EditDistance, IgnoresCase) {
  EXPECT_EQ(editDistance("EnableXmppAccess", "enablexmppaccess"), 0u);
  EXPECT_EQ(editDistance("PARTNERTYPE", "partnertyp"), 1u);
}

// ------------------------------------------------------------------------------- toKebab

TEST(ToKebab, SplitsPascalCaseWordsWithHyphens) {
  EXPECT_EQ(toKebab("EnableXmppAccess"), "enable-xmpp-access");
  EXPECT_EQ(toKebab("NotSupported"), "not-supported");
  EXPECT_EQ(toKebab("AsXml"), "as-xml");
  EXPECT_EQ(toKebab("PublicUnverified"), "public-unverified");
  EXPECT_EQ(toKebab("SupportDialbackNegotiation"), "support-dialback-negotiation");
}

TEST(ToKebab, SingleWordsAreLowerCased) {
  EXPECT_EQ(toKebab("Required"), "required");
  EXPECT_EQ(toKebab("required"), "required");
  EXPECT_EQ(toKebab("A"), "a");
  EXPECT_EQ(toKebab(""), "");
}

TEST(ToKebab, KeepsAnAcronymTogetherAndSplitsTheWordAfterIt) {
  EXPECT_EQ(toKebab("XMLFile"), "xml-file");
  EXPECT_EQ(toKebab("ProxyFQDN"), "proxy-fqdn");
  EXPECT_EQ(toKebab("SIP"), "sip");
}

TEST(ToKebab, CamelCaseInputGetsTheSameWords) {
  EXPECT_EQ(toKebab("enableXmppAccess"), "enable-xmpp-access");
}

// ------------------------------------------------------------------------------- isDnsName

TEST(IsDnsName, AcceptsOrdinaryHostAndDomainNames) {
  EXPECT_TRUE(isDnsName("contoso.test"));
  EXPECT_TRUE(isDnsName("fe.contoso.test"));
  EXPECT_TRUE(isDnsName("localhost"));
  EXPECT_TRUE(isDnsName("a"));
  EXPECT_TRUE(isDnsName("xn--bcher-kva.example"));
  EXPECT_TRUE(isDnsName("edge-1.Contoso.TEST"));
  EXPECT_TRUE(isDnsName("1and1.com"));
}

TEST(IsDnsName, RejectsEmptyAndMisplacedDots) {
  EXPECT_FALSE(isDnsName(""));
  EXPECT_FALSE(isDnsName("."));
  EXPECT_FALSE(isDnsName(".contoso.test"));
  EXPECT_FALSE(isDnsName("contoso.test."));
  EXPECT_FALSE(isDnsName("contoso..test"));
}

TEST(IsDnsName, RejectsHyphensAtLabelEdges) {
  EXPECT_FALSE(isDnsName("-contoso.test"));
  EXPECT_FALSE(isDnsName("contoso-.test"));
  EXPECT_FALSE(isDnsName("contoso.-test"));
  EXPECT_FALSE(isDnsName("contoso.test-"));
  EXPECT_FALSE(isDnsName("-"));
  EXPECT_TRUE(isDnsName("con--toso.test"));
}

TEST(IsDnsName, RejectsCharactersOutsideLettersDigitsAndHyphen) {
  EXPECT_FALSE(isDnsName("_xmpp-server._tcp.contoso.test"));
  EXPECT_FALSE(isDnsName("contoso test"));
  EXPECT_FALSE(isDnsName("alice@contoso.test"));
  EXPECT_FALSE(isDnsName("contoso.test:5269"));
  EXPECT_FALSE(isDnsName("*.contoso.test"));
  EXPECT_FALSE(isDnsName("b\xc3\xbc" "cher.example"));
  EXPECT_FALSE(isDnsName("contoso\0test"sv));
}

TEST(IsDnsName, LabelsMayHaveAtMost63Characters) {
  std::string label63(63, 'a');
  EXPECT_TRUE(isDnsName(label63 + ".test"));
  EXPECT_FALSE(isDnsName(label63 + "a.test"));
  EXPECT_TRUE(isDnsName("test." + label63));
  EXPECT_FALSE(isDnsName("test." + label63 + "a"));
}

TEST(IsDnsName, NamesMayHaveAtMost253Characters) {
  std::string label63(63, 'a');
  std::string name253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'b');
  ASSERT_EQ(name253.size(), 253u);
  EXPECT_TRUE(isDnsName(name253));
  EXPECT_FALSE(isDnsName(name253 + "b"));
}

// ------------------------------------------------------------------------------- isIpAddress

TEST(IsIpAddress, AcceptsIpv4AndIpv6Literals) {
  EXPECT_TRUE(isIpAddress("127.0.0.1"));
  EXPECT_TRUE(isIpAddress("0.0.0.0"));
  EXPECT_TRUE(isIpAddress("255.255.255.255"));
  EXPECT_TRUE(isIpAddress("::1"));
  EXPECT_TRUE(isIpAddress("::"));
  EXPECT_TRUE(isIpAddress("2001:db8::1"));
  EXPECT_TRUE(isIpAddress("::ffff:192.0.2.1"));
}

TEST(IsIpAddress, RejectsNamesAndMalformedLiterals) {
  EXPECT_FALSE(isIpAddress(""));
  EXPECT_FALSE(isIpAddress("localhost"));
  EXPECT_FALSE(isIpAddress("256.0.0.1"));
  EXPECT_FALSE(isIpAddress("1.2.3"));
  EXPECT_FALSE(isIpAddress("1.2.3.4.5"));
  EXPECT_FALSE(isIpAddress(" 127.0.0.1"));
  EXPECT_FALSE(isIpAddress("127.0.0.1 "));
  EXPECT_FALSE(isIpAddress("127.0.0.1:5269"));
  EXPECT_FALSE(isIpAddress("[::1]"));
  EXPECT_FALSE(isIpAddress("2001:db8:::1"));
  EXPECT_FALSE(isIpAddress("fe80::1%eth0"));
}

TEST(IsIpAddress, RejectsALiteralFollowedByAnEmbeddedNul) {
  // The whole view must be an address, not just the part before a NUL.
  EXPECT_FALSE(isIpAddress("127.0.0.1\0junk"sv));
  EXPECT_FALSE(isIpAddress("::1\0"sv));
}

// ------------------------------------------------------------------------------- trim / join

TEST(Trim, RemovesSpacesTabsAndLineBreaksAtBothEnds) {
  EXPECT_EQ(trim("  alice  "), "alice");
  EXPECT_EQ(trim("\t\r\nalice\r\n"), "alice");
  EXPECT_EQ(trim("alice"), "alice");
  EXPECT_EQ(trim("a b"), "a b");
  EXPECT_EQ(trim("  a b  "), "a b");
}

TEST(Trim, AllBlankOrEmptyTextBecomesEmpty) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("   "), "");
  EXPECT_EQ(trim(" \t\r\n "), "");
}

TEST(Join, PutsTheSeparatorOnlyBetweenParts) {
  EXPECT_EQ(join({}, ", "), "");
  EXPECT_EQ(join({"a"}, ", "), "a");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join({"a", "", "c"}, "|"), "a||c");
  EXPECT_EQ(join({"a", "b"}, ""), "ab");
}

// ------------------------------------------------------------------------------- case helpers

TEST(CaseHelpers, CompareAndConvertAsciiCaseInsensitively) {
  EXPECT_TRUE(iequals("Global", "global"));
  EXPECT_FALSE(iequals("Global", "globa"));
  EXPECT_TRUE(istartsWith("SIP:alice@contoso.test", "sip:"));
  EXPECT_FALSE(istartsWith("si", "sip:"));
  EXPECT_EQ(toLower("Alice@Contoso.TEST"), "alice@contoso.test");
  EXPECT_EQ(toUpper("sip"), "SIP");
}

}  // namespace
}  // namespace xfed::core
