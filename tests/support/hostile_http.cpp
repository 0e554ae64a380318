#include "support/hostile_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace pulsemon::testing {

HostileHttp::HostileHttp() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0) {
    throw std::runtime_error("cannot listen on a loopback port");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr *>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

HostileHttp::~HostileHttp() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  acceptor_.join();
  {
    const std::lock_guard lock(mutex_);
    for (const int fd : open_) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  for (std::thread &connection : connections_) {
    connection.join();
  }
}

std::string HostileHttp::last_head(const std::string &path) {
  const std::lock_guard lock(mutex_);
  for (const auto &[target, head] : heads_) {
    if (target.rfind(path, 0) == 0) {
      return head;
    }
  }
  return {};
}

void HostileHttp::on(const std::string &path, Answer answer) {
  const std::lock_guard lock(mutex_);
  answers_.emplace_back(path, std::move(answer));
}

int HostileHttp::requests(const std::string &path) {
  const std::lock_guard lock(mutex_);
  int count = 0;
  for (const auto &[target, seen] : counts_) {
    if (target.rfind(path, 0) == 0) {
      count += seen;
    }
  }
  return count;
}

bool HostileHttp::send_all(int fd, const std::string &bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

HostileHttp::Answer HostileHttp::reply(int status, const std::string &body,
                                       const std::string &extra_headers) {
  return [=](int fd) {
    send_all(fd, "HTTP/1.1 " + std::to_string(status) +
                     " X\r\nContent-Type: application/json\r\nConnection: close\r\n" +
                     extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                     body);
  };
}

void HostileHttp::accept_loop() {
  while (!stopping_) {
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) {
      continue;
    }
    const std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    open_.push_back(fd);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

void HostileHttp::serve(int fd) {
  std::string head;
  char chunk[1024];
  while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      break;
    }
    head.append(chunk, static_cast<std::size_t>(n));
  }
  const std::size_t space = head.find(' ');
  const std::string target = space == std::string::npos
                                 ? ""
                                 : head.substr(space + 1, head.find(' ', space + 1) - space - 1);
  Answer answer;
  {
    const std::lock_guard lock(mutex_);
    ++counts_[target];
    heads_[target] = head;
    for (const auto &[path, given] : answers_) {
      if (target.rfind(path, 0) == 0) {
        answer = given;
        break;
      }
    }
  }
  if (answer) {
    answer(fd);
  } else {
    reply(404, "{}")(fd);
  }
  ::shutdown(fd, SHUT_WR);
  const std::lock_guard lock(mutex_);
  std::erase(open_, fd);
  ::close(fd);
}

} // namespace pulsemon::testing
