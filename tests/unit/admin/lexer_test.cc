// SPDX-License-Identifier: Apache-2.0
#include "admin/lexer.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "core/errors.h"

namespace xfed::admin {
namespace {

using Kind = RawValue::Kind;

/** Parses `text`, which must hold exactly one statement. */
Pipeline parseOne(std::string_view text) {
  auto result = parseScript(text);
  if (!result) {
    ADD_FAILURE() << "parse failed: " << result.error().detail << "\n  script: " << text;
    return {};
  }
  if (result->size() != 1) {
    ADD_FAILURE() << "expected 1 statement, got " << result->size() << "\n  script: " << text;
    return {};
  }
  return std::move(result->front());
}

/** Parses `text`, which must fail with InvalidArgument; returns the message. */
std::string parseError(std::string_view text) {
  auto result = parseScript(text);
  if (result) {
    ADD_FAILURE() << "expected an error, got " << result->size()
                  << " statement(s)\n  script: " << text;
    return {};
  }
  EXPECT_EQ(result.error().code, core::make_error_code(core::Errc::InvalidArgument));
  return result.error().detail;
}

testing::AssertionResult contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) {
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

/** The source text a value or element spans, by its offset and length. */
std::string spanned(const Pipeline& pipeline, std::size_t offset, std::size_t length) {
  if (offset + length > pipeline.source.size()) {
    ADD_FAILURE() << "span " << offset << "+" << length << " is outside '" << pipeline.source
                  << "'";
    return {};
  }
  return pipeline.source.substr(offset, length);
}

void expectParameter(const Element& element, std::string_view name) {
  EXPECT_EQ(element.kind, Element::Kind::Parameter) << "expected -" << name;
  EXPECT_EQ(element.name, name);
  EXPECT_FALSE(element.has_attached);
}

void expectValue(const Element& element, Kind kind, std::string_view text) {
  EXPECT_EQ(element.kind, Element::Kind::Value) << "expected value " << text;
  EXPECT_EQ(element.value.kind, kind) << "value " << text;
  EXPECT_EQ(element.value.text, text);
}

// ---- the seed lines ----

TEST(LexerSeedTest, NewPolicyWithDocumentationPlaceholder) {
  const Pipeline p = parseOne(
      "New-CsExternalAccessPolicy -Identity <name of policy to create.  If site scope, prepend "
      "with 'site:'> -EnableFederationAcces $true -EnablePublicCloudAccess $true");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  EXPECT_EQ(c.name, "New-CsExternalAccessPolicy");
  EXPECT_EQ(c.offset, 0u);
  ASSERT_EQ(c.elements.size(), 6u);
  expectParameter(c.elements[0], "Identity");
  expectValue(c.elements[1], Kind::Placeholder,
              "<name of policy to create.  If site scope, prepend with 'site:'>");
  expectParameter(c.elements[2], "EnableFederationAcces");
  expectValue(c.elements[3], Kind::Variable, "true");
  expectParameter(c.elements[4], "EnablePublicCloudAccess");
  expectValue(c.elements[5], Kind::Variable, "true");
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length),
            "<name of policy to create.  If site scope, prepend with 'site:'>");
  EXPECT_EQ(spanned(p, c.elements[5].offset, c.elements[5].length), "$true");
}

TEST(LexerSeedTest, NewPolicyFedPic) {
  const Pipeline p = parseOne(
      "New-CsExternalAccessPolicy -Identity FedPic -EnableFederationAcces $true "
      "-EnablePublicCloudAccess $true");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 6u);
  expectParameter(c.elements[0], "Identity");
  expectValue(c.elements[1], Kind::Bare, "FedPic");
  expectParameter(c.elements[2], "EnableFederationAcces");
  expectValue(c.elements[3], Kind::Variable, "true");
  expectParameter(c.elements[4], "EnablePublicCloudAccess");
  expectValue(c.elements[5], Kind::Variable, "true");
  EXPECT_EQ(spanned(p, c.elements[0].offset, c.elements[0].length), "-Identity");
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length), "FedPic");
}

TEST(LexerSeedTest, GetUserPipedToGrantPolicy) {
  const Pipeline p = parseOne("Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic");
  ASSERT_EQ(p.commands.size(), 2u);
  EXPECT_EQ(p.commands[0].name, "Get-CsUser");
  EXPECT_TRUE(p.commands[0].elements.empty());
  EXPECT_EQ(p.commands[1].name, "Grant-CsExternalAccessPolicy");
  EXPECT_EQ(p.commands[1].offset, 13u);
  ASSERT_EQ(p.commands[1].elements.size(), 2u);
  expectParameter(p.commands[1].elements[0], "PolicyName");
  expectValue(p.commands[1].elements[1], Kind::Bare, "FedPic");
  EXPECT_EQ(p.source, "Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic");
}

TEST(LexerSeedTest, SetPolicyPlaceholderThenNameWithoutDash) {
  const Pipeline p = parseOne(
      "Set-CsExternalAccessPolicy -Identity <name of the policy being used> EnableXmppAccess "
      "$true");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 4u);
  expectParameter(c.elements[0], "Identity");
  expectValue(c.elements[1], Kind::Placeholder, "<name of the policy being used>");
  // The missing '-' is the binder's to report: here it is just a bare value.
  expectValue(c.elements[2], Kind::Bare, "EnableXmppAccess");
  expectValue(c.elements[3], Kind::Variable, "true");
}

TEST(LexerSeedTest, SetPolicyFedPicNameWithoutDash) {
  const Pipeline p = parseOne("Set-CsExternalAccessPolicy -Identity FedPic EnableXmppAccess $true");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 4u);
  expectParameter(c.elements[0], "Identity");
  expectValue(c.elements[1], Kind::Bare, "FedPic");
  expectValue(c.elements[2], Kind::Bare, "EnableXmppAccess");
  expectValue(c.elements[3], Kind::Variable, "true");
}

TEST(LexerSeedTest, SetPartnerAdditionalDomainsHash) {
  const Pipeline p = parseOne(
      "Set-CsXmppAllowedPartner fabrikam.com -AdditionalDomains "
      "@{Add=\"a.fabrikam.com\",\"b.fabrikam.com\"}");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  EXPECT_EQ(c.name, "Set-CsXmppAllowedPartner");
  ASSERT_EQ(c.elements.size(), 3u);
  expectValue(c.elements[0], Kind::Bare, "fabrikam.com");
  expectParameter(c.elements[1], "AdditionalDomains");
  const RawValue& hash = c.elements[2].value;
  ASSERT_EQ(hash.kind, Kind::Hash);
  EXPECT_EQ(spanned(p, hash.offset, hash.length), "@{Add=\"a.fabrikam.com\",\"b.fabrikam.com\"}");
  ASSERT_EQ(hash.entries.size(), 1u);
  EXPECT_EQ(hash.entries[0].first, "Add");
  const RawValue& add = hash.entries[0].second;
  ASSERT_EQ(add.kind, Kind::Array);
  ASSERT_EQ(add.items.size(), 2u);
  EXPECT_EQ(add.items[0].kind, Kind::Quoted);
  EXPECT_EQ(add.items[0].text, "a.fabrikam.com");
  EXPECT_EQ(add.items[1].kind, Kind::Quoted);
  EXPECT_EQ(add.items[1].text, "b.fabrikam.com");
  EXPECT_EQ(spanned(p, add.offset, add.length), "\"a.fabrikam.com\",\"b.fabrikam.com\"");
  EXPECT_EQ(spanned(p, add.items[1].offset, add.items[1].length), "\"b.fabrikam.com\"");
}

TEST(LexerSeedTest, SetSiteQuotedRoute) {
  const Pipeline p =
      parseOne("Set-CsSite -Identity Site1 -XmppFederationRoute \"EdgeServer:edge.contoso.test\"");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 4u);
  expectParameter(c.elements[0], "Identity");
  expectValue(c.elements[1], Kind::Bare, "Site1");
  expectParameter(c.elements[2], "XmppFederationRoute");
  expectValue(c.elements[3], Kind::Quoted, "EdgeServer:edge.contoso.test");
  EXPECT_EQ(spanned(p, c.elements[3].offset, c.elements[3].length),
            "\"EdgeServer:edge.contoso.test\"");
}

TEST(LexerSeedTest, NewPartnerGmail) {
  const Pipeline p = parseOne(
      "New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported -SaslNegotiation "
      "NotSupported -EnableKeepAlive $false -SupportDialbackNegotiation $true");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 9u);
  expectValue(c.elements[0], Kind::Bare, "gmail.com");
  expectParameter(c.elements[1], "TlsNegotiation");
  expectValue(c.elements[2], Kind::Bare, "NotSupported");
  expectParameter(c.elements[3], "SaslNegotiation");
  expectValue(c.elements[4], Kind::Bare, "NotSupported");
  expectParameter(c.elements[5], "EnableKeepAlive");
  expectValue(c.elements[6], Kind::Variable, "false");
  expectParameter(c.elements[7], "SupportDialbackNegotiation");
  expectValue(c.elements[8], Kind::Variable, "true");
}

// ---- statements ----

TEST(LexerTest, EmptyScriptHasNoStatements) {
  auto result = parseScript("");
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->empty());
}

TEST(LexerTest, BlankLinesCommentsAndSemicolonsAloneHaveNoStatements) {
  auto result = parseScript("  \n\t\n# just a comment\n ; ;;\r\n<# block #>\n");
  ASSERT_TRUE(result) << result.error().detail;
  EXPECT_TRUE(result->empty());
}

TEST(LexerTest, SemicolonSeparatesStatements) {
  auto result = parseScript("Get-CsUser; Get-CsSite ;Get-CsXmppAllowedPartner");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].commands[0].name, "Get-CsUser");
  EXPECT_EQ((*result)[1].commands[0].name, "Get-CsSite");
  EXPECT_EQ((*result)[2].commands[0].name, "Get-CsXmppAllowedPartner");
  EXPECT_EQ((*result)[1].source, "Get-CsSite");
}

TEST(LexerTest, NewlineSeparatesStatements) {
  auto result = parseScript("Get-CsUser\nGet-CsSite\r\nGet-CsPool\n");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[1].source, "Get-CsSite");
  EXPECT_EQ((*result)[2].commands[0].name, "Get-CsPool");
}

TEST(LexerTest, BlankStatementsAreSkipped) {
  auto result = parseScript(";;\n\n   ;Get-CsUser;;\n\n;");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 1u);
  EXPECT_EQ((*result)[0].source, "Get-CsUser");
}

TEST(LexerTest, SourceIsTheTrimmedStatementText) {
  auto result = parseScript("   Get-CsUser -Identity alice@contoso.test   ;  Get-CsSite  \n");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  EXPECT_EQ((*result)[0].source, "Get-CsUser -Identity alice@contoso.test");
  EXPECT_EQ((*result)[1].source, "Get-CsSite");
}

TEST(LexerTest, SourceLeavesOutATrailingComment) {
  const Pipeline p = parseOne("Get-CsUser -Identity alice   # who is alice?");
  EXPECT_EQ(p.source, "Get-CsUser -Identity alice");
}

TEST(LexerTest, OffsetsCountBytesFromTheStatementStart) {
  auto result = parseScript("Get-CsUser\n  Set-CsSite -Identity Site1 -XmppFederationRoute:'x'");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  const Pipeline& p = (*result)[1];
  const CommandCall& c = p.commands[0];
  EXPECT_EQ(c.offset, 0u);
  ASSERT_EQ(c.elements.size(), 3u);
  EXPECT_EQ(c.elements[1].offset, 21u);
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length), "Site1");
  EXPECT_EQ(spanned(p, c.elements[2].offset, c.elements[2].length), "-XmppFederationRoute:'x'");
  EXPECT_EQ(spanned(p, c.elements[2].value.offset, c.elements[2].value.length), "'x'");
}

TEST(LexerTest, CommentRunsToTheEndOfTheLine) {
  auto result = parseScript("Get-CsUser # -Identity alice | Remove-CsUser\nGet-CsSite");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  ASSERT_EQ((*result)[0].commands.size(), 1u);
  EXPECT_TRUE((*result)[0].commands[0].elements.empty());
  EXPECT_EQ((*result)[1].commands[0].name, "Get-CsSite");
}

TEST(LexerTest, HashInsideAWordIsNotAComment) {
  const Pipeline p = parseOne("Set-CsUser -Identity room#12 -Note 'a # b' -Other \"#c\"");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 6u);
  expectValue(c.elements[1], Kind::Bare, "room#12");
  expectValue(c.elements[3], Kind::Quoted, "a # b");
  expectValue(c.elements[5], Kind::Quoted, "#c");
}

TEST(LexerTest, BlockCommentIsSkipped) {
  const Pipeline p = parseOne("Get-CsUser <# all of them\n  for now #> -ResultSize 10");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  expectParameter(p.commands[0].elements[0], "ResultSize");
}

TEST(LexerTest, SemicolonAndPipeInsideQuotesDoNotSplit) {
  const Pipeline p = parseOne("Set-CsSite -Description \"a; b | c\" -Name 'd;e'");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 4u);
  expectValue(p.commands[0].elements[1], Kind::Quoted, "a; b | c");
  expectValue(p.commands[0].elements[3], Kind::Quoted, "d;e");
}

TEST(LexerTest, NewlineInsideQuotesDoesNotSplit) {
  const Pipeline p = parseOne("Set-CsSite -Description 'line one\nline two' -Name x");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 4u);
  expectValue(p.commands[0].elements[1], Kind::Quoted, "line one\nline two");
}

TEST(LexerTest, BacktickAtEndOfLineJoinsTheNextLine) {
  const Pipeline p = parseOne(
      "New-CsXmppAllowedPartner gmail.com `\n"
      "    -TlsNegotiation NotSupported `   \r\n"
      "    -EnableKeepAlive $false");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 5u);
  expectValue(c.elements[0], Kind::Bare, "gmail.com");
  expectParameter(c.elements[1], "TlsNegotiation");
  expectValue(c.elements[2], Kind::Bare, "NotSupported");
  expectParameter(c.elements[3], "EnableKeepAlive");
  expectValue(c.elements[4], Kind::Variable, "false");
  EXPECT_EQ(spanned(p, c.elements[4].offset, c.elements[4].length), "$false");
}

TEST(LexerTest, BacktickDirectlyAfterAWordJoinsTheNextLine) {
  const Pipeline p = parseOne("Get-CsUser -Identity alice`\n-Verbose");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 3u);
  expectValue(p.commands[0].elements[1], Kind::Bare, "alice");
  expectParameter(p.commands[0].elements[2], "Verbose");
}

TEST(LexerTest, BacktickInsideAWordEscapesTheNextCharacter) {
  const Pipeline p = parseOne("Set-X -Name a`|b`;c");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  expectValue(p.commands[0].elements[1], Kind::Bare, "a|b;c");
}

TEST(LexerTest, MultiLineScriptWithCommentsContinuationAndSemicolons) {
  const std::string script =
      "# Federate with Gmail\r\n"
      "New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported `\r\n"
      "   -EnableKeepAlive $false   # keep-alives confuse it\r\n"
      "\r\n"
      "Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic; Get-CsSite\r\n"
      "   ; # nothing here\n"
      "Set-CsSite -Identity Site1 -XmppFederationRoute \"EdgeServer:edge.contoso.test\"";
  auto result = parseScript(script);
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 4u);
  const std::vector<Pipeline>& ps = *result;
  EXPECT_EQ(ps[0].commands[0].name, "New-CsXmppAllowedPartner");
  EXPECT_EQ(ps[0].commands[0].elements.size(), 5u);
  EXPECT_EQ(ps[0].source,
            "New-CsXmppAllowedPartner gmail.com -TlsNegotiation NotSupported `\r\n"
            "   -EnableKeepAlive $false");
  ASSERT_EQ(ps[1].commands.size(), 2u);
  EXPECT_EQ(ps[1].commands[1].name, "Grant-CsExternalAccessPolicy");
  EXPECT_EQ(ps[1].source, "Get-CsUser | Grant-CsExternalAccessPolicy -PolicyName FedPic");
  EXPECT_EQ(ps[2].source, "Get-CsSite");
  EXPECT_EQ(ps[3].commands[0].elements.size(), 4u);
  for (const Pipeline& p : ps) {
    for (const CommandCall& c : p.commands) {
      for (const Element& e : c.elements) {
        EXPECT_LE(e.offset + e.length, p.source.size()) << p.source;
      }
    }
  }
}

TEST(LexerTest, ByteOrderMarkIsIgnored) {
  const Pipeline p = parseOne("\xEF\xBB\xBFGet-CsUser");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0].name, "Get-CsUser");
}

TEST(LexerTest, NoBreakSpaceSeparatesLikeASpace) {
  const Pipeline p = parseOne(
      "Get-CsUser\xC2\xA0-Identity\xC2\xA0"
      "alice");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  expectParameter(p.commands[0].elements[0], "Identity");
  expectValue(p.commands[0].elements[1], Kind::Bare, "alice");
}

// ---- pipelines and command names ----

TEST(LexerTest, PipeWithoutSpacesSeparatesStages) {
  const Pipeline p = parseOne("Get-CsUser|Grant-CsExternalAccessPolicy -PolicyName:FedPic");
  ASSERT_EQ(p.commands.size(), 2u);
  EXPECT_EQ(p.commands[1].name, "Grant-CsExternalAccessPolicy");
  EXPECT_EQ(p.commands[1].offset, 11u);
}

TEST(LexerTest, TrailingPipeIsAMissingCommandAfterIt) {
  const std::string message = parseError("Get-CsUser |");
  EXPECT_TRUE(contains(message, "'|' at column 12 has no command after it"));
}

TEST(LexerTest, TrailingPipeBeforeSemicolonIsAMissingCommandAfterIt) {
  const std::string message = parseError("Get-CsUser | ; Get-CsSite");
  EXPECT_TRUE(contains(message, "'|' at column 12 has no command after it"));
}

TEST(LexerTest, LeadingPipeIsAMissingCommandBeforeIt) {
  const std::string message = parseError("| Grant-CsExternalAccessPolicy -PolicyName FedPic");
  EXPECT_TRUE(contains(message, "'|' at column 1 has no command before it"));
}

TEST(LexerTest, DoublePipeIsAMissingCommandBetween) {
  const std::string message = parseError("Get-CsUser || Grant-CsExternalAccessPolicy");
  EXPECT_TRUE(contains(message, "'|' at column 13 has no command before it"));
}

TEST(LexerTest, PipeOnTheNextLineIsAMissingCommandBeforeIt) {
  const std::string message = parseError("Get-CsUser\n| Grant-CsExternalAccessPolicy");
  EXPECT_TRUE(contains(message, "'|' at line 2, column 1 has no command before it"));
}

TEST(LexerTest, CommandNameIsKeptAsTyped) {
  const Pipeline p = parseOne("get-csUSER_2");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0].name, "get-csUSER_2");
}

TEST(LexerTest, TypographicDashInCommandNameReadsAsHyphen) {
  const Pipeline p = parseOne(
      "Get\xE2\x80\x93"
      "CsUser");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0].name, "Get-CsUser");
}

TEST(LexerTest, CommandNameThatIsNotANameIsQuoted) {
  EXPECT_TRUE(contains(parseError("\"Get-CsUser\" -Identity alice"),
                       "'\"Get-CsUser\"' at column 1 is not a command name"));
  EXPECT_TRUE(contains(parseError("$x = 1"), "'$x' at column 1 is not a command name"));
  EXPECT_TRUE(
      contains(parseError("-Identity alice"), "'-Identity' at column 1 is not a command name"));
  EXPECT_TRUE(contains(parseError("Get-CsUser | .\\script.ps1"),
                       "'.\\script.ps1' at column 14 is not a command name"));
  EXPECT_TRUE(contains(parseError("Get-CsUser(1)"), "'Get-CsUser(1)'"));
}

// ---- parameters ----

TEST(LexerTest, ParameterNameHasNoDash) {
  const Pipeline p = parseOne("Get-CsUser -Identity alice -Verbose -Result_Size2 3");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 5u);
  expectParameter(c.elements[0], "Identity");
  expectParameter(c.elements[2], "Verbose");
  expectParameter(c.elements[3], "Result_Size2");
  EXPECT_EQ(spanned(p, c.elements[3].offset, c.elements[3].length), "-Result_Size2");
}

TEST(LexerTest, TypographicDashesStartParameters) {
  // en dash, em dash and horizontal bar, as web pages and word processors render '-'
  const Pipeline p = parseOne(
      "New-CsXmppAllowedPartner gmail.com \xE2\x80\x93TlsNegotiation NotSupported "
      "\xE2\x80\x94SaslNegotiation NotSupported \xE2\x80\x95"
      "EnableKeepAlive $false");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 7u);
  expectParameter(c.elements[1], "TlsNegotiation");
  expectParameter(c.elements[3], "SaslNegotiation");
  expectParameter(c.elements[5], "EnableKeepAlive");
  EXPECT_EQ(c.elements[1].length, 17u);  // 3-byte dash + 14 letters
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length), "\xE2\x80\x93TlsNegotiation");
}

TEST(LexerTest, AttachedValueAfterColon) {
  const Pipeline p = parseOne("Remove-CsExternalAccessPolicy -Identity:FedPic -Force:$false");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 2u);
  EXPECT_EQ(c.elements[0].kind, Element::Kind::Parameter);
  EXPECT_EQ(c.elements[0].name, "Identity");
  EXPECT_TRUE(c.elements[0].has_attached);
  EXPECT_EQ(c.elements[0].value.kind, Kind::Bare);
  EXPECT_EQ(c.elements[0].value.text, "FedPic");
  EXPECT_EQ(spanned(p, c.elements[0].offset, c.elements[0].length), "-Identity:FedPic");
  EXPECT_EQ(spanned(p, c.elements[0].value.offset, c.elements[0].value.length), "FedPic");
  EXPECT_EQ(c.elements[1].name, "Force");
  EXPECT_TRUE(c.elements[1].has_attached);
  EXPECT_EQ(c.elements[1].value.kind, Kind::Variable);
  EXPECT_EQ(c.elements[1].value.text, "false");
}

TEST(LexerTest, AttachedValueMayBeQuotedOrAList) {
  const Pipeline p = parseOne("Set-X -Route:\"EdgeServer:edge\" -Domains:a.com,b.com");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 2u);
  EXPECT_EQ(c.elements[0].value.kind, Kind::Quoted);
  EXPECT_EQ(c.elements[0].value.text, "EdgeServer:edge");
  EXPECT_EQ(c.elements[1].value.kind, Kind::Array);
  EXPECT_EQ(c.elements[1].value.items.size(), 2u);
}

TEST(LexerTest, AttachedValueMayFollowASpaceAfterTheColon) {
  const Pipeline p = parseOne("Set-X -Force: $true");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 1u);
  EXPECT_TRUE(p.commands[0].elements[0].has_attached);
  EXPECT_EQ(p.commands[0].elements[0].value.text, "true");
}

TEST(LexerTest, ColonWithoutAValueIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X -Force:"), "'-Force:' at column 7 needs a value"));
  EXPECT_TRUE(contains(parseError("Set-X -Force: | Get-Y"), "needs a value after ':'"));
}

TEST(LexerTest, DashThenDigitIsANegativeNumber) {
  const Pipeline p = parseOne("Set-X -Offset -5 -Scale -0.5");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 4u);
  expectParameter(c.elements[0], "Offset");
  expectValue(c.elements[1], Kind::Bare, "-5");
  expectValue(c.elements[3], Kind::Bare, "-0.5");
}

TEST(LexerTest, DashNotFollowedByALetterIsABareValue) {
  const Pipeline p = parseOne("Set-X -Name - -Other -.5");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 4u);
  expectValue(p.commands[0].elements[1], Kind::Bare, "-");
  expectValue(p.commands[0].elements[3], Kind::Bare, "-.5");
}

TEST(LexerTest, DoubleDashParameterIsAnError) {
  EXPECT_TRUE(contains(parseError("Get-CsUser --Identity alice"),
                       "'--Identity' at column 12 starts with two dashes; a parameter takes "
                       "one, e.g. -Identity"));
}

TEST(LexerTest, ParameterFollowedByOtherTextIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X -Force=$true"),
                       "'-Force=$true' at column 7 is not a valid parameter; write -Force value "
                       "or -Force:value"));
}

TEST(LexerTest, DashInsideAListIsAValue) {
  const Pipeline p = parseOne("Set-X -Values @(-Foo, -1)");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  const RawValue& array = p.commands[0].elements[1].value;
  ASSERT_EQ(array.items.size(), 2u);
  EXPECT_EQ(array.items[0].kind, Kind::Bare);
  EXPECT_EQ(array.items[0].text, "-Foo");
}

// ---- bare words ----

TEST(LexerTest, BareWordsKeepPunctuationThatIsNotASeparator) {
  const Pipeline p = parseOne(
      "Get-X alice@contoso.test EdgeServer:edge.contoso.test site:* *.org a=b /x/y ?z 'q' "
      "pa$$word");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 9u);
  expectValue(c.elements[0], Kind::Bare, "alice@contoso.test");
  expectValue(c.elements[1], Kind::Bare, "EdgeServer:edge.contoso.test");
  expectValue(c.elements[2], Kind::Bare, "site:*");
  expectValue(c.elements[3], Kind::Bare, "*.org");
  expectValue(c.elements[4], Kind::Bare, "a=b");
  expectValue(c.elements[5], Kind::Bare, "/x/y");
  expectValue(c.elements[6], Kind::Bare, "?z");
  expectValue(c.elements[8], Kind::Bare, "pa$$word");
}

TEST(LexerTest, BareWordEndsAtSeparators) {
  auto result = parseScript("Get-X a;Get-Y b|Get-Z c");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  expectValue((*result)[0].commands[0].elements[0], Kind::Bare, "a");
  ASSERT_EQ((*result)[1].commands.size(), 2u);
  expectValue((*result)[1].commands[0].elements[0], Kind::Bare, "b");
  expectValue((*result)[1].commands[1].elements[0], Kind::Bare, "c");
}

TEST(LexerTest, QuoteInTheMiddleOfAWordIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-CsUser -LastName O'Brien"),
                       "quote at column 23 in the middle of 'O'Brien'"));
}

// ---- quoted strings ----

TEST(LexerTest, SingleQuotesAreLiteral) {
  const Pipeline p = parseOne("Set-X 'it''s `n $true \"x\"'");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 1u);
  expectValue(p.commands[0].elements[0], Kind::Quoted, "it's `n $true \"x\"");
}

TEST(LexerTest, DoubleQuotesResolveBacktickEscapes) {
  const Pipeline p = parseOne("Set-X \"a`\"b``c`nd`te`0f`$g`q\"");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 1u);
  const std::string expected("a\"b`c\nd\te\0f$gq", 14);
  expectValue(p.commands[0].elements[0], Kind::Quoted, expected);
}

TEST(LexerTest, DoubledDoubleQuoteIsOneQuote) {
  const Pipeline p = parseOne("Set-X \"say \"\"hi\"\"\"");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 1u);
  expectValue(p.commands[0].elements[0], Kind::Quoted, "say \"hi\"");
}

TEST(LexerTest, DoubleQuotesDoNotExpandVariables) {
  const Pipeline p = parseOne("Set-X \"$true and $env:USER\"");
  ASSERT_EQ(p.commands.size(), 1u);
  expectValue(p.commands[0].elements[0], Kind::Quoted, "$true and $env:USER");
}

TEST(LexerTest, EmptyQuotedStrings) {
  const Pipeline p = parseOne("Set-X '' \"\"");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  expectValue(p.commands[0].elements[0], Kind::Quoted, "");
  expectValue(p.commands[0].elements[1], Kind::Quoted, "");
}

TEST(LexerTest, TypographicQuotesCountAsQuotes) {
  const Pipeline p = parseOne(
      "Set-X \xE2\x80\x98"
      "FedPic\xE2\x80\x99 \xE2\x80\x9Cgmail.com\xE2\x80\x9D "
      "\xE2\x80\x9E"
      "a b\xE2\x80\x9C");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 3u);
  expectValue(c.elements[0], Kind::Quoted, "FedPic");
  expectValue(c.elements[1], Kind::Quoted, "gmail.com");
  expectValue(c.elements[2], Kind::Quoted, "a b");
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length),
            "\xE2\x80\x9Cgmail.com\xE2\x80\x9D");
}

TEST(LexerTest, TextDirectlyAfterAQuotedStringIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X \"a\"b"),
                       "'b' at column 10 directly follows the value before it"));
}

TEST(LexerTest, UnterminatedDoubleQuoteNamesItsColumn) {
  const std::string message = parseError("New-CsXmppAllowedPartner \"gmail.com -Force");
  EXPECT_TRUE(contains(message, "unterminated string starting at column 26: \"gmail.com -Force"));
  EXPECT_TRUE(contains(message, "end it with \""));
}

TEST(LexerTest, UnterminatedSingleQuoteNamesItsColumn) {
  const std::string message = parseError("Set-X -Name 'it''s");
  EXPECT_TRUE(contains(message, "unterminated string starting at column 13: 'it''s"));
}

TEST(LexerTest, UnterminatedStringAcrossLinesNamesItsLine) {
  const std::string message = parseError("Get-CsUser\nSet-X 'abc\nGet-CsSite");
  EXPECT_TRUE(contains(message, "unterminated string starting at line 2, column 7: 'abc"));
}

TEST(LexerTest, TrailingBacktickInsideDoubleQuotesIsUnterminated) {
  EXPECT_TRUE(contains(parseError("Set-X \"abc`"), "unterminated string starting at column 7"));
}

TEST(LexerTest, ColumnsCountCharactersNotBytes) {
  // The en dash is 3 bytes but one column on the screen.
  EXPECT_TRUE(contains(parseError("Set-X \xE2\x80\x93Name \"abc"),
                       "unterminated string starting at column 13"));
}

// ---- variables ----

TEST(LexerTest, VariableTextIsTheNameWithoutDollar) {
  const Pipeline p = parseOne("Set-X $true $False $null $_ $env:USERNAME");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 5u);
  expectValue(c.elements[0], Kind::Variable, "true");
  expectValue(c.elements[1], Kind::Variable, "False");
  expectValue(c.elements[2], Kind::Variable, "null");
  expectValue(c.elements[3], Kind::Variable, "_");
  expectValue(c.elements[4], Kind::Variable, "env:USERNAME");
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length), "$False");
}

TEST(LexerTest, DollarWithoutANameIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X $ -Y"),
                       "'$' at column 7: '$' must be followed by a "
                       "variable name"));
  EXPECT_TRUE(contains(parseError("Set-X $(Get-CsUser)"), "'$(' at column 7 is not supported"));
}

// ---- lists ----

TEST(LexerTest, CommaSeparatedValuesAreOneArray) {
  const Pipeline p = parseOne("Set-X -Domains a.com,b.com, \"c.com\" , 'd.com' -Y");
  ASSERT_EQ(p.commands.size(), 1u);
  const CommandCall& c = p.commands[0];
  ASSERT_EQ(c.elements.size(), 3u);
  const RawValue& array = c.elements[1].value;
  ASSERT_EQ(array.kind, Kind::Array);
  ASSERT_EQ(array.items.size(), 4u);
  EXPECT_EQ(array.items[0].kind, Kind::Bare);
  EXPECT_EQ(array.items[0].text, "a.com");
  EXPECT_EQ(array.items[1].text, "b.com");
  EXPECT_EQ(array.items[2].kind, Kind::Quoted);
  EXPECT_EQ(array.items[2].text, "c.com");
  EXPECT_EQ(array.items[3].text, "d.com");
  EXPECT_EQ(spanned(p, array.offset, array.length), "a.com,b.com, \"c.com\" , 'd.com'");
  EXPECT_EQ(spanned(p, c.elements[1].offset, c.elements[1].length),
            "a.com,b.com, \"c.com\" , 'd.com'");
  expectParameter(c.elements[2], "Y");
}

TEST(LexerTest, TrailingCommaIsAnError) {
  EXPECT_TRUE(
      contains(parseError("Set-X -Domains a.com,"), "',' at column 21 has no value after it"));
  EXPECT_TRUE(contains(parseError("Set-X -Domains a.com, | Get-Y"), "has no value after it"));
}

TEST(LexerTest, LeadingCommaIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X ,a"), "',' at column 7 has no value before it"));
}

TEST(LexerTest, ArraySubexpression) {
  const Pipeline p = parseOne("Set-X -Domains @(\"a.com\", 'b.com' ,c.com)");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  const RawValue& array = p.commands[0].elements[1].value;
  ASSERT_EQ(array.kind, Kind::Array);
  ASSERT_EQ(array.items.size(), 3u);
  EXPECT_EQ(array.items[0].text, "a.com");
  EXPECT_EQ(array.items[2].kind, Kind::Bare);
  EXPECT_EQ(array.items[2].text, "c.com");
  EXPECT_EQ(spanned(p, array.offset, array.length), "@(\"a.com\", 'b.com' ,c.com)");
}

TEST(LexerTest, EmptyArraySubexpression) {
  const Pipeline p = parseOne("Set-X -Domains @() -Y @( )");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 4u);
  EXPECT_EQ(p.commands[0].elements[1].value.kind, Kind::Array);
  EXPECT_TRUE(p.commands[0].elements[1].value.items.empty());
  EXPECT_TRUE(p.commands[0].elements[3].value.items.empty());
}

TEST(LexerTest, ArraySubexpressionItemsMaySitOnSeparateLines) {
  auto result = parseScript(
      "Set-X -Domains @(\n"
      "  'a.com'   # the first\n"
      "  'b.com',\n"
      "  'c.com'\n"
      ")\n"
      "Get-Y");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  const RawValue& array = (*result)[0].commands[0].elements[1].value;
  ASSERT_EQ(array.items.size(), 3u);
  EXPECT_EQ(array.items[2].text, "c.com");
  EXPECT_EQ((*result)[1].commands[0].name, "Get-Y");
}

TEST(LexerTest, ArraysNest) {
  const Pipeline p = parseOne("Set-X a,@(b,c),@()");
  ASSERT_EQ(p.commands.size(), 1u);
  const RawValue& array = p.commands[0].elements[0].value;
  ASSERT_EQ(array.kind, Kind::Array);
  ASSERT_EQ(array.items.size(), 3u);
  EXPECT_EQ(array.items[1].kind, Kind::Array);
  EXPECT_EQ(array.items[1].items.size(), 2u);
  EXPECT_EQ(array.items[2].kind, Kind::Array);
}

TEST(LexerTest, ParenthesesGroupAValueOrAList) {
  const Pipeline p = parseOne("Set-X ('a') (b, c)");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  expectValue(p.commands[0].elements[0], Kind::Quoted, "a");
  EXPECT_EQ(spanned(p, p.commands[0].elements[0].offset, p.commands[0].elements[0].length),
            "('a')");
  EXPECT_EQ(p.commands[0].elements[1].value.kind, Kind::Array);
  EXPECT_EQ(p.commands[0].elements[1].value.items.size(), 2u);
}

TEST(LexerTest, EmptyParenthesesAreAnError) {
  EXPECT_TRUE(contains(parseError("Set-X ()"), "'()' at column 7 is empty; write @()"));
}

TEST(LexerTest, UnterminatedArraySubexpressionNamesWhereItStarted) {
  EXPECT_TRUE(contains(parseError("Set-X -Domains @('a.com', 'b.com'"),
                       "unterminated '@(' starting at column 16: @('a.com', 'b.com' (close it "
                       "with ')')"));
  EXPECT_TRUE(contains(parseError("Set-X @(a, @(b"), "unterminated '@(' starting at column 12"));
}

TEST(LexerTest, UnterminatedParenthesisNamesWhereItStarted) {
  EXPECT_TRUE(contains(parseError("Set-X (a, b"), "unterminated '(' starting at column 7"));
}

TEST(LexerTest, UnexpectedTextInsideArraySubexpression) {
  EXPECT_TRUE(contains(parseError("Set-X @(a b)"),
                       "unexpected 'b' at column 11; inside the '@(' at column 7, separate "
                       "items with ','"));
}

TEST(LexerTest, StrayClosingBracketsAreErrors) {
  EXPECT_TRUE(contains(parseError("Set-X a)"), "unexpected ')' at column 8"));
  EXPECT_TRUE(contains(parseError("Set-X }"), "unexpected '}' at column 7"));
}

TEST(LexerTest, ScriptBlockIsNotSupported) {
  EXPECT_TRUE(contains(parseError("Get-CsUser -Filter {DisplayName -eq 'x'}"),
                       "script block '{' at column 20 is not supported"));
}

// ---- hash tables ----

TEST(LexerTest, HashTableEntriesAreSeparatedBySemicolons) {
  const Pipeline p =
      parseOne("Set-X -D @{ Add = a.com; 'Remove' = \"b.com\", c.com ; Replace=@() }");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 2u);
  const RawValue& hash = p.commands[0].elements[1].value;
  ASSERT_EQ(hash.kind, Kind::Hash);
  ASSERT_EQ(hash.entries.size(), 3u);
  EXPECT_EQ(hash.entries[0].first, "Add");
  EXPECT_EQ(hash.entries[0].second.kind, Kind::Bare);
  EXPECT_EQ(hash.entries[0].second.text, "a.com");
  EXPECT_EQ(hash.entries[1].first, "Remove");
  ASSERT_EQ(hash.entries[1].second.kind, Kind::Array);
  EXPECT_EQ(hash.entries[1].second.items.size(), 2u);
  EXPECT_EQ(hash.entries[2].first, "Replace");
  EXPECT_EQ(hash.entries[2].second.kind, Kind::Array);
}

TEST(LexerTest, HashTableEntriesMaySitOnSeparateLines) {
  auto result = parseScript(
      "Set-X -D @{\n"
      "  Add = 'a.com',\n"
      "        'b.com'   # wrapped list\n"
      "  Remove = 'c.com'\n"
      "}; Get-Y");
  ASSERT_TRUE(result) << result.error().detail;
  ASSERT_EQ(result->size(), 2u);
  const RawValue& hash = (*result)[0].commands[0].elements[1].value;
  ASSERT_EQ(hash.entries.size(), 2u);
  EXPECT_EQ(hash.entries[0].second.items.size(), 2u);
  EXPECT_EQ(hash.entries[1].first, "Remove");
}

TEST(LexerTest, EmptyHashTable) {
  const Pipeline p = parseOne("Set-X @{}");
  ASSERT_EQ(p.commands.size(), 1u);
  EXPECT_EQ(p.commands[0].elements[0].value.kind, Kind::Hash);
  EXPECT_TRUE(p.commands[0].elements[0].value.entries.empty());
}

TEST(LexerTest, HashKeyWithoutEqualsIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X @{Add \"a\"}"),
                       "hash key 'Add' at column 9 must be followed by '=' and a value"));
}

TEST(LexerTest, HashKeyWithoutValueIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X @{Add=}"), "'Add =' at column 12 needs a value"));
}

TEST(LexerTest, DuplicateHashKeyIsAnError) {
  EXPECT_TRUE(contains(parseError("Set-X @{Add=a; add=b}"),
                       "duplicate key 'add' at column 16 in the '@{' at column 7"));
}

TEST(LexerTest, UnterminatedHashTableNamesWhereItStarted) {
  EXPECT_TRUE(contains(parseError("Set-X -D @{Add=\"a\""),
                       "unterminated '@{' starting at column 10: @{Add=\"a\" (close it with "
                       "'}')"));
}

// ---- placeholders ----

TEST(LexerTest, PlaceholderKeepsSpacesQuotesAndSeparators) {
  const Pipeline p = parseOne("Set-X -Identity <a \"b\" c; d | e.f> -Y");
  ASSERT_EQ(p.commands.size(), 1u);
  ASSERT_EQ(p.commands[0].elements.size(), 3u);
  expectValue(p.commands[0].elements[1], Kind::Placeholder, "<a \"b\" c; d | e.f>");
  expectParameter(p.commands[0].elements[2], "Y");
}

TEST(LexerTest, PlaceholderInsideAWordMakesItAPlaceholder) {
  const Pipeline p = parseOne("Get-CsUser -Identity sip:<user>@contoso.test");
  ASSERT_EQ(p.commands.size(), 1u);
  expectValue(p.commands[0].elements[1], Kind::Placeholder, "sip:<user>@contoso.test");
}

TEST(LexerTest, UnterminatedPlaceholderIsAnError) {
  const std::string message = parseError("Set-X -Identity <name of policy\n-Force");
  EXPECT_TRUE(contains(message,
                       "unterminated placeholder starting at line 1, column 17: "
                       "<name of policy"));
}

TEST(LexerTest, RedirectionIsNotSupported) {
  EXPECT_TRUE(contains(parseError("Get-CsUser > users.txt"),
                       "redirection is not supported: '>' at column 12"));
  EXPECT_TRUE(contains(parseError("Get-CsUser >> users.txt"), "redirection is not supported"));
  EXPECT_TRUE(
      contains(parseError("Get-CsUser 2>&1"), "redirection is not supported: '2>&1' at column 12"));
  EXPECT_TRUE(contains(parseError("Get-CsUser -Identity a>b"), "redirection is not supported"));
}

TEST(LexerTest, HereStringIsNotSupported) {
  EXPECT_TRUE(contains(parseError("Set-X @\"\nabc\n\"@"), "here-string"));
}

// ---- bounds ----

std::string nested(int depth, std::string_view open, std::string_view close) {
  std::string text = "Set-X ";
  for (int i = 0; i < depth; ++i) {
    text += open;
  }
  text += "a";
  for (int i = 0; i < depth; ++i) {
    text += close;
  }
  return text;
}

TEST(LexerTest, NestingOfSixteenLevelsIsAccepted) {
  const Pipeline p = parseOne(nested(16, "@(", ")"));
  ASSERT_EQ(p.commands.size(), 1u);
  const RawValue* value = &p.commands[0].elements[0].value;
  int depth = 0;
  while (value->kind == Kind::Array && value->items.size() == 1) {
    value = &value->items[0];
    ++depth;
  }
  EXPECT_EQ(depth, 16);
  EXPECT_EQ(value->text, "a");
}

TEST(LexerTest, NestingDeeperThanSixteenIsAnError) {
  EXPECT_TRUE(
      contains(parseError(nested(17, "@(", ")")), "nesting deeper than 16 levels at column 39"));
  EXPECT_TRUE(contains(parseError(nested(17, "@{a=", "}")), "nesting deeper than 16"));
  EXPECT_TRUE(contains(parseError(nested(17, "(", ")")), "nesting deeper than 16"));
  EXPECT_TRUE(contains(parseError(nested(9, "@(@{k=", "})")), "nesting deeper than 16"));
}

TEST(LexerTest, VeryDeepNestingFailsWithoutRecursingDeeply) {
  EXPECT_TRUE(contains(parseError(nested(200000, "@(", ")")), "nesting deeper than 16"));
  EXPECT_TRUE(contains(parseError(std::string("Set-X ") + std::string(300000, '(')),
                       "nesting deeper than 16"));
}

TEST(LexerTest, ScriptOf64MebibytesIsAccepted) {
  std::string script = "Get-CsUser # ";
  script.resize(std::size_t{64} * 1024 * 1024, 'x');
  auto result = parseScript(script);
  ASSERT_TRUE(result) << result.error().detail;
  EXPECT_EQ(result->size(), 1u);
}

TEST(LexerTest, ScriptOver64MebibytesIsRejected) {
  std::string script = "Get-CsUser # ";
  script.resize(std::size_t{64} * 1024 * 1024 + 1, 'x');
  EXPECT_TRUE(contains(parseError(script),
                       "script is 67108865 bytes; the limit is 67108864 bytes (64 MiB)"));
}

TEST(LexerTest, ManyStatementsParseInOnePass) {
  std::string script;
  for (int i = 0; i < 10000; ++i) {
    script += "Grant-CsExternalAccessPolicy -Identity user" + std::to_string(i) +
              "@contoso.test -PolicyName FedPic\n";
  }
  auto result = parseScript(script);
  ASSERT_TRUE(result) << result.error().detail;
  EXPECT_EQ(result->size(), 10000u);
  EXPECT_EQ(result->back().commands[0].elements[1].value.text, "user9999@contoso.test");
}

TEST(LexerTest, LongOffendingTextIsShortenedInMessages) {
  const std::string message = parseError("Set-X '" + std::string(500, 'a'));
  EXPECT_LT(message.size(), 200u);
  EXPECT_TRUE(contains(message, "..."));
}

}  // namespace
}  // namespace xfed::admin
