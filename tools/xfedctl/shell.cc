// SPDX-License-Identifier: Apache-2.0
#include "tools/xfedctl/shell.h"

#include <editline/readline.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "core/strings.h"

namespace xfed::xfedctl {
namespace {

const admin::Registry* g_registry = nullptr;  // readline's C callbacks take no context
std::vector<std::string> g_candidates;
std::size_t g_next = 0;

char* nextCandidate(const char* /*text*/, int state) {
  if (state == 0) {
    g_next = 0;
  }
  if (g_next < g_candidates.size()) {
    return strdup(g_candidates[g_next++].c_str());
  }
  return nullptr;
}

/** The command name of the pipeline stage the cursor is in, if typed. */
std::string stageCommand(std::string_view line) {
  std::size_t bar = line.rfind('|');
  std::size_t semi = line.rfind(';');
  std::size_t start = 0;
  if (bar != std::string_view::npos) {
    start = bar + 1;
  }
  if (semi != std::string_view::npos && semi + 1 > start) {
    start = semi + 1;
  }
  std::string_view stage = core::trim(line.substr(start));
  return std::string(stage.substr(0, stage.find_first_of(" \t")));
}

char** complete(const char* text, int start, int /*end*/) {
  rl_attempted_completion_over = 1;  // never fall back to file names
  g_candidates.clear();
  std::string_view word(text);
  std::string before(rl_line_buffer, static_cast<std::size_t>(start));
  std::string_view trimmed = core::trim(before);
  bool command_position = trimmed.empty() || trimmed.ends_with("|") || trimmed.ends_with(";");
  if (command_position) {
    for (const admin::CommandDef& c : g_registry->all()) {
      if (core::istartsWith(c.name, word)) {
        g_candidates.push_back(c.name);
      }
    }
  } else if (word.starts_with("-")) {
    if (const admin::CommandDef* def = g_registry->find(stageCommand(before))) {
      for (const admin::ParamDef& p : def->params) {
        if (core::istartsWith(p.name, word.substr(1))) {
          g_candidates.push_back("-" + p.name);
        }
      }
    }
  }
  return rl_completion_matches(text, nextCandidate);
}

/** A line that tries -Password (refused anyway) must not reach the history file. */
bool mentionsPassword(std::string_view line) {
  std::string lower = core::toLower(line);
  for (std::size_t at = lower.find("-password"); at != std::string::npos;
       at = lower.find("-password", at + 1)) {
    std::size_t end = at + std::string_view("-password").size();
    if (end >= lower.size() || lower[end] == ' ' || lower[end] == '\t' || lower[end] == ':') {
      return true;
    }
  }
  return false;
}

std::string historyPath() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.xfedctl_history";
}

}  // namespace

int runShell(const admin::Registry& registry, admin::Context& context,
             const admin::SessionOptions& options) {
  g_registry = &registry;
  rl_readline_name = "xfedctl";
  rl_attempted_completion_function = complete;
  using_history();
  std::string history = historyPath();
  read_history(history.c_str());
  std::cout << "xfedctl shell on " << context.data_dir.string()
            << " (Get-Help for the commands, Tab completes, exit or Ctrl-D leaves)\n";
  std::string pending;
  while (true) {
    char* raw = readline(pending.empty() ? "xfed> " : ">> ");
    if (raw == nullptr) {
      std::cout << "\n";
      break;
    }
    std::string line(raw);
    std::free(raw);
    std::string_view trimmed = core::trim(line);
    if (pending.empty() && (trimmed == "exit" || trimmed == "quit")) {
      break;
    }
    if (trimmed.empty() && pending.empty()) {
      continue;
    }
    if (!mentionsPassword(line)) {
      add_history(line.c_str());
    }
    if (trimmed.ends_with("`")) {  // continuation, as in PowerShell
      pending += line + "\n";
      continue;
    }
    std::string statement = pending + line;
    pending.clear();
    // Errors were shown as they happened; leaving the shell with exit is a normal end.
    (void)admin::runScript(registry, statement, context, options, std::cout, std::cerr);
  }
  write_history(history.c_str());
  history_truncate_file(history.c_str(), 1000);
  return 0;
}

}  // namespace xfed::xfedctl
