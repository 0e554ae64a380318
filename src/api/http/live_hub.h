#pragma once
// Server-Sent Events for GET /api/live: every accepted pulse goes to every
// connected client as `event: pulse` with {meter, ts, power}, and a comment
// line every 15 s keeps proxies and idle timers from closing the stream.
//
// A stream is bound to the credential that opened it: twice a second each
// stream's check runs (Response::stream_ends_because), and a stream whose
// token expired or whose user changed ends with `event: end` and the
// reason. Streams are capped per user and in total; a client that cannot
// keep up (its queue passes max_queued events, or its socket took nothing
// for stall_timeout) is disconnected rather than buffered without end, and
// each stream's kernel send buffer is kept small.
//
// The checks read the store, so given an executor for them (where the API's
// handlers run) they run there, a round at a time, and only their verdicts
// come back to the event loop; without one they run on it.
//
// publish_all() and clients() may be called from any thread (the sources');
// everything else runs on the io_context's thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pulsemon::http {

struct LiveLimits {
  std::size_t max_streams = 256;
  std::size_t max_streams_per_owner = 16;
  std::size_t max_queued = 1000; // events waiting for one client
  std::chrono::seconds stall_timeout{30};
  std::chrono::milliseconds check_interval{500};
  std::chrono::seconds heartbeat{15};
};

// Why a stream must end now, or nothing (Response::stream_ends_because).
using StreamCheck = std::function<std::optional<std::string>()>;
// The topics a stream receives events of (the API's: the sites whose
// meters its user sees); nullopt: every event.
using Audience = std::optional<std::set<std::int64_t>>;

class LiveHub {
public:
  explicit LiveHub(boost::asio::io_context &io, LiveLimits limits = {},
                   boost::asio::any_io_executor checks_on = {});
  ~LiveHub();
  LiveHub(const LiveHub &) = delete;
  LiveHub &operator=(const LiveHub &) = delete;

  // Whether another stream of `owner` fits under the caps.
  [[nodiscard]] bool admits(const std::string &owner) const;

  // Takes over a connection whose request asked for the stream: writes the
  // response header and then events until the client goes away or `check`
  // gives a reason to end.
  void adopt(boost::asio::ip::tcp::socket socket, std::string owner = {}, StreamCheck check = {},
             Audience audience = std::nullopt);
  void adopt(boost::beast::ssl_stream<boost::beast::tcp_stream> stream, std::string owner = {},
             StreamCheck check = {}, Audience audience = std::nullopt); // over TLS

  // Runs before each round of checks (the API brings its reads of users up
  // to date), only while streams are open.
  void set_before_checks(std::function<void()> hook);

  // Sends each of `data` (one line of JSON each) as an event of type
  // `event` to every stream whose audience holds `topic` (nullopt: to
  // every stream), all in one write per
  // client and one task on the event loop (a committed batch's pulses: a
  // node's upload of 10 000 is one message, not 10 000).
  void publish_all(const std::string &event, const std::vector<std::string> &data,
                   std::optional<std::int64_t> topic = std::nullopt);

  [[nodiscard]] std::size_t clients() const;
  void close_all();

private:
  struct State;
  std::shared_ptr<State> state_;
};

} // namespace pulsemon::http
