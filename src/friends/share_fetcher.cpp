#include "friends/share_fetcher.h"

#include "friends/address_policy.h"
#include "friends/friend_url.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace pulsemon {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

constexpr std::size_t max_header_bytes = std::size_t{16} * 1024;
constexpr const char *user_agent = "pulsemon (friend's share)";

FetchAnswer failed(FetchAnswer::Outcome outcome, std::string reason) {
  FetchAnswer answer;
  answer.outcome = outcome;
  answer.reason = std::move(reason);
  return answer;
}

std::string size_text(std::size_t bytes) {
  return bytes >= (std::size_t{1} << 20U) ? std::to_string(bytes >> 20U) + " MiB"
                                          : std::to_string(bytes >> 10U) + " KiB";
}

// One exchange on its own io_context: every step is asynchronous, so the
// deadline (io.run_for) bounds them all, whatever the other side does.
class Exchange {
public:
  Exchange(const FriendUrl &url, std::string etag, const FetchLimits &limits)
      : url_(url), etag_(std::move(etag)), limits_(limits), resolver_(io_), tcp_(io_) {}

  FetchAnswer run() {
    resolver_.async_resolve(url_.host, std::to_string(url_.port),
                            [this](beast::error_code ec, const tcp::resolver::results_type &found) {
                              resolved(ec, found);
                            });
    io_.run_for(limits_.timeout);
    if (!answer_) {
      beast::error_code ignored;
      tcp_.close(ignored);
      resolver_.cancel();
      const std::string seconds = std::to_string(limits_.timeout.count());
      return header_read_
                 ? failed(FetchAnswer::Outcome::refused,
                          "answered too slowly: not whole within " + seconds + " s")
                 : failed(FetchAnswer::Outcome::unreachable, "no answer within " + seconds + " s");
    }
    return std::move(*answer_);
  }

private:
  void finish(FetchAnswer answer) {
    answer_ = std::move(answer);
    io_.stop();
  }

  void resolved(beast::error_code ec, const tcp::resolver::results_type &found) {
    if (ec) {
      finish(failed(FetchAnswer::Outcome::unreachable,
                    "the name " + url_.host + " was not found (" + ec.message() + ")"));
      return;
    }
    std::string refusal;
    for (const auto &entry : found) {
      const std::string why =
          address_refusal(entry.endpoint().address(), limits_.allow_private_addresses);
      if (why.empty()) {
        allowed_.push_back(entry.endpoint());
      } else if (refusal.empty()) {
        refusal = url_.host + " is at " + entry.endpoint().address().to_string() + ", " + why;
      }
    }
    if (allowed_.empty()) {
      finish(failed(FetchAnswer::Outcome::refused,
                    refusal + "; friends are fetched from public addresses only ([sharing] "
                              "friend_allow_private_addresses allows others)"));
      return;
    }
    // Only to the addresses checked: a second lookup could answer otherwise.
    net::async_connect(tcp_, allowed_, [this](beast::error_code error, const tcp::endpoint &) {
      connected(error);
    });
  }

  void connected(beast::error_code ec) {
    if (ec) {
      finish(failed(FetchAnswer::Outcome::unreachable, "cannot connect to " + url_.host + ":" +
                                                           std::to_string(url_.port) + " (" +
                                                           ec.message() + ")"));
      return;
    }
    if (!url_.https) {
      write(tcp_);
      return;
    }
    tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1);
    beast::error_code error;
    if (limits_.ca_file.empty()) {
      tls_context_->set_default_verify_paths(error);
    } else {
      tls_context_->load_verify_file(limits_.ca_file.string(), error);
    }
    if (error) {
      finish(failed(FetchAnswer::Outcome::unreachable,
                    "cannot load the certificates to check friends against (" + error.message() +
                        ")"));
      return;
    }
    tls_context_->set_verify_mode(ssl::verify_peer);
    tls_ = std::make_unique<ssl::stream<tcp::socket &>>(tcp_, *tls_context_);
    tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    // The name for SNI (SSL_set_tlsext_host_name, without the macro's C
    // cast); an address literal is not sent as one.
    beast::error_code not_an_address;
    (void)net::ip::make_address(url_.host, not_an_address);
    if (not_an_address && SSL_ctrl(tls_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                                   TLSEXT_NAMETYPE_host_name, url_.host.data()) != 1) {
      finish(failed(FetchAnswer::Outcome::unreachable, "cannot name the host for TLS"));
      return;
    }
    tls_->async_handshake(ssl::stream_base::client, [this](beast::error_code handshake_error) {
      if (handshake_error) {
        finish(failed(FetchAnswer::Outcome::unreachable,
                      "TLS with " + url_.host + " failed (" + handshake_error.message() +
                          "): its certificate may not be one this daemon trusts"));
        return;
      }
      write(*tls_);
    });
  }

  template <class Stream> void write(Stream &stream) {
    request_.method(http::verb::get);
    request_.target(url_.target);
    request_.version(11);
    const bool usual_port = url_.port == (url_.https ? 443 : 80);
    const std::string host =
        url_.host.find(':') == std::string::npos ? url_.host : "[" + url_.host + "]";
    request_.set(http::field::host, usual_port ? host : host + ":" + std::to_string(url_.port));
    request_.set(http::field::user_agent, user_agent);
    request_.set(http::field::accept, "application/json");
    request_.set(http::field::connection, "close");
    if (!etag_.empty()) {
      request_.set(http::field::if_none_match, etag_);
    }
    http::async_write(stream, request_, [this, &stream](beast::error_code ec, std::size_t) {
      if (ec) {
        finish(failed(FetchAnswer::Outcome::unreachable,
                      "the request could not be sent (" + ec.message() + ")"));
        return;
      }
      parser_.header_limit(max_header_bytes);
      parser_.body_limit(limits_.max_bytes);
      http::async_read_header(
          stream, buffer_, parser_,
          [this, &stream](beast::error_code error, std::size_t) { header_arrived(stream, error); });
    });
  }

  template <class Stream> void header_arrived(Stream &stream, beast::error_code ec) {
    if (ec) {
      finish(read_failure(ec));
      return;
    }
    header_read_ = true;
    const auto &header = parser_.get();
    const unsigned status = header.result_int();
    if (status >= 300 && status < 400 && status != 304) {
      const std::string location(header[http::field::location].substr(0, 200));
      finish(failed(FetchAnswer::Outcome::refused,
                    "answered " + std::to_string(status) + ", a redirect to " +
                        (location.empty() ? std::string("nowhere") : location) +
                        "; a share is fetched only from the address the friend gave"));
      return;
    }
    http::async_read(stream, buffer_, parser_,
                     [this](beast::error_code error, std::size_t) { body_arrived(error); });
  }

  void body_arrived(beast::error_code ec) {
    if (ec && ec != http::error::end_of_stream && ec != net::ssl::error::stream_truncated) {
      finish(read_failure(ec));
      return;
    }
    auto &response = parser_.get();
    const unsigned status = response.result_int();
    FetchAnswer answer;
    if (status == 200) {
      answer.outcome = FetchAnswer::Outcome::body;
      answer.body = std::move(response.body());
      answer.etag = std::string(response[http::field::etag].substr(0, 200));
    } else if (status == 304) {
      answer.outcome = FetchAnswer::Outcome::not_modified;
    } else if (status == 404 || status == 410) {
      answer = failed(FetchAnswer::Outcome::gone, "the link opens nothing any more");
    } else if (status == 429 || status >= 500) {
      answer = failed(FetchAnswer::Outcome::unreachable,
                      "answered " + std::to_string(status) + "; tried again later");
    } else {
      answer = failed(FetchAnswer::Outcome::refused,
                      "answered " + std::to_string(status) + ", not a share");
    }
    finish(std::move(answer));
  }

  FetchAnswer read_failure(beast::error_code ec) const {
    if (ec == http::error::body_limit) {
      return failed(FetchAnswer::Outcome::refused, "its answer is larger than " +
                                                       size_text(limits_.max_bytes) +
                                                       " ([sharing] friend_max_bytes)");
    }
    if (ec == http::error::header_limit) {
      return failed(FetchAnswer::Outcome::refused, "its answer's header is too large");
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
      return failed(FetchAnswer::Outcome::refused, "its answer is not HTTP (" + ec.message() + ")");
    }
    return failed(FetchAnswer::Outcome::unreachable, "the answer broke off (" + ec.message() + ")");
  }

  FriendUrl url_;
  std::string etag_;
  FetchLimits limits_;
  net::io_context io_;
  tcp::resolver resolver_;
  tcp::socket tcp_;
  std::vector<tcp::endpoint> allowed_;
  std::unique_ptr<ssl::context> tls_context_;
  std::unique_ptr<ssl::stream<tcp::socket &>> tls_;
  http::request<http::empty_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool header_read_ = false;
  std::optional<FetchAnswer> answer_;
};

} // namespace

FetchAnswer fetch_share(const std::string &url_text, const std::string &etag,
                        const FetchLimits &limits) {
  auto url = parse_friend_url(url_text, limits.allow_http);
  if (!url.ok()) {
    return failed(FetchAnswer::Outcome::refused, url.error().message);
  }
  Exchange exchange(*url, etag, limits);
  return exchange.run();
}

} // namespace pulsemon
