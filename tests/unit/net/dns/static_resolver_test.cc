// SPDX-License-Identifier: Apache-2.0
#include "net/dns/static_resolver.h"

#include <chrono>

#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "net/dns/errors.h"
#include "net/dns/dns_test_support.h"

namespace xfed::net::dns {
namespace {

using namespace std::chrono_literals;
using testing::runBounded;

TEST(StaticResolverTest, AnswersConfiguredRecordsAndEmptyForUnknownNames) {
  asio::io_context io;
  StaticResolver resolver;
  resolver.setSrv("_xmpp-server._tcp.Example.NET.", {{10, 0, 5269, "xmpp.example.net"}});
  resolver.setAddresses("xmpp.example.net", {"192.0.2.1"});

  auto srv = runBounded(io, resolver.srv("_xmpp-server._tcp.example.net"));
  ASSERT_TRUE(srv && *srv);
  EXPECT_EQ(**srv, (std::vector<SrvRecord>{{10, 0, 5269, "xmpp.example.net"}}));

  auto unknown = runBounded(io, resolver.srv("_xmpp-server._tcp.unknown.example"));
  ASSERT_TRUE(unknown && *unknown);
  EXPECT_TRUE((*unknown)->empty());

  auto addresses = runBounded(io, resolver.addresses("XMPP.example.net"));
  ASSERT_TRUE(addresses && *addresses);
  EXPECT_EQ(**addresses, (std::vector<std::string>{"192.0.2.1"}));
  EXPECT_EQ(resolver.queries(), (std::vector<std::string>{"SRV _xmpp-server._tcp.example.net",
                                                          "SRV _xmpp-server._tcp.unknown.example",
                                                          "ADDR xmpp.example.net"}));
}

TEST(StaticResolverTest, LiteralAddressesNeedNoLookup) {
  asio::io_context io;
  StaticResolver resolver;
  auto v6 = runBounded(io, resolver.addresses("[2001:db8::5]"));
  ASSERT_TRUE(v6 && *v6);
  EXPECT_EQ(**v6, (std::vector<std::string>{"2001:db8::5"}));
  EXPECT_TRUE(resolver.queries().empty());
}

TEST(StaticResolverTest, InjectedErrorsDelaysAndHangs) {
  asio::io_context io;
  StaticResolver resolver;
  resolver.setError("down.example", dnsError(DnsErrc::ServerFailure, "down.example: SERVFAIL"));
  resolver.setAddresses("slow.example", {"192.0.2.2"}).setDelay("slow.example", 30ms);
  resolver.setHang("stuck.example");

  auto down = runBounded(io, resolver.addresses("down.example"));
  ASSERT_TRUE(down);
  ASSERT_FALSE(*down);
  EXPECT_TRUE(isDnsError(down->error(), DnsErrc::ServerFailure));

  auto start = std::chrono::steady_clock::now();
  auto slow = runBounded(io, resolver.addresses("slow.example"));
  ASSERT_TRUE(slow && *slow);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);

  auto stuck = runBounded(io, resolver.addresses("stuck.example"), 5s, 20ms);  // then canceled
  ASSERT_TRUE(stuck);
  ASSERT_FALSE(*stuck);
  EXPECT_TRUE(isDnsError(stuck->error(), DnsErrc::Canceled));
}

TEST(StaticResolverTest, RejectsInvalidNames) {
  asio::io_context io;
  StaticResolver resolver;
  auto bad = runBounded(io, resolver.srv("bad name"));
  ASSERT_TRUE(bad);
  ASSERT_FALSE(*bad);
  EXPECT_TRUE(isDnsError(bad->error(), DnsErrc::InvalidName));
}

}  // namespace
}  // namespace xfed::net::dns
