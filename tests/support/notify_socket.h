#pragma once
// A datagram socket where sd_notify's messages arrive, as systemd listens
// for a Type=notify service: $NOTIFY_SOCKET points at it while it lives
// (a daemon started meanwhile, in this process or as a child, inherits it).

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pulsemon::testing {

class NotifySocket {
public:
  struct Message {
    std::chrono::steady_clock::time_point at;
    std::string text;
  };

  explicit NotifySocket(const std::filesystem::path &path)
      : socket_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (socket_ < 0 ||
        ::bind(socket_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind the notify socket");
    }
    ::setenv("NOTIFY_SOCKET", path.c_str(),
             1); // NOLINT(concurrency-mt-unsafe): set up before threads
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET"); // NOLINT(concurrency-mt-unsafe)
    ::close(socket_);
  }
  NotifySocket(const NotifySocket &) = delete;
  NotifySocket &operator=(const NotifySocket &) = delete;

  // Reads what arrives for `duration`; returns every message, kept as well.
  std::vector<Message> read_for(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    std::vector<Message> got;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto message = read_one(std::chrono::milliseconds{20})) {
        got.push_back(*message);
      }
    }
    return got;
  }

  // The messages until one contains `text` (within `timeout`); nullopt if none did.
  std::optional<std::string>
  wait_for(const std::string &text, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (auto message = read_one(std::chrono::milliseconds{100});
          message && message->text.find(text) != std::string::npos) {
        return message->text;
      }
    }
    return std::nullopt;
  }

  [[nodiscard]] const std::vector<Message> &all() const { return all_; }

private:
  std::optional<Message> read_one(std::chrono::milliseconds timeout) {
    pollfd ready{socket_, POLLIN, 0};
    if (::poll(&ready, 1, static_cast<int>(timeout.count())) != 1) {
      return std::nullopt;
    }
    std::array<char, 4096> buffer{};
    const ssize_t n = ::recv(socket_, buffer.data(), buffer.size(), 0);
    if (n <= 0) {
      return std::nullopt;
    }
    all_.push_back({std::chrono::steady_clock::now(),
                    std::string(buffer.data(), static_cast<std::size_t>(n))});
    return all_.back();
  }

  int socket_ = -1;
  std::vector<Message> all_;
};

} // namespace pulsemon::testing
