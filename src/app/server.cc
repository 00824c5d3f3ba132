// SPDX-License-Identifier: Apache-2.0
#include "app/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <nlohmann/json.hpp>

#include "app/admin_client.h"
#include "app/log.h"
#include "config/validation.h"
#include "core/errors.h"
#include "edge/edge_service.h"
#include "net/dns/resolver.h"
#include "net/tls/context.h"

namespace xfed::app {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Json = nlohmann::json;
using Strand = asio::strand<asio::io_context::executor_type>;
using Socket = asio::local::stream_protocol::socket;
using Acceptor = asio::local::stream_protocol::acceptor;
using SteadyClock = std::chrono::steady_clock;
template <class T>
using Awaitable = asio::awaitable<T>;

constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Admin socket bounds (ARCHITECTURE.md §2.1: everything has a bound and a deadline).
constexpr std::size_t kMaxRequestBytes = 64 * 1024;
constexpr std::size_t kMaxAdminConnections = 64;
constexpr int kAdminBacklog = 16;
constexpr auto kAdminIdleTimeout = 10s;
constexpr auto kAdminWriteTimeout = 10s;
constexpr auto kProbeTimeout = 2s;
// How long a stop may wait for admin connections and pending store reads to finish.
constexpr auto kShutdownBound = 5s;
// Pause after a failed accept (EMFILE and the like) so that the loop does not spin.
constexpr auto kAcceptRetryPause = 100ms;

constexpr std::string_view kKnownOps = "status, reload, stop, streams";

std::string dumpLine(const Json& json) {
  // Invalid UTF-8 (echoed from a request) becomes U+FFFD instead of throwing.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace) + '\n';
}

std::string errorLine(std::string_view message) {
  return dumpLine(Json{{"ok", false}, {"error", message}});
}

/**
 * Runs fn (blocking work: SQLite) on pool and resumes the awaiting coroutine on its own
 * executor with fn's result. fn must return a core::Result; an exception becomes Internal.
 */
template <class Fn>
Awaitable<std::invoke_result_t<Fn&>> onWorker(asio::thread_pool& pool, Fn fn) {
  using R = std::invoke_result_t<Fn&>;
  auto initiation = [&pool](auto handler, Fn work) {
    auto guard = asio::make_work_guard(asio::get_associated_executor(handler));
    asio::post(pool, [handler = std::move(handler), work = std::move(work),
                      guard = std::move(guard)]() mutable {
      R result = [&]() -> R {
        try {
          return work();
        } catch (const std::exception& e) {
          return core::fail(core::Errc::Internal, std::string("store worker: ") + e.what());
        }
      }();
      auto executor = guard.get_executor();
      asio::post(executor,
                 [handler = std::move(handler), result = std::move(result),
                  guard = std::move(guard)]() mutable { std::move(handler)(std::move(result)); });
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
      std::move(initiation), asio::use_awaitable, std::move(fn));
}

/** One admin client. Threading: used only on its socket's strand. Lifetime: its coroutine. */
struct AdminConnection {
  AdminConnection(Socket&& s, std::uint64_t connection_id)
      : socket(std::move(s)), timer(socket.get_executor()), id(connection_id) {}

  void close() {
    closing = true;
    std::error_code ignored;
    socket.close(ignored);
    timer.cancel();
  }

  Socket socket;
  asio::steady_timer timer;  // the deadline of the read or write in progress
  std::uint64_t id;
  bool closing = false;
};
using AdminConnectionPtr = std::shared_ptr<AdminConnection>;

// Cancels the connection's socket when the deadline passes first.
void armDeadline(const AdminConnectionPtr& connection, SteadyClock::duration timeout) {
  connection->timer.expires_after(timeout);
  connection->timer.async_wait([connection](std::error_code ec) {
    if (!ec) {
      std::error_code ignored;
      connection->socket.cancel(ignored);
    }
  });
}

struct Reply {
  std::string line;
  bool stop = false;  // stop the server after this reply is written
  std::string stop_reason;
};

// Reads a snapshot and validates it whole, so that a bad one never replaces a good one
// (ARCHITECTURE.md §2.7). Runs on the worker.
core::Result<store::Snapshot> readValidSnapshot(store::ConfigStore& store) {
  XFED_ASSIGN_OR_RETURN(store::Snapshot snapshot, store.readSnapshot());
  if (core::Result<void> valid = config::validateTopology(snapshot.topology); !valid) {
    return core::fail(core::Errc::FailedPrecondition,
                      "the published topology (version " +
                          std::to_string(snapshot.topology.version) +
                          ") is invalid: " + valid.error().detail);
  }
  if (core::Result<void> valid = config::validateGatewayConfiguration(snapshot.gateway); !valid) {
    return core::fail(core::Errc::FailedPrecondition,
                      "the XMPP gateway configuration is invalid: " + valid.error().detail);
  }
  return snapshot;
}

struct InitialLoad {
  store::Snapshot snapshot;
  std::int64_t data_version = 0;
};

}  // namespace

std::string_view xfedVersion() {
#ifdef XFED_VERSION
  return XFED_VERSION;
#else
  return "0.1.0";
#endif
}

struct Server::Impl {
  Impl(NodeConfig node_config, DataDir data_dir)
      : config_(std::move(node_config)),
        dir_(std::move(data_dir)),
        socket_path_(config_.admin_socket.empty() ? dir_.adminSocketPath()
                                                  : dir_.root / config_.admin_socket),
        io_(config_.threads),
        strand_(asio::make_strand(io_)),
        acceptor_(strand_),
        signals_(strand_, SIGTERM, SIGINT, SIGHUP),
        poll_timer_(strand_),
        shutdown_timer_(strand_) {}

  ~Impl() {
    removeSocketFile();
    // The store belongs to the worker thread: close it there, then wait for the worker.
    asio::post(worker_, [this] { store_.reset(); });
    worker_.join();
  }

  // ------------------------------------------------------------------------ startup

  core::Result<void> takeAdminSocket() {
    std::error_code ec;
    const fs::file_status status = fs::symlink_status(socket_path_, ec);
    if (!ec && fs::exists(status)) {
      if (!fs::is_socket(status)) {
        return core::fail(core::Errc::FailedPrecondition,
                          "the admin socket path " + socket_path_.string() +
                              " exists and is not a socket; remove it or set [admin] socket");
      }
      core::Result<std::string> reply =
          adminRequest(socket_path_, R"({"op":"status"})", kProbeTimeout);
      if (reply) {
        const Json status_json = Json::parse(*reply, nullptr, false);
        std::string pid = "unknown";
        if (status_json.is_object() && status_json.contains("pid") &&
            status_json["pid"].is_number_integer()) {
          pid = std::to_string(status_json["pid"].get<std::int64_t>());
        }
        return core::fail(core::Errc::FailedPrecondition, "xfed is already running (pid " + pid +
                                                              ") with the admin socket " +
                                                              socket_path_.string());
      }
      if (reply.error().code != core::Errc::Unavailable) {
        return core::fail(core::Errc::FailedPrecondition,
                          "xfed may be already running: the admin socket " + socket_path_.string() +
                              " accepts connections but did not answer (" + reply.error().detail +
                              "); if no xfed runs, remove it");
      }
      log_.info("removing stale admin socket {}", socket_path_.string());
      fs::remove(socket_path_, ec);
      if (ec) {
        return core::fail(core::Errc::IoFailure, "cannot remove the stale admin socket " +
                                                     socket_path_.string() + ": " + ec.message());
      }
    }

    const asio::local::stream_protocol::endpoint endpoint(socket_path_.string());
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) {
      return core::fail(core::Errc::IoFailure, "cannot create the admin socket: " + ec.message());
    }
    // Mode 0600 from the start: the umask closes the window between bind and chmod.
    const mode_t old_umask = ::umask(0177);
    acceptor_.bind(endpoint, ec);
    ::umask(old_umask);
    if (ec == asio::error::address_in_use) {
      return core::fail(core::Errc::FailedPrecondition,
                        "xfed is already running: another process bound the admin socket " +
                            socket_path_.string() + " just now");
    }
    if (ec) {
      return core::fail(core::Errc::IoFailure, "cannot bind the admin socket " +
                                                   socket_path_.string() + ": " + ec.message());
    }
    socket_bound_ = true;
    if (::chmod(socket_path_.c_str(), 0600) != 0) {
      return core::fail(core::Errc::IoFailure,
                        "cannot set mode 0600 on the admin socket " + socket_path_.string());
    }
    acceptor_.listen(kAdminBacklog, ec);
    if (ec) {
      return core::fail(core::Errc::IoFailure, "cannot listen on the admin socket " +
                                                   socket_path_.string() + ": " + ec.message());
    }
    return core::ok();
  }

  // Opens the store and reads the first snapshot on the worker (where the store lives).
  core::Result<void> openStoreAndLoad() {
    // A promise, not a std::packaged_task: Asio treats a posted packaged_task as a completion
    // token and takes its future itself.
    std::promise<core::Result<InitialLoad>> promise;
    std::future<core::Result<InitialLoad>> loaded = promise.get_future();
    asio::post(worker_, [this, promise = std::move(promise)]() mutable {
      promise.set_value([this]() -> core::Result<InitialLoad> {
        try {
          XFED_ASSIGN_OR_RETURN(store_, openStore(dir_));
          XFED_ASSIGN_OR_RETURN(store::Snapshot first, readValidSnapshot(*store_));
          XFED_ASSIGN_OR_RETURN(const std::int64_t version, store_->dataVersion());
          return InitialLoad{std::move(first), version};
        } catch (const std::exception& e) {
          return core::fail(core::Errc::Internal, std::string("opening the store: ") + e.what());
        }
      }());
    });
    core::Result<InitialLoad> initial = loaded.get();
    if (!initial) {
      return core::makeError(
          initial.error().code,
          "cannot read the store " + dir_.storePath().string() + ": " + initial.error().detail);
    }
    snapshot_ = std::make_shared<const store::Snapshot>(std::move(initial->snapshot));
    publishSnapshot();
    polled_version_ = initial->data_version;
    generation_ = 1;
    return core::ok();
  }

  // A co_spawn completion handler for the long-lived loops. Runs on the strand.
  auto taskDone(std::string_view name) {
    return asio::bind_executor(strand_, [this, name](std::exception_ptr error) {
      logException(name, error);
      --active_tasks_;
      maybeFinished();
    });
  }

  void logException(std::string_view what, const std::exception_ptr& error) const {
    if (!error) {
      return;
    }
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_.error("bug: {} ended by exception: {}", what, e.what());
    } catch (...) {
      log_.error("bug: {} ended by an unknown exception", what);
    }
  }

  // ------------------------------------------------------------------------ run

  int run() {
    started_at_ = SteadyClock::now();
    log_.info(
        "started roles={} data_dir={} admin_socket={} topology_version={} partners={} "
        "users={} pid={} threads={}",
        joinRoles(config_.roles), dir_.root.string(), socket_path_.string(),
        snapshot_->topology.version, snapshot_->partners.size(), snapshot_->user_count, ::getpid(),
        config_.threads);

    active_tasks_ = 3;
    asio::co_spawn(strand_, acceptLoop(*this), taskDone("admin accept loop"));
    asio::co_spawn(strand_, signalLoop(*this), taskDone("signal loop"));
    asio::co_spawn(strand_, pollLoop(*this), taskDone("store poll loop"));

    int exit_code = 0;
    std::vector<std::thread> threads;
    for (int i = 1; i < config_.threads; ++i) {
      threads.emplace_back([this] { runIo(); });
    }
    if (!runIo()) {
      exit_code = 1;
    }
    for (std::thread& thread : threads) {
      thread.join();
    }
    if (io_failed_) {
      exit_code = 1;
    }
    // Every io thread has returned: the strand's state can be read here.
    removeSocketFile();
    log_.info("stopped reason={}", stop_reason_.empty() ? "unknown" : stop_reason_);
    flushLogs();
    return exit_code;
  }

  bool runIo() {
    try {
      io_.run();
      return true;
    } catch (const std::exception& e) {
      // Only a bug gets here: every coroutine has a completion handler that catches.
      log_.error("bug: the event loop ended by exception: {}", e.what());
      io_failed_ = true;
      io_.stop();
      return false;
    }
  }

  // ------------------------------------------------------------------------ loops (strand)

  static Awaitable<void> acceptLoop(Impl& self) {
    while (!self.stopping_) {
      Socket socket(asio::make_strand(self.io_));
      auto [ec] = co_await self.acceptor_.async_accept(socket, kUseTuple);
      if (self.stopping_ || ec == asio::error::operation_aborted) {
        co_return;
      }
      if (ec) {
        self.log_.warn("admin socket accept failed: {}", ec.message());
        asio::steady_timer pause(self.strand_, kAcceptRetryPause);
        co_await pause.async_wait(kUseTuple);
        continue;
      }
      if (self.connections_.size() >= kMaxAdminConnections) {
        // Best effort, never blocking: the connection is refused either way.
        const std::string line =
            errorLine("too many admin connections (limit " + std::to_string(kMaxAdminConnections) +
                      "); try again later");
        std::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(line), ignored);
        socket.close(ignored);
        self.log_.warn("admin connection refused: {} connections open", self.connections_.size());
        continue;
      }
      auto connection = std::make_shared<AdminConnection>(std::move(socket), ++self.next_id_);
      self.connections_.emplace(connection->id, connection);
      const std::uint64_t id = connection->id;
      asio::co_spawn(connection->socket.get_executor(), serveConnection(self, connection),
                     asio::bind_executor(self.strand_, [&self, id](std::exception_ptr error) {
                       self.logException("admin connection", error);
                       self.connections_.erase(id);
                       self.maybeFinished();
                     }));
    }
  }

  static Awaitable<void> signalLoop(Impl& self) {
    // stopping_ is checked before each wait: a wait begun after stop()'s cancel never ends.
    while (!self.stopping_) {
      auto [ec, signal_number] = co_await self.signals_.async_wait(kUseTuple);
      if (ec || self.stopping_) {
        co_return;
      }
      if (signal_number == SIGHUP) {
        (void)co_await reload(self, "SIGHUP");
        continue;
      }
      self.stop(signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
      co_return;
    }
  }

  // How a running xfed sees a committed change without a restart (ARCHITECTURE.md §5).
  static Awaitable<void> pollLoop(Impl& self) {
    while (!self.stopping_) {
      self.poll_timer_.expires_after(self.config_.store_poll_interval);
      auto [ec] = co_await self.poll_timer_.async_wait(kUseTuple);
      if (ec || self.stopping_) {
        co_return;
      }
      core::Result<std::int64_t> version =
          co_await onWorker(self.worker_, [&self] { return self.store_->dataVersion(); });
      if (self.stopping_) {
        co_return;
      }
      if (!version) {
        if (!self.poll_failing_) {
          self.log_.warn("store poll failed: {}; keeping config generation {}",
                         version.error().detail, self.generation_);
        }
        self.poll_failing_ = true;
        continue;
      }
      if (self.poll_failing_) {
        self.log_.info("store poll recovered");
        self.poll_failing_ = false;
      }
      if (*version != self.polled_version_) {
        // Remember the version only once its snapshot is in, so a failed read is retried.
        if (core::Result<bool> reloaded = co_await reload(self, "poll"); reloaded) {
          self.polled_version_ = *version;
        }
      }
    }
  }

  /** Reads a snapshot on the worker and swaps it in if its data version changed. Returns
   *  whether it changed. Runs on the strand. */
  static Awaitable<core::Result<bool>> reload(Impl& self, std::string reason) {
    if (self.stopping_) {
      co_return core::fail(core::Errc::FailedPrecondition, "xfed is stopping");
    }
    core::Result<store::Snapshot> read =
        co_await onWorker(self.worker_, [&self] { return readValidSnapshot(*self.store_); });
    if (!read) {
      self.log_.warn("config reload failed reason={}: {}; keeping generation {}", reason,
                     read.error().detail, self.generation_);
      co_return read.error();
    }
    if (read->data_version == self.snapshot_->data_version) {
      self.log_.debug("config reload reason={}: data_version {} unchanged", reason,
                      read->data_version);
      co_return false;
    }
    self.snapshot_ = std::make_shared<const store::Snapshot>(std::move(*read));
    self.publishSnapshot();
    ++self.generation_;
    self.log_.info(
        "config reloaded reason={} generation={} data_version={} topology_version={} "
        "partners={} policies={} users={}",
        reason, self.generation_, self.snapshot_->data_version, self.snapshot_->topology.version,
        self.snapshot_->partners.size(), self.snapshot_->policies.size(),
        self.snapshot_->user_count);
    co_return true;
  }

  // ------------------------------------------------------------------------ admin connections

  // Runs on the connection's strand; requests are answered on the server's strand.
  static Awaitable<void> serveConnection(Impl& self, AdminConnectionPtr connection) {
    std::string buffer;
    while (!connection->closing) {
      armDeadline(connection, kAdminIdleTimeout);
      auto [read_error, length] = co_await asio::async_read_until(
          connection->socket, asio::dynamic_buffer(buffer, kMaxRequestBytes), '\n', kUseTuple);
      connection->timer.cancel();
      Reply reply;
      if (read_error == asio::error::not_found) {
        reply.line =
            errorLine("the request line exceeds " + std::to_string(kMaxRequestBytes) + " bytes");
        connection->closing = true;  // the rest of the line cannot be resynchronised
      } else if (read_error) {
        break;  // end of stream, idle deadline, or closed by stop()
      } else {
        std::string line = buffer.substr(0, length - 1);
        buffer.erase(0, length);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        if (line.find_first_not_of(" \t") == std::string::npos) {
          continue;
        }
        reply = co_await asio::co_spawn(self.strand_, handleRequest(self, std::move(line)),
                                        asio::use_awaitable);
      }
      armDeadline(connection, kAdminWriteTimeout);
      auto [write_error, written] =
          co_await asio::async_write(connection->socket, asio::buffer(reply.line), kUseTuple);
      (void)written;
      connection->timer.cancel();
      if (reply.stop) {
        asio::post(self.strand_,
                   [&self, reason = std::move(reply.stop_reason)] { self.stop(reason); });
        break;
      }
      if (write_error) {
        break;
      }
    }
    connection->close();
  }

  static Awaitable<Reply> handleRequest(Impl& self, std::string line) {
    const Json request = Json::parse(line, nullptr, false);
    if (request.is_discarded()) {
      co_return Reply{errorLine("the request is not valid JSON"), false, {}};
    }
    if (!request.is_object() || !request.contains("op") || !request["op"].is_string()) {
      co_return Reply{errorLine(std::string("a request is a JSON object with \"op\": a string; "
                                            "known: ") +
                                std::string(kKnownOps)),
                      false,
                      {}};
    }
    const std::string op = request["op"].get<std::string>();
    if (op == "status") {
      co_return Reply{dumpLine(self.status()), false, {}};
    }
    if (op == "reload") {
      const core::Result<bool> changed = co_await reload(self, "admin");
      if (!changed) {
        co_return Reply{errorLine("reload failed: " + changed.error().detail), false, {}};
      }
      co_return Reply{dumpLine(Json{{"ok", true},
                                    {"changed", *changed},
                                    {"generation", self.generation_},
                                    {"data_version", self.snapshot_->data_version},
                                    {"topology_version", self.snapshot_->topology.version}}),
                      false,
                      {}};
    }
    if (op == "streams") {
      // GCC 12 mishandles a co_await inside an aggregate initializer: keep it a statement.
      Json streams = co_await self.streamsJson();
      co_return Reply{dumpLine(streams), false, {}};
    }
    if (op == "stop") {
      bool graceful = true;
      if (request.contains("graceful")) {
        if (!request["graceful"].is_boolean()) {
          co_return Reply{errorLine("\"graceful\" must be true or false"), false, {}};
        }
        graceful = request["graceful"].get<bool>();
      }
      if (self.stopping_) {
        co_return Reply{dumpLine(Json{{"ok", true}, {"state", "stopping"}}), false, {}};
      }
      // With no role sessions yet, graceful and immediate stops do the same work.
      co_return Reply{dumpLine(Json{{"ok", true}, {"state", "stopping"}}), true,
                      graceful ? "admin-stop" : "admin-stop-immediate"};
    }
    co_return Reply{
        errorLine("unknown op '" + op + "'; known: " + std::string(kKnownOps)), false, {}};
  }

  Json status() const {
    const store::Snapshot& s = *snapshot_;
    Json roles = Json::array();
    for (const Role role : config_.roles) {
      roles.push_back(toString(role));
    }
    Json sites = Json::array();
    for (const config::Site& site : s.topology.sites) {
      sites.push_back(site.name);
    }
    Json sip_domains = Json::array();
    for (const config::SipDomain& domain : s.topology.sip_domains) {
      sip_domains.push_back(domain.name);
    }
    Json front_end_pools = Json::array();
    for (const config::FrontEndPool& pool : s.topology.front_end_pools) {
      front_end_pools.push_back(pool.fqdn);
    }
    Json edge_pools = Json::array();
    for (const config::EdgePool& pool : s.topology.edge_pools) {
      edge_pools.push_back(pool.fqdn);
    }
    Json partner_domains = Json::array();
    for (const config::XmppPartner& partner : s.partners) {
      partner_domains.push_back(partner.domain);
    }
    const config::XmppGatewayConfiguration& gateway = s.gateway;
    const auto uptime =
        std::chrono::duration_cast<std::chrono::seconds>(SteadyClock::now() - started_at_);
    return Json{
        {"ok", true},
        {"pid", static_cast<std::int64_t>(::getpid())},
        {"version", xfedVersion()},
        {"roles", roles},
        {"fqdn", config_.fqdn},
        {"data_dir", dir_.root.string()},
        {"admin_socket", socket_path_.string()},
        {"threads", config_.threads},
        {"uptime_s", uptime.count()},
        {"state", stopping_ ? "stopping" : "running"},
        {"config",
         {
             {"generation", generation_},
             {"data_version", s.data_version},
             {"topology_version", s.topology.version},
             {"topology_published_at", s.topology.published_at},
             {"sites", sites},
             {"sip_domains", sip_domains},
             {"default_sip_domain", s.topology.defaultSipDomain()},
             {"front_end_pools", front_end_pools},
             {"edge_pools", edge_pools},
             {"partners", s.partners.size()},
             {"partner_domains", partner_domains},
             {"policies", s.policies.size()},
             {"users", s.user_count},
             {"access_edge", {{"allow_federated_users", s.access_edge.allow_federated_users}}},
             // Never the dialback passphrase: only whether one is set.
             {"gateway",
              {
                  {"connection_limit", gateway.connection_limit},
                  {"partner_connection_limit", gateway.partner_connection_limit},
                  {"dialback_passphrase_set", !gateway.dialback_passphrase.empty()},
                  {"enable_logging_all_message_bodies", gateway.enable_logging_all_message_bodies},
                  {"keep_alive_interval", gateway.keep_alive_interval},
                  {"stream_establishment_timeout", gateway.stream_establishment_timeout},
                  {"stream_inactivity_timeout", gateway.stream_inactivity_timeout},
                  {"subscription_refresh_interval", gateway.subscription_refresh_interval},
              }},
         }},
    };
  }

  // ------------------------------------------------------------------------ the edge role

  /** Roles read the snapshot from their own strands: they get it through this holder. */
  void publishSnapshot() {
    std::lock_guard lock(published_mutex_);
    published_ = snapshot_;
  }

  store::SnapshotConstSharedPtr publishedSnapshot() {
    std::lock_guard lock(published_mutex_);
    return published_;
  }

  /** No gateway link yet (ADR 0004): inbound stanzas bounce with service-unavailable. */
  class NoGateway final : public edge::LocalDelivery {
  public:
    bool deliver(xml::Element&& /*stanza*/) override { return false; }
  };

  core::Result<void> createEdge() {
    if (!config_.hasRole(Role::Edge)) {
      return core::ok();
    }
    const store::Snapshot& snap = *snapshot_;
    const config::EdgePool* pool = nullptr;
    for (const config::EdgePool& p : snap.topology.edge_pools) {
      bool mine = config_.fqdn.empty() || p.fqdn == config_.fqdn;
      for (const config::Machine& m : p.machines) {
        mine = mine || m.fqdn == config_.fqdn;
      }
      if (mine && (pool == nullptr || (p.xmpp_federation_enabled && !pool->xmpp_federation_enabled))) {
        pool = &p;
      }
    }
    if (pool == nullptr) {
      return core::fail(core::Errc::FailedPrecondition,
                        "the edge role needs an edge pool in the topology" +
                            (config_.fqdn.empty() ? std::string()
                                                  : " with the machine " + config_.fqdn));
    }
    edge::EdgeSettings settings;
    settings.listen_address =
        config_.edge.listen_address.empty() ? pool->external_address : config_.edge.listen_address;
    settings.port = config_.edge.port.value_or(pool->xmpp_port);
    settings.direct_tls_port = config_.edge.direct_tls_port;
    settings.max_stanza_bytes = config_.edge.max_stanza_bytes;
    settings.log = [this](const std::string& line) { edge_log_.info("{}", line); };
    settings.dns.forwarders = config_.edge.dns_forwarders;
    settings.dns.transparent_zones = config_.edge.dns_transparent_zones;
    for (const auto& [domain, targets] : config_.edge.dns_overrides) {
      XFED_ASSIGN_OR_RETURN(std::vector<net::dns::ServiceTarget> parsed,
                            net::dns::parseTargetList(targets));
      settings.dns_overrides.set(domain, std::move(parsed));
    }
    pki::LabPkiFiles files = dir_.pkiFiles();
    net::tls::TlsContextOptions server;
    server.role = net::tls::TlsRole::Server;
    server.certificates.push_back({files.edge_external_cert, files.edge_external_key});
    server.ca_file = files.ca_cert;
    server.use_system_trust_store = true;
    XFED_ASSIGN_OR_RETURN(settings.server_tls, net::tls::TlsContext::create(server));
    net::tls::TlsContextOptions client = server;
    client.role = net::tls::TlsRole::Client;
    XFED_ASSIGN_OR_RETURN(settings.client_tls, net::tls::TlsContext::create(client));
    // The gateway link (ADR 0004): the internal certificate, the lab CA, client certs required.
    net::tls::TlsContextOptions link;
    link.role = net::tls::TlsRole::Server;
    link.certificates.push_back({files.internal_cert, files.internal_key});
    link.ca_file = files.ca_cert;
    link.peer_certificate = net::tls::PeerCertificatePolicy::Required;
    link.alpn_protocols.clear();
    XFED_ASSIGN_OR_RETURN(settings.link_tls, net::tls::TlsContext::create(link));
    settings.link_address =
        config_.edge.link_address.empty() ? pool->internal_address : config_.edge.link_address;
    settings.link_port = config_.edge.link_port.value_or(pool->internal_port);
    for (const config::FrontEndPool& fe : snap.topology.front_end_pools) {
      settings.link_peer_names.push_back(fe.fqdn);
      for (const config::Machine& m : fe.machines) {
        settings.link_peer_names.push_back(m.fqdn);
      }
    }
    XFED_ASSIGN_OR_RETURN(edge_, edge::EdgeService::create(
                                     io_, std::move(settings),
                                     [this] { return publishedSnapshot(); }, no_gateway_));
    XFED_TRY(edge_->start());
    log_.info("edge listening on {}:{} (pool {})", config_.edge.listen_address.empty()
                                                       ? pool->external_address
                                                       : config_.edge.listen_address,
              edge_->boundPort(), pool->fqdn);
    return core::ok();
  }

  Awaitable<Json> streamsJson() {
    Json out{{"ok", true}, {"streams", Json::array()}};
    if (!edge_) {
      co_return out;
    }
    std::vector<edge::StreamInfo> streams = co_await edge_->streams();
    for (const edge::StreamInfo& i : streams) {
      out["streams"].push_back(Json{{"id", i.id},
                                    {"direction", i.direction},
                                    {"local_domain", i.local_domain},
                                    {"remote_domain", i.remote_domain},
                                    {"state", i.state},
                                    {"tls_version", i.tls_version},
                                    {"tls_cipher", i.tls_cipher},
                                    {"auth", i.auth},
                                    {"remote_endpoint", i.remote_endpoint},
                                    {"age_s", i.age_s},
                                    {"stanzas_in", i.stanzas_in},
                                    {"stanzas_out", i.stanzas_out},
                                    {"bytes_in", i.bytes_in},
                                    {"bytes_out", i.bytes_out},
                                    {"queue_depth", i.queue_depth}});
    }
    edge::EdgeCounters c = co_await edge_->counters();
    out["counters"] = Json{{"accepted_outbound", c.accepted_outbound},
                           {"delivered_outbound", c.delivered_outbound},
                           {"bounced", c.bounced},
                           {"accepted_inbound", c.accepted_inbound},
                           {"delivered_inbound", c.delivered_inbound},
                           {"dropped_error_stanzas", c.dropped_error_stanzas},
                           {"failures", c.failures}};
    out["edge_port"] = edge_->boundPort();
    out["link_port"] = edge_->boundLinkPort();
    out["counters"]["from_gateways"] = c.from_gateways;
    out["counters"]["gateways_connected"] = c.gateways_connected;
    co_return out;
  }

  // ------------------------------------------------------------------------ shutdown (strand)

  void stop(std::string reason) {
    if (stopping_) {
      return;
    }
    stopping_ = true;
    stop_reason_ = std::move(reason);
    if (edge_) {
      edge_->stop();
    }
    log_.info("stopping reason={} admin_connections={}", stop_reason_, connections_.size());
    std::error_code ignored;
    acceptor_.close(ignored);
    removeSocketFile();
    poll_timer_.cancel();
    signals_.cancel(ignored);
    for (const auto& [id, weak] : connections_) {
      if (AdminConnectionPtr connection = weak.lock()) {
        asio::post(connection->socket.get_executor(), [connection] { connection->close(); });
      }
    }
    shutdown_timer_.expires_after(kShutdownBound);
    shutdown_timer_.async_wait([this](std::error_code ec) {
      if (!ec) {
        log_.warn("stop: still {} admin connections and {} tasks after {} s; stopping anyway",
                  connections_.size(), active_tasks_,
                  std::chrono::duration_cast<std::chrono::seconds>(kShutdownBound).count());
        io_.stop();
      }
    });
    maybeFinished();
  }

  // Once everything has unwound, nothing is left to keep io.run() busy and it returns.
  void maybeFinished() {
    if (stopping_ && active_tasks_ == 0 && connections_.empty()) {
      shutdown_timer_.cancel();
    }
  }

  void removeSocketFile() {
    if (socket_bound_) {
      socket_bound_ = false;
      std::error_code ignored;
      fs::remove(socket_path_, ignored);
    }
  }

  // Immutable after create().
  const NodeConfig config_;
  const DataDir dir_;
  const fs::path socket_path_;
  const Logger log_{"app"};

  asio::io_context io_;
  Strand strand_;
  asio::thread_pool worker_{1};
  store::ConfigStorePtr store_;  // used only on worker

  // Everything below is used only on strand (or before run() / after it returned).
  Acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer poll_timer_;
  asio::steady_timer shutdown_timer_;
  store::SnapshotConstSharedPtr snapshot_;
  std::uint64_t generation_ = 0;  // +1 on every snapshot swap
  std::int64_t polled_version_ = 0;
  bool poll_failing_ = false;
  bool stopping_ = false;
  std::string stop_reason_;
  int active_tasks_ = 0;
  std::map<std::uint64_t, std::weak_ptr<AdminConnection>> connections_;
  std::uint64_t next_id_ = 0;
  SteadyClock::time_point started_at_ = SteadyClock::now();
  bool socket_bound_ = false;
  std::atomic<bool> io_failed_{false};

  std::mutex published_mutex_;
  store::SnapshotConstSharedPtr published_;  // guarded by published_mutex_
  NoGateway no_gateway_;
  const Logger edge_log_{"edge"};
  std::unique_ptr<edge::EdgeService> edge_;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() = default;

core::Result<std::unique_ptr<Server>> Server::create(NodeConfig config, DataDir dir) {
  auto impl = std::make_unique<Impl>(std::move(config), std::move(dir));
  XFED_TRY(impl->takeAdminSocket());
  XFED_TRY(impl->openStoreAndLoad());
  XFED_TRY(impl->createEdge());
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::run() { return impl_->run(); }

}  // namespace xfed::app
