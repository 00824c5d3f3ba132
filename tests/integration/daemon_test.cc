// SPDX-License-Identifier: Apache-2.0
// `xfed serve` as a real child process: start, admin socket status, automatic pickup of
// committed store changes, reload, roles from the node config, clean stop, refusals.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/admin_client.h"
#include "app/data_dir.h"
#include "config/model.h"
#include "core/errors.h"
#include "store/config_store.h"
#include "fakes/child_process.h"
#include "fakes/temp_dir.h"

extern char** environ;

namespace xfed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto kStartDeadline = 30s;  // a fresh data directory creates its store and lab PKI
constexpr auto kRequestTimeout = 5s;
constexpr auto kStopDeadline = 5s;

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::string readFile(const fs::path& path) { return fakes::readWholeFile(path); }

using fakes::TempDir;

/** build/bin/xfed as a child process with stdout/stderr in files. Killed if still running. */
class Child : public fakes::ChildProcess {
public:
  Child(const std::vector<std::string>& args, const fs::path& output_prefix)
      : ChildProcess(fs::path(XFED_BIN_DIR) / "xfed", args, output_prefix) {
    if (pid() <= 0) {
      ADD_FAILURE() << "cannot start xfed: " << spawnError();
    }
  }

  bool hasExited() { return waitExit(0s).has_value(); }
};

std::optional<Json> request(const fs::path& socket, const Json& body) {
  core::Result<std::string> reply = app::adminRequest(socket, body.dump(), kRequestTimeout);
  if (!reply) {
    return std::nullopt;
  }
  Json parsed = Json::parse(*reply, nullptr, false);
  if (parsed.is_discarded()) {
    ADD_FAILURE() << "reply is not JSON: " << *reply;
    return std::nullopt;
  }
  return parsed;
}

bool contains(const Json& array, const std::string& value) {
  for (const Json& item : array) {
    if (item == value) {
      return true;
    }
  }
  return false;
}

class DaemonTest : public ::testing::Test {
protected:
  fs::path dataDir() const { return tmp_.path() / data_name_; }
  fs::path socketPath() const { return app::DataDir{dataDir()}.adminSocketPath(); }

  std::unique_ptr<Child> serve(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"serve", "--data-dir", dataDir().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Child>(args, tmp_.path() / ("xfed-" + std::to_string(++children_)));
  }

  // Waits (with a deadline) until the child answers a status request on its admin socket.
  std::optional<Json> waitForStatus(Child& child, const fs::path& socket) {
    const Clock::time_point deadline = Clock::now() + kStartDeadline;
    while (Clock::now() < deadline) {
      if (child.hasExited()) {
        ADD_FAILURE() << "xfed exited with status " << child.exitCode()
                      << " before answering; stderr:\n"
                      << child.stderrText();
        return std::nullopt;
      }
      if (fs::exists(socket)) {
        if (std::optional<Json> status = request(socket, {{"op", "status"}})) {
          return status;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "no admin socket answer at " << socket << " within "
                  << std::chrono::duration_cast<std::chrono::seconds>(kStartDeadline).count()
                  << " s; stderr:\n"
                  << child.stderrText();
    return std::nullopt;
  }

  // Polls status until pred holds or the deadline passes; returns the last status.
  Json waitForStatusWhere(const fs::path& socket, const std::function<bool(const Json&)>& pred,
                          Clock::duration timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    Json last;
    while (Clock::now() < deadline) {
      if (std::optional<Json> status = request(socket, {{"op", "status"}})) {
        last = *status;
        if (pred(last)) {
          return last;
        }
      }
      std::this_thread::sleep_for(50ms);
    }
    return last;
  }

  // Commits a partner from this process, as xfedctl would.
  void addPartner(const std::string& domain) {
    core::Result<app::DataDir> dir = app::openDataDir(dataDir());
    ASSERT_TRUE(dir) << dir.error().detail;
    core::Result<store::ConfigStorePtr> store = app::openStore(*dir);
    ASSERT_TRUE(store) << store.error().detail;
    config::XmppPartner partner;
    partner.domain = domain;
    store::ConfigStore& s = **store;
    core::Result<void> written = s.write([&] { return s.upsertPartner(partner); });
    ASSERT_TRUE(written) << written.error().detail;
  }

  void expectCleanExit(Child& child, const fs::path& socket) {
    ASSERT_TRUE(child.waitExit(kStopDeadline)) << "xfed did not stop within 5 s";
    EXPECT_EQ(child.exitCode(), 0) << child.stderrText();
    EXPECT_FALSE(fs::exists(socket)) << "the admin socket file is left behind";
  }

  TempDir tmp_;
  std::string data_name_ = "data";
  int children_ = 0;
};

TEST_F(DaemonTest, ReportsStatusAndStopsCleanlyOnSigterm) {
  std::unique_ptr<Child> xfed = serve();
  const std::optional<Json> status = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["ok"], true) << status->dump();
  EXPECT_EQ((*status)["pid"], xfed->pid());
  EXPECT_EQ((*status)["roles"], Json::array({"frontend", "edge"}));
  EXPECT_EQ((*status)["state"], "running");
  EXPECT_EQ((*status)["data_dir"], dataDir().string());
  EXPECT_EQ((*status)["admin_socket"], socketPath().string());
  EXPECT_FALSE((*status)["version"].get<std::string>().empty());
  EXPECT_GE((*status)["uptime_s"].get<std::int64_t>(), 0);
  const Json& config = (*status)["config"];
  EXPECT_GE(config["topology_version"].get<int>(), 1) << status->dump();
  EXPECT_GE(config["generation"].get<int>(), 1);
  EXPECT_FALSE(config["sip_domains"].empty()) << status->dump();
  EXPECT_FALSE(config["sites"].empty()) << status->dump();
  EXPECT_TRUE(config["partners"].is_number());
  EXPECT_TRUE(config["users"].is_number());
  EXPECT_TRUE(config["policies"].is_number());
  ASSERT_TRUE(config["gateway"].is_object());
  EXPECT_TRUE(config["gateway"]["connection_limit"].is_number());
  EXPECT_FALSE(config["gateway"].contains("dialback_passphrase")) << "never report secrets";

  // A new data directory gets the commented default node config.
  EXPECT_TRUE(fs::exists(dataDir() / "node.toml"));
  EXPECT_NE(readFile(dataDir() / "node.toml").find("[node]"), std::string::npos);

  struct stat info {};
  ASSERT_EQ(::stat(socketPath().c_str(), &info), 0);
  EXPECT_TRUE(S_ISSOCK(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
  const std::string log = xfed->stderrText();
  EXPECT_NE(log.find("started roles=frontend,edge"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped reason=SIGTERM"), std::string::npos) << log;
}

TEST_F(DaemonTest, SeesACommittedChangeWithoutReload) {
  std::unique_ptr<Child> xfed = serve();
  const std::optional<Json> before = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(before);
  ASSERT_FALSE(contains((*before)["config"]["partner_domains"], "example.net"));
  const int generation = (*before)["config"]["generation"];

  addPartner("example.net");

  // No reload request: the store poll (every 1 s by default) must find the change.
  const Json after = waitForStatusWhere(
      socketPath(),
      [](const Json& s) { return contains(s["config"]["partner_domains"], "example.net"); }, 5s);
  ASSERT_TRUE(contains(after["config"]["partner_domains"], "example.net")) << after.dump();
  EXPECT_EQ(after["config"]["partners"], (*before)["config"]["partners"].get<int>() + 1);
  EXPECT_GT(after["config"]["generation"].get<int>(), generation);
  EXPECT_GT(after["config"]["data_version"].get<std::int64_t>(),
            (*before)["config"]["data_version"].get<std::int64_t>());

  const std::optional<Json> stop = request(socketPath(), {{"op", "stop"}, {"graceful", true}});
  ASSERT_TRUE(stop);
  EXPECT_EQ((*stop)["ok"], true) << stop->dump();
  expectCleanExit(*xfed, socketPath());
  EXPECT_NE(xfed->stderrText().find("config reloaded reason=poll"), std::string::npos)
      << xfed->stderrText();
}

TEST_F(DaemonTest, ReloadRequestAndSighupPickUpAChangeAtOnce) {
  // Polling every minute: whatever shows up within the test came from reload or SIGHUP.
  const fs::path config = tmp_.path() / "slow-poll.toml";
  writeFile(config, "[store]\npoll_interval_ms = 60000\n");
  std::unique_ptr<Child> xfed = serve({"--config", config.string()});
  const std::optional<Json> before = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(before);
  const int generation = (*before)["config"]["generation"];

  addPartner("example.org");
  const std::optional<Json> reload = request(socketPath(), {{"op", "reload"}});
  ASSERT_TRUE(reload);
  EXPECT_EQ((*reload)["ok"], true) << reload->dump();
  EXPECT_EQ((*reload)["changed"], true) << reload->dump();
  EXPECT_EQ((*reload)["generation"], generation + 1) << reload->dump();
  const std::optional<Json> status = request(socketPath(), {{"op", "status"}});
  ASSERT_TRUE(status);
  EXPECT_TRUE(contains((*status)["config"]["partner_domains"], "example.org")) << status->dump();
  EXPECT_EQ((*status)["config"]["generation"], generation + 1);

  const std::optional<Json> again = request(socketPath(), {{"op", "reload"}});
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)["ok"], true);
  EXPECT_EQ((*again)["changed"], false) << "same data version: a no-op";
  EXPECT_EQ((*again)["generation"], generation + 1);

  addPartner("example.com");
  xfed->signal(SIGHUP);
  const Json after = waitForStatusWhere(
      socketPath(),
      [](const Json& s) { return contains(s["config"]["partner_domains"], "example.com"); }, 5s);
  EXPECT_TRUE(contains(after["config"]["partner_domains"], "example.com")) << after.dump();
  EXPECT_EQ(after["config"]["generation"], generation + 2);

  xfed->signal(SIGINT);
  expectCleanExit(*xfed, socketPath());
}

TEST_F(DaemonTest, EdgeOnlyConfigRunsOnlyTheEdgeRole) {
  const fs::path config = tmp_.path() / "edge.toml";
  writeFile(config, "[node]\nroles = [\"edge\"]\nfqdn = \"edge1.contoso.test\"\n[edge]\nport = 0\nlink_port = 0\n");
  std::unique_ptr<Child> xfed = serve({"--config", config.string()});
  const std::optional<Json> status = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["roles"], Json::array({"edge"})) << status->dump();
  EXPECT_EQ((*status)["fqdn"], "edge1.contoso.test");
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
}

TEST_F(DaemonTest, NodeTomlInTheDataDirectoryIsRead) {
  ASSERT_TRUE(app::openDataDir(dataDir()));
  writeFile(dataDir() / "node.toml", "[node]\nroles = [\"frontend\"]\nthreads = 3\n");
  std::unique_ptr<Child> xfed = serve();
  const std::optional<Json> status = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["roles"], Json::array({"frontend"})) << status->dump();
  EXPECT_EQ((*status)["threads"], 3);
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
}

TEST_F(DaemonTest, SecondInstanceOnTheSameDataDirectoryRefusesToStart) {
  std::unique_ptr<Child> first = serve();
  const std::optional<Json> status = waitForStatus(*first, socketPath());
  ASSERT_TRUE(status);

  std::unique_ptr<Child> second = serve();
  ASSERT_TRUE(second->waitExit(15s)) << "the second xfed did not give up";
  EXPECT_NE(second->exitCode(), 0);
  const std::string error = second->stderrText();
  EXPECT_NE(error.find("already running"), std::string::npos) << error;
  EXPECT_NE(error.find(std::to_string(first->pid())), std::string::npos)
      << "the error names the running pid: " << error;

  // The first one is unharmed and still owns its socket.
  const std::optional<Json> still = request(socketPath(), {{"op", "status"}});
  ASSERT_TRUE(still);
  EXPECT_EQ((*still)["pid"], first->pid());
  first->signal(SIGTERM);
  expectCleanExit(*first, socketPath());
}

TEST_F(DaemonTest, StaleSocketFileIsReplaced) {
  ASSERT_TRUE(app::openDataDir(dataDir()));
  // A socket file nobody listens on, as a killed xfed leaves behind.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socketPath().string();
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
      << std::strerror(errno);
  ::close(fd);
  ASSERT_TRUE(fs::exists(socketPath()));

  std::unique_ptr<Child> xfed = serve();
  const std::optional<Json> status = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["pid"], xfed->pid());
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
}

TEST_F(DaemonTest, BadNodeTomlExitsWithStatus2NamingTheKey) {
  ASSERT_TRUE(app::openDataDir(dataDir()));
  struct Case {
    const char* toml;
    const char* key;
  };
  const Case cases[] = {
      {"[node]\nthreads = 0\n", "node.threads"},
      {"[log]\nlevl = \"info\"\n", "log.levl"},
      {"[node]\nroles = [\"gateway\"]\n", "node.roles"},
  };
  for (const Case& c : cases) {
    writeFile(dataDir() / "node.toml", c.toml);
    std::unique_ptr<Child> xfed = serve();
    ASSERT_TRUE(xfed->waitExit(10s)) << c.toml;
    EXPECT_EQ(xfed->exitCode(), 2) << c.toml << xfed->stderrText();
    const std::string error = xfed->stderrText();
    EXPECT_NE(error.find(c.key), std::string::npos) << error;
    EXPECT_NE(error.find("node.toml"), std::string::npos) << "names the file: " << error;
    EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << "one line: " << error;
  }

  std::unique_ptr<Child> missing = serve({"--config", (tmp_.path() / "nope.toml").string()});
  ASSERT_TRUE(missing->waitExit(10s));
  EXPECT_EQ(missing->exitCode(), 2);
  EXPECT_NE(missing->stderrText().find("nope.toml"), std::string::npos);

  std::unique_ptr<Child> bad_flag = serve({"--log-level", "loud"});
  ASSERT_TRUE(bad_flag->waitExit(10s));
  EXPECT_EQ(bad_flag->exitCode(), 2);
}

TEST_F(DaemonTest, CorruptStoreExitsWithStatus1AndOneLine) {
  ASSERT_TRUE(app::openDataDir(dataDir()));
  writeFile(dataDir() / "cms.sqlite", std::string(8192, 'x'));
  std::error_code ignored;
  fs::remove(dataDir() / "cms.sqlite-wal", ignored);
  fs::remove(dataDir() / "cms.sqlite-shm", ignored);
  std::unique_ptr<Child> xfed = serve();
  ASSERT_TRUE(xfed->waitExit(10s));
  EXPECT_EQ(xfed->exitCode(), 1);
  const std::string error = xfed->stderrText();
  EXPECT_EQ(error.rfind("xfed: error: ", 0), 0u) << error;
  EXPECT_EQ(std::count(error.begin(), error.end(), '\n'), 1) << "one line: " << error;
  EXPECT_FALSE(fs::exists(socketPath()));
}

TEST_F(DaemonTest, AdminProtocolErrorsAreReplies) {
  std::unique_ptr<Child> xfed = serve();
  ASSERT_TRUE(waitForStatus(*xfed, socketPath()));

  const std::optional<Json> unknown = request(socketPath(), {{"op", "frobnicate"}});
  ASSERT_TRUE(unknown);
  EXPECT_EQ((*unknown)["ok"], false);
  EXPECT_EQ((*unknown)["error"], "unknown op 'frobnicate'; known: status, reload, stop, streams");

  core::Result<std::string> not_json =
      app::adminRequest(socketPath(), "this is not json", kRequestTimeout);
  ASSERT_TRUE(not_json) << not_json.error().detail;
  EXPECT_EQ(Json::parse(*not_json)["ok"], false) << *not_json;

  const std::optional<Json> no_op = request(socketPath(), Json{{"operation", "status"}});
  ASSERT_TRUE(no_op);
  EXPECT_EQ((*no_op)["ok"], false);

  const std::optional<Json> bad_graceful =
      request(socketPath(), {{"op", "stop"}, {"graceful", "yes"}});
  ASSERT_TRUE(bad_graceful);
  EXPECT_EQ((*bad_graceful)["ok"], false) << bad_graceful->dump();

  // Over the 64 KiB request bound: an error reply, then the connection closes.
  const std::string huge = R"({"op":"status","pad":")" + std::string(70 * 1024, 'x') + "\"}";
  core::Result<std::string> too_long = app::adminRequest(socketPath(), huge, kRequestTimeout);
  ASSERT_TRUE(too_long) << too_long.error().detail;
  const Json too_long_reply = Json::parse(*too_long);
  EXPECT_EQ(too_long_reply["ok"], false);
  EXPECT_NE(too_long_reply["error"].get<std::string>().find("65536"), std::string::npos);

  // Still serving after all that.
  const std::optional<Json> status = request(socketPath(), {{"op", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["state"], "running");

  const std::optional<Json> stop = request(socketPath(), {{"op", "stop"}, {"graceful", false}});
  ASSERT_TRUE(stop);
  EXPECT_EQ((*stop)["ok"], true);
  expectCleanExit(*xfed, socketPath());
  EXPECT_NE(xfed->stderrText().find("stopped reason=admin-stop"), std::string::npos);
}

// Connects without sending anything; -1 on failure.
int connectIdle(const fs::path& socket) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket.string();
  std::memcpy(address.sun_path, path.data(), path.size());
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    if (fd >= 0) {
      ::close(fd);
    }
    return -1;
  }
  return fd;
}

TEST_F(DaemonTest, AdminConnectionsAreBoundedAndIdleOnesClosed) {
  std::unique_ptr<Child> xfed = serve();
  ASSERT_TRUE(waitForStatus(*xfed, socketPath()));

  std::vector<int> idle;
  for (int i = 0; i < 64; ++i) {
    const int fd = connectIdle(socketPath());
    ASSERT_GE(fd, 0) << std::strerror(errno);
    idle.push_back(fd);
  }
  // The server registers accepted connections asynchronously: give it a moment, then the 65th
  // is refused with a reply saying why.
  const Json refused = waitForStatusWhere(
      socketPath(), [](const Json& reply) { return reply.value("ok", true) == false; }, 5s);
  EXPECT_EQ(refused.value("ok", true), false) << refused.dump();
  EXPECT_NE(refused.value("error", "").find("too many admin connections"), std::string::npos)
      << refused.dump();

  // Each idle connection is closed by the server after its 10 s read deadline.
  const Clock::time_point deadline = Clock::now() + 15s;
  for (const int fd : idle) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd entry{fd, POLLIN, 0};
    ASSERT_EQ(::poll(&entry, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0))), 1)
        << "an idle admin connection stayed open past its deadline";
    char byte = 0;
    EXPECT_EQ(::read(fd, &byte, 1), 0) << "expected end of stream";
    ::close(fd);
  }
  const std::optional<Json> status = request(socketPath(), {{"op", "status"}});
  ASSERT_TRUE(status);
  EXPECT_EQ((*status)["ok"], true);
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
}

TEST_F(DaemonTest, AdminClientReportsAStoppedServiceAsUnavailable) {
  core::Result<std::string> reply =
      app::adminRequest(tmp_.path() / "none.sock", R"({"op":"status"})", kRequestTimeout);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, core::Errc::Unavailable);
  EXPECT_NE(reply.error().detail.find("xfed is not running"), std::string::npos);
}

TEST_F(DaemonTest, JsonLogLinesEachParse) {
  // A quote, a backslash, a tab and a byte that is not UTF-8 in the path the log line carries.
  data_name_ = "da\"ta\\\t\xc3";
  std::unique_ptr<Child> xfed = serve({"--log-format", "json"});
  const std::optional<Json> status = waitForStatus(*xfed, socketPath());
  ASSERT_TRUE(status);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(request(socketPath(), {{"op", "status"}}));
  }
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());

  std::istringstream lines(xfed->stderrText());
  std::string line;
  int count = 0;
  bool saw_started = false;
  while (std::getline(lines, line)) {
    const Json entry = Json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "not a JSON object: " << line;
    EXPECT_TRUE(entry["ts"].is_string());
    EXPECT_TRUE(entry["level"].is_string());
    EXPECT_EQ(entry["component"], "app");
    const std::string msg = entry["msg"];
    if (msg.rfind("started roles=", 0) == 0) {
      saw_started = true;
      EXPECT_NE(msg.find("da\"ta\\\t\xef\xbf\xbd"), std::string::npos)
          << "escaped, with U+FFFD for the bad byte: " << line;
    }
    ++count;
  }
  EXPECT_GE(count, 2);
  EXPECT_TRUE(saw_started);
}

TEST_F(DaemonTest, LogFileIsRelativeToTheDataDirectory) {
  const fs::path config = tmp_.path() / "log-file.toml";
  writeFile(config, "[log]\nfile = \"log/xfed.log\"\nlevel = \"debug\"\n");
  std::unique_ptr<Child> xfed = serve({"--config", config.string()});
  ASSERT_TRUE(waitForStatus(*xfed, socketPath()));
  ASSERT_TRUE(request(socketPath(), {{"op", "reload"}}));
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
  const std::string log = readFile(dataDir() / "log" / "xfed.log");
  EXPECT_NE(log.find(" info  app started roles="), std::string::npos) << log;
  EXPECT_NE(log.find(" debug app config reload reason=admin"), std::string::npos) << log;
  EXPECT_NE(log.find("stopped reason=SIGTERM"), std::string::npos) << log;
  EXPECT_EQ(xfed->stderrText(), "") << "everything went to the file";
}

TEST_F(DaemonTest, ManyThreadsServeConcurrentClients) {
  const fs::path config = tmp_.path() / "threads.toml";
  writeFile(config, "[node]\nthreads = 4\n[store]\npoll_interval_ms = 100\n");
  std::unique_ptr<Child> xfed = serve({"--config", config.string()});
  ASSERT_TRUE(waitForStatus(*xfed, socketPath()));
  std::vector<std::thread> clients;
  std::atomic<int> answered{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      const char* op = i % 2 == 0 ? R"({"op":"status"})" : R"({"op":"reload"})";
      for (int j = 0; j < 10; ++j) {
        core::Result<std::string> reply = app::adminRequest(socketPath(), op, kRequestTimeout);
        if (reply && Json::parse(*reply, nullptr, false).value("ok", false)) {
          ++answered;
        }
      }
    });
  }
  // Commits while the clients run: polls and reloads race on the server's strand.
  for (int i = 0; i < 5; ++i) {
    addPartner("partner" + std::to_string(i) + ".example");
    std::this_thread::sleep_for(20ms);
  }
  for (std::thread& client : clients) {
    client.join();
  }
  EXPECT_EQ(answered.load(), 80);
  const Json status = waitForStatusWhere(
      socketPath(), [](const Json& s) { return s["config"]["partners"] == 5; }, 5s);
  EXPECT_EQ(status["config"]["partners"], 5) << status.dump();
  xfed->signal(SIGTERM);
  expectCleanExit(*xfed, socketPath());
}

TEST(XfedCommandTest, VersionAndHelp) {
  TempDir tmp;
  Child version({"version"}, tmp.path() / "version");
  ASSERT_TRUE(version.waitExit(10s));
  EXPECT_EQ(version.exitCode(), 0);
  EXPECT_EQ(version.stdoutText().rfind("xfed ", 0), 0u) << version.stdoutText();

  Child help({"--help"}, tmp.path() / "help");
  ASSERT_TRUE(help.waitExit(10s));
  EXPECT_EQ(help.exitCode(), 0);
  EXPECT_NE(help.stdoutText().find("serve"), std::string::npos) << help.stdoutText();

  Child nothing({}, tmp.path() / "nothing");
  ASSERT_TRUE(nothing.waitExit(10s));
  EXPECT_NE(nothing.exitCode(), 0);
}

}  // namespace
}  // namespace xfed
