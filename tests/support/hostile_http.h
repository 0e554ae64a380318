#pragma once
// A plain-HTTP server on a loopback port that answers each path as a test
// says: a fixed answer, or a behaviour a well-kept server never shows (an
// endless body, a trickle of a byte a second). Each connection runs on a
// thread of its own, so a slow answer holds up no other; writes never
// raise SIGPIPE when the client has gone.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon::testing {

class HostileHttp {
public:
  // Writes what a path answers to the connection's socket `fd` with
  // send_all(); returning ends the connection.
  using Answer = std::function<void(int fd)>;

  HostileHttp();
  ~HostileHttp();
  HostileHttp(const HostileHttp &) = delete;
  HostileHttp &operator=(const HostileHttp &) = delete;

  // `path` is matched as the start of the request's target.
  void on(const std::string &path, Answer answer);
  [[nodiscard]] unsigned short port() const { return port_; }
  // How many requests for paths starting with `path` arrived.
  [[nodiscard]] int requests(const std::string &path);
  // The request line and headers of the last request for such a path.
  [[nodiscard]] std::string last_head(const std::string &path);

  // False once the client has gone.
  static bool send_all(int fd, const std::string &bytes);
  // A whole answer with Content-Length.
  static Answer reply(int status, const std::string &body, const std::string &extra_headers = "");

private:
  void accept_loop();
  void serve(int fd);

  int listener_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::pair<std::string, Answer>> answers_;
  std::map<std::string, int> counts_;
  std::map<std::string, std::string> heads_; // by target, the last one
  std::vector<int> open_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

} // namespace pulsemon::testing
