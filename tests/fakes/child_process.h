// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace xfed::fakes {

inline std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/**
 * A program of build/bin run as a child process: stdin from a file (or /dev/null), stdout and
 * stderr into files next to output_prefix. Killed (SIGKILL) on destruction if still running.
 */
class ChildProcess {
public:
  using Clock = std::chrono::steady_clock;

  ChildProcess(const std::filesystem::path& binary, const std::vector<std::string>& args,
               const std::filesystem::path& output_prefix,
               const std::optional<std::filesystem::path>& stdin_path = std::nullopt,
               const std::vector<std::string>& extra_env = {})
      : stdout_path_(output_prefix.string() + ".stdout"),
        stderr_path_(output_prefix.string() + ".stderr") {
    std::vector<std::string> argv_storage{binary.string()};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& arg : argv_storage) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env_storage(extra_env);
    for (char** e = environ; *e != nullptr; ++e) {
      env_storage.emplace_back(*e);
    }
    std::vector<char*> env;
    for (std::string& e : env_storage) {
      env.push_back(e.data());
    }
    env.push_back(nullptr);

    std::string in = stdin_path ? stdin_path->string() : std::string("/dev/null");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int error = posix_spawn(&pid_, argv_storage[0].c_str(), &actions, nullptr, argv.data(),
                            env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      spawn_error_ = std::strerror(error);
      pid_ = -1;
    }
  }

  ~ChildProcess() {
    if (pid_ > 0 && !status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& spawnError() const { return spawn_error_; }

  /** The wait status once the child has exited, waiting at most timeout. */
  std::optional<int> waitExit(Clock::duration timeout) {
    Clock::time_point deadline = Clock::now() + timeout;
    while (!status_ && pid_ > 0) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        break;
      }
      if (Clock::now() >= deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
  }

  /** Exit code when it exited normally, -1 otherwise (killed, or still running). */
  int exitCode() const { return status_ && WIFEXITED(*status_) ? WEXITSTATUS(*status_) : -1; }
  std::string stdoutText() const { return readWholeFile(stdout_path_); }
  std::string stderrText() const { return readWholeFile(stderr_path_); }
  void signal(int signal_number) const { ::kill(pid_, signal_number); }

private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::string stdout_path_;
  std::string stderr_path_;
  std::string spawn_error_;
};

struct RunResult {
  int exit_code = -1;  // -1: killed at the deadline
  std::string out;
  std::string err;
};

/** Runs a program to completion (killed after timeout) and returns what it printed. */
inline RunResult runToCompletion(const std::filesystem::path& binary,
                                 const std::vector<std::string>& args,
                                 const std::filesystem::path& output_prefix,
                                 const std::optional<std::string>& stdin_text = std::nullopt,
                                 std::chrono::seconds timeout = std::chrono::seconds(60),
                                 const std::vector<std::string>& extra_env = {}) {
  std::optional<std::filesystem::path> in;
  if (stdin_text) {
    in = output_prefix.string() + ".stdin";
    std::ofstream(*in, std::ios::binary) << *stdin_text;
  }
  ChildProcess child(binary, args, output_prefix, in, extra_env);
  child.waitExit(timeout);
  RunResult result{child.exitCode(), child.stdoutText(), child.stderrText()};
  return result;
}

}  // namespace xfed::fakes
