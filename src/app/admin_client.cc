// SPDX-License-Identifier: Apache-2.0
#include "app/admin_client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/errors.h"

// Plain POSIX on purpose: xfedctl links this and stays free of Asio.
namespace xfed::app {
namespace {

using Clock = std::chrono::steady_clock;

// A reply larger than this is not an admin reply; stop reading rather than grow without bound.
constexpr std::size_t kMaxReplyBytes = 16 * 1024 * 1024;

class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

private:
  int fd_;
};

std::string errnoText(int error) { return std::strerror(error); }

core::Error timedOut(const std::filesystem::path& socket, std::chrono::milliseconds timeout,
                     std::string_view what) {
  return core::fail(core::Errc::IoFailure, "no " + std::string(what) + " from xfed within " +
                                               std::to_string(timeout.count()) + " ms on " +
                                               socket.string());
}

// Waits until fd is ready for events or the deadline passes. Returns false on timeout.
core::Result<bool> waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return false;
    }
    pollfd entry{fd, events, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(left.count()) + 1);
    if (ready > 0) {
      return true;
    }
    if (ready < 0 && errno != EINTR) {
      return core::fail(core::Errc::IoFailure, "poll on the admin socket: " + errnoText(errno));
    }
  }
}

core::Result<void> connectTo(int fd, const std::filesystem::path& socket,
                             Clock::time_point deadline, std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket.string();
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return core::fail(core::Errc::InvalidArgument,
                      "admin socket path must be 1.." +
                          std::to_string(sizeof(address.sun_path) - 1) + " bytes: " + path);
  }
  std::memcpy(address.sun_path, path.data(), path.size());
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0) {
      return core::ok();
    }
    const int error = errno;
    switch (error) {
      case EINTR:
        continue;
      case ENOENT:
        return core::fail(core::Errc::Unavailable,
                          "xfed is not running (no admin socket at " + path + ")");
      case ECONNREFUSED:
        return core::fail(core::Errc::Unavailable,
                          "xfed is not running (nothing listens on the admin socket " + path + ")");
      case EINPROGRESS: {
        XFED_ASSIGN_OR_RETURN(const bool ready, waitFor(fd, POLLOUT, deadline));
        if (!ready) {
          return timedOut(socket, timeout, "accept");
        }
        int so_error = 0;
        socklen_t length = sizeof(so_error);
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &length) != 0 || so_error != 0) {
          return core::fail(core::Errc::IoFailure, "cannot connect to the admin socket " + path +
                                                       ": " + errnoText(so_error));
        }
        return core::ok();
      }
      case EAGAIN: {
        // A Unix socket whose backlog is full; the server is busy, not gone. Retry briefly.
        if (Clock::now() >= deadline) {
          return timedOut(socket, timeout, "accept");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      case EACCES:
      case EPERM:
        return core::fail(core::Errc::IoFailure, "permission denied on the admin socket " + path +
                                                     " (run as the user that runs xfed)");
      default:
        return core::fail(core::Errc::IoFailure,
                          "cannot connect to the admin socket " + path + ": " + errnoText(error));
    }
  }
}

core::Result<void> sendAll(int fd, std::string_view data, const std::filesystem::path& socket,
                           Clock::time_point deadline, std::chrono::milliseconds timeout) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      data.remove_prefix(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      XFED_ASSIGN_OR_RETURN(const bool ready, waitFor(fd, POLLOUT, deadline));
      if (!ready) {
        return timedOut(socket, timeout, "progress writing the request");
      }
      continue;
    }
    return core::fail(core::Errc::IoFailure,
                      "writing to the admin socket " + socket.string() + ": " + errnoText(errno));
  }
  return core::ok();
}

core::Result<std::string> readLine(int fd, const std::filesystem::path& socket,
                                   Clock::time_point deadline, std::chrono::milliseconds timeout) {
  std::string reply;
  char buffer[4096];
  for (;;) {
    const ssize_t got = ::recv(fd, buffer, sizeof(buffer), 0);
    if (got > 0) {
      const std::string_view chunk(buffer, static_cast<std::size_t>(got));
      if (const std::size_t newline = chunk.find('\n'); newline != std::string_view::npos) {
        reply.append(chunk.substr(0, newline));
        return reply;
      }
      reply.append(chunk);
      if (reply.size() > kMaxReplyBytes) {
        return core::fail(core::Errc::IoFailure, "the reply on the admin socket " +
                                                     socket.string() + " exceeds " +
                                                     std::to_string(kMaxReplyBytes) + " bytes");
      }
      continue;
    }
    if (got == 0) {
      return core::fail(core::Errc::IoFailure,
                        "xfed closed the admin socket " + socket.string() + " before replying");
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      XFED_ASSIGN_OR_RETURN(const bool ready, waitFor(fd, POLLIN, deadline));
      if (!ready) {
        return timedOut(socket, timeout, "reply");
      }
      continue;
    }
    return core::fail(core::Errc::IoFailure,
                      "reading the admin socket " + socket.string() + ": " + errnoText(errno));
  }
}

}  // namespace

core::Result<std::string> adminRequest(const std::filesystem::path& socket,
                                       std::string_view request_json,
                                       std::chrono::milliseconds timeout) {
  if (const std::size_t newline = request_json.find('\n');
      newline != std::string_view::npos && newline + 1 < request_json.size()) {
    return core::fail(core::Errc::InvalidArgument,
                      "an admin request is one line of JSON; this one has a line break inside");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  const Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) {
    return core::fail(core::Errc::IoFailure, "socket(AF_UNIX): " + errnoText(errno));
  }
  XFED_TRY(connectTo(fd.get(), socket, deadline, timeout));
  std::string request(request_json);
  if (request.empty() || request.back() != '\n') {
    request.push_back('\n');
  }
  XFED_TRY(sendAll(fd.get(), request, socket, deadline, timeout));
  return readLine(fd.get(), socket, deadline, timeout);
}

}  // namespace xfed::app
