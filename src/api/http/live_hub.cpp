#include "api/http/live_hub.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <list>
#include <optional>
#include <vector>

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

// A stream's kernel send buffer: events are a hundred bytes, so this holds
// hundreds of them, while a client that never reads pins no more than this
// (the default grows to megabytes: 500 such clients held 178 MB).
constexpr int stream_send_buffer_bytes = 32 * 1024;

void limit_send_buffer(tcp::socket &socket) {
  boost::system::error_code ignored;
  socket.set_option(net::socket_base::send_buffer_size(stream_send_buffer_bytes), ignored);
}
void limit_send_buffer(TlsStream &stream) {
  limit_send_buffer(stream.next_layer().socket());
}

using Clock = std::chrono::steady_clock;

// One event's text, shared by every client's queue: a client that falls
// behind holds a pointer per event, not a copy.
using Message = std::shared_ptr<const std::string>;

Message message_of(std::string text) {
  return std::make_shared<const std::string>(std::move(text));
}

// What the hub needs of a client, whatever carries its bytes.
class Client {
public:
  Client(std::string owner, StreamCheck check, Audience audience)
      : owner_(std::move(owner)), check_(std::move(check)), audience_(std::move(audience)) {}
  Client(const Client &) = delete;
  Client &operator=(const Client &) = delete;
  virtual ~Client() = default;
  virtual void start() = 0;
  // Queues a message; false when the client is gone or too far behind.
  virtual bool send(Message message) = 0;
  // Sends `last` after what is queued, then closes.
  virtual void end_with(Message last) = 0;
  virtual void close() = 0;
  [[nodiscard]] virtual bool closed() const = 0;
  // How long the write in progress has waited for the socket (zero when
  // nothing is being written).
  [[nodiscard]] virtual Clock::duration stalled_for(Clock::time_point now) const = 0;

  [[nodiscard]] const std::string &owner() const { return owner_; }
  [[nodiscard]] const StreamCheck &check() const { return check_; }
  [[nodiscard]] bool hears(std::optional<std::int64_t> topic) const {
    return !topic || !audience_ || audience_->contains(*topic);
  }

private:
  std::string owner_;
  StreamCheck check_;
  Audience audience_;
};

template <class Socket>
class ClientOn final : public Client, public std::enable_shared_from_this<ClientOn<Socket>> {
  using std::enable_shared_from_this<ClientOn<Socket>>::shared_from_this;

public:
  ClientOn(Socket socket, std::size_t max_queued, std::string owner, StreamCheck check,
           Audience audience)
      : Client(std::move(owner), std::move(check), std::move(audience)), socket_(std::move(socket)),
        max_queued_(max_queued) {}

  void start() override {
    limit_send_buffer(socket_);
    send(message_of(std::string(stream_header)));
    watch_for_close();
  }

  bool send(Message message) override {
    if (closed_ || ending_) {
      return !closed_;
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

  void end_with(Message last) override {
    if (closed_ || ending_) {
      return;
    }
    ending_ = true;
    // What was not yet written is dropped: the stream ends now.
    while (queue_.size() > 1) {
      queue_.pop_back();
    }
    queue_.push_back(std::move(last));
    if (queue_.size() == 1) {
      write_next();
    }
  }

  void close() override {
    if (closed_) {
      return;
    }
    closed_ = true;
    close_transport(socket_);
  }

  [[nodiscard]] bool closed() const override { return closed_; }

  [[nodiscard]] Clock::duration stalled_for(Clock::time_point now) const override {
    return queue_.empty() ? Clock::duration{} : now - write_started_;
  }

private:
  void write_next() {
    write_started_ = Clock::now();
    net::async_write(socket_, net::buffer(*queue_.front()),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) {
                         return self->close();
                       }
                       self->queue_.pop_front();
                       if (!self->queue_.empty()) {
                         self->write_next();
                       } else if (self->ending_) {
                         self->close();
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
  std::deque<Message> queue_;
  Clock::time_point write_started_{};
  std::array<char, 512> discard_{};
  bool ending_ = false;
  bool closed_ = false;
};

// `event: end` with {"reason": …}, the stream's last words.
std::string end_event(const std::string &reason) {
  std::string escaped;
  for (const char c : reason) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    if (static_cast<unsigned char>(c) >= 0x20) {
      escaped += c;
    }
  }
  return "event: end\ndata: {\"reason\":\"" + escaped + "\"}\n\n";
}

} // namespace

struct LiveHub::State : std::enable_shared_from_this<State> {
  State(net::io_context &io_context, LiveLimits hub_limits, net::any_io_executor check_executor)
      : io(io_context), heartbeat_timer(io_context), check_timer(io_context), limits(hub_limits),
        checks_on(std::move(check_executor)) {}

  void add(std::shared_ptr<Client> client) {
    client->start();
    clients.push_back(std::move(client));
    count = clients.size();
  }

  void forget_closed() {
    clients.remove_if([](const std::shared_ptr<Client> &client) { return client->closed(); });
    count = clients.size();
  }

  void broadcast(const Message &message, std::optional<std::int64_t> topic = std::nullopt) {
    for (auto it = clients.begin(); it != clients.end();) {
      if ((*it)->hears(topic) && !(*it)->send(message)) {
        it = clients.erase(it);
      } else {
        ++it;
      }
    }
    count = clients.size();
  }

  // What a round of credential checks found: per stream checked, why it
  // must end (nothing: it goes on); and why the checks could not be made,
  // when they could not.
  struct Verdicts {
    std::vector<std::optional<std::string>> reasons;
    std::string unreadable;
  };

  // Runs where the checks run (they read the store): the hook, then each
  // check in turn.
  static Verdicts judge(const std::function<void()> &before,
                        const std::vector<StreamCheck> &checks) {
    // While the store cannot be read (its server is away) the streams go
    // on and are checked again at the next round: nothing can be revoked
    // in a store that cannot be written either. A failure here must not
    // leave the thread, which would end the daemon.
    Verdicts verdicts;
    verdicts.reasons.resize(checks.size());
    try {
      if (before) {
        before();
      }
      for (std::size_t i = 0; i < checks.size(); ++i) {
        if (checks[i]) {
          verdicts.reasons[i] = checks[i]();
        }
      }
    } catch (const std::exception &failure) {
      verdicts.unreadable = failure.what();
      verdicts.reasons.assign(checks.size(), std::nullopt);
    }
    return verdicts;
  }

  // Drops the streams whose socket has taken nothing for too long, then
  // has the credentials of the others checked; the next round is armed
  // once this one's verdicts are in, so rounds never pile up behind a
  // store that does not answer.
  void check_streams() {
    forget_closed();
    const Clock::time_point now = Clock::now();
    for (const auto &client : clients) {
      if (client->stalled_for(now) > limits.stall_timeout) {
        client->close();
      }
    }
    forget_closed();
    if (clients.empty()) {
      return arm_checks();
    }
    std::vector<std::weak_ptr<Client>> checked;
    std::vector<StreamCheck> checks;
    for (const auto &client : clients) {
      checked.push_back(client);
      checks.push_back(client->check());
    }
    if (!checks_on) {
      return apply(checked, judge(before_checks, checks));
    }
    net::post(checks_on, [weak = weak_from_this(), before = before_checks,
                          checked = std::move(checked), checks = std::move(checks)]() mutable {
      Verdicts verdicts = judge(before, checks);
      const auto self = weak.lock();
      if (!self) {
        return;
      }
      net::post(self->io, [weak, checked = std::move(checked), verdicts = std::move(verdicts)] {
        if (const auto back = weak.lock()) {
          back->apply(checked, verdicts);
        }
      });
    });
  }

  void apply(const std::vector<std::weak_ptr<Client>> &checked, const Verdicts &verdicts) {
    if (!verdicts.unreadable.empty()) {
      say_checks_failing(verdicts.unreadable.c_str());
    } else if (checks_failing) {
      spdlog::info("live streams: their credentials are checked again");
      checks_failing = false;
    }
    for (std::size_t i = 0; i < checked.size(); ++i) {
      const auto client = checked[i].lock();
      if (client && verdicts.reasons[i]) {
        client->end_with(message_of(end_event(*verdicts.reasons[i])));
      }
    }
    forget_closed();
    arm_checks();
  }

  void say_checks_failing(const char *why) {
    if (!checks_failing) {
      spdlog::warn("live streams: cannot check their credentials ({}); the streams go on and are "
                   "checked again once the store answers",
                   why);
      checks_failing = true;
    }
  }

  void arm_heartbeat() {
    heartbeat_timer.expires_after(limits.heartbeat);
    heartbeat_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      const auto self = weak.lock();
      if (ec || !self) {
        return;
      }
      self->broadcast(message_of(": heartbeat\n\n"));
      self->arm_heartbeat();
    });
  }

  void arm_checks() {
    check_timer.expires_after(limits.check_interval);
    check_timer.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      const auto self = weak.lock();
      if (ec || !self) {
        return;
      }
      self->check_streams();
    });
  }

  [[nodiscard]] bool admits(const std::string &owner) const {
    const std::size_t open = static_cast<std::size_t>(std::count_if(
        clients.begin(), clients.end(), [](const auto &client) { return !client->closed(); }));
    const std::size_t of_owner = static_cast<std::size_t>(
        std::count_if(clients.begin(), clients.end(), [&owner](const auto &client) {
          return !client->closed() && client->owner() == owner;
        }));
    return open < limits.max_streams && of_owner < limits.max_streams_per_owner;
  }

  net::io_context &io;
  net::steady_timer heartbeat_timer;
  net::steady_timer check_timer;
  LiveLimits limits;
  net::any_io_executor checks_on; // empty: the checks run on the event loop
  std::function<void()> before_checks;
  bool checks_failing = false; // said in the log already
  std::list<std::shared_ptr<Client>> clients;
  std::atomic<std::size_t> count{0};
};

LiveHub::LiveHub(net::io_context &io, LiveLimits limits, net::any_io_executor checks_on)
    : state_(std::make_shared<State>(io, limits, std::move(checks_on))) {
  state_->arm_heartbeat();
  state_->arm_checks();
}

LiveHub::~LiveHub() {
  state_->heartbeat_timer.cancel();
  state_->check_timer.cancel();
}

bool LiveHub::admits(const std::string &owner) const {
  return state_->admits(owner);
}

void LiveHub::adopt(tcp::socket socket, std::string owner, StreamCheck check, Audience audience) {
  state_->add(std::make_shared<ClientOn<tcp::socket>>(std::move(socket), state_->limits.max_queued,
                                                      std::move(owner), std::move(check),
                                                      std::move(audience)));
}

void LiveHub::adopt(TlsStream stream, std::string owner, StreamCheck check, Audience audience) {
  state_->add(std::make_shared<ClientOn<TlsStream>>(std::move(stream), state_->limits.max_queued,
                                                    std::move(owner), std::move(check),
                                                    std::move(audience)));
}

void LiveHub::set_before_checks(std::function<void()> hook) {
  state_->before_checks = std::move(hook);
}

void LiveHub::publish_all(const std::string &event, const std::vector<std::string> &data,
                          std::optional<std::int64_t> topic) {
  if (data.empty()) {
    return;
  }
  std::string text;
  for (const std::string &one : data) {
    text += "event: ";
    text += event;
    text += "\ndata: ";
    text += one;
    text += "\n\n";
  }
  net::post(state_->io,
            [weak = std::weak_ptr<State>(state_), message = message_of(std::move(text)), topic] {
              if (const auto state = weak.lock()) {
                state->broadcast(message, topic);
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
  state_->heartbeat_timer.cancel();
  state_->check_timer.cancel();
}

} // namespace pulsemon::http
