// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/log.h"
#include "core/result.h"

// The node's own TOML file (node.toml): only what makes this process this node — its roles,
// which pool member it is, its data directory, logging, threads and the admin socket.
// Everything the admin commands manage lives in the store (ARCHITECTURE.md §5).
namespace xfed::app {

enum class Role { FrontEnd, Edge };

std::string_view toString(Role role);  // "frontend", "edge"
std::optional<Role> parseRole(std::string_view text);
/** "frontend,edge" */
std::string joinRoles(const std::vector<Role>& roles);

inline constexpr int kMinThreads = 1;
inline constexpr int kMaxThreads = 64;
inline constexpr std::chrono::milliseconds kMinStorePollInterval{100};
inline constexpr std::chrono::milliseconds kMaxStorePollInterval{60000};
inline constexpr std::size_t kMaxUnixSocketPath = 107;  // sun_path is 108 bytes with the NUL

/**
 * The settings of node.toml:
 *
 *   [node]  roles = ["frontend", "edge"]   fqdn = "fe01.contoso.test"
 *           data_dir = "/var/lib/xfed"     threads = 1
 *   [log]   level = "info"  format = "text"  file = ""
 *   [admin] socket = ""
 *   [store] poll_interval_ms = 1000
 *
 * Relative paths (log.file, admin.socket) are relative to the data directory.
 */
/**
 * [edge]: node bootstrap of the edge role. The listen address and port default to the edge pool
 * of the published topology (its external address and xmppPort); these override them, and the
 * resolver settings point DNS at a private server (tests, labs). Everything about partners lives
 * in the store.
 */
struct EdgeNodeSettings {
  std::string listen_address;               // empty: the edge pool's external address
  std::optional<std::uint16_t> port;        // none: the edge pool's xmppPort; 0: any free port
  std::uint16_t direct_tls_port = 0;        // XEP-0368 listener; 0: off
  std::string link_address;                 // empty: the edge pool's internal address
  std::optional<std::uint16_t> link_port;   // none: the edge pool's internalPort; 0: any
  std::vector<std::string> dns_forwarders;  // "ip@port"; empty: the system's resolver
  std::vector<std::string> dns_transparent_zones;  // e.g. "test" (libunbound refuses *.test)
  std::vector<std::pair<std::string, std::string>> dns_overrides;  // domain -> "host:port, ..."
  std::size_t max_stanza_bytes = 512 * 1024;
};

struct NodeConfig {
  std::vector<Role> roles{Role::FrontEnd, Role::Edge};  // sorted, no duplicates, not empty
  std::string fqdn;                     // the pool member this process is; empty: not set
  std::optional<std::string> data_dir;  // none: --data-dir / $XFED_DATA_DIR / the default
  int threads = 1;                      // io_context threads, kMinThreads..kMaxThreads
  LogSettings log;
  std::string admin_socket;  // empty: the data directory's default (DataDir::adminSocketPath)
  std::chrono::milliseconds store_poll_interval{1000};  // PRAGMA data_version polling
  EdgeNodeSettings edge;

  bool hasRole(Role role) const;
};

/**
 * Parses the text of a node config. Every key is optional; a missing one keeps its default.
 * source_name prefixes error messages ("node.toml:3:11: node.threads: ...").
 * Errors: core::Errc::InvalidArgument for TOML syntax, unknown tables or keys, wrong types,
 * out-of-range values and unknown roles; the message names the key and says what is allowed.
 * Threading: none.
 */
core::Result<NodeConfig> parseNodeConfig(std::string_view toml,
                                         std::string_view source_name = "node.toml");

/**
 * Reads and parses the node config file at path.
 * Errors: NotFound or IoFailure when the file cannot be read; as parseNodeConfig otherwise.
 */
core::Result<NodeConfig> loadNodeConfig(const std::filesystem::path& path);

/** The commented default node.toml that a new data directory starts with. It parses to
 *  NodeConfig{}. */
std::string defaultNodeConfigToml();

}  // namespace xfed::app
