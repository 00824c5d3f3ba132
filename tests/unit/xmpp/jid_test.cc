// SPDX-License-Identifier: Apache-2.0
// JID parsing and normalisation (RFC 7622): one test row per valid and per invalid address,
// the examples of RFC 7622 §3.5 among them, then equality, hashing and the accessors.
#include "xmpp/jid.h"

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <unordered_set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace xfed::xmpp {

void PrintTo(const Jid& jid, std::ostream* os) { *os << '"' << jid.full() << '"'; }

namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::string_literals;

std::string repeat(std::string_view unit, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) {
    out.append(unit);
  }
  return out;
}

/** A domainpart of exactly `size` octets: 63-octet labels, then what is left (1-64 octets). */
std::string domainOfSize(std::size_t size) {
  std::string out;
  while (size - out.size() > 64) {
    out.append(63, 'a').append(".");
  }
  out.append(size - out.size(), 'a');
  return out;
}

// ------------------------------------------------------------------------------ valid JIDs

struct ValidRow {
  const char* name;  // the row's test name
  std::string input;
  std::string local;
  std::string domain;
  std::string resource;
};

std::ostream& operator<<(std::ostream& os, const ValidRow& row) { return os << row.name; }

const ValidRow kValid[] = {
    // RFC 7622 §3.5, "Examples of valid JIDs".
    {"Rfc7622Bare", "juliet@example.com", "juliet", "example.com", ""},
    {"Rfc7622Full", "juliet@example.com/foo", "juliet", "example.com", "foo"},
    {"Rfc7622SpaceInResource", "juliet@example.com/foo bar", "juliet", "example.com", "foo bar"},
    {"Rfc7622AtInResource", "juliet@example.com/foo@bar", "juliet", "example.com", "foo@bar"},
    {"Rfc7622EscapedLocal", "foo\\20bar@example.com", "foo\\20bar", "example.com", ""},
    {"Rfc7622AsciiLocal", "fussball@example.com", "fussball", "example.com", ""},
    {"Rfc7622SharpS", "fu\u00DFball@example.com", "fu\u00DFball", "example.com", ""},
    {"Rfc7622Pi", "\u03C0@example.com", "\u03C0", "example.com", ""},
    // Capital sigma: RFC 7622 maps it to lower case; without Unicode tables it is kept.
    {"Rfc7622SigmaKeptAsIs", "\u03A3@example.com", "\u03A3", "example.com", ""},
    {"Rfc7622SymbolInResource", "king@example.com/\u265A", "king", "example.com", "\u265A"},
    {"Rfc7622DomainOnly", "example.com", "", "example.com", ""},
    {"Rfc7622DomainAndResource", "example.com/foobar", "", "example.com", "foobar"},
    {"Rfc7622DomainResourceWithAt", "a.example.com/b@example.net", "", "a.example.com",
     "b@example.net"},
    // Splitting: the first '/' starts the resource; '@' and '/' may follow in it.
    {"SlashInResource", "juliet@example.com/foo/bar", "juliet", "example.com", "foo/bar"},
    {"AtAndSlashInResource", "juliet@example.com/a@b/c@d", "juliet", "example.com", "a@b/c@d"},
    {"SlashBeforeAt", "example.com/juliet@example.net", "", "example.com", "juliet@example.net"},
    {"ShortSlashBeforeAt", "a/b@c", "", "a", "b@c"},
    {"ResourceIsSlash", "example.com//", "", "example.com", "/"},
    // Case: domain and ASCII localpart fold, the resource never does.
    {"CaseFolding", "Juliet@Example.COM/Balcony", "juliet", "example.com", "Balcony"},
    {"AsciiFoldsNonAsciiKept", "J\u00DCLIET@EXAMPLE.COM", "j\u00DCliet", "example.com", ""},
    // Trailing dot (RFC 7622 §3.2) and ideographic full stops (§3.2.1).
    {"TrailingDot", "juliet@example.com./r", "juliet", "example.com", "r"},
    {"TrailingDotDomainOnly", "example.com.", "", "example.com", ""},
    {"IdeographicFullStop", "\u4F8B\u3048\u3002\u30C6\u30B9\u30C8", "",
     "\u4F8B\u3048.\u30C6\u30B9\u30C8", ""},
    {"FullwidthFullStopAsTrailingDot", "example.com\uFF0E", "", "example.com", ""},
    {"HalfwidthIdeographicFullStop", "a\uFF61b", "", "a.b", ""},
    // Domain names.
    {"SingleLabel", "localhost", "", "localhost", ""},
    {"Hyphen", "juliet@host-1.example.com", "juliet", "host-1.example.com", ""},
    {"Underscore", "under_score.example", "", "under_score.example", ""},
    {"ALabelKept", "xn--bcher-kva.example", "", "xn--bcher-kva.example", ""},
    {"ULabel", "b\u00FCcher.example", "", "b\u00FCcher.example", ""},
    {"NumericLabelNotLast", "juliet@123.example.com", "juliet", "123.example.com", ""},
    {"Label63", "a@" + std::string(63, 'x') + ".example", "a", std::string(63, 'x') + ".example",
     ""},
    {"Domain1023", domainOfSize(1023), "", domainOfSize(1023), ""},
    {"Domain1023PlusTrailingDot", domainOfSize(1023) + ".", "", domainOfSize(1023), ""},
    // IP literals: IPv4 dotted quad, IPv6 in brackets, kept in RFC 5952 form.
    {"Ipv4", "192.0.2.1", "", "192.0.2.1", ""},
    {"Ipv4WithLocalAndResource", "juliet@192.0.2.1/r", "juliet", "192.0.2.1", "r"},
    {"Ipv4Zeros", "0.0.0.0", "", "0.0.0.0", ""},
    {"Ipv6Loopback", "[::1]", "", "[::1]", ""},
    {"Ipv6UpperCaseFull", "juliet@[2001:DB8::1]/r", "juliet", "[2001:db8::1]", "r"},
    {"Ipv6Uncompressed", "[0:0:0:0:0:0:0:1]", "", "[::1]", ""},
    {"Ipv6LeadingZeros", "[2001:0db8:0000:0000:0000:0000:0000:0001]", "", "[2001:db8::1]", ""},
    {"Ipv6MappedIpv4", "[::FFFF:192.0.2.1]", "", "[::ffff:192.0.2.1]", ""},
    // Localparts: every printable ASCII character but the eight of RFC 7622 §3.3.1.
    {"LocalPunctuation", "!#$%()*+,-.;=?[\\]^_`{|}~@example.com", "!#$%()*+,-.;=?[\\]^_`{|}~",
     "example.com", ""},
    {"LocalDigits", "0123@example.com", "0123", "example.com", ""},
    {"Local1023", std::string(1023, 'a') + "@example.com", std::string(1023, 'a'), "example.com",
     ""},
    // Resourceparts: anything but controls, up to 1023 octets.
    {"ResourceSpacesAndPunctuation", "example.com/ a \"<&>' ", "", "example.com", " a \"<&>' "},
    {"ResourceFourOctetUtf8", "example.com/\U0001D11E", "", "example.com", "\U0001D11E"},
    {"ResourceLastCodePoint", "example.com/\U0010FFFD", "", "example.com", "\U0010FFFD"},
    {"Resource1023", "example.com/" + std::string(1023, 'r'), "", "example.com",
     std::string(1023, 'r')},
    {"Resource1023InThreeOctetCharacters", "example.com/" + repeat("\u20AC", 341), "",
     "example.com", repeat("\u20AC", 341)},
};

class ValidJid : public ::testing::TestWithParam<ValidRow> {};

TEST_P(ValidJid, ParsesIntoNormalisedParts) {
  const ValidRow& row = GetParam();
  auto jid = Jid::parse(row.input);
  ASSERT_TRUE(jid) << jid.error().detail;
  EXPECT_EQ(jid->local(), row.local);
  EXPECT_EQ(jid->domain(), row.domain);
  EXPECT_EQ(jid->resource(), row.resource);
}

TEST_P(ValidJid, FullFormParsesBackToTheSameJid) {
  auto jid = Jid::parse(GetParam().input);
  ASSERT_TRUE(jid);
  std::string full = jid->full();
  auto again = Jid::parse(full);
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_EQ(*again, *jid);
  EXPECT_EQ(again->full(), full);
}

TEST_P(ValidJid, FromPartsGivesTheSameJid) {
  const ValidRow& row = GetParam();
  auto jid = Jid::parse(row.input);
  ASSERT_TRUE(jid);
  auto built = Jid::fromParts(jid->local(), jid->domain(), jid->resource());
  ASSERT_TRUE(built) << built.error().detail;
  EXPECT_EQ(*built, *jid);
}

INSTANTIATE_TEST_SUITE_P(Rows, ValidJid, ::testing::ValuesIn(kValid),
                         [](const auto& info) { return std::string(info.param.name); });

// ---------------------------------------------------------------------------- invalid JIDs

struct InvalidRow {
  const char* name;
  std::string input;
  JidErrc errc;
  const char* detail;  // a fragment the detail must contain
};

std::ostream& operator<<(std::ostream& os, const InvalidRow& row) { return os << row.name; }

const InvalidRow kInvalid[] = {
    // Empty parts.
    {"Empty", "", JidErrc::EmptyDomainpart, "domainpart is empty"},
    {"OnlyAt", "@", JidErrc::EmptyLocalpart, "localpart"},
    {"EmptyLocal", "@example.com", JidErrc::EmptyLocalpart, "before '@' is empty"},
    {"EmptyLocalWithResource", "@example.com/r", JidErrc::EmptyLocalpart, "localpart"},
    {"EmptyDomainAfterAt", "juliet@", JidErrc::EmptyDomainpart, "domainpart is empty"},
    {"EmptyDomainBeforeSlash", "/foo", JidErrc::EmptyDomainpart, "domainpart is empty"},
    {"EmptyDomainBetween", "juliet@/foo", JidErrc::EmptyDomainpart, "domainpart is empty"},
    {"OnlyDot", ".", JidErrc::EmptyDomainpart, "only a '.'"},
    {"EmptyResource", "example.com/", JidErrc::EmptyResourcepart, "after '/' is empty"},
    {"EmptyResourceFull", "juliet@example.com/", JidErrc::EmptyResourcepart, "resourcepart"},
    // RFC 7622 §3.5, "Examples of invalid JIDs", where no Unicode table is needed.
    {"Rfc7622QuotesInLocal", "\"juliet\"@example.com", JidErrc::InvalidLocalpart, "'\"' (U+0022)"},
    {"Rfc7622SpaceInLocal", "foo bar@example.com", JidErrc::InvalidLocalpart, "U+0020"},
    {"Rfc7622EmptyLocal", "@example.com/", JidErrc::EmptyLocalpart, "localpart"},
    // '@' twice: the second one lands in the domainpart.
    {"TwoAts", "a@b@c", JidErrc::InvalidDomainpart, "'@' (U+0040)"},
    // The characters RFC 7622 §3.3.1 forbids in a localpart ('/' and the first '@' split).
    {"AmpersandInLocal", "juliet&romeo@example.com", JidErrc::InvalidLocalpart, "'&'"},
    {"ApostropheInLocal", "o'brien@example.com", JidErrc::InvalidLocalpart, "'''"},
    {"ColonInLocal", "a:b@example.com", JidErrc::InvalidLocalpart, "':'"},
    {"LessThanInLocal", "<juliet@example.com", JidErrc::InvalidLocalpart, "'<'"},
    {"GreaterThanInLocal", "juliet>@example.com", JidErrc::InvalidLocalpart, "'>'"},
    {"TabInLocal", "a\tb@example.com", JidErrc::InvalidLocalpart, "U+0009"},
    {"NulInLocal", "a\0b@example.com"s, JidErrc::InvalidLocalpart, "U+0000"},
    {"DelInLocal", "a\177b@example.com", JidErrc::InvalidLocalpart, "U+007F"},
    {"C1ControlInLocal", "a\u0085b@example.com", JidErrc::InvalidLocalpart, "U+0085"},
    {"NoBreakSpaceInLocal", "a\u00A0b@example.com", JidErrc::InvalidLocalpart, "U+00A0"},
    {"IdeographicSpaceInLocal", "a\u3000b@example.com", JidErrc::InvalidLocalpart, "U+3000"},
    {"NoncharacterInLocal", "a\uFDD0b@example.com", JidErrc::InvalidLocalpart, "U+FDD0"},
    // Domainparts.
    {"SpaceInDomain", "juliet@exa mple.com", JidErrc::InvalidDomainpart, "U+0020"},
    {"NulInDomain", "exa\0mple.com"s, JidErrc::InvalidDomainpart, "U+0000"},
    {"ExclamationInDomain", "example!.com", JidErrc::InvalidDomainpart, "'!'"},
    {"DoubleDot", "juliet@example..com", JidErrc::InvalidDomainpart, "empty label"},
    {"LeadingDot", ".example.com", JidErrc::InvalidDomainpart, "empty label"},
    {"TwoTrailingDots", "example.com..", JidErrc::InvalidDomainpart, "empty label"},
    {"LeadingHyphen", "-example.com", JidErrc::InvalidDomainpart, "'-'"},
    {"TrailingHyphen", "example-.com", JidErrc::InvalidDomainpart, "'-'"},
    {"Label64", "a@" + std::string(64, 'x') + ".example", JidErrc::InvalidDomainpart,
     "label of 64 octets"},
    {"Domain1024", domainOfSize(1024), JidErrc::DomainpartTooLong, "1024 octets"},
    {"IdeographicSpaceInDomain", "exa\u3000mple.com", JidErrc::InvalidDomainpart, "U+3000"},
    {"NumericTopLevelLabel", "example.123", JidErrc::InvalidDomainpart, "IPv4"},
    {"Ipv4ThreeOctets", "192.0.2", JidErrc::InvalidDomainpart, "IPv4"},
    {"Ipv4FiveOctets", "192.0.2.1.5", JidErrc::InvalidDomainpart, "IPv4"},
    {"Ipv4OctetTooLarge", "192.0.2.256", JidErrc::InvalidDomainpart, "IPv4"},
    {"Ipv4LeadingZero", "192.0.2.01", JidErrc::InvalidDomainpart, "IPv4"},
    {"Ipv6WithoutBrackets", "::1", JidErrc::InvalidDomainpart, "bracketed IPv6"},
    {"Ipv6Unclosed", "[::1", JidErrc::InvalidDomainpart, "IPv6"},
    {"Ipv6Empty", "[]", JidErrc::InvalidDomainpart, "IPv6"},
    {"Ipv6TextAfterBracket", "[::1]x", JidErrc::InvalidDomainpart, "IPv6"},
    {"Ipv6TrailingDot", "[::1].", JidErrc::InvalidDomainpart, "IPv6"},
    {"Ipv6ZoneIndex", "[fe80::1%25eth0]", JidErrc::InvalidDomainpart, "not an IPv6 address"},
    {"Ipv6TooManyGroups", "[1:2:3:4:5:6:7:8:9]", JidErrc::InvalidDomainpart, "not an IPv6 address"},
    {"Ipv4InBrackets", "[192.0.2.1]", JidErrc::InvalidDomainpart, "not an IPv6 address"},
    {"Ipv6NulInside", "[::\0001]"s, JidErrc::InvalidDomainpart, "not an IPv6 address"},
    // Resourceparts.
    {"NulInResource", "example.com/a\0b"s, JidErrc::InvalidResourcepart, "U+0000"},
    {"NewlineInResource", "example.com/a\nb", JidErrc::InvalidResourcepart, "U+000A"},
    {"DelInResource", "example.com/a\x7F", JidErrc::InvalidResourcepart, "U+007F"},
    {"C1ControlInResource", "example.com/\u009F", JidErrc::InvalidResourcepart, "U+009F"},
    {"NoncharacterFFFEInResource", "example.com/\xEF\xBF\xBE", JidErrc::InvalidResourcepart,
     "U+FFFE"},
    {"NoncharacterPlane16InResource", "example.com/\xF4\x8F\xBF\xBF", JidErrc::InvalidResourcepart,
     "U+10FFFF"},
    // Lengths: 1023 octets per part (RFC 7622 §3.1).
    {"Local1024", std::string(1024, 'a') + "@example.com", JidErrc::LocalpartTooLong,
     "1024 octets"},
    {"Resource1024", "example.com/" + std::string(1024, 'r'), JidErrc::ResourcepartTooLong,
     "1024 octets"},
    {"Resource1024InFourOctetCharacters", "example.com/" + repeat("\U0001D11E", 256),
     JidErrc::ResourcepartTooLong, "1024 octets"},
    // Invalid UTF-8 in each part: overlong forms, surrogates, beyond U+10FFFF, truncated,
    // stray continuation octets, octets that never occur.
    {"OverlongSlashInLocal", "\xC0\xAF@example.com", JidErrc::InvalidLocalpart,
     "not valid UTF-8 at octet 0"},
    {"OverlongNulInLocal", "a\xC0\x80@example.com", JidErrc::InvalidLocalpart,
     "not valid UTF-8 at octet 1"},
    {"OverlongThreeOctetInLocal", "\xE0\x80\xAF@example.com", JidErrc::InvalidLocalpart, "UTF-8"},
    {"OverlongFourOctetInLocal", "\xF0\x80\x80\xAF@example.com", JidErrc::InvalidLocalpart,
     "UTF-8"},
    {"SurrogateInLocal", "\xED\xA0\x80@example.com", JidErrc::InvalidLocalpart, "UTF-8"},
    {"TruncatedInLocal", "\xE2\x82@example.com", JidErrc::InvalidLocalpart, "UTF-8"},
    {"StrayContinuationInLocal", "\x80@example.com", JidErrc::InvalidLocalpart, "UTF-8"},
    {"OctetFFInLocal", "\xFF@example.com", JidErrc::InvalidLocalpart, "UTF-8"},
    {"OverlongInDomain", "ex\xC1\xA1mple.com", JidErrc::InvalidDomainpart,
     "not valid UTF-8 at octet 2"},
    {"SurrogateInDomain", "example.\xED\xBF\xBF", JidErrc::InvalidDomainpart, "UTF-8"},
    {"TruncatedAtEndOfDomain", "example.c\xC3", JidErrc::InvalidDomainpart, "UTF-8"},
    {"BeyondUnicodeInResource", "example.com/\xF4\x90\x80\x80", JidErrc::InvalidResourcepart,
     "UTF-8"},
    {"LeadF5InResource", "example.com/\xF5\x80\x80\x80", JidErrc::InvalidResourcepart, "UTF-8"},
    {"SurrogatePairAsCesu8InResource", "example.com/\xED\xA0\xBD\xED\xB8\x80",
     JidErrc::InvalidResourcepart, "UTF-8"},
    {"TruncatedAtEndOfResource", "example.com/r\xF0\x9D\x84", JidErrc::InvalidResourcepart,
     "UTF-8"},
};

class InvalidJid : public ::testing::TestWithParam<InvalidRow> {};

TEST_P(InvalidJid, FailsNamingThePart) {
  const InvalidRow& row = GetParam();
  auto jid = Jid::parse(row.input);
  ASSERT_FALSE(jid) << "parsed as " << jid->full();
  EXPECT_EQ(jid.error().code, row.errc) << jid.error().code.message();
  EXPECT_THAT(jid.error().detail, HasSubstr(row.detail));
}

TEST_P(InvalidJid, DetailIsPrintableAscii) {
  // Details go to logs and to peers: they must not echo control or non-ASCII octets.
  auto jid = Jid::parse(GetParam().input);
  ASSERT_FALSE(jid);
  for (char c : jid.error().detail) {
    auto octet = static_cast<unsigned char>(c);
    bool allowed = (octet >= 0x20 && octet < 0x7F) || c == '\xC2' || c == '\xA7';  // '§'
    EXPECT_TRUE(allowed) << "octet " << static_cast<int>(octet) << " in " << jid.error().detail;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, InvalidJid, ::testing::ValuesIn(kInvalid),
                         [](const auto& info) { return std::string(info.param.name); });

// ------------------------------------------------------------------------- the rest of Jid

Jid jid(std::string_view text) {
  auto parsed = Jid::parse(text);
  EXPECT_TRUE(parsed) << text << ": " << parsed.error().detail;
  return parsed ? *parsed : *Jid::parse("invalid.example");
}

TEST(Jid, EqualityIsOnTheNormalisedForm) {
  EXPECT_EQ(jid("Juliet@EXAMPLE.com."), jid("juliet@example.com"));
  EXPECT_EQ(jid("[0:0::1]"), jid("[::1]"));
  EXPECT_EQ(jid("example\u3002com"), jid("example.com"));
  EXPECT_NE(jid("juliet@example.com/Balcony"), jid("juliet@example.com/balcony"));
  EXPECT_NE(jid("juliet@example.com"), jid("juliet@example.com/r"));
  EXPECT_NE(jid("juliet@example.com"), jid("example.com"));
  EXPECT_NE(jid("a@b.example"), jid("b.example/a"));
}

TEST(Jid, EqualJidsHashEqually) {
  EXPECT_EQ(std::hash<Jid>{}(jid("Juliet@Example.com/r")),
            std::hash<Jid>{}(jid("juliet@example.com./r")));
  std::unordered_set<Jid> set{jid("juliet@example.com"), jid("JULIET@example.com"),
                              jid("juliet@example.com/r"), jid("example.com"),
                              jid("example.com/juliet")};
  EXPECT_EQ(set.size(), 4u);
  EXPECT_TRUE(set.contains(jid("Juliet@Example.COM")));
}

TEST(Jid, OrdersByLocalThenDomainThenResource) {
  std::map<Jid, int> map{{jid("b@a.example"), 3},
                         {jid("a.example"), 1},
                         {jid("a@b.example"), 2},
                         {jid("b@a.example/r"), 4}};
  std::string order;
  for (const auto& [key, value] : map) {
    order += std::to_string(value);
  }
  EXPECT_EQ(order, "1234");
  EXPECT_FALSE(jid("a@b.example") < jid("A@B.example"));
}

TEST(Jid, BareAndFullForms) {
  Jid full = jid("Juliet@Example.com/Balcony/Window");
  EXPECT_EQ(full.bare(), "juliet@example.com");
  EXPECT_EQ(full.full(), "juliet@example.com/Balcony/Window");
  EXPECT_EQ(full.bareJid(), jid("juliet@example.com"));
  EXPECT_TRUE(full.bareJid().isBare());
  EXPECT_EQ(jid("example.com/r").bare(), "example.com");
  EXPECT_EQ(jid("example.com/r").full(), "example.com/r");
}

TEST(Jid, KindPredicates) {
  EXPECT_TRUE(jid("example.com").isDomainOnly());
  EXPECT_TRUE(jid("example.com").isBare());
  EXPECT_FALSE(jid("example.com").hasLocal());
  EXPECT_FALSE(jid("example.com/r").isDomainOnly());
  EXPECT_FALSE(jid("example.com/r").isBare());
  EXPECT_TRUE(jid("example.com/r").hasResource());
  EXPECT_FALSE(jid("juliet@example.com").isDomainOnly());
  EXPECT_TRUE(jid("juliet@example.com").hasLocal());
  EXPECT_TRUE(jid("juliet@example.com").isBare());
}

TEST(Jid, FromPartsValidatesEachPart) {
  auto built = Jid::fromParts("Juliet", "Example.COM.", "Balcony");
  ASSERT_TRUE(built);
  EXPECT_EQ(built->full(), "juliet@example.com/Balcony");

  auto domain_only = Jid::fromParts("", "example.com");
  ASSERT_TRUE(domain_only);
  EXPECT_TRUE(domain_only->isDomainOnly());

  // What parse() would split on is refused inside a part, not reinterpreted.
  EXPECT_EQ(Jid::fromParts("a@b", "example.com").error().code, JidErrc::InvalidLocalpart);
  EXPECT_EQ(Jid::fromParts("a/b", "example.com").error().code, JidErrc::InvalidLocalpart);
  EXPECT_EQ(Jid::fromParts("a", "example.com/r").error().code, JidErrc::InvalidDomainpart);
  EXPECT_EQ(Jid::fromParts("a", "").error().code, JidErrc::EmptyDomainpart);
  EXPECT_EQ(Jid::fromParts("a", "example.com", "a\x01").error().code, JidErrc::InvalidResourcepart);
  // A resource may hold '@' and '/'; the full form still parses back.
  auto odd = Jid::fromParts("", "example.com", "x@y/z");
  ASSERT_TRUE(odd);
  EXPECT_EQ(*Jid::parse(odd->full()), *odd);
}

TEST(Jid, ErrorCategoryNamesEveryCode) {
  std::error_code code = JidErrc::InvalidDomainpart;
  EXPECT_STREQ(code.category().name(), "xmpp.jid");
  EXPECT_EQ(code.message(), "invalid domainpart");
  for (int value = static_cast<int>(JidErrc::EmptyLocalpart);
       value <= static_cast<int>(JidErrc::InvalidResourcepart); ++value) {
    EXPECT_THAT(std::error_code(value, jidErrorCategory()).message(), Not(HasSubstr("unknown")));
  }
  EXPECT_THAT(std::error_code(0, jidErrorCategory()).message(), HasSubstr("unknown"));
}

TEST(Jid, DetailSaysWhereTheBadCharacterIs) {
  auto bad = Jid::parse("juliet@exa<mple.com");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().detail,
            "the domainpart contains '<' (U+003C) at octet 3, but a domain label is letters, "
            "digits, '-' and '_'");
}

}  // namespace
}  // namespace xfed::xmpp
