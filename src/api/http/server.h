#pragma once
// HTTP/1.1 with keep-alive on Boost.Beast: one event loop, no thread per
// connection, limits on header and body size, and a timeout on every read so
// that slow or idle clients are dropped.
//
// Given an executor for handlers, the router runs there (one thread: what
// the handlers share needs no locks) and the event loop only reads and
// writes: a database round trip, or a database that does not answer at
// all, never holds up accepting, TLS handshakes, timeouts or live streams.
// Without one, handlers run on the event loop (tests, fuzzing).
//
// Thread safety: construct, run and stop on the io_context's thread (stop()
// may be posted from elsewhere).

#include "api/http/live_hub.h"
#include "api/http/router.h"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace pulsemon::http {

struct ServerLimits {
  std::size_t header_bytes = std::size_t{8} * 1024;
  std::size_t body_bytes = std::size_t{1024} * 1024;
  // A request must arrive whole within this; a kept-alive connection may
  // wait this long for its next request.
  std::chrono::seconds request_timeout{30};
};

// HTTPS instead of HTTP: a PEM certificate (chain) and its private key.
struct TlsFiles {
  std::filesystem::path certificate;
  std::filesystem::path key;
};

class Server {
public:
  // Binds at once, so a taken port fails here with a clear message; so do
  // TLS files that cannot be loaded. `live` (may be null) takes the
  // connections of GET /api/live; `handlers` (may be empty) is where the
  // router runs, with every chunk of a streamed answer and the last part
  // of a deferred one.
  Server(boost::asio::io_context &io, const std::string &host, unsigned short port,
         const Router &router, ServerLimits limits, LiveHub *live = nullptr,
         const std::optional<TlsFiles> &tls = std::nullopt,
         boost::asio::any_io_executor handlers = {});
  ~Server();
  Server(const Server &) = delete;
  Server &operator=(const Server &) = delete;

  [[nodiscard]] unsigned short port() const;
  [[nodiscard]] bool tls() const;
  void stop(); // stops accepting; open connections end with their requests

private:
  struct Listener;
  std::shared_ptr<Listener> listener_;
};

} // namespace pulsemon::http
