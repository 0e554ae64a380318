#pragma once
// HTTP/1.1 with keep-alive on Boost.Beast: one event loop, no thread per
// connection, limits on header and body size, and a timeout on every read so
// that slow or idle clients are dropped.
//
// Thread safety: construct, run and stop on the io_context's thread (stop()
// may be posted from elsewhere).

#include "api/http/live_hub.h"
#include "api/http/router.h"

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
  // connections of GET /api/live.
  Server(boost::asio::io_context &io, const std::string &host, unsigned short port,
         const Router &router, ServerLimits limits, LiveHub *live = nullptr,
         const std::optional<TlsFiles> &tls = std::nullopt);
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
