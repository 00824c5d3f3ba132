// SPDX-License-Identifier: Apache-2.0
// xfed: the server executable. `xfed serve` runs the daemon; `xfed version` prints the version.

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include "app/data_dir.h"
#include "app/log.h"
#include "app/node_config.h"
#include "app/server.h"

namespace {

namespace fs = std::filesystem;
using xfed::app::NodeConfig;

constexpr int kExitError = 1;
constexpr int kExitConfigError = 2;  // also command-line usage errors

struct ServeOptions {
  std::string config_file;
  std::string data_dir;
  std::string log_level;
  std::string log_format;
  bool foreground = false;
};

void printError(const std::string& message) {
  std::fprintf(stderr, "xfed: error: %s\n", message.c_str());
}

// Relative paths of node.toml are relative to the data directory.
std::string underDataDir(const fs::path& root, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) {
    return path;
  }
  return (root / path).string();
}

// Writes the default node.toml under a temporary name and links it into place, so that a
// concurrent writer's file is never overwritten and a reader never sees half a file.
bool writeDefaultNodeConfig(const fs::path& path) {
  const fs::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << xfed::app::defaultNodeConfigToml();
    if (!out.flush()) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      return false;
    }
  }
  const bool linked = ::link(temporary.c_str(), path.c_str()) == 0;
  std::error_code ignored;
  fs::remove(temporary, ignored);
  return linked;
}

int serve(const ServeOptions& options) {
  NodeConfig config;
  bool have_config = false;
  if (!options.config_file.empty()) {
    xfed::core::Result<NodeConfig> loaded = xfed::app::loadNodeConfig(options.config_file);
    if (!loaded) {
      printError(loaded.error().detail);
      return kExitConfigError;
    }
    config = std::move(*loaded);
    have_config = true;
  }

  std::optional<std::string> data_dir_flag;
  if (!options.data_dir.empty()) {
    data_dir_flag = options.data_dir;
  } else if (config.data_dir) {
    data_dir_flag = config.data_dir;
  }
  const fs::path root = fs::absolute(xfed::app::resolveDataDir(data_dir_flag)).lexically_normal();

  std::optional<std::string> ignored_data_dir;
  if (!have_config) {
    // A data directory that does not exist yet gets the default node.toml below; read an
    // existing one first so that its errors come before anything is created.
    const fs::path node_toml = xfed::app::DataDir{root}.nodeConfigPath();
    std::error_code ec;
    if (fs::exists(node_toml, ec)) {
      xfed::core::Result<NodeConfig> loaded = xfed::app::loadNodeConfig(node_toml);
      if (!loaded) {
        printError(loaded.error().detail);
        return kExitConfigError;
      }
      config = std::move(*loaded);
      // The directory is already chosen; a node.toml inside it cannot move it elsewhere.
      if (config.data_dir && fs::absolute(*config.data_dir).lexically_normal() != root) {
        ignored_data_dir = config.data_dir;
      }
    }
  }

  if (!options.log_level.empty()) {
    config.log.level = *xfed::app::parseLogLevel(options.log_level);  // checked by CLI11
  }
  if (!options.log_format.empty()) {
    config.log.format = *xfed::app::parseLogFormat(options.log_format);  // checked by CLI11
  }
  if (options.foreground) {
    config.log.file.clear();
  }
  config.data_dir = root.string();

  xfed::core::Result<xfed::app::DataDir> dir = xfed::app::openDataDir(root);
  if (!dir) {
    printError("cannot open the data directory " + root.string() + ": " + dir.error().detail);
    return kExitError;
  }

  // The commented default file, so that an operator finds what can be set. Never replaces one.
  bool wrote_node_toml = false;
  if (!have_config && !fs::exists(dir->nodeConfigPath())) {
    wrote_node_toml = writeDefaultNodeConfig(dir->nodeConfigPath());
  }

  xfed::app::LogSettings log_settings = config.log;
  log_settings.file = underDataDir(root, log_settings.file);
  if (!log_settings.file.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(log_settings.file).parent_path(), ec);
  }
  if (xfed::core::Result<void> logging = xfed::app::initLogging(log_settings); !logging) {
    printError(logging.error().detail);
    return kExitError;
  }
  const xfed::app::Logger log{"app"};
  if (wrote_node_toml) {
    log.info("wrote the default node config {}", dir->nodeConfigPath().string());
  }
  if (ignored_data_dir) {
    log.warn("ignoring [node] data_dir={} of {}: the data directory is {}", *ignored_data_dir,
             dir->nodeConfigPath().string(), root.string());
  }

  xfed::core::Result<std::unique_ptr<xfed::app::Server>> server =
      xfed::app::Server::create(std::move(config), *dir);
  if (!server) {
    if (!log_settings.file.empty()) {
      log.error("cannot start: {}", server.error().detail);
    }
    printError(server.error().detail);
    return kExitError;
  }
  return (*server)->run();
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that closes early must cost an error code, not the process.
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app{"xfed: an open SIP <-> XMPP federation server", "xfed"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(xfed::app::xfedVersion()));

  ServeOptions options;
  CLI::App* serve_command = app.add_subcommand(
      "serve", "Run the server: the front end and/or edge roles that node.toml names");
  serve_command
      ->add_option("--config", options.config_file,
                   "Node config file (default: <data dir>/node.toml if it exists)")
      ->type_name("FILE");
  serve_command
      ->add_option("--data-dir", options.data_dir,
                   "Data directory (default: [node] data_dir, $XFED_DATA_DIR, /var/lib/xfed "
                   "for root, else ~/.local/state/xfed); created with defaults if new")
      ->type_name("DIR");
  serve_command->add_option("--log-level", options.log_level, "Overrides [log] level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  serve_command->add_option("--log-format", options.log_format, "Overrides [log] format")
      ->check(CLI::IsMember({"text", "json"}));
  serve_command->add_flag("--foreground", options.foreground,
                          "Log to standard error even when [log] file is set (xfed never "
                          "forks; run it under systemd or a terminal)");
  CLI::App* version_command = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitConfigError;
  }

  try {
    if (*version_command) {
      std::printf("xfed %s\n", std::string(xfed::app::xfedVersion()).c_str());
      return 0;
    }
    return serve(options);
  } catch (const std::exception& e) {
    // Startup only (filesystem errors and the like): the event loop never throws out of run().
    printError(e.what());
    return kExitError;
  }
}
