// SPDX-License-Identifier: Apache-2.0
#include "net/dns/srv.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "net/dns/dns_test_support.h"

namespace xfed::net::dns {
namespace {

using testing::ScriptedRandom;

SrvRecord rr(std::uint16_t priority, std::uint16_t weight, std::string target,
             std::uint16_t port = 5269) {
  return SrvRecord{priority, weight, port, std::move(target)};
}

std::vector<std::string> targetsOf(const std::vector<SrvRecord>& records) {
  std::vector<std::string> targets;
  for (const SrvRecord& record : records) {
    targets.push_back(record.target);
  }
  return targets;
}

using Names = std::vector<std::string>;

// --- RFC 2782 ordering ------------------------------------------------------------------------

TEST(OrderSrvTest, OrdersByAscendingPriorityWithoutDrawsWhenEachPriorityHasOneRecord) {
  ScriptedRandom random;  // no draw allowed
  auto ordered = orderSrv({rr(20, 5, "b"), rr(10, 5, "a"), rr(30, 0, "c")}, random);
  EXPECT_EQ(targetsOf(ordered), (Names{"a", "b", "c"}));
  EXPECT_TRUE(random.bounds().empty());
}

TEST(OrderSrvTest, PicksTheFirstRecordWhoseRunningSumReachesTheDraw) {
  // Weights 60, 30, 10: running sums 60, 90, 100. Draw 75 -> b; then a (60), c (70): 65 -> c.
  ScriptedRandom random({75, 65});
  auto ordered = orderSrv({rr(10, 60, "a"), rr(10, 30, "b"), rr(10, 10, "c")}, random);
  EXPECT_EQ(targetsOf(ordered), (Names{"b", "c", "a"}));
  EXPECT_EQ(random.bounds(), (std::vector<std::uint32_t>{100, 70}));  // "0 to sum, inclusive"
}

TEST(OrderSrvTest, RunningSumBoundaryIsInclusive) {
  {
    ScriptedRandom random({60, 30});  // 60 >= 60: a; then b (30), c (40): 30 >= 30: b
    auto ordered = orderSrv({rr(10, 60, "a"), rr(10, 30, "b"), rr(10, 10, "c")}, random);
    EXPECT_EQ(targetsOf(ordered), (Names{"a", "b", "c"}));
  }
  {
    ScriptedRandom random({61, 70});  // 61 > 60: b; then a (60), c (70): 70 -> c
    auto ordered = orderSrv({rr(10, 60, "a"), rr(10, 30, "b"), rr(10, 10, "c")}, random);
    EXPECT_EQ(targetsOf(ordered), (Names{"b", "c", "a"}));
  }
}

TEST(OrderSrvTest, WeightZeroRecordsArePlacedFirstAndWinOnlyADrawOfZero) {
  {
    ScriptedRandom random({0});  // arrangement: z (running 0), a (5); draw 0 -> z
    auto ordered = orderSrv({rr(10, 5, "a"), rr(10, 0, "z")}, random);
    EXPECT_EQ(targetsOf(ordered), (Names{"z", "a"}));
  }
  {
    ScriptedRandom random({1});  // draw 1 -> a; z is left alone (no draw)
    auto ordered = orderSrv({rr(10, 5, "a"), rr(10, 0, "z")}, random);
    EXPECT_EQ(targetsOf(ordered), (Names{"a", "z"}));
    EXPECT_TRUE(random.exhausted());
    EXPECT_EQ(random.bounds().size(), 1u);
  }
}

TEST(OrderSrvTest, OnlyTheFirstOfSeveralWeightZeroRecordsCanWinADraw) {
  // Arrangement z1, z2, a; running sums 0, 0, 10. Draw 0 -> z1. Then z2, a: draw 0 -> z2.
  ScriptedRandom random({0, 0});
  auto ordered = orderSrv({rr(10, 0, "z1"), rr(10, 10, "a"), rr(10, 0, "z2")}, random);
  EXPECT_EQ(targetsOf(ordered), (Names{"z1", "z2", "a"}));

  // Draw 4 -> a; z1 and z2 then have a weight sum of 0 and keep the order given (no draw).
  ScriptedRandom other({4});
  auto second = orderSrv({rr(10, 0, "z1"), rr(10, 10, "a"), rr(10, 0, "z2")}, other);
  EXPECT_EQ(targetsOf(second), (Names{"a", "z1", "z2"}));
  EXPECT_EQ(other.bounds(), (std::vector<std::uint32_t>{10}));
}

TEST(OrderSrvTest, AllWeightZeroKeepsTheGivenOrderWithoutDraws) {
  ScriptedRandom random;
  auto ordered = orderSrv({rr(10, 0, "c"), rr(10, 0, "a"), rr(10, 0, "b")}, random);
  EXPECT_EQ(targetsOf(ordered), (Names{"c", "a", "b"}));
  EXPECT_TRUE(random.bounds().empty());
}

TEST(OrderSrvTest, WeightsNeverCrossPriorities) {
  // The heavy record of priority 20 always comes after every record of priority 10.
  ScriptedRandom random({1});
  auto ordered =
      orderSrv({rr(20, 65535, "heavy"), rr(10, 1, "light1"), rr(10, 1, "light2")}, random);
  EXPECT_EQ(targetsOf(ordered), (Names{"light1", "light2", "heavy"}));
  EXPECT_EQ(random.bounds(), (std::vector<std::uint32_t>{2}));
}

TEST(OrderSrvTest, EmptyAndSingleRecordNeedNoDraws) {
  ScriptedRandom random;
  EXPECT_TRUE(orderSrv({}, random).empty());
  EXPECT_EQ(targetsOf(orderSrv({rr(0, 100, "only")}, random)), (Names{"only"}));
  EXPECT_TRUE(random.bounds().empty());
}

TEST(OrderSrvTest, FirstPicksFollowTheWeightsStatistically) {
  // Weights 60/30/10 over 10,000 orderings with a fixed seed. The inclusive draw over 0..100
  // gives a 61/101, b 30/101, c 10/101 for the first place.
  SeededRandom random(20260101);
  std::map<std::string, int> first;
  constexpr int kRuns = 10'000;
  for (int i = 0; i < kRuns; ++i) {
    auto ordered = orderSrv({rr(10, 60, "a"), rr(10, 30, "b"), rr(10, 10, "c")}, random);
    ++first[ordered.front().target];
  }
  EXPECT_NEAR(first["a"] / double(kRuns), 61.0 / 101, 0.02);
  EXPECT_NEAR(first["b"] / double(kRuns), 30.0 / 101, 0.02);
  EXPECT_NEAR(first["c"] / double(kRuns), 10.0 / 101, 0.02);
}

TEST(OrderSrvTest, WeightZeroRecordIsRarelyFirstAmongWeightedOnes) {
  // RFC 2782: "records with weight 0 should have a very small chance of being selected".
  SeededRandom random(7);
  int zero_first = 0;
  constexpr int kRuns = 10'000;
  for (int i = 0; i < kRuns; ++i) {
    if (orderSrv({rr(10, 99, "a"), rr(10, 0, "z")}, random).front().target == "z") {
      ++zero_first;
    }
  }
  EXPECT_NEAR(zero_first / double(kRuns), 1.0 / 100, 0.005);  // the draw 0 of 0..99
}

TEST(SeededRandomTest, StaysWithinTheInclusiveBound) {
  SeededRandom random(1);
  bool saw_max = false;
  for (int i = 0; i < 1000; ++i) {
    std::uint32_t draw = random.uniform(3);
    ASSERT_LE(draw, 3u);
    saw_max = saw_max || draw == 3;
  }
  EXPECT_TRUE(saw_max);
  EXPECT_EQ(random.uniform(0), 0u);
}

// --- XEP-0368 merging --------------------------------------------------------------------------

ServiceTarget tls(std::string host, std::uint16_t port = 5270) {
  return {std::move(host), port, true};
}
ServiceTarget starttls(std::string host, std::uint16_t port = 5269) {
  return {std::move(host), port, false};
}

TEST(MergeXmppServicesTest, MixesPrioritiesOfBothKinds) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices(
      "example.net", {rr(5, 0, "tls.example.net", 5270), rr(20, 0, "tls2.example.net", 443)},
      {rr(10, 0, "xmpp.example.net", 5269)}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::Available);
  EXPECT_EQ(merged.targets,
            (std::vector<ServiceTarget>{tls("tls.example.net"), starttls("xmpp.example.net"),
                                        tls("tls2.example.net", 443)}));
}

TEST(MergeXmppServicesTest, LowerPriorityStarttlsComesBeforeDirectTls) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {rr(20, 100, "tls.example.net", 5270)},
                                            {rr(10, 0, "xmpp.example.net")}, random);
  EXPECT_EQ(merged.targets,
            (std::vector<ServiceTarget>{starttls("xmpp.example.net"), tls("tls.example.net")}));
}

TEST(MergeXmppServicesTest, TieWithinAPriorityIsDecidedByTheWeightDrawNotTheKind) {
  // One record set (XEP-0368 §3): arrangement tls (running 50), xmpp (100).
  {
    ScriptedRandom random({30});
    MergedServices merged = mergeXmppServices("example.net", {rr(10, 50, "tls.example.net", 5270)},
                                              {rr(10, 50, "xmpp.example.net")}, random);
    EXPECT_EQ(merged.targets,
              (std::vector<ServiceTarget>{tls("tls.example.net"), starttls("xmpp.example.net")}));
    EXPECT_EQ(random.bounds(), (std::vector<std::uint32_t>{100}));
  }
  {
    ScriptedRandom random({80});
    MergedServices merged = mergeXmppServices("example.net", {rr(10, 50, "tls.example.net", 5270)},
                                              {rr(10, 50, "xmpp.example.net")}, random);
    EXPECT_EQ(merged.targets,
              (std::vector<ServiceTarget>{starttls("xmpp.example.net"), tls("tls.example.net")}));
  }
}

TEST(MergeXmppServicesTest, WeightedStarttlsCanBeatWeightZeroDirectTls) {
  // Weight 0 goes first in the arrangement but wins only the draw 0.
  ScriptedRandom random({1});
  MergedServices merged = mergeXmppServices("example.net", {rr(10, 0, "tls.example.net", 5270)},
                                            {rr(10, 10, "xmpp.example.net")}, random);
  EXPECT_EQ(merged.targets,
            (std::vector<ServiceTarget>{starttls("xmpp.example.net"), tls("tls.example.net")}));
}

TEST(MergeXmppServicesTest, WeightZeroTieTakesDirectTlsFirstWithoutADraw) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {rr(10, 0, "tls.example.net", 5270)},
                                            {rr(10, 0, "xmpp.example.net")}, random);
  EXPECT_EQ(merged.targets,
            (std::vector<ServiceTarget>{tls("tls.example.net"), starttls("xmpp.example.net")}));
  EXPECT_TRUE(random.bounds().empty());
}

TEST(MergeXmppServicesTest, TiesSplitByWeightStatistically) {
  // 30 direct TLS vs 70 STARTTLS in one priority: direct TLS first with 31/101.
  SeededRandom random(99);
  int direct_first = 0;
  constexpr int kRuns = 10'000;
  for (int i = 0; i < kRuns; ++i) {
    MergedServices merged =
        mergeXmppServices("example.net", {rr(10, 30, "tls", 5270)}, {rr(10, 70, "xmpp")}, random);
    direct_first += merged.targets.front().direct_tls ? 1 : 0;
  }
  EXPECT_NEAR(direct_first / double(kRuns), 31.0 / 101, 0.02);
}

TEST(MergeXmppServicesTest, DotForStarttlsAloneMeansNoService) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {}, {rr(0, 0, ".", 0)}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::NotAvailable);
  EXPECT_TRUE(merged.targets.empty());
}

TEST(MergeXmppServicesTest, DotForDirectTlsLeavesStarttlsRecords) {
  ScriptedRandom random;
  MergedServices merged =
      mergeXmppServices("example.net", {rr(0, 0, ".", 0)}, {rr(10, 0, "xmpp.example.net")}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::Available);
  EXPECT_EQ(merged.targets, (std::vector<ServiceTarget>{starttls("xmpp.example.net")}));
}

TEST(MergeXmppServicesTest, DotForDirectTlsWithoutStarttlsRecordsForbidsTheFallback) {
  // XEP-0368 §4: after "." for _xmpps-server, no A/AAAA fallback.
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {rr(0, 0, ".", 0)}, {}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::NotAvailable);
  EXPECT_TRUE(merged.targets.empty());
}

TEST(MergeXmppServicesTest, DotForStarttlsLeavesDirectTlsRecords) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {rr(5, 0, "tls.example.net", 5270)},
                                            {rr(0, 0, ".", 0)}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::Available);
  EXPECT_EQ(merged.targets, (std::vector<ServiceTarget>{tls("tls.example.net")}));
}

TEST(MergeXmppServicesTest, DotForBothMeansNoService) {
  ScriptedRandom random;
  MergedServices merged =
      mergeXmppServices("example.net", {rr(0, 0, ".", 0)}, {rr(0, 0, ".", 0)}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::NotAvailable);
}

TEST(MergeXmppServicesTest, DotMixedWithRealRecordsIsIgnored) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices(
      "example.net", {}, {rr(0, 0, ".", 0), rr(10, 0, "xmpp.example.net")}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::Available);
  EXPECT_EQ(merged.targets, (std::vector<ServiceTarget>{starttls("xmpp.example.net")}));
  EXPECT_FALSE(isServiceDeclined({rr(0, 0, ".", 0), rr(10, 0, "xmpp.example.net")}));
  EXPECT_TRUE(isServiceDeclined({rr(0, 0, ".", 0)}));
  EXPECT_FALSE(isServiceDeclined({}));
}

TEST(MergeXmppServicesTest, NoRecordsAtAllFallsBackToTheDomainOn5269WithStarttls) {
  ScriptedRandom random;
  MergedServices merged = mergeXmppServices("example.net", {}, {}, random);
  EXPECT_EQ(merged.availability, ServiceAvailability::NoSrvRecords);
  EXPECT_EQ(merged.targets, (std::vector<ServiceTarget>{starttls("example.net", 5269)}));
}

TEST(MergeXmppServicesTest, TrailingDotOfTargetsIsRemoved) {
  ScriptedRandom random;
  MergedServices merged =
      mergeXmppServices("example.net", {}, {rr(10, 0, "xmpp.example.net.")}, random);
  EXPECT_EQ(merged.targets, (std::vector<ServiceTarget>{starttls("xmpp.example.net")}));
}

}  // namespace
}  // namespace xfed::net::dns
