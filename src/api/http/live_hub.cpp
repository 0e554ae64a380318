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

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Ends a connection at once. Over TLS no close_notify is sent: a stream
// client is only dropped when it is gone or too slow to wait for.
void close_transport(tcp::socket &socket) {
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}
void close_transport(TlsStream &stream) {
  close_transport(stream.next_layer().socket());
}

// What the hub needs of a client, whatever carries its bytes.
class Client {
public:
  Client() = default;
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;
  virtual ~Client() = default;
  virtual void start() = 0;
  // Queues a message; false when the client is gone or too far behind.
  virtual bool send(std::string message) = 0;
  virtual void close() = 0;
};

template <class Socket>
class ClientOn final : public Client, public std::enable_shared_from_this<ClientOn<Socket>> {
  using std::enable_shared_from_this<ClientOn<Socket>>::shared_from_this;

public:
  ClientOn(Socket socket, std::size_t max_queued)
      : socket_(std::move(socket)), max_queued_(max_queued) {}

  void start() override {
    send(std::string(stream_header));
    watch_for_close();
  }

  bool send(std::string message) override {
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

  void close() override {
    if (closed_) {
      return;
    }
    closed_ = true;
    close_transport(socket_);
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

  Socket socket_;
  std::size_t max_queued_;
  std::deque<std::string> queue_;
  std::array<char, 512> discard_{};
  bool closed_ = false;
};

} // namespace

struct LiveHub::State : std::enable_shared_from_this<State> {
  State(net::io_context &io_context, std::chrono::seconds interval, std::size_t queue_limit)
      : io(io_context), timer(io_context), heartbeat(interval), max_queued(queue_limit) {}

  void add(std::shared_ptr<Client> client) {
    client->start();
    clients.push_back(std::move(client));
    count = clients.size();
  }

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
  state_->timer.cancel();
}

void LiveHub::adopt(tcp::socket socket) {
  state_->add(std::make_shared<ClientOn<tcp::socket>>(std::move(socket), state_->max_queued));
}

void LiveHub::adopt(TlsStream stream) {
  state_->add(std::make_shared<ClientOn<TlsStream>>(std::move(stream), state_->max_queued));
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
