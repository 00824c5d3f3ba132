// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/core.h>

#include "core/result.h"

// The logging facade of the xfed process, over spdlog (which stays out of this header).
//
//   text: 2026-11-25T07:40:00.123Z info  app started roles=frontend,edge data_dir=/x
//   json: {"ts":"2026-11-25T07:40:00.123Z","level":"info","component":"app","msg":"..."}
//
// Control characters in messages are escaped in both formats, so one call is one line.
// Never log secrets (dialback keys, passwords, private keys); addresses of users appear at
// debug and below only (ARCHITECTURE.md §2.6).
namespace xfed::app {

enum class LogLevel { Trace, Debug, Info, Warn, Error };
enum class LogFormat { Text, Json };

std::string_view toString(LogLevel level);    // "trace", "debug", "info", "warn", "error"
std::string_view toString(LogFormat format);  // "text", "json"
std::optional<LogLevel> parseLogLevel(std::string_view text);
std::optional<LogFormat> parseLogFormat(std::string_view text);

struct LogSettings {
  LogLevel level = LogLevel::Info;
  LogFormat format = LogFormat::Text;
  std::string file;  // empty: stderr; otherwise appended to
};

/**
 * Sends every Logger's lines to settings.file (or stderr) in settings.format, dropping lines
 * below settings.level. Before the first call, lines go to stderr as text at info.
 * Threading: call at startup, before other threads log.
 * Errors: core::Errc::IoFailure when the log file cannot be opened (the old sink stays).
 */
core::Result<void> initLogging(const LogSettings& settings);

/** Flushes buffered lines (a log file is flushed at info and above anyway). Thread-safe. */
void flushLogs();

namespace detail {
inline std::atomic<int> g_log_level{static_cast<int>(LogLevel::Info)};
void writeLog(LogLevel level, std::string_view component, std::string_view message);
}  // namespace detail

/**
 * A per-component handle: `Logger log{"app"}; log.info("started roles={}", roles);`.
 * Format strings are checked at compile time; a disabled level costs one branch.
 * Threading: thread-safe (lines are written whole under the sink's lock).
 * Lifetime: a plain value; copy it freely.
 */
class Logger {
public:
  explicit Logger(std::string component) : component_(std::move(component)) {}

  static bool enabled(LogLevel level) {
    return static_cast<int>(level) >= detail::g_log_level.load(std::memory_order_relaxed);
  }

  template <class... Args>
  void log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
    if (enabled(level)) {
      detail::writeLog(level, component_, fmt::format(format, std::forward<Args>(args)...));
    }
  }

  template <class... Args>
  void trace(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::Trace, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::Debug, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void info(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::Info, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::Warn, format, std::forward<Args>(args)...);
  }
  template <class... Args>
  void error(fmt::format_string<Args...> format, Args&&... args) const {
    log(LogLevel::Error, format, std::forward<Args>(args)...);
  }

  const std::string& component() const { return component_; }

private:
  std::string component_;
};

}  // namespace xfed::app
