// SPDX-License-Identifier: Apache-2.0
// UnboundResolver against a real DNS server: dnsmasq on a loopback address of this test's own
// and a free port, serving a small zone under .test. Checks SRV, A/AAAA, NXDOMAIN, REFUSED,
// deadlines, cancellation and destruction, and that no DNS query leaves loopback: libunbound
// is configured with the loopback forwarder only, dnsmasq logs every query it gets, and
// (where strace can attach) every connect/sendto/sendmsg of this process goes to loopback.

#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <gtest/gtest.h>

#include "fakes/child_process.h"
#include "fakes/temp_dir.h"
#include "net/dns/dns_test_support.h"
#include "net/dns/errors.h"
#include "net/dns/resolver.h"
#include "net/dns/unbound_resolver.h"

namespace xfed::net::dns {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::runBounded;

constexpr auto kStartDeadline = 5s;
constexpr auto kStopDeadline = 5s;
constexpr auto kQueryDeadline = 3s;

std::optional<fs::path> findProgram(const std::string& name) {
  for (const char* dir :
       {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"}) {
    fs::path candidate = fs::path(dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return std::nullopt;
}

// 127.53.x.y, different for each test process so that parallel runs do not meet.
std::string loopbackForThisProcess(int host) {
  auto pid = static_cast<unsigned>(::getpid());
  return "127.53." + std::to_string((pid >> 8) & 0xff) + "." +
         std::to_string((pid + static_cast<unsigned>(host)) % 250 + 2);
}

std::string addressPrefix(const std::string& address) {
  return address.substr(0, address.rfind('.') + 1);
}

sockaddr_in socketAddress(const std::string& ip, std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &address.sin_addr);
  return address;
}

/** A UDP socket bound on ip:0 (optionally closed at once, leaving a port that is free now). */
class UdpSocket {
public:
  explicit UdpSocket(const std::string& ip) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in address = socketAddress(ip, 0);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
      socklen_t length = sizeof address;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
      port_ = ntohs(address.sin_port);
    }
  }
  ~UdpSocket() { ::close(fd_); }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;

  std::uint16_t port() const { return port_; }

private:
  int fd_;
  std::uint16_t port_ = 0;
};

bool tcpPortFree(const std::string& ip, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = socketAddress(ip, port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

bool tcpAccepts(const std::string& ip, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = socketAddress(ip, port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

std::string userName() {
  passwd* entry = ::getpwuid(::geteuid());
  return entry != nullptr ? entry->pw_name : "root";
}

std::string groupName() {
  group* entry = ::getgrgid(::getegid());
  return entry != nullptr ? entry->gr_name : "root";
}

/** dnsmasq serving the test zone on address:port, as a child process; stopped on destruction. */
class Dnsmasq {
public:
  Dnsmasq(const fs::path& binary, const fs::path& dir, std::string address)
      : dir_(dir), address_(std::move(address)), log_(dir / "queries.log") {
    std::string prefix = addressPrefix(address_);
    for (int attempt = 0; attempt < 5 && !child_; ++attempt) {
      std::uint16_t port = UdpSocket(address_).port();
      if (port == 0 || !tcpPortFree(address_, port)) {
        continue;
      }
      std::vector<std::string> args = {
          "--keep-in-foreground",
          "--conf-file=/dev/null",  // no /etc/dnsmasq.conf, no conf-dir
          "--listen-address=" + address_,
          "--bind-interfaces",
          "--port=" + std::to_string(port),
          "--no-resolv",  // no upstream servers: nothing is forwarded anywhere
          "--no-hosts",
          "--local=/test/",  // unknown .test names are NXDOMAIN, answered here
          "--user=" + userName(),
          "--group=" + groupName(),
          "--pid-file=" + (dir / "dnsmasq.pid").string(),
          "--log-queries",
          "--log-facility=" + log_.string(),
          "--srv-host=_xmpp-server._tcp.example.test,xmpp1.example.test,5269,10,60",
          "--srv-host=_xmpp-server._tcp.example.test,xmpp2.example.test,5269,10,40",
          "--srv-host=_xmpps-server._tcp.example.test,xmpp1.example.test,5270,5,0",
          "--srv-host=_xmpp-server._tcp.none.test",  // no target: "." (no service)
          "--host-record=xmpp1.example.test," + prefix + "10,fd00:53::10",
          "--host-record=xmpp2.example.test," + prefix + "11",
          "--host-record=plain.test," + prefix + "20,fd00:53::20",
      };
      auto child = std::make_unique<fakes::ChildProcess>(
          binary, args, dir / ("dnsmasq-" + std::to_string(attempt)));
      Clock::time_point deadline = Clock::now() + kStartDeadline;
      while (Clock::now() < deadline && !child->waitExit(0s) && !tcpAccepts(address_, port)) {
        std::this_thread::sleep_for(20ms);
      }
      if (!child->waitExit(0s) && tcpAccepts(address_, port)) {
        child_ = std::move(child);
        port_ = port;
      } else {
        start_errors_ += child->stderrText();
      }
    }
  }

  ~Dnsmasq() {
    if (child_) {
      child_->signal(SIGTERM);
      if (!child_->waitExit(kStopDeadline)) {
        child_->signal(SIGKILL);  // ChildProcess reaps it
      }
    }
  }

  bool running() const { return child_ != nullptr; }
  const std::string& startErrors() const { return start_errors_; }
  std::string forwarder() const { return address_ + "@" + std::to_string(port_); }
  const std::string& address() const { return address_; }

  /** The names dnsmasq was asked for ("query[SRV] name from 127.0.0.1"), with the sources. */
  std::vector<std::pair<std::string, std::string>> queries() const {
    std::vector<std::pair<std::string, std::string>> found;
    std::istringstream lines(fakes::readWholeFile(log_));
    static const std::regex kQuery(R"(query\[[A-Z0-9]+\] (\S+) from (\S+))");
    for (std::string line; std::getline(lines, line);) {
      std::smatch match;
      if (std::regex_search(line, match, kQuery)) {
        found.emplace_back(match[1], match[2]);
      }
    }
    return found;
  }

  /** Waits (bounded) until dnsmasq has logged a query for name. */
  bool waitForQuery(const std::string& name, Clock::duration timeout = 2s) const {
    Clock::time_point deadline = Clock::now() + timeout;
    do {
      for (const auto& [query, source] : queries()) {
        if (query == name) {
          return true;
        }
      }
      std::this_thread::sleep_for(10ms);
    } while (Clock::now() < deadline);
    return false;
  }

private:
  fs::path dir_;
  std::string address_;
  fs::path log_;
  std::uint16_t port_ = 0;
  std::unique_ptr<fakes::ChildProcess> child_;
  std::string start_errors_;
};

bool isLoopbackAddress(const std::string& text) {
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6) || (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
  }
  return false;
}

/**
 * strace attached to this very process (all threads, and threads created later), recording
 * connect, sendto, sendmsg and sendmmsg. Not available without strace or ptrace rights.
 */
class SyscallTrace {
public:
  SyscallTrace(const fs::path& strace, const fs::path& dir) : output_(dir / "strace.out") {
    std::vector<std::string> args = {"-f",
                                     "-e",
                                     "trace=connect,sendto,sendmsg,sendmmsg",
                                     "-o",
                                     output_.string(),
                                     "-p",
                                     std::to_string(::getpid())};
    child_ = std::make_unique<fakes::ChildProcess>(strace, args, dir / "strace");
    Clock::time_point deadline = Clock::now() + kStartDeadline;
    while (Clock::now() < deadline && !child_->waitExit(0s)) {
      if (child_->stderrText().find("attached") != std::string::npos) {
        attached_ = true;
        break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  ~SyscallTrace() { stop(); }

  bool attached() const { return attached_; }
  std::string why() const { return child_->stderrText(); }

  void stop() {
    if (child_ && !child_->waitExit(0s)) {
      child_->signal(SIGINT);  // detach
      if (!child_->waitExit(kStopDeadline)) {
        child_->signal(SIGKILL);
      }
    }
  }

  /** Every IPv4/IPv6 destination in the recorded calls. */
  std::vector<std::string> destinations() const {
    std::vector<std::string> found;
    std::string text = fakes::readWholeFile(output_);
    static const std::regex kV4(R"re(inet_addr\("([0-9.]+)"\))re");
    static const std::regex kV6(R"re(inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)")re");
    for (const std::regex* pattern : {&kV4, &kV6}) {
      for (auto it = std::sregex_iterator(text.begin(), text.end(), *pattern);
           it != std::sregex_iterator(); ++it) {
        found.push_back((*it)[1]);
      }
    }
    return found;
  }

  std::string text() const { return fakes::readWholeFile(output_); }

private:
  fs::path output_;
  std::unique_ptr<fakes::ChildProcess> child_;
  bool attached_ = false;
};

// connect() on UDP sockets only sets the default peer: no packet leaves.
void connectUdpWithoutSending(const std::set<std::string>& addresses) {
  for (const std::string& text : addresses) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (text.find(':') == std::string::npos) {
      sockaddr_in v4 = socketAddress(text, 53);
      std::memcpy(&storage, &v4, sizeof v4);
      length = sizeof v4;
    } else {
      sockaddr_in6 v6{};
      v6.sin6_family = AF_INET6;
      v6.sin6_port = htons(53);
      inet_pton(AF_INET6, text.c_str(), &v6.sin6_addr);
      std::memcpy(&storage, &v6, sizeof v6);
      length = sizeof v6;
    }
    int fd = ::socket(storage.ss_family, SOCK_DGRAM, 0);
    if (fd >= 0) {
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&storage), length);  // may fail: no route
      ::close(fd);
    }
  }
}

class DnsResolverTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::optional<fs::path> binary = findProgram("dnsmasq");
    if (!binary) {
      GTEST_SKIP() << "dnsmasq is not installed (apt-get install dnsmasq-base)";
    }
    dnsmasq_ = std::make_unique<Dnsmasq>(*binary, dir_.path(), loopbackForThisProcess(0));
    ASSERT_TRUE(dnsmasq_->running()) << "dnsmasq did not start: " << dnsmasq_->startErrors();
  }

  UnboundConfig testConfig() const {
    UnboundConfig config;
    config.forwarders = {dnsmasq_->forwarder()};
    config.transparent_zones = {"test"};
    config.query_deadline = kQueryDeadline;
    return config;
  }

  std::unique_ptr<UnboundResolver> makeResolver(const UnboundConfig& config) {
    auto resolver = UnboundResolver::create(io_.get_executor(), config);
    EXPECT_TRUE(resolver) << resolver.error().detail;
    return resolver ? std::move(resolver).value() : nullptr;
  }

  fakes::TempDir dir_;
  asio::io_context io_;
  std::unique_ptr<Dnsmasq> dnsmasq_;
};

std::vector<SrvRecord> sorted(std::vector<SrvRecord> records) {
  std::sort(records.begin(), records.end(),
            [](const SrvRecord& a, const SrvRecord& b) { return a.target < b.target; });
  return records;
}

TEST_F(DnsResolverTest, SrvRecordsArriveAsPublished) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  auto xmpp = runBounded(io_, resolver->srv("_xmpp-server._tcp.example.test"));
  ASSERT_TRUE(xmpp && *xmpp) << (*xmpp).error().detail;
  EXPECT_EQ(sorted(**xmpp), (std::vector<SrvRecord>{{10, 60, 5269, "xmpp1.example.test"},
                                                    {10, 40, 5269, "xmpp2.example.test"}}));
  auto none = runBounded(io_, resolver->srv("_xmpp-server._tcp.none.test"));
  ASSERT_TRUE(none && *none) << (*none).error().detail;
  ASSERT_EQ((*none)->size(), 1u);
  EXPECT_EQ((*none)->front().target, ".");
}

TEST_F(DnsResolverTest, AddressesComeInterleavedIpv6First) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  auto addresses = runBounded(io_, resolver->addresses("XMPP1.example.test."));
  ASSERT_TRUE(addresses && *addresses) << (*addresses).error().detail;
  std::string prefix = addressPrefix(dnsmasq_->address());
  EXPECT_EQ(**addresses, (std::vector<std::string>{"fd00:53::10", prefix + "10"}));

  auto v4_only = runBounded(io_, resolver->addresses("xmpp2.example.test"));
  ASSERT_TRUE(v4_only && *v4_only) << (*v4_only).error().detail;
  EXPECT_EQ(**v4_only, (std::vector<std::string>{prefix + "11"}));
}

TEST_F(DnsResolverTest, NxdomainAndNodataAreEmptyAnswers) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  auto srv = runBounded(io_, resolver->srv("_xmpp-server._tcp.nx.example.test"));
  ASSERT_TRUE(srv && *srv) << (*srv).error().detail;
  EXPECT_TRUE((*srv)->empty());
  auto addresses = runBounded(io_, resolver->addresses("nx.example.test"));
  ASSERT_TRUE(addresses && *addresses) << (*addresses).error().detail;
  EXPECT_TRUE((*addresses)->empty());
  auto nodata = runBounded(io_, resolver->srv("_xmpps-server._tcp.none.test"));
  ASSERT_TRUE(nodata && *nodata) << (*nodata).error().detail;
  EXPECT_TRUE((*nodata)->empty());
}

TEST_F(DnsResolverTest, RefusedUpstreamIsAnErrorNotAnEmptyAnswer) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  // dnsmasq has no upstream for names outside .test and answers REFUSED.
  auto result = runBounded(io_, resolver->addresses("host.example.org"));
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::ServerFailure) ||
              isDnsError(result->error(), DnsErrc::Timeout))
      << result->error().detail;
}

TEST_F(DnsResolverTest, ResolveServerEndToEnd) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  SeededRandom random(42);
  Overrides overrides;

  auto example = runBounded(io_, resolveServer(*resolver, "example.test", random, overrides));
  ASSERT_TRUE(example && *example) << (*example).error().detail;
  ASSERT_EQ((*example)->targets.size(), 3u);
  EXPECT_EQ((*example)->targets[0].service, (ServiceTarget{"xmpp1.example.test", 5270, true}));
  std::set<std::string> starttls = {(*example)->targets[1].service.host,
                                    (*example)->targets[2].service.host};
  EXPECT_EQ(starttls, (std::set<std::string>{"xmpp1.example.test", "xmpp2.example.test"}));
  EXPECT_FALSE((*example)->targets[1].service.direct_tls);

  auto none = runBounded(io_, resolveServer(*resolver, "none.test", random, overrides));
  ASSERT_TRUE(none);
  ASSERT_FALSE(*none);
  EXPECT_TRUE(isDnsError(none->error(), DnsErrc::NoService)) << none->error().detail;

  auto plain = runBounded(io_, resolveServer(*resolver, "plain.test", random, overrides));
  ASSERT_TRUE(plain && *plain) << (*plain).error().detail;
  EXPECT_EQ((*plain)->source, TargetSource::Fallback);
  std::string prefix = addressPrefix(dnsmasq_->address());
  EXPECT_EQ(
      (*plain)->targets,
      (std::vector<ResolvedTarget>{{{"plain.test", 5269, false}, {"fd00:53::20", prefix + "20"}}}));

  auto missing = runBounded(io_, resolveServer(*resolver, "missing.test", random, overrides));
  ASSERT_TRUE(missing);
  ASSERT_FALSE(*missing);
  EXPECT_TRUE(isDnsError(missing->error(), DnsErrc::NotFound)) << missing->error().detail;
}

TEST_F(DnsResolverTest, WithoutTransparentZoneLibunboundAnswersTestNamesItself) {
  UnboundConfig config = testConfig();
  config.transparent_zones.clear();
  auto resolver = makeResolver(config);
  ASSERT_TRUE(resolver);
  auto srv = runBounded(io_, resolver->srv("_xmpp-server._tcp.example.test"));
  ASSERT_TRUE(srv && *srv) << (*srv).error().detail;
  EXPECT_TRUE((*srv)->empty()) << "libunbound's built-in local zone test. is NXDOMAIN";
  EXPECT_FALSE(dnsmasq_->waitForQuery("_xmpp-server._tcp.example.test", 200ms))
      << "the query should not even have been sent";
}

TEST_F(DnsResolverTest, QueriesReachOnlyTheLoopbackServerAndAreLogged) {
  auto resolver = makeResolver(testConfig());
  ASSERT_TRUE(resolver);
  SeededRandom random(1);
  auto result = runBounded(io_, resolveServer(*resolver, "example.test", random, Overrides{}));
  ASSERT_TRUE(result && *result) << (*result).error().detail;
  auto refused = runBounded(io_, resolver->addresses("outside.example.org"));
  ASSERT_TRUE(refused);

  for (const char* name : {"_xmpps-server._tcp.example.test", "_xmpp-server._tcp.example.test",
                           "outside.example.org"}) {
    EXPECT_TRUE(dnsmasq_->waitForQuery(name)) << name << " did not reach dnsmasq";
  }
  for (const auto& [name, source] : dnsmasq_->queries()) {
    EXPECT_TRUE(isLoopbackAddress(source)) << name << " came from " << source;
  }
  // The configuration is the other half of the proof: one forwarder, on loopback.
  core::Result<std::vector<UnboundSetting>> settings = unboundSettings(testConfig());
  ASSERT_TRUE(settings);
  int forwarders = 0;
  for (const UnboundSetting& setting : *settings) {
    if (setting.option == "forward-addr") {
      ++forwarders;
      EXPECT_TRUE(isLoopbackAddress(setting.value.substr(0, setting.value.find('@'))));
    }
  }
  EXPECT_EQ(forwarders, 1);
}

TEST_F(DnsResolverTest, NoSocketOfThisProcessSendsOutsideLoopback) {
  std::optional<fs::path> strace = findProgram("strace");
  if (!strace) {
    GTEST_SKIP() << "strace is not installed; the dnsmasq log and config checks still ran";
  }
  SyscallTrace trace(*strace, dir_.path());
  if (!trace.attached()) {
    GTEST_SKIP() << "strace could not attach (ptrace not permitted?): " << trace.why();
  }
  // Control: a UDP connect() sends nothing, but the trace must still show its non-loopback
  // destinations; otherwise the check below would prove nothing.
  const std::set<std::string> controls = {"192.0.2.1", "2001:db8::1"};
  connectUdpWithoutSending(controls);
  {
    auto resolver = makeResolver(testConfig());  // libunbound's thread starts under the trace
    ASSERT_TRUE(resolver);
    SeededRandom random(2);
    for (const char* domain : {"example.test", "plain.test", "none.test", "missing.test"}) {
      auto result = runBounded(io_, resolveServer(*resolver, domain, random, Overrides{}));
      ASSERT_TRUE(result);
    }
    auto refused = runBounded(io_, resolver->addresses("outside.example.org"));
    ASSERT_TRUE(refused);
  }
  trace.stop();
  std::vector<std::string> destinations = trace.destinations();
  bool reached_dnsmasq = false;
  std::set<std::string> controls_seen;
  for (const std::string& destination : destinations) {
    if (controls.count(destination) != 0) {
      controls_seen.insert(destination);
      continue;
    }
    EXPECT_TRUE(isLoopbackAddress(destination)) << "sent to " << destination;
    reached_dnsmasq = reached_dnsmasq || destination == dnsmasq_->address();
  }
  EXPECT_EQ(controls_seen, controls) << "the trace misses calls:\n" << trace.text();
  EXPECT_TRUE(reached_dnsmasq) << "the trace saw no packet to dnsmasq:\n" << trace.text();
}

// --- Deadlines, cancellation, destruction: a forwarder that never answers ------------------

class SilentServerTest : public ::testing::Test {
protected:
  UnboundConfig silentConfig(std::chrono::milliseconds deadline) const {
    UnboundConfig config;
    config.forwarders = {address_ + "@" + std::to_string(silent_.port())};
    config.transparent_zones = {"test"};
    config.query_deadline = deadline;
    return config;
  }

  std::string address_ = loopbackForThisProcess(1);
  UdpSocket silent_{address_};  // bound, never read: queries to it get no answer
  asio::io_context io_;
};

TEST_F(SilentServerTest, PerQueryDeadlineEndsAnUnansweredLookup) {
  auto resolver = UnboundResolver::create(io_.get_executor(), silentConfig(300ms));
  ASSERT_TRUE(resolver) << resolver.error().detail;
  Clock::time_point start = Clock::now();
  auto result = runBounded(io_, (*resolver)->addresses("slow.test"));
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::Timeout)) << result->error().detail;
  EXPECT_LT(Clock::now() - start, 3s);
  io_.restart();
  io_.run_for(50ms);  // lets the posted ub_cancel run
  EXPECT_EQ((*resolver)->pendingForTest(), 0u);
}

TEST_F(SilentServerTest, CancelingTheAwaiterCancelsTheLibunboundQuery) {
  auto resolver = UnboundResolver::create(io_.get_executor(), silentConfig(10s));
  ASSERT_TRUE(resolver) << resolver.error().detail;
  Clock::time_point start = Clock::now();
  auto result = runBounded(io_, (*resolver)->srv("_xmpp-server._tcp.slow.test"), 5s, 100ms);
  ASSERT_TRUE(result);
  ASSERT_FALSE(*result);
  EXPECT_TRUE(isDnsError(result->error(), DnsErrc::Canceled)) << result->error().detail;
  EXPECT_LT(Clock::now() - start, 3s);
  io_.restart();
  io_.run_for(50ms);
  EXPECT_EQ((*resolver)->pendingForTest(), 0u);
}

asio::awaitable<void> lookupInto(Resolver& resolver,
                                 std::optional<core::Result<std::vector<SrvRecord>>>* out) {
  out->emplace(co_await resolver.srv("_xmpp-server._tcp.slow.test"));
}

TEST_F(SilentServerTest, DestroyingTheResolverCancelsLookupsInFlight) {
  auto created = UnboundResolver::create(io_.get_executor(), silentConfig(10s));
  ASSERT_TRUE(created) << created.error().detail;
  std::unique_ptr<UnboundResolver> resolver = std::move(created).value();

  std::optional<core::Result<std::vector<SrvRecord>>> first;
  std::optional<core::Result<std::vector<SrvRecord>>> second;
  asio::co_spawn(io_, lookupInto(*resolver, &first), asio::detached);
  asio::co_spawn(io_, lookupInto(*resolver, &second), asio::detached);
  io_.run_for(100ms);
  ASSERT_EQ(resolver->pendingForTest(), 2u);

  resolver.reset();  // with both lookups in flight
  Clock::time_point deadline = Clock::now() + 5s;
  io_.restart();
  while ((!first || !second) && Clock::now() < deadline) {
    io_.run_one_for(100ms);
  }
  ASSERT_TRUE(first && second) << "the lookups did not end";
  ASSERT_FALSE(*first);
  EXPECT_TRUE(isDnsError(first->error(), DnsErrc::Canceled)) << first->error().detail;
  ASSERT_FALSE(*second);
  EXPECT_TRUE(isDnsError(second->error(), DnsErrc::Canceled));
}

}  // namespace
}  // namespace xfed::net::dns
