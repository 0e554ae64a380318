#include "support/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

#include <sys/socket.h>
#include <sys/time.h>

namespace pulsemon::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

namespace {

net::ip::tcp::endpoint loopback(unsigned short port) {
  return {net::ip::make_address("127.0.0.1"), port};
}

template <class Stream>
HttpResult exchange(Stream &stream, const std::string &method, const std::string &target,
                    const std::string &body, const std::map<std::string, std::string> &headers) {
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto &[name, value] : headers) {
    request.set(name, value);
  }
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  HttpResult result;
  result.status = parser.get().result_int();
  result.body = parser.get().body();
  for (const auto &field : parser.get()) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    result.headers[name] = std::string(field.value());
  }
  return result;
}

// A TLS client that trusts only `certificate` and expects it to name localhost.
struct TlsClient {
  net::io_context io;
  ssl::context context{ssl::context::tls_client};
  beast::ssl_stream<beast::tcp_stream> stream{io, context};

  TlsClient(unsigned short port, const std::filesystem::path &certificate) {
    context.load_verify_file(certificate.string());
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification("localhost"));
    beast::get_lowest_layer(stream).connect(loopback(port));
    stream.handshake(ssl::stream_base::client);
  }
};

} // namespace

HttpResult http_request(unsigned short port, const std::string &method, const std::string &target,
                        const std::string &body,
                        const std::map<std::string, std::string> &headers) {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(loopback(port));
  // A daemon that stops answering fails the test instead of hanging it.
  const timeval limit{30, 0};
  ::setsockopt(stream.socket().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  HttpResult result = exchange(stream, method, target, body, headers);
  beast::error_code ignored;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  return result;
}

HttpResult https_request(unsigned short port, const std::filesystem::path &certificate,
                         const std::string &method, const std::string &target,
                         const std::string &body,
                         const std::map<std::string, std::string> &headers) {
  TlsClient client(port, certificate);
  HttpResult result = exchange(client.stream, method, target, body, headers);
  beast::error_code ignored;
  client.stream.shutdown(ignored);
  return result;
}

std::string https_read_until(unsigned short port, const std::filesystem::path &certificate,
                             const std::string &request, const std::string &marker) {
  TlsClient client(port, certificate);
  net::write(client.stream, net::buffer(request));
  std::string received;
  std::array<char, 1024> chunk{};
  while (received.find(marker) == std::string::npos) {
    const std::size_t n = client.stream.read_some(net::buffer(chunk));
    received.append(chunk.data(), n);
  }
  return received;
}

std::string login_bearer(unsigned short port, const std::string &user,
                         const std::string &password) {
  const HttpResult login = http_request(
      port, "POST", "/api/login", nlohmann::json{{"username", user}, {"password", password}}.dump(),
      {{"Content-Type", "application/json"}});
  if (login.status != 200) {
    throw std::runtime_error("login as " + user + ": " + std::to_string(login.status) + " " +
                             login.body);
  }
  return "Bearer " + nlohmann::json::parse(login.body)["token"].get<std::string>();
}

} // namespace pulsemon::testing
