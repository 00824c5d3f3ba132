// SPDX-License-Identifier: Apache-2.0
// Get-, Start-, Stop-CsWindowsService: the xfed service of this data directory (seed step 22).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin/commands/common.h"
#include "app/admin_client.h"

namespace xfed::admin {
namespace {

using namespace commands;
using core::Result;
using namespace std::chrono_literals;

constexpr auto kRequestTimeout = 3s;
constexpr auto kStartDeadline = 20s;
constexpr auto kStopDeadline = 30s;
constexpr const char* kServiceName = "XfedFederation";

Result<void> checkName(const Args& args) {
  if (auto name = args.string("Name");
      name && !core::iequals(*name, kServiceName) && !core::iequals(*name, "xfed")) {
    return invalidArgument("there is no service '" + *name + "' on this node; its service is " +
                           kServiceName + " (the front end and edge roles of this data directory)");
  }
  return core::ok();
}

/** The running service's status, or nullopt when it is stopped. */
Result<std::optional<nlohmann::json>> status(const Context& context) {
  Result<std::string> reply =
      app::adminRequest(context.admin_socket, R"({"op":"status"})", kRequestTimeout);
  if (!reply) {
    if (reply.error().code == core::Errc::Unavailable) {
      return std::optional<nlohmann::json>();
    }
    return reply.error();
  }
  nlohmann::json doc = nlohmann::json::parse(*reply, nullptr, false);
  if (doc.is_discarded() || !doc.value("ok", false)) {
    return core::fail(core::Errc::IoFailure, "the service answered its admin socket with: " + *reply);
  }
  return std::optional<nlohmann::json>(std::move(doc));
}

Record serviceRecord(const Context& context, const std::optional<nlohmann::json>& s) {
  Record r{"WindowsService", kServiceName, {}, {}, {}};
  std::vector<std::string> roles;
  if (s) {
    for (const auto& role : s->value("roles", nlohmann::json::array())) {
      roles.push_back(role.get<std::string>());
    }
  }
  r.add("Name", std::string(kServiceName))
      .add("DisplayName", std::string("xfed XMPP federation (front end, gateway, edge)"))
      .add("Status", std::string(s ? (s->value("state", "running") == "stopping" ? "StopPending"
                                                                                : "Running")
                                   : "Stopped"))
      .add("ActivityLevel", s ? Field(s->value("state", "running")) : Field(std::monostate{}))
      .add("Roles", roles)
      .add("ProcessId", s ? Field(s->value("pid", std::int64_t{0})) : Field(std::monostate{}))
      .add("UptimeSeconds", s ? Field(s->value("uptime_s", std::int64_t{0}))
                              : Field(std::monostate{}))
      .add("DataDirectory", context.data_dir.string())
      .add("AdminSocket", context.admin_socket.string());
  return r;
}

Result<std::vector<Record>> getService(Context& context, const Args& args) {
  XFED_TRY(checkName(args));
  XFED_ASSIGN_OR_RETURN(auto s, status(context));
  return std::vector<Record>{serviceRecord(context, s)};
}

/** Starts `xfed serve` detached from this terminal, its output in the data dir's log. */
Result<pid_t> spawnServer(const Context& context) {
  std::filesystem::path binary = context.bin_dir / "xfed";
  if (access(binary.c_str(), X_OK) != 0) {
    return core::fail(core::Errc::FailedPrecondition,
                      "cannot start the service: " + binary.string() + " is not there; build it "
                      "(cmake --build build) or run xfedctl from the build/bin directory");
  }
  std::filesystem::path log_dir = context.data_dir / "log";
  std::error_code ec;
  std::filesystem::create_directories(log_dir, ec);
  std::string log = (log_dir / "xfed.out").string();
  std::string data_dir = context.data_dir.string();
  pid_t pid = fork();
  if (pid < 0) {
    return core::fail(core::Errc::IoFailure, "cannot start the service: fork failed");
  }
  if (pid == 0) {
    setsid();
    int null_fd = open("/dev/null", O_RDONLY);
    int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd >= 0) {
      dup2(null_fd, 0);
    }
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    execl(binary.c_str(), binary.c_str(), "serve", "--data-dir", data_dir.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

/**
 * Polls the admin socket until the node is running (or stopped), the deadline passes, or
 * give_up() says waiting is pointless. While a node starts or stops it may accept and then
 * reset a status connection: only an answer, or "nothing listens", counts.
 */
bool waitForState(const Context& context, bool running, std::chrono::seconds deadline,
                  const std::function<bool()>& give_up) {
  auto end = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < end) {
    Result<std::optional<nlohmann::json>> now = status(context);
    if (now && now->has_value() == running) {
      return true;
    }
    if (give_up()) {
      return false;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

Result<std::vector<Record>> startService(Context& context, const Args& args) {
  XFED_TRY(checkName(args));
  XFED_ASSIGN_OR_RETURN(auto s, status(context));
  if (s) {
    return std::vector<Record>{};  // already running: Start-CsWindowsService is idempotent
  }
  XFED_ASSIGN_OR_RETURN(pid_t pid, spawnServer(context));
  if (args.flag("NoWait")) {
    return std::vector<Record>{};
  }
  // The child is ours until it detaches: waitpid() tells an early exit from a slow start.
  auto exited = [pid] { return waitpid(pid, nullptr, WNOHANG) == pid; };
  if (waitForState(context, /*running=*/true, kStartDeadline, exited)) {
    return std::vector<Record>{};
  }
  return core::fail(core::Errc::Unavailable,
                    "the service did not start; see " + (context.data_dir / "log" / "xfed.out").string());
}

Result<std::vector<Record>> stopService(Context& context, const Args& args) {
  XFED_TRY(checkName(args));
  XFED_ASSIGN_OR_RETURN(auto s, status(context));
  if (!s) {
    return std::vector<Record>{};  // already stopped
  }
  std::string request = std::string(R"({"op":"stop","graceful":)") +
                        (args.flag("Graceful") ? "true" : "false") + "}";
  // A node that stops may close the socket before its reply arrives: what counts is whether it
  // stops, so the reply's error is reported only if it does not.
  Result<std::string> reply = app::adminRequest(context.admin_socket, request, kRequestTimeout);
  if (args.flag("NoWait")) {
    if (!reply) {
      return reply.error();
    }
    return std::vector<Record>{};
  }
  if (waitForState(context, /*running=*/false, kStopDeadline, [] { return false; })) {
    return std::vector<Record>{};
  }
  return core::fail(core::Errc::Unavailable,
                    "the service did not stop within 30 seconds" +
                        (reply ? std::string() : " (the stop request: " + reply.error().detail + ")"));
}

/** The edge's streams: the seed's `netstat | findstr 5269`, made useful (step 25). */
Result<std::vector<Record>> getStreams(Context& context, const Args& args) {
  Result<std::string> reply =
      app::adminRequest(context.admin_socket, R"({"op":"streams"})", kRequestTimeout);
  if (!reply) {
    if (reply.error().code == core::Errc::Unavailable) {
      return core::fail(core::Errc::Unavailable,
                        "the xfed service is not running (Start-CsWindowsService starts it)");
    }
    return reply.error();
  }
  nlohmann::json doc = nlohmann::json::parse(*reply, nullptr, false);
  if (doc.is_discarded() || !doc.value("ok", false)) {
    return core::fail(core::Errc::IoFailure, "unexpected answer: " + *reply);
  }
  std::vector<Record> out;
  auto filter = args.string("Filter");
  for (const nlohmann::json& s : doc.value("streams", nlohmann::json::array())) {
    std::string remote = s.value("remote_domain", "");
    if (filter && !core::wildcardMatch(*filter, remote)) {
      continue;
    }
    Record r{"XmppStream", std::to_string(s.value("id", 0)), {}, {}, {}};
    r.add("Id", s.value("id", std::int64_t{0}))
        .add("Direction", s.value("direction", ""))
        .add("LocalDomain", s.value("local_domain", ""))
        .add("RemoteDomain", remote)
        .add("State", s.value("state", ""))
        .add("Tls", s.value("tls_version", "") +
                        (s.value("tls_cipher", "").empty() ? "" : " " + s.value("tls_cipher", "")))
        .add("Authentication", s.value("auth", ""))
        .add("RemoteEndpoint", s.value("remote_endpoint", ""))
        .add("AgeSeconds", static_cast<std::int64_t>(s.value("age_s", 0.0)))
        .add("StanzasIn", s.value("stanzas_in", std::int64_t{0}))
        .add("StanzasOut", s.value("stanzas_out", std::int64_t{0}))
        .add("BytesIn", s.value("bytes_in", std::int64_t{0}))
        .add("BytesOut", s.value("bytes_out", std::int64_t{0}))
        .add("QueueDepth", s.value("queue_depth", std::int64_t{0}));
    out.push_back(std::move(r));
  }
  if (args.flag("Statistics") && doc.contains("counters")) {
    const nlohmann::json& c = doc["counters"];
    Record r{"XmppFederationStatistics", "statistics", {}, {}, {}};
    r.add("EdgePort", doc.value("edge_port", std::int64_t{0}));
    r.add("LinkPort", doc.value("link_port", std::int64_t{0}));
    for (const char* name : {"accepted_outbound", "delivered_outbound", "bounced",
                             "accepted_inbound", "delivered_inbound", "dropped_error_stanzas",
                             "from_gateways", "gateways_connected"}) {
      r.add(name, c.value(name, std::int64_t{0}));
    }
    std::vector<std::string> failures;
    for (auto it = c["failures"].begin(); it != c["failures"].end(); ++it) {
      failures.push_back(it.key() + "=" + std::to_string(it.value().get<std::int64_t>()));
    }
    r.add("Failures", failures);
    out.push_back(std::move(r));
  }
  return out;
}

ParamDef nameParam() {
  ParamDef p{"Name", ParamType::String, "the service (XfedFederation); default: all of this node"};
  p.position = 0;
  p.example = kServiceName;
  return p;
}

}  // namespace

void registerServiceCommands(Registry& registry) {
  {
    CommandDef c{"Get-CsXmppStream", "stream", "get",
                 "Lists the edge's XMPP streams (direction, domains, state, TLS, authentication, "
                 "traffic, queue) — the seed's netstat check, made useful"};
    c.params.push_back(filterParam("*.example.net"));
    c.params.push_back(switchParam("Statistics", "also print the stanza and failure counters"));
    c.handler = getStreams;
    c.examples = {"Get-CsXmppStream", "Get-CsXmppStream -Filter gmail.com -Statistics"};
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Get-CsWindowsService", "service", "status",
                 "Shows whether the xfed service of this data directory runs"};
    c.params.push_back(nameParam());
    c.params.push_back(stringParam("ComputerName", "accepted for compatibility: the local node"));
    c.params.push_back(switchParam("ExcludeActivityLevel", "accepted for compatibility"));
    c.handler = getService;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Start-CsWindowsService", "service", "start",
                 "Starts the xfed service of this data directory (no-op if running)"};
    c.params.push_back(nameParam());
    c.params.push_back(stringParam("ComputerName", "accepted for compatibility: the local node"));
    c.params.push_back(switchParam("NoWait", "return without waiting for it to be ready"));
    c.params.push_back(switchParam("Force", "accepted for compatibility"));
    c.handler = startService;
    registry.add(std::move(c));
  }
  {
    CommandDef c{"Stop-CsWindowsService", "service", "stop",
                 "Stops the xfed service of this data directory (no-op if stopped)"};
    c.params.push_back(nameParam());
    c.params.push_back(stringParam("ComputerName", "accepted for compatibility: the local node"));
    c.params.push_back(switchParam("Graceful", "stop taking new work, drain, then stop"));
    c.params.push_back(switchParam("NoWait", "return without waiting for it to stop"));
    c.params.push_back(switchParam("Force", "accepted for compatibility"));
    c.handler = stopService;
    registry.add(std::move(c));
  }
}

}  // namespace xfed::admin
