// SPDX-License-Identifier: Apache-2.0
// xfedctl: the admin commands of xfed, in the cmdlet syntax admins know and as a Unix CLI.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "admin/binder.h"
#include "admin/cli.h"
#include "admin/registry.h"
#include "admin/session.h"
#include "app/admin_client.h"
#include "app/data_dir.h"
#include "core/errors.h"
#include "core/strings.h"
#include "tools/xfedctl/shell.h"

namespace {

using namespace xfed;

constexpr std::size_t kMaxScriptBytes = std::size_t{64} * 1024 * 1024;  // as admin/lexer.cc

struct Options {
  std::optional<std::string> data_dir;
  std::optional<std::string> script_file;
  bool json = false;
  bool help = false;
  bool version = false;
  std::vector<std::string> rest;
};

int usageError(const std::string& message) {
  std::cerr << "xfedctl: " << message << " (xfedctl --help shows the usage)\n";
  return 2;
}

std::optional<Options> parseOptions(int argc, char** argv, int& status) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (!o.rest.empty()) {
      o.rest.push_back(arg);
      continue;
    }
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (std::size_t eq = arg.find('='); eq != std::string::npos) {
        return arg.substr(eq + 1);
      }
      if (i + 1 >= argc) {
        status = usageError(std::string(name) + " needs a value");
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "--data-dir" || arg.starts_with("--data-dir=")) {
      o.data_dir = value("--data-dir");
      if (!o.data_dir) {
        return std::nullopt;
      }
    } else if (arg == "-f" || arg == "--file" || arg.starts_with("--file=")) {
      o.script_file = value("--file");
      if (!o.script_file) {
        return std::nullopt;
      }
    } else if (arg == "--json") {
      o.json = true;
    } else if (arg == "-h" || arg == "--help") {
      o.help = true;
    } else if (arg == "--version") {
      o.version = true;
    } else if (arg.starts_with("--")) {
      status = usageError("unknown option '" + arg + "'");
      return std::nullopt;
    } else {
      o.rest.push_back(arg);
    }
  }
  return o;
}

core::Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::Errc::IoFailure, "cannot read '" + path + "'");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxScriptBytes) {
    return core::fail(core::Errc::InvalidArgument, "'" + path + "' is larger than 64 MiB");
  }
  return text.str();
}

std::string stripNewline(std::string line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.pop_back();
  }
  return line;
}

/** Passwords come from a file, standard input or the terminal with echo off. */
core::Result<std::string> readPassword(admin::PasswordSource source, const std::string& file,
                                       bool stdin_is_script) {
  switch (source) {
    case admin::PasswordSource::File: {
      XFED_ASSIGN_OR_RETURN(std::string text, readFile(file));
      return stripNewline(text.substr(0, text.find('\n')));
    }
    case admin::PasswordSource::Stdin: {
      if (stdin_is_script) {
        return core::fail(core::Errc::InvalidArgument,
                          "-PasswordFromStdin cannot be used while the script itself comes from "
                          "standard input; use -PasswordFile");
      }
      std::string line;
      if (!std::getline(std::cin, line)) {
        return core::fail(core::Errc::InvalidArgument, "no password on standard input");
      }
      return stripNewline(line);
    }
    case admin::PasswordSource::Prompt: {
      std::FILE* tty = std::fopen("/dev/tty", "r+");
      if (tty == nullptr) {
        return core::fail(core::Errc::InvalidArgument,
                          "-PromptForPassword needs a terminal; use -PasswordFile or "
                          "-PasswordFromStdin");
      }
      std::fputs("SIP password: ", tty);
      std::fflush(tty);
      termios old_mode{};
      tcgetattr(fileno(tty), &old_mode);
      termios quiet = old_mode;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
      char buffer[512] = {};
      bool got = std::fgets(buffer, sizeof buffer, tty) != nullptr;
      tcsetattr(fileno(tty), TCSAFLUSH, &old_mode);
      std::fputs("\n", tty);
      std::fclose(tty);
      std::string password = stripNewline(buffer);
      std::fill(std::begin(buffer), std::end(buffer), '\0');
      if (!got) {
        return core::fail(core::Errc::InvalidArgument, "no password was typed");
      }
      return password;
    }
  }
  return core::fail(core::Errc::Internal, "unknown password source");
}

/** Quotes argv words back into one cmdlet line: xfedctl New-CsUser "Alice Smith" ... */
std::string joinCmdletArgs(const std::vector<std::string>& words) {
  if (words.size() == 1) {
    return words.front();  // xfedctl 'New-CsXmppAllowedPartner gmail.com -TlsNegotiation ...'
  }
  std::string line;
  for (const std::string& w : words) {
    bool needs_quotes = w.empty() || w.find_first_of(" \t;") != std::string::npos;
    if (!line.empty()) {
      line += ' ';
    }
    if (needs_quotes && w.find('\'') == std::string::npos) {
      line += "'" + w + "'";
    } else {
      line += w;
    }
  }
  return line;
}

std::filesystem::path binDir(const char* argv0) {
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    self = std::filesystem::absolute(argv0, ec);
  }
  return self.parent_path();
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  std::optional<Options> options = parseOptions(argc, argv, status);
  if (!options) {
    return status;
  }
  const admin::Registry& registry = admin::registry();
  if (options->version) {
    std::cout << "xfedctl 0.1.0\n";
    return 0;
  }
  std::vector<std::string>& rest = options->rest;
  bool cli = !rest.empty() && admin::isCliNoun(registry, rest[0]);
  if (cli) {
    // Unix style takes --json anywhere: xfedctl user get --json
    auto json = std::find(rest.begin(), rest.end(), "--json");
    if (json != rest.end()) {
      options->json = true;
      rest.erase(json);
    }
  }
  bool wants_help = options->help || (!rest.empty() && rest[0] == "help") ||
                    std::find(rest.begin(), rest.end(), "--help") != rest.end();
  if (wants_help) {
    const admin::CommandDef* def = nullptr;
    if (cli && rest.size() >= 2) {
      def = registry.findCli(rest[0], rest[1]);
    } else if (rest.size() >= 2 && rest[0] == "help") {
      def = registry.find(rest[1]);
      if (def == nullptr && rest.size() >= 3) {
        def = registry.findCli(rest[1], rest[2]);
      }
    } else if (!rest.empty()) {
      def = registry.find(rest[0]);
    }
    std::cout << (def != nullptr ? admin::commandHelp(*def) : admin::overviewHelp(registry));
    return 0;
  }

  // The text to run, before touching the data directory: usage errors change nothing.
  std::string text;
  bool interactive = false;
  bool stdin_is_script = false;
  if (options->script_file) {
    core::Result<std::string> script = readFile(*options->script_file);
    if (!script) {
      return usageError(script.error().detail);
    }
    text = std::move(*script);
  } else if (cli) {
    core::Result<admin::CommandCall> call = admin::parseCli(registry, rest);
    if (!call) {
      std::cerr << call.error().detail << "\n";
      return 2;
    }
    text = admin::renderCall(*call);
  } else if (!rest.empty()) {
    text = joinCmdletArgs(rest);
  } else if (isatty(0)) {
    interactive = true;
  } else {
    std::ostringstream in;
    in << std::cin.rdbuf();
    text = in.str();
    stdin_is_script = true;
  }

  core::Result<app::DataDir> dir = app::openDataDir(app::resolveDataDir(options->data_dir));
  if (!dir) {
    std::cerr << "xfedctl: " << dir.error().detail << "\n";
    return 1;
  }
  core::Result<store::ConfigStorePtr> store = app::openStore(*dir);
  if (!store) {
    std::cerr << "xfedctl: " << store.error().detail << "\n";
    return 1;
  }
  admin::Context context{.store = **store,
                         .data_dir = dir->root,
                         .admin_socket = dir->adminSocketPath(),
                         .bin_dir = binDir(argv[0])};
  context.read_password = [stdin_is_script](admin::PasswordSource source, const std::string& file) {
    return readPassword(source, file, stdin_is_script);
  };
  admin::SessionOptions session{options->json};
  int exit_code = 0;
  if (interactive) {
    exit_code = xfedctl::runShell(registry, context, session);
  } else {
    int failures = admin::runScript(registry, text, context, session, std::cout, std::cerr);
    exit_code = failures == 0 ? 0 : 1;
  }
  if (context.changed) {
    // A running xfed picks the change up by itself within a second; asking is faster.
    (void)app::adminRequest(dir->adminSocketPath(), R"({"op":"reload"})",
                            std::chrono::milliseconds(2000));
  }
  return exit_code;
}
