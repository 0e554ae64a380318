#pragma once
// Server-Sent Events for GET /api/live: every accepted pulse goes to every
// connected client as `event: pulse` with {meter, ts, power}, and a comment
// line every 15 s keeps proxies and idle timers from closing the stream.
//
// publish() may be called from any thread (the sources'); everything else
// runs on the io_context's thread. A client that cannot keep up (its queue
// passes max_queued events) is disconnected rather than buffered without end.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace pulsemon::http {

class LiveHub {
public:
  explicit LiveHub(boost::asio::io_context &io,
                   std::chrono::seconds heartbeat = std::chrono::seconds{15},
                   std::size_t max_queued = 1000);
  ~LiveHub();
  LiveHub(const LiveHub &) = delete;
  LiveHub &operator=(const LiveHub &) = delete;

  // Takes over a connection whose request asked for the stream: writes the
  // response header and then events until the client goes away.
  void adopt(boost::asio::ip::tcp::socket socket);
  void adopt(boost::beast::ssl_stream<boost::beast::tcp_stream> stream); // over TLS

  // Sends `data` (one line of JSON) as an event of type `event` to everyone.
  void publish(std::string event, std::string data);

  [[nodiscard]] std::size_t clients() const;
  void close_all();

private:
  struct State;
  std::shared_ptr<State> state_;
};

} // namespace pulsemon::http
