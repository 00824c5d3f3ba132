// SPDX-License-Identifier: Apache-2.0
// The libunbound settings an UnboundConfig turns into (no lookups; see
// tests/integration/dns_resolver_test.cc for the resolver against a real DNS server).
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "core/errors.h"
#include "net/dns/errors.h"
#include "net/dns/unbound_resolver.h"

namespace xfed::net::dns {
namespace {

using Settings = std::vector<UnboundSetting>;

TEST(UnboundSettingsTest, TestSetupForwardsToLoopbackOnlyWithoutValidation) {
  UnboundConfig config;
  config.forwarders = {"127.53.0.1@5353"};
  config.transparent_zones = {"Test."};
  core::Result<Settings> settings = unboundSettings(config);
  ASSERT_TRUE(settings) << settings.error().detail;
  EXPECT_EQ(*settings, (Settings{{"forward-addr", "127.53.0.1@5353"},
                                 {"do-not-query-localhost:", "no"},
                                 {"module-config:", "iterator"},
                                 {"local-zone:", "test. transparent"}}));
}

TEST(UnboundSettingsTest, ValidationUsesTheTrustAnchorAndExemptsTestZones) {
  UnboundConfig config;
  config.forwarders = {"192.0.2.53"};
  config.transparent_zones = {"test"};
  config.trust_anchor_file = "/var/lib/unbound/root.key";
  config.hosts_file = "/tmp/hosts";
  config.extra_options = {{"edns-buffer-size:", "1232"}};
  core::Result<Settings> settings = unboundSettings(config);
  ASSERT_TRUE(settings) << settings.error().detail;
  EXPECT_EQ(*settings, (Settings{{"forward-addr", "192.0.2.53"},
                                 {"auto-trust-anchor-file", "/var/lib/unbound/root.key"},
                                 {"local-zone:", "test. transparent"},
                                 {"domain-insecure:", "test."},
                                 {"hosts", "/tmp/hosts"},
                                 {"edns-buffer-size:", "1232"}}));
}

TEST(UnboundSettingsTest, LoopbackIsAllowedOnRequestOrForIpv6Loopback) {
  UnboundConfig config;
  config.forwarders = {"::1@5300"};
  core::Result<Settings> v6 = unboundSettings(config);
  ASSERT_TRUE(v6);
  EXPECT_EQ((*v6)[1], (UnboundSetting{"do-not-query-localhost:", "no"}));

  UnboundConfig no_loopback;
  no_loopback.forwarders = {"192.0.2.53@53"};
  core::Result<Settings> remote = unboundSettings(no_loopback);
  ASSERT_TRUE(remote);
  for (const UnboundSetting& setting : *remote) {
    EXPECT_NE(setting.option, "do-not-query-localhost:");
  }
}

TEST(UnboundSettingsTest, RejectsBadValues) {
  std::vector<UnboundConfig> bad(6);
  bad[0].forwarders = {"localhost@53"};
  bad[1].forwarders = {"127.0.0.1@0"};
  bad[2].forwarders = {"127.0.0.1@53x"};
  bad[3].transparent_zones = {"bad zone"};
  bad[4].query_deadline = std::chrono::milliseconds(0);
  bad[5].extra_options = {{"verbosity", "1"}};
  for (const UnboundConfig& config : bad) {
    core::Result<Settings> settings = unboundSettings(config);
    ASSERT_FALSE(settings);
    EXPECT_EQ(settings.error().code, core::make_error_code(core::Errc::InvalidArgument));
  }
}

TEST(UnboundResolverTest, CreateReportsOptionsThatLibunboundRejects) {
  asio::io_context io;
  UnboundConfig config;
  config.extra_options = {{"no-such-option:", "1"}};
  auto resolver = UnboundResolver::create(io.get_executor(), config);
  ASSERT_FALSE(resolver);
  EXPECT_TRUE(isDnsError(resolver.error(), DnsErrc::ResolverFailure)) << resolver.error().detail;
}

}  // namespace
}  // namespace xfed::net::dns
