// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string_view>

#include "app/data_dir.h"
#include "app/node_config.h"
#include "core/result.h"

namespace xfed::app {

/** The version xfed reports (`xfed version`, the admin status reply). */
std::string_view xfedVersion();

/**
 * The `xfed serve` daemon: the composition root of one node. It runs the roles of its
 * NodeConfig (their protocol work arrives in later issues), holds the store's current snapshot,
 * and serves the local admin socket (one JSON object per line each way):
 *
 *   {"op":"status"}                    -> {"ok":true,"pid":..,"roles":[..],"state":"running",
 *                                          "config":{"generation":..,"data_version":..,..}}
 *   {"op":"reload"}                    -> {"ok":true,"changed":bool,"generation":..}
 *   {"op":"stop","graceful":bool}      -> {"ok":true,"state":"stopping"}, then it stops
 *   anything else                      -> {"ok":false,"error":"..."}
 *
 * Committed store changes are picked up without a restart: the store's data version is polled
 * every NodeConfig::store_poll_interval, and SIGHUP or {"op":"reload"} reload at once. A reload
 * swaps in a new immutable snapshot only when the data version changed.
 * SIGTERM, SIGINT and {"op":"stop"} stop accepting, close admin connections, remove the socket
 * file and make run() return 0.
 *
 * Threading: create() and run() on the main thread. run() drives the io_context on
 *            NodeConfig::threads threads; all shared state lives on one strand; SQLite runs only
 *            on a private one-thread pool.
 * Lifetime:  one per process; destroying it closes the store.
 */
class Server {
public:
  /**
   * Takes the admin socket (refusing when a running xfed answers on it, removing it when
   * stale), opens the store and reads the first snapshot.
   * Errors: FailedPrecondition when xfed is already running on this socket; IoFailure when the
   * socket cannot be bound; the store's errors (StoreFailure, ...) when it cannot be read.
   */
  static core::Result<std::unique_ptr<Server>> create(NodeConfig config, DataDir dir);

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /** Serves until stopped; returns the process exit code (0 after a clean stop). */
  int run();

private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace xfed::app
