#include "api/http/server.h"

#include "core/quoted_input.h"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <optional>
#include <type_traits>

namespace pulsemon::http {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

std::shared_ptr<ssl::context> load_tls(const TlsFiles &files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; the older versions have known attacks.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  beast::error_code ec;
  context->use_certificate_chain_file(files.certificate.string(), ec);
  if (ec) {
    throw Failure(ErrorCode::invalid_argument, "config key 'http.tls_cert_file': cannot load " +
                                                   files.certificate.string() +
                                                   " as a PEM certificate: " + ec.message());
  }
  context->use_private_key_file(files.key.string(), ssl::context::pem, ec);
  if (ec) {
    throw Failure(ErrorCode::invalid_argument,
                  "config key 'http.tls_key_file': cannot load " + files.key.string() +
                      " as the PEM private key of the certificate: " + ec.message());
  }
  return context;
}

// Whether the request frames its body in a way two HTTP parsers could read
// differently: any Transfer-Encoding but exactly one "chunked". Beast
// already refuses Content-Length beside Transfer-Encoding, and lengths that
// disagree; a coding list such as "chunked, identity" it reads as no body,
// which would make the body's bytes a second, smuggled request. pulsemon
// takes no transfer coding but chunked, so anything else is a 400.
bool has_ambiguous_framing(const beast::http::request<beast::http::string_body> &raw) {
  const auto [first, last] = raw.equal_range(beast::http::field::transfer_encoding);
  if (first == last) {
    return false;
  }
  if (std::next(first) != last) {
    return true;
  }
  std::string coding(first->value());
  coding.erase(0, coding.find_first_not_of(" \t"));
  coding.erase(coding.find_last_not_of(" \t") + 1);
  std::transform(coding.begin(), coding.end(), coding.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return coding != "chunked";
}

Request to_request(const beast::http::request<beast::http::string_body> &raw,
                   const std::string &remote) {
  Request request;
  request.method = std::string(raw.method_string());
  request.target = std::string(raw.target());
  const auto question = request.target.find('?');
  request.path = percent_decode(std::string_view(request.target).substr(0, question));
  if (question != std::string::npos) {
    request.query = parse_form(std::string_view(request.target).substr(question + 1));
  }
  for (const auto &field : raw) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    request.headers[name] = std::string(field.value());
  }
  request.body = raw.body();
  request.remote_address = remote;
  return request;
}

beast::http::response<beast::http::string_body> to_beast(const Response &response, unsigned version,
                                                         bool keep_alive) {
  beast::http::response<beast::http::string_body> out{
      static_cast<beast::http::status>(response.status), version};
  out.set(beast::http::field::server, "pulsemon");
  if (!response.content_type.empty()) {
    out.set(beast::http::field::content_type, response.content_type);
  }
  out.set(beast::http::field::cache_control, "no-store");
  for (const auto &[name, value] : response.headers) {
    out.set(name, value);
  }
  out.keep_alive(keep_alive);
  if (response.head_only) {
    out.content_length(response.body.size()); // the GET's length; no body follows
    return out;
  }
  out.body() = response.body;
  out.prepare_payload();
  return out;
}

// One connection: requests in, responses out, until either side closes.
// Stream is beast::tcp_stream (HTTP) or TlsStream (HTTPS).
template <class Stream> class Session : public std::enable_shared_from_this<Session<Stream>> {
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;
  static constexpr bool over_tls = std::is_same_v<Stream, TlsStream>;

public:
  Session(Stream stream, const Router &router, ServerLimits limits, LiveHub *live,
          net::any_io_executor handlers)
      : stream_(std::move(stream)), router_(router), limits_(limits), live_(live),
        handlers_(std::move(handlers)) {
    beast::error_code ignored;
    const auto endpoint = transport().socket().remote_endpoint(ignored);
    remote_ = endpoint.address().to_string();
  }

  void start() {
    if constexpr (over_tls) {
      // The handshake counts against the request timeout like the request.
      transport().expires_after(limits_.request_timeout);
      stream_.async_handshake(
          ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
            if (ec) {
              // Plain HTTP on the HTTPS port, or a bad client.
              spdlog::debug("TLS handshake with {} failed: {}", self->remote_, ec.message());
              return self->transport().close();
            }
            self->read_request();
          });
    } else {
      read_request();
    }
  }

private:
  beast::tcp_stream &transport() { return beast::get_lowest_layer(stream_); }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser_->body_limit(limits_.body_bytes);
    transport().expires_after(limits_.request_timeout);
    beast::http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == beast::http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::eof || ec == net::error::connection_reset ||
        ec == net::error::operation_aborted || ec == ssl::error::stream_truncated) {
      return close();
    }
    if (ec == beast::http::error::body_limit) {
      return reply_and_close(error_response(413, "payload_too_large",
                                            "the body is larger than " +
                                                std::to_string(limits_.body_bytes) + " bytes"));
    }
    if (ec == beast::http::error::header_limit) {
      return reply_and_close(error_response(431, "headers_too_large",
                                            "the headers are larger than " +
                                                std::to_string(limits_.header_bytes) + " bytes"));
    }
    if (ec) {
      return reply_and_close(
          error_response(400, "bad_request", "malformed HTTP request: " + ec.message()));
    }
    const auto &raw = parser_->get();
    if (has_ambiguous_framing(raw)) {
      return reply_and_close(error_response(
          400, "bad_request", "Transfer-Encoding: only a single 'chunked' is accepted"));
    }
    const unsigned version = raw.version();
    const bool keep_alive = raw.keep_alive();
    off_loop([self = shared_from_this(),
              request = to_request(raw, remote_)]() mutable { return self->handled(request); },
             [self = shared_from_this(), version, keep_alive](std::optional<Response> response) {
               if (!response) {
                 return self->reply_and_close(
                     error_response(500, "internal", "the server failed; the log says why"));
               }
               self->answer(std::move(*response), version, keep_alive);
             });
  }

  // Runs `work` where handlers run, then `then` with its result on this
  // session's strand; both at once on the strand when handlers have no
  // executor of their own.
  template <class Work, class Then> void off_loop(Work work, Then then) {
    if (!handlers_) {
      return then(work());
    }
    net::post(handlers_, [self = shared_from_this(), work = std::move(work),
                          then = std::move(then)]() mutable {
      auto result = work();
      net::post(self->stream_.get_executor(),
                [then = std::move(then), result = std::move(result)]() mutable {
                  then(std::move(result));
                });
    });
  }

  // The router's answer; nothing when even the router failed.
  std::optional<Response> handled(Request &request) const {
    try {
      return router_.handle(request);
    } catch (const std::exception &unexpected) {
      // The router turns failures into answers; this is the last line, so
      // that no request can end the thread it runs on and with it the daemon.
      spdlog::error("{} {}: {}", request.method, request.path, unexpected.what());
      return std::nullopt;
    }
  }

  void answer(Response response, unsigned version, bool keep_alive) {
    if (response.live_stream && live_ != nullptr) {
      if (!live_->admits(response.stream_owner)) {
        Response busy = error_response(
            429, "too_many_streams",
            "too many live streams are open (for this user, or in all); close one and try again");
        busy.headers.emplace_back("Retry-After", "10");
        return reply_and_close(busy);
      }
      transport().expires_never();
      if constexpr (over_tls) {
        live_->adopt(std::move(stream_), response.stream_owner,
                     std::move(response.stream_ends_because), std::move(response.stream_audience));
      } else {
        live_->adopt(stream_.release_socket(), response.stream_owner,
                     std::move(response.stream_ends_because), std::move(response.stream_audience));
      }
      return;
    }
    if (response.next_chunk) {
      return write_chunked(response, version, keep_alive);
    }
    if (response.deferred) {
      return answer_later(response.deferred, version, keep_alive);
    }
    write(to_beast(response, version, keep_alive), keep_alive);
  }

  // The work runs elsewhere; its answer is made where handlers run (it may
  // use what they use) and written back on this session's strand. The
  // connection reads nothing meanwhile.
  void answer_later(const std::function<void(Response::Finish)> &deferred, unsigned version,
                    bool keep_alive) {
    deferred([self = shared_from_this(), version, keep_alive](Response::MakeResponse make) {
      // Posted even without an executor for handlers: `finish` may be
      // called from any thread.
      net::post(self->stream_.get_executor(),
                [self, make = std::move(make), version, keep_alive]() mutable {
                  self->off_loop(
                      [make = std::move(make)]() -> std::optional<Response> {
                        try {
                          return make();
                        } catch (const Failure &failure) {
                          return error_response(failure.error());
                        } catch (const std::exception &unexpected) {
                          spdlog::error("a deferred answer failed: {}", unexpected.what());
                          return std::nullopt;
                        }
                      },
                      [self, version, keep_alive](std::optional<Response> response) {
                        if (!response) {
                          return self->reply_and_close(error_response(
                              500, "internal", "the server failed; the log says why"));
                        }
                        self->write(to_beast(*response, version, keep_alive), keep_alive);
                      });
                });
    });
  }

  // Header first, then one chunk per call of next_chunk, then the last chunk.
  void write_chunked(const Response &response, unsigned version, bool keep_alive) {
    auto header = std::make_shared<beast::http::response<beast::http::empty_body>>(
        static_cast<beast::http::status>(response.status), version);
    header->set(beast::http::field::server, "pulsemon");
    header->set(beast::http::field::content_type, response.content_type);
    header->set(beast::http::field::cache_control, "no-store");
    for (const auto &[name, value] : response.headers) {
      header->set(name, value);
    }
    header->keep_alive(keep_alive);
    header->chunked(true);
    auto serializer =
        std::make_shared<beast::http::response_serializer<beast::http::empty_body>>(*header);
    transport().expires_after(limits_.request_timeout);
    beast::http::async_write_header(stream_, *serializer,
                                    [self = shared_from_this(), header, serializer,
                                     next = response.next_chunk,
                                     keep_alive](beast::error_code ec, std::size_t) {
                                      if (ec) {
                                        return self->close();
                                      }
                                      self->write_next_chunk(next, keep_alive);
                                    });
  }

  // The next chunk is made where handlers run (it reads the store), then
  // written here.
  void write_next_chunk(const std::function<std::optional<std::string>()> &next, bool keep_alive) {
    off_loop(
        [next]() -> std::optional<std::optional<std::string>> {
          try {
            return next();
          } catch (const std::exception &failure) {
            spdlog::error("streaming a response failed: {}", failure.what());
            return std::nullopt;
          }
        },
        [self = shared_from_this(), next,
         keep_alive](std::optional<std::optional<std::string>> chunk) {
          if (!chunk) {
            // The status line is gone already; all that is left is to cut
            // the stream short, which the client sees as an incomplete body.
            return self->close();
          }
          self->write_chunk(std::move(*chunk), next, keep_alive);
        });
  }

  void write_chunk(std::optional<std::string> chunk,
                   const std::function<std::optional<std::string>()> &next, bool keep_alive) {
    transport().expires_after(limits_.request_timeout);
    if (!chunk) {
      net::async_write(stream_, beast::http::make_chunk_last(),
                       [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                         if (ec || !keep_alive) {
                           return self->close();
                         }
                         self->read_request();
                       });
      return;
    }
    auto data = std::make_shared<std::string>(std::move(*chunk));
    net::async_write(
        stream_, beast::http::make_chunk(net::buffer(*data)),
        [self = shared_from_this(), data, next, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) {
            return self->close();
          }
          self->write_next_chunk(next, keep_alive);
        });
  }

  void reply_and_close(const Response &response) { write(to_beast(response, 11, false), false); }

  void write(beast::http::response<beast::http::string_body> response, bool keep_alive) {
    auto shared =
        std::make_shared<beast::http::response<beast::http::string_body>>(std::move(response));
    transport().expires_after(limits_.request_timeout);
    beast::http::async_write(
        stream_, *shared,
        [self = shared_from_this(), shared, keep_alive](beast::error_code ec, std::size_t) {
          if (ec) {
            return self->close();
          }
          if (!keep_alive) {
            return self->close_after_answer();
          }
          self->read_request();
        });
  }

  // After an answer that ends the connection (a 413 for a body too large, a
  // 400): the client may still be sending. Closing a socket with unread
  // bytes makes the kernel send a reset, which can destroy the answer before
  // the client reads it, so the sending side is shut first and whatever
  // still arrives is read and dropped until the client closes, for a few
  // seconds at most.
  void close_after_answer() {
    if constexpr (over_tls) {
      close();
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      transport().expires_after(std::chrono::seconds{5});
      drain();
    }
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                return self->stream_.close();
                              }
                              self->drain();
                            });
  }

  void close() {
    if constexpr (over_tls) {
      // close_notify, so the client knows the response was complete; a
      // client that does not answer it is cut off by the timeout.
      transport().expires_after(std::chrono::seconds{5});
      stream_.async_shutdown(
          [self = shared_from_this()](beast::error_code) { self->transport().close(); });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.close();
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 4096> discard_{}; // what close_after_answer() drops
  std::optional<beast::http::request_parser<beast::http::string_body>> parser_;
  const Router &router_;
  ServerLimits limits_;
  LiveHub *live_;
  net::any_io_executor handlers_; // empty: handlers run on the strand
  std::string remote_;
};

} // namespace

struct Server::Listener : std::enable_shared_from_this<Listener> {
  Listener(net::io_context &io, const tcp::endpoint &endpoint, const Router &router,
           ServerLimits limits, LiveHub *live, std::shared_ptr<ssl::context> tls,
           net::any_io_executor handlers)
      : io_(io), acceptor_(io), router_(router), limits_(limits), live_(live), tls_(std::move(tls)),
        handlers_(std::move(handlers)) {
    beast::error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) {
      acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
      acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      throw Failure(ErrorCode::unavailable, "cannot listen on " + endpoint.address().to_string() +
                                                ":" + std::to_string(endpoint.port()) + ": " +
                                                ec.message());
    }
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](beast::error_code ec,
                                                                              tcp::socket socket) {
      if (ec == net::error::operation_aborted || !self->acceptor_.is_open()) {
        return;
      }
      if (!ec) {
        self->start_session(std::move(socket));
      }
      self->accept();
    });
  }

  void start_session(tcp::socket socket) {
    if (tls_) {
      std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *tls_), router_, limits_,
                                           live_, handlers_)
          ->start();
    } else {
      std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), router_,
                                                   limits_, live_, handlers_)
          ->start();
    }
  }

  net::io_context &io_;
  tcp::acceptor acceptor_;
  const Router &router_;
  ServerLimits limits_;
  LiveHub *live_;
  std::shared_ptr<ssl::context> tls_; // null: plain HTTP
  net::any_io_executor handlers_;
};

Server::Server(net::io_context &io, const std::string &host, unsigned short port,
               const Router &router, ServerLimits limits, LiveHub *live,
               const std::optional<TlsFiles> &tls, net::any_io_executor handlers) {
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) {
    throw Failure(ErrorCode::invalid_argument,
                  "listen: " + quoted_input(host) + " is not an IP address");
  }
  listener_ = std::make_shared<Listener>(io, tcp::endpoint{address, port}, router, limits, live,
                                         tls ? load_tls(*tls) : nullptr, std::move(handlers));
  listener_->accept();
}

Server::~Server() {
  stop();
}

unsigned short Server::port() const {
  return listener_->acceptor_.local_endpoint().port();
}

bool Server::tls() const {
  return listener_->tls_ != nullptr;
}

void Server::stop() {
  beast::error_code ignored;
  listener_->acceptor_.close(ignored);
}

} // namespace pulsemon::http
