// SPDX-License-Identifier: Apache-2.0
#include "app/node_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/errors.h"

namespace xfed::app {
namespace {

constexpr std::string_view kRolesAllowed = "frontend, edge";
constexpr std::string_view kLevelsAllowed = "trace, debug, info, warn, error";
constexpr std::string_view kFormatsAllowed = "text, json";

std::string_view typeName(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
  }
  return "a value";
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (const std::string_view name : names) {
    if (!out.empty()) {
      out += ", ";
    }
    out += name;
  }
  return out;
}

bool isValidFqdn(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t label = 0;
  char previous = '.';
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (c == '.') {
      if (label == 0 || previous == '-') {
        return false;
      }
      label = 0;
    } else if (alnum || (c == '-' && label > 0)) {
      if (++label > 63) {
        return false;
      }
    } else {
      return false;
    }
    previous = c;
  }
  return label > 0 && previous != '-';
}

std::string toLower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

// For the hint when a key is written above its table header.
std::string_view tableOfKey(std::string_view key) {
  if (key == "roles" || key == "fqdn" || key == "data_dir" || key == "threads") {
    return "node";
  }
  if (key == "level" || key == "format" || key == "file") {
    return "log";
  }
  if (key == "socket") {
    return "admin";
  }
  if (key == "poll_interval_ms") {
    return "store";
  }
  return {};
}

// Reads one document into a NodeConfig. Every error names "table.key" and says what is allowed.
class Reader {
public:
  explicit Reader(std::string_view source_name) : source_name_(source_name) {}

  core::Error error(const toml::source_region& at, std::string_view message) const {
    if (at.begin.line == 0) {
      return core::fail(core::Errc::InvalidArgument, fmt::format("{}: {}", source_name_, message));
    }
    return core::fail(
        core::Errc::InvalidArgument,
        fmt::format("{}:{}:{}: {}", source_name_, at.begin.line, at.begin.column, message));
  }

  core::Result<NodeConfig> read(const toml::table& root) {
    NodeConfig config;
    for (auto&& [key, node] : root) {
      const std::string_view name = key.str();
      const bool known = name == "node" || name == "log" || name == "admin" || name == "store" ||
                         name == "edge";
      if (!known) {
        std::string hint;
        if (const std::string_view table = tableOfKey(name); !table.empty()) {
          hint = fmt::format(" ('{}' belongs in [{}])", name, table);
        }
        return error(key.source(), fmt::format("unknown {} '{}'; allowed tables: node, log, "
                                               "admin, store, edge{}",
                                               node.is_table() ? "table" : "key", name, hint));
      }
      const toml::table* table = node.as_table();
      if (table == nullptr) {
        return error(node.source(), fmt::format("{}: must be a table ([{}]), not {}", name, name,
                                                typeName(node.type())));
      }
      if (name == "node") {
        XFED_TRY(readNode(*table, config));
      } else if (name == "log") {
        XFED_TRY(readLog(*table, config.log));
      } else if (name == "admin") {
        XFED_TRY(readAdmin(*table, config));
      } else if (name == "edge") {
        XFED_TRY(readEdge(*table, config.edge));
      } else {
        XFED_TRY(readStore(*table, config));
      }
    }
    return config;
  }

private:
  core::Result<void> unknownKey(std::string_view table, const toml::key& key,
                                std::initializer_list<std::string_view> allowed) const {
    return error(key.source(), fmt::format("{}.{}: unknown key; allowed in [{}]: {}", table,
                                           key.str(), table, join(allowed)));
  }

  core::Result<void> wrongType(std::string_view path, const toml::node& node,
                               std::string_view expected) const {
    return error(node.source(),
                 fmt::format("{}: must be {}, not {}", path, expected, typeName(node.type())));
  }

  core::Result<std::string> string(std::string_view path, const toml::node& node) const {
    const auto* value = node.as_string();
    if (value == nullptr) {
      return wrongType(path, node, "a string").error();
    }
    return value->get();
  }

  core::Result<std::int64_t> integer(std::string_view path, const toml::node& node,
                                     std::int64_t min, std::int64_t max) const {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      return wrongType(path, node, "an integer").error();
    }
    const std::int64_t number = value->get();
    if (number < min || number > max) {
      return error(node.source(),
                   fmt::format("{}: {} is out of range; allowed {}..{}", path, number, min, max));
    }
    return number;
  }

  core::Result<void> readRoles(const toml::node& node, NodeConfig& config) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      return wrongType("node.roles", node,
                       fmt::format("an array of roles (allowed: {})", kRolesAllowed));
    }
    if (array->empty()) {
      return error(
          node.source(),
          fmt::format("node.roles: must name at least one role; allowed: {}", kRolesAllowed));
    }
    std::vector<Role> roles;
    for (std::size_t i = 0; i < array->size(); ++i) {
      const toml::node& item = *array->get(i);
      XFED_ASSIGN_OR_RETURN(const std::string text, string(fmt::format("node.roles[{}]", i), item));
      const std::optional<Role> role = parseRole(text);
      if (!role) {
        return error(item.source(), fmt::format("node.roles: unknown role '{}'; allowed: {}", text,
                                                kRolesAllowed));
      }
      if (std::find(roles.begin(), roles.end(), *role) != roles.end()) {
        return error(item.source(), fmt::format("node.roles: role '{}' is listed twice", text));
      }
      roles.push_back(*role);
    }
    std::sort(roles.begin(), roles.end());
    config.roles = std::move(roles);
    return core::ok();
  }

  core::Result<void> readNode(const toml::table& table, NodeConfig& config) const {
    for (auto&& [key, node] : table) {
      const std::string_view name = key.str();
      if (name == "roles") {
        XFED_TRY(readRoles(node, config));
      } else if (name == "fqdn") {
        XFED_ASSIGN_OR_RETURN(const std::string fqdn, string("node.fqdn", node));
        if (!fqdn.empty() && !isValidFqdn(fqdn)) {
          return error(node.source(),
                       fmt::format("node.fqdn: '{}' is not a valid FQDN (labels of letters, "
                                   "digits and '-', separated by '.')",
                                   fqdn));
        }
        config.fqdn = toLower(fqdn);
      } else if (name == "data_dir") {
        XFED_ASSIGN_OR_RETURN(std::string data_dir, string("node.data_dir", node));
        if (data_dir.empty()) {
          return error(node.source(),
                       "node.data_dir: must not be empty (leave it out to use --data-dir, "
                       "$XFED_DATA_DIR or the default)");
        }
        config.data_dir = std::move(data_dir);
      } else if (name == "threads") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t threads,
                              integer("node.threads", node, kMinThreads, kMaxThreads));
        config.threads = static_cast<int>(threads);
      } else {
        return unknownKey("node", key, {"roles", "fqdn", "data_dir", "threads"});
      }
    }
    return core::ok();
  }

  core::Result<void> readLog(const toml::table& table, LogSettings& log) const {
    for (auto&& [key, node] : table) {
      const std::string_view name = key.str();
      if (name == "level") {
        XFED_ASSIGN_OR_RETURN(const std::string text, string("log.level", node));
        const std::optional<LogLevel> level = parseLogLevel(text);
        if (!level) {
          return error(node.source(), fmt::format("log.level: unknown level '{}'; allowed: {}",
                                                  text, kLevelsAllowed));
        }
        log.level = *level;
      } else if (name == "format") {
        XFED_ASSIGN_OR_RETURN(const std::string text, string("log.format", node));
        const std::optional<LogFormat> format = parseLogFormat(text);
        if (!format) {
          return error(node.source(), fmt::format("log.format: unknown format '{}'; allowed: {}",
                                                  text, kFormatsAllowed));
        }
        log.format = *format;
      } else if (name == "file") {
        XFED_ASSIGN_OR_RETURN(log.file, string("log.file", node));
      } else {
        return unknownKey("log", key, {"level", "format", "file"});
      }
    }
    return core::ok();
  }

  core::Result<void> readAdmin(const toml::table& table, NodeConfig& config) const {
    for (auto&& [key, node] : table) {
      if (key.str() == "socket") {
        XFED_ASSIGN_OR_RETURN(std::string socket, string("admin.socket", node));
        if (socket.size() > kMaxUnixSocketPath) {
          return error(node.source(),
                       fmt::format("admin.socket: the path is {} bytes; Unix socket paths are "
                                   "limited to {} bytes",
                                   socket.size(), kMaxUnixSocketPath));
        }
        if (socket.find('\0') != std::string::npos) {
          return error(node.source(), "admin.socket: must not contain NUL characters");
        }
        config.admin_socket = std::move(socket);
      } else {
        return unknownKey("admin", key, {"socket"});
      }
    }
    return core::ok();
  }

  core::Result<void> readStore(const toml::table& table, NodeConfig& config) const {
    for (auto&& [key, node] : table) {
      if (key.str() == "poll_interval_ms") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t millis,
                              integer("store.poll_interval_ms", node, kMinStorePollInterval.count(),
                                      kMaxStorePollInterval.count()));
        config.store_poll_interval = std::chrono::milliseconds(millis);
      } else {
        return unknownKey("store", key, {"poll_interval_ms"});
      }
    }
    return core::ok();
  }

  core::Result<std::vector<std::string>> strings(std::string_view path,
                                                  const toml::node& node) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) {
      return wrongType(path, node, "an array of strings").error();
    }
    std::vector<std::string> out;
    for (std::size_t i = 0; i < array->size(); ++i) {
      XFED_ASSIGN_OR_RETURN(std::string text,
                            string(fmt::format("{}[{}]", path, i), *array->get(i)));
      out.push_back(std::move(text));
    }
    return out;
  }

  core::Result<void> readEdge(const toml::table& table, EdgeNodeSettings& edge) const {
    for (auto&& [key, node] : table) {
      const std::string_view name = key.str();
      if (name == "listen_address") {
        XFED_ASSIGN_OR_RETURN(edge.listen_address, string("edge.listen_address", node));
      } else if (name == "port") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t port, integer("edge.port", node, 0, 65535));
        edge.port = static_cast<std::uint16_t>(port);
      } else if (name == "direct_tls_port") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t port,
                              integer("edge.direct_tls_port", node, 0, 65535));
        edge.direct_tls_port = static_cast<std::uint16_t>(port);
      } else if (name == "link_address") {
        XFED_ASSIGN_OR_RETURN(edge.link_address, string("edge.link_address", node));
      } else if (name == "link_port") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t port, integer("edge.link_port", node, 0, 65535));
        edge.link_port = static_cast<std::uint16_t>(port);
      } else if (name == "dns_forwarders") {
        XFED_ASSIGN_OR_RETURN(edge.dns_forwarders, strings("edge.dns_forwarders", node));
      } else if (name == "dns_transparent_zones") {
        XFED_ASSIGN_OR_RETURN(edge.dns_transparent_zones,
                              strings("edge.dns_transparent_zones", node));
      } else if (name == "max_stanza_bytes") {
        XFED_ASSIGN_OR_RETURN(const std::int64_t bytes,
                              integer("edge.max_stanza_bytes", node, 10'000, 16 * 1024 * 1024));
        edge.max_stanza_bytes = static_cast<std::size_t>(bytes);
      } else if (name == "dns_overrides") {
        const toml::table* overrides = node.as_table();
        if (overrides == nullptr) {
          return wrongType("edge.dns_overrides", node,
                           "a table of domain = \"host:port, ...\"");
        }
        for (auto&& [domain, target] : *overrides) {
          XFED_ASSIGN_OR_RETURN(std::string text,
                                string(fmt::format("edge.dns_overrides.{}", domain.str()), target));
          edge.dns_overrides.emplace_back(std::string(domain.str()), std::move(text));
        }
      } else {
        return unknownKey("edge", key,
                          {"listen_address", "port", "direct_tls_port", "link_address",
                           "link_port", "dns_forwarders",
                           "dns_transparent_zones", "dns_overrides", "max_stanza_bytes"});
      }
    }
    return core::ok();
  }

  std::string source_name_;
};

}  // namespace

std::string_view toString(Role role) {
  switch (role) {
    case Role::FrontEnd:
      return "frontend";
    case Role::Edge:
      return "edge";
  }
  return "frontend";
}

std::optional<Role> parseRole(std::string_view text) {
  for (const Role role : {Role::FrontEnd, Role::Edge}) {
    if (text == toString(role)) {
      return role;
    }
  }
  return std::nullopt;
}

std::string joinRoles(const std::vector<Role>& roles) {
  std::string out;
  for (const Role role : roles) {
    if (!out.empty()) {
      out += ',';
    }
    out += toString(role);
  }
  return out;
}

bool NodeConfig::hasRole(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

core::Result<NodeConfig> parseNodeConfig(std::string_view toml, std::string_view source_name) {
  Reader reader(source_name);
  toml::table root;
  try {
    root = toml::parse(toml, source_name);
  } catch (const toml::parse_error& e) {
    return reader.error(e.source(), e.description());
  }
  return reader.read(root);
}

core::Result<NodeConfig> loadNodeConfig(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return core::fail(
        error == ENOENT ? core::Errc::NotFound : core::Errc::IoFailure,
        fmt::format("cannot read node config {}: {}", path.string(), std::strerror(error)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return core::fail(core::Errc::IoFailure,
                      fmt::format("cannot read node config {}", path.string()));
  }
  return parseNodeConfig(text.str(), path.string());
}

std::string defaultNodeConfigToml() {
  return R"(# xfed node configuration: only what makes this process this node.
# Everything the admin commands manage (topology, users, policies, partners, gateway
# settings) lives in the store of the data directory; change it with xfedctl. A running
# xfed picks up committed changes by itself.

[node]
# The roles this process runs: "frontend" (SIP registrar and XMPP gateway), "edge" (the
# XMPP federation proxy), or both.
roles = ["frontend", "edge"]
# The FQDN of the pool member this process is (a machine of the published topology).
# fqdn = "fe01.contoso.test"
# The data directory (store, PKI, admin socket). Default: --data-dir, $XFED_DATA_DIR, or
# /var/lib/xfed for root and ~/.local/state/xfed otherwise.
# data_dir = "/var/lib/xfed"
# Threads running the event loop (1..64).
threads = 1

[log]
# trace, debug, info, warn or error.
level = "info"
# text or json (one object per line).
format = "text"
# A file to append to, relative to the data directory; empty: standard error.
file = ""

[admin]
# The local admin socket (mode 0600), relative to the data directory; empty: admin.sock in
# the data directory, or a short path under /tmp when that would be too long.
socket = ""

[store]
# How often to check the store for committed changes, in milliseconds (100..60000).
poll_interval_ms = 1000
)";
}

}  // namespace xfed::app
