#include "api/http/live_hub.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <deque>
#include <list>

namespace pulsemon::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr std::string_view stream_header = "HTTP/1.1 200 OK\r\n"
                                           "Server: pulsemon\r\n"
                                           "Content-Type: text/event-stream\r\n"
                                           "Cache-Control: no-store\r\n"
                                           "X-Accel-Buffering: no\r\n"
                                           "Connection: close\r\n"
                                           "\r\n"
                                           ": connected\n\n";

class Client : public std::enable_shared_from_this<Client> {
public:
  Client(tcp::socket socket, std::size_t max_queued)
      : socket_(std::move(socket)), max_queued_(max_queued) {}

  void start() {
    send(std::string(stream_header));
    watch_for_close();
  }

  // Queues a message; false when the client is gone or too far behind.
  bool send(std::string message) {
    if (closed_) {
      return false;
    }
    if (queue_.size() >= max_queued_) {
      close();
      return false;
    }
    queue_.push_back(std::move(message));
    if (queue_.size() == 1) {
      write_next();
    }
    return true;
  }

  [[nodiscard]] bool closed() const { return closed_; }

  void close() {
    if (closed_) {
      return;
    }
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

private:
  void write_next() {
    net::async_write(socket_, net::buffer(queue_.front()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) {
                         return self->close();
                       }
                       self->queue_.pop_front();
                       if (!self->queue_.empty()) {
                         self->write_next();
                       }
                     });
  }

  // A stream client sends nothing more; any read completing means it closed.
  void watch_for_close() {
    socket_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                              if (ec) {
                                return self->close();
                              }
                              self->watch_for_close();
                            });
  }

  tcp::socket socket_;
  std::size_t max_queued_;
  std::deque<std::string> queue_;
  std::array<char, 512> discard_{};
  bool closed_ = false;
};

} // namespace

struct LiveHub::State : std::enable_shared_from_this<State> {
  State(net::io_context &io_context, std::chrono::seconds interval, std::size_t queue_limit)
      : io(io_context), timer(io_context), heartbeat(interval), max_queued(queue_limit) {}

  void broadcast(const std::string &message) {
    for (auto it = clients.begin(); it != clients.end();) {
      if (!(*it)->send(message)) {
        it = clients.erase(it);
      } else {
        ++it;
      }
    }
    count = clients.size();
  }

  void arm_heartbeat() {
    timer.expires_after(heartbeat);
    timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      const auto self = weak.lock();
      if (ec || !self) {
        return;
      }
      self->broadcast(": heartbeat\n\n");
      self->arm_heartbeat();
    });
  }

  net::io_context &io;
  net::steady_timer timer;
  std::chrono::seconds heartbeat;
  std::size_t max_queued;
  std::list<std::shared_ptr<Client>> clients;
  std::atomic<std::size_t> count{0};
};

LiveHub::LiveHub(net::io_context &io, std::chrono::seconds heartbeat, std::size_t max_queued)
    : state_(std::make_shared<State>(io, heartbeat, max_queued)) {
  state_->arm_heartbeat();
}

LiveHub::~LiveHub() {
  boost::system::error_code ignored;
  state_->timer.cancel();
}

void LiveHub::adopt(tcp::socket socket) {
  auto client = std::make_shared<Client>(std::move(socket), state_->max_queued);
  client->start();
  state_->clients.push_back(std::move(client));
  state_->count = state_->clients.size();
}

void LiveHub::publish(std::string event, std::string data) {
  std::string message = "event: " + event + "\ndata: " + data + "\n\n";
  net::post(state_->io, [weak = std::weak_ptr<State>(state_), message = std::move(message)] {
    if (const auto state = weak.lock()) {
      state->broadcast(message);
    }
  });
}

std::size_t LiveHub::clients() const {
  return state_->count;
}

void LiveHub::close_all() {
  for (const auto &client : state_->clients) {
    client->close();
  }
  state_->clients.clear();
  state_->count = 0;
  state_->timer.cancel();
}

} // namespace pulsemon::http
