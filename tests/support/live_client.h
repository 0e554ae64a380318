#pragma once
// A raw connection that asks a daemon for its live stream (GET /api/live)
// and reads what comes, for the process tests.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

namespace pulsemon::testing {

class LiveClient {
public:
  LiveClient(unsigned short port, const std::string &token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    const std::string request =
        "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
        "\r\nAccept: text/event-stream\r\n\r\n";
    connected_ = connected_ && ::write(fd_, request.data(), request.size()) ==
                                   static_cast<ssize_t>(request.size());
  }
  ~LiveClient() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  LiveClient(const LiveClient &) = delete;
  LiveClient &operator=(const LiveClient &) = delete;
  [[nodiscard]] bool connected() const { return connected_; }

  // Reads until `count` occurrences of `text` arrived or 10 s passed.
  std::string read_until(const std::string &text, int count) {
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
    while (std::chrono::steady_clock::now() < deadline) {
      int found = 0;
      for (auto at = received.find(text); at != std::string::npos;
           at = received.find(text, at + 1)) {
        ++found;
      }
      if (found >= count) {
        break;
      }
      if (!read_some(received, 200)) {
        break;
      }
    }
    return received;
  }

  // Whether the server closes the connection within `duration` (what it
  // still sends meanwhile is read and dropped).
  bool closes_within(std::chrono::milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd wait{fd_, POLLIN, 0};
      if (::poll(&wait, 1, 50) > 0) {
        char buffer[4096];
        if (::read(fd_, buffer, sizeof buffer) <= 0) {
          return true;
        }
      }
    }
    return false;
  }

  // Reads whatever comes for `duration` (less when the server closes).
  std::string read_for(std::chrono::milliseconds duration) {
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!read_some(received, 100)) {
        break;
      }
    }
    return received;
  }

private:
  // Appends what arrives within `wait_ms`; false once the server closed.
  bool read_some(std::string &received, int wait_ms) {
    pollfd wait{fd_, POLLIN, 0};
    if (::poll(&wait, 1, wait_ms) > 0) {
      char buffer[4096];
      const ssize_t n = ::read(fd_, buffer, sizeof buffer);
      if (n <= 0) {
        return false;
      }
      received.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
};

} // namespace pulsemon::testing
