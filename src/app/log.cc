// SPDX-License-Identifier: Apache-2.0
#include "app/log.h"

#include <chrono>
#include <cstdint>
#include <ctime>
#include <exception>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "core/errors.h"

namespace xfed::app {
namespace {

spdlog::level::level_enum toSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace:
      return spdlog::level::trace;
    case LogLevel::Debug:
      return spdlog::level::debug;
    case LogLevel::Info:
      return spdlog::level::info;
    case LogLevel::Warn:
      return spdlog::level::warn;
    case LogLevel::Error:
      return spdlog::level::err;
  }
  return spdlog::level::err;
}

std::string_view levelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
    case spdlog::level::critical:
    case spdlog::level::off:
    case spdlog::level::n_levels:
      return "error";
  }
  return "error";
}

void append(spdlog::memory_buf_t& dest, std::string_view text) {
  dest.append(text.data(), text.data() + text.size());
}

void appendTimestamp(spdlog::memory_buf_t& dest, std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  fmt::format_to(std::back_inserter(dest), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, millis < 0 ? millis + 1000 : millis);
}

// Text lines: control characters become \n, \r, \t or \xNN so that a message (which may quote
// peer input) can never forge a second log line.
void appendTextEscaped(spdlog::memory_buf_t& dest, std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      dest.push_back(c);
    } else if (c == '\n') {
      append(dest, "\\n");
    } else if (c == '\r') {
      append(dest, "\\r");
    } else if (c == '\t') {
      append(dest, "\\t");
    } else {
      fmt::format_to(std::back_inserter(dest), "\\x{:02x}", byte);
    }
  }
}

// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is malformed.
std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = at(i);
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) {
      min_second = 0xa0;  // overlong
    } else if (lead == 0xed) {
      max_second = 0x9f;  // surrogates
    }
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) {
      min_second = 0x90;  // overlong
    } else if (lead == 0xf4) {
      max_second = 0x8f;  // above U+10FFFF
    }
  } else {
    return 0;
  }
  if (i + length > text.size()) {
    return 0;
  }
  if (at(i + 1) < min_second || at(i + 1) > max_second) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (at(i + k) < 0x80 || at(i + k) > 0xbf) {
      return 0;
    }
  }
  return length;
}

// A JSON string body (RFC 8259 §7); malformed UTF-8 becomes U+FFFD so that every line parses.
void appendJsonEscaped(spdlog::memory_buf_t& dest, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      switch (c) {
        case '"':
          append(dest, "\\\"");
          break;
        case '\\':
          append(dest, "\\\\");
          break;
        case '\n':
          append(dest, "\\n");
          break;
        case '\r':
          append(dest, "\\r");
          break;
        case '\t':
          append(dest, "\\t");
          break;
        case '\b':
          append(dest, "\\b");
          break;
        case '\f':
          append(dest, "\\f");
          break;
        default:
          if (byte < 0x20) {
            fmt::format_to(std::back_inserter(dest), "\\u{:04x}", byte);
          } else {
            dest.push_back(c);
          }
      }
      ++i;
      continue;
    }
    const std::size_t length = utf8SequenceLength(text, i);
    if (length == 0) {
      append(dest, "\\ufffd");
      ++i;
      continue;
    }
    append(dest, text.substr(i, length));
    i += length;
  }
}

class LineFormatter final : public spdlog::formatter {
public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view level = levelName(msg.level);
    const std::string_view component(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view text(msg.payload.data(), msg.payload.size());
    switch (format_) {
      case LogFormat::Text:
        appendTimestamp(dest, msg.time);
        dest.push_back(' ');
        append(dest, level);
        for (std::size_t pad = level.size(); pad < 6; ++pad) {
          dest.push_back(' ');
        }
        appendTextEscaped(dest, component);
        dest.push_back(' ');
        appendTextEscaped(dest, text);
        break;
      case LogFormat::Json:
        append(dest, "{\"ts\":\"");
        appendTimestamp(dest, msg.time);
        append(dest, "\",\"level\":\"");
        append(dest, level);
        append(dest, "\",\"component\":\"");
        appendJsonEscaped(dest, component);
        append(dest, "\",\"msg\":\"");
        appendJsonEscaped(dest, text);
        append(dest, "\"}");
        break;
    }
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

private:
  LogFormat format_;
};

// One spdlog logger for the whole process; the component travels as the message's logger name,
// so Logger handles stay plain values and need no registry.
class ProcessLogger final : public spdlog::logger {
public:
  using spdlog::logger::logger;

  void write(spdlog::level::level_enum level, std::string_view component, std::string_view text) {
    const spdlog::details::log_msg msg(spdlog::string_view_t(component.data(), component.size()),
                                       level, spdlog::string_view_t(text.data(), text.size()));
    sink_it_(msg);  // every sink, then flush_on
  }

  void replaceSinks(spdlog::sink_ptr sink, LogFormat format) {
    sinks().assign(1, std::move(sink));
    set_formatter(std::make_unique<LineFormatter>(format));
    // Standard error flushes every line already; a file is flushed at info so that lifecycle
    // lines show at once while debug and trace volume stays buffered.
    flush_on(spdlog::level::info);
  }
};

ProcessLogger& processLogger() {
  static ProcessLogger* const logger = [] {
    auto* created = new ProcessLogger("xfed", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    created->set_formatter(std::make_unique<LineFormatter>(LogFormat::Text));
    created->set_level(spdlog::level::trace);  // the facade filters before formatting
    return created;
  }();  // never destroyed: threads may still log during static destruction
  return *logger;
}

}  // namespace

std::string_view toString(LogLevel level) { return levelName(toSpdlog(level)); }

std::string_view toString(LogFormat format) {
  switch (format) {
    case LogFormat::Text:
      return "text";
    case LogFormat::Json:
      return "json";
  }
  return "text";
}

std::optional<LogLevel> parseLogLevel(std::string_view text) {
  for (const LogLevel level :
       {LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error}) {
    if (text == toString(level)) {
      return level;
    }
  }
  return std::nullopt;
}

std::optional<LogFormat> parseLogFormat(std::string_view text) {
  for (const LogFormat format : {LogFormat::Text, LogFormat::Json}) {
    if (text == toString(format)) {
      return format;
    }
  }
  return std::nullopt;
}

core::Result<void> initLogging(const LogSettings& settings) {
  spdlog::sink_ptr sink;
  if (settings.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file, false);
    } catch (const std::exception& e) {
      return core::fail(core::Errc::IoFailure,
                        fmt::format("cannot open log file {}: {}", settings.file, e.what()));
    }
  }
  processLogger().replaceSinks(std::move(sink), settings.format);
  detail::g_log_level.store(static_cast<int>(settings.level), std::memory_order_relaxed);
  return core::ok();
}

void flushLogs() { processLogger().flush(); }

namespace detail {

void writeLog(LogLevel level, std::string_view component, std::string_view message) {
  processLogger().write(toSpdlog(level), component, message);
}

}  // namespace detail
}  // namespace xfed::app
