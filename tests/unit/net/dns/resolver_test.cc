// SPDX-License-Identifier: Apache-2.0
#include "net/dns/resolver.h"

#include <chrono>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "net/dns/errors.h"
#include "net/dns/static_resolver.h"
#include "net/dns/dns_test_support.h"

namespace xfed::net::dns {
namespace {

using namespace std::chrono_literals;
using testing::runBounded;
using testing::ScriptedRandom;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kXmpps = "_xmpps-server._tcp.example.net";
constexpr std::string_view kXmpp = "_xmpp-server._tcp.example.net";

core::Error servfail(std::string_view name) {
  return dnsError(DnsErrc::ServerFailure, std::string(name) + ": SERVFAIL");
}

class ResolveServerTest : public ::testing::Test {
protected:
  std::optional<core::Result<ResolvedServer>> resolve(
      std::string domain, std::chrono::milliseconds deadline = kDefaultLookupDeadline,
      std::optional<std::chrono::milliseconds> cancel_after = {}) {
    return runBounded(io_,
                      resolveServer(resolver_, std::move(domain), random_, overrides_, deadline),
                      10s, cancel_after);
  }

  asio::io_context io_;
  StaticResolver resolver_;
  ScriptedRandom random_;
  Overrides overrides_;
};

TEST_F(ResolveServerTest, OverrideWinsWithoutAnyDnsQuery) {
  resolver_.setSrv(kXmpp, {{10, 0, 5269, "xmpp.example.net"}});
  overrides_.set("Example.NET.", {{"proxy.example.net", 5269, false}, {"192.0.2.7", 5270, true}});

  auto result = resolve("example.net");
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  const ResolvedServer& server = **result;
  EXPECT_EQ(server.source, TargetSource::Override);
  EXPECT_EQ(server.targets,
            (std::vector<ResolvedTarget>{{{"proxy.example.net", 5269, false}, {}},
                                         {{"192.0.2.7", 5270, true}, {"192.0.2.7"}}}));
  EXPECT_TRUE(resolver_.queries().empty());
}

TEST_F(ResolveServerTest, MergesBothSrvKindsLookedUpInParallel) {
  resolver_.setSrv(kXmpps, {{5, 0, 5270, "tls.example.net"}})
      .setSrv(kXmpp, {{10, 0, 5269, "xmpp.example.net."}});
  // Both answer after 200 ms; in parallel the whole takes ~200 ms, one after the other ~400.
  resolver_.setDelay(kXmpps, 200ms).setDelay(kXmpp, 200ms);

  Clock::time_point start = Clock::now();
  auto result = resolve("Example.NET");
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  EXPECT_EQ((*result)->source, TargetSource::Srv);
  EXPECT_EQ((*result)->domain, "example.net");
  EXPECT_EQ((*result)->targets,
            (std::vector<ResolvedTarget>{{{"tls.example.net", 5270, true}, {}},
                                         {{"xmpp.example.net", 5269, false}, {}}}));
  EXPECT_TRUE((*result)->degraded.empty());
  EXPECT_EQ(resolver_.queries(),
            (std::vector<std::string>{"SRV " + std::string(kXmpps), "SRV " + std::string(kXmpp)}));
  EXPECT_LT(elapsed, 390ms);
}

TEST_F(ResolveServerTest, FallsBackToTheDomainAddressesOn5269) {
  resolver_.setAddresses("example.net", {"2001:db8::1", "192.0.2.1"});
  auto result = resolve("example.net");
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  EXPECT_EQ((*result)->source, TargetSource::Fallback);
  EXPECT_EQ(
      (*result)->targets,
      (std::vector<ResolvedTarget>{{{"example.net", 5269, false}, {"2001:db8::1", "192.0.2.1"}}}));
}

TEST_F(ResolveServerTest, NoSrvAndNoAddressesIsNotFound) {
  auto result = resolve("nowhere.example");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::NotFound)) << result->error().detail;
}

TEST_F(ResolveServerTest, DotTargetMeansTheDomainHasNoXmppService) {
  resolver_.setSrv(kXmpp, {{0, 0, 0, "."}});
  resolver_.setAddresses("example.net", {"192.0.2.1"});  // must not be used
  auto result = resolve("example.net");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::NoService));
  EXPECT_EQ(result->error().code.message(), "domain has no XMPP service");
  EXPECT_EQ(resolver_.queries().size(), 2u);  // both SRV, no address lookup
}

TEST_F(ResolveServerTest, DotForDirectTlsWithoutStarttlsRecordsIsNoServiceNotFallback) {
  resolver_.setSrv(kXmpps, {{0, 0, 0, "."}});
  resolver_.setAddresses("example.net", {"192.0.2.1"});
  auto result = resolve("example.net");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::NoService));
}

TEST_F(ResolveServerTest, NxdomainOfBothSrvKindsFallsBackButServfailDoesNot) {
  resolver_.setError(kXmpp, servfail(kXmpp)).setError(kXmpps, servfail(kXmpps));
  resolver_.setAddresses("example.net", {"192.0.2.1"});
  auto result = resolve("example.net");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::ServerFailure));
  for (const std::string& query : resolver_.queries()) {
    EXPECT_NE(query, "ADDR example.net");
  }
}

TEST_F(ResolveServerTest, ServfailOfOneKindWithNxdomainOfTheOtherIsAnError) {
  // The failed kind may hold records: neither "no records" (fallback) nor "." may be assumed.
  resolver_.setError(kXmpps, servfail(kXmpps));
  resolver_.setAddresses("example.net", {"192.0.2.1"});
  auto result = resolve("example.net");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::ServerFailure));
  EXPECT_EQ(resolver_.queries().size(), 2u);
}

TEST_F(ResolveServerTest, ServfailOfOneKindStillUsesTheOtherKindAndReportsIt) {
  resolver_.setError(kXmpps, servfail(kXmpps)).setSrv(kXmpp, {{10, 0, 5269, "xmpp.example.net"}});
  auto result = resolve("example.net");
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  EXPECT_EQ((*result)->targets,
            (std::vector<ResolvedTarget>{{{"xmpp.example.net", 5269, false}, {}}}));
  ASSERT_EQ((*result)->degraded.size(), 1u);
  EXPECT_TRUE(isDnsError((*result)->degraded.front(), DnsErrc::ServerFailure));
}

TEST_F(ResolveServerTest, AFailedFallbackAddressLookupIsAnError) {
  resolver_.setError("example.net", servfail("example.net"));
  auto result = resolve("example.net");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::ServerFailure));
}

TEST_F(ResolveServerTest, DeadlineEndsAHangingSrvLookup) {
  resolver_.setHang(kXmpp);
  Clock::time_point start = Clock::now();
  auto result = resolve("example.net", 50ms);
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::Timeout)) << result->error().detail;
  EXPECT_NE(result->error().detail.find(kXmpp), std::string::npos) << result->error().detail;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(ResolveServerTest, DeadlineEndsAHangingFallbackAddressLookup) {
  resolver_.setHang("example.net");
  auto result = resolve("example.net", 50ms);
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::Timeout)) << result->error().detail;
}

TEST_F(ResolveServerTest, AnswersWithinTheDeadlineAreUsed) {
  resolver_.setSrv(kXmpp, {{10, 0, 5269, "xmpp.example.net"}}).setDelay(kXmpp, 20ms);
  auto result = resolve("example.net", 5s);
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  EXPECT_EQ((*result)->targets.size(), 1u);
}

TEST_F(ResolveServerTest, CancelingTheCallerEndsTheLookupsAtOnce) {
  resolver_.setHang(kXmpp).setHang(kXmpps);
  Clock::time_point start = Clock::now();
  auto result = resolve("example.net", 10s, 20ms);
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::Canceled)) << result->error().detail;
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(ResolveServerTest, LiteralAddressDomainIsItsOwnTarget) {
  auto v4 = resolve("192.0.2.9");
  ASSERT_TRUE(v4 && *v4);
  EXPECT_EQ((*v4)->targets,
            (std::vector<ResolvedTarget>{{{"192.0.2.9", 5269, false}, {"192.0.2.9"}}}));
  auto v6 = resolve("[2001:DB8::9]");
  ASSERT_TRUE(v6 && *v6);
  EXPECT_EQ((*v6)->targets.front().addresses, (std::vector<std::string>{"2001:db8::9"}));
  EXPECT_TRUE(resolver_.queries().empty());
}

TEST_F(ResolveServerTest, InvalidDomainIsRejectedWithoutQueries) {
  auto result = resolve("not a domain");
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::InvalidName));
  EXPECT_TRUE(resolver_.queries().empty());
}

TEST_F(ResolveServerTest, SrvTargetsAreOrderedWithTheGivenRandomSource) {
  resolver_.setSrv(kXmpp, {{10, 60, 5269, "a.example.net"}, {10, 40, 5269, "b.example.net"}});
  random_ = ScriptedRandom({61});  // 61 > 60: b first
  auto result = resolve("example.net");
  ASSERT_TRUE(result && *result);
  EXPECT_EQ((*result)->targets.front().service.host, "b.example.net");
}

// --- Overrides and target lists ---------------------------------------------------------------

TEST(OverridesTest, MatchesDomainsCaseInsensitively) {
  Overrides overrides;
  overrides.set("Partner.Example.", {{"proxy.partner.example", 5269, false}});
  ASSERT_NE(overrides.find("partner.example"), nullptr);
  ASSERT_NE(overrides.find("PARTNER.example."), nullptr);
  EXPECT_EQ(overrides.find("other.example"), nullptr);
}

TEST(ParseTargetListTest, ParsesHostsPortsAndBracketedIpv6) {
  core::Result<std::vector<ServiceTarget>> targets =
      parseTargetList("Proxy.Example.net:5270, 192.0.2.7 [2001:db8::7]:5271,[2001:db8::8]");
  ASSERT_TRUE(targets) << targets.error().detail;
  EXPECT_EQ(*targets, (std::vector<ServiceTarget>{{"proxy.example.net", 5270, false},
                                                  {"192.0.2.7", 5269, false},
                                                  {"2001:db8::7", 5271, false},
                                                  {"2001:db8::8", 5269, false}}));
}

TEST(ParseTargetListTest, RejectsBadEntries) {
  for (std::string_view text : {"", " , ", "host:0", "host:65536", "host:x", "2001:db8::1",
                                "[2001:db8::1", "[192.0.2.1]:5269", "bad_host!:5269"}) {
    core::Result<std::vector<ServiceTarget>> targets = parseTargetList(text);
    EXPECT_FALSE(targets) << "accepted '" << text << "'";
    if (!targets) {
      EXPECT_EQ(targets.error().code, core::make_error_code(core::Errc::InvalidArgument));
    }
  }
}

}  // namespace
}  // namespace xfed::net::dns
