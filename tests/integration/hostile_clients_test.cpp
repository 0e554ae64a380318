// Clients that mean harm, against a real `pulsemon serve` on a loopback
// port: slow connections that try to hold every slot, floods of random
// bytes and malformed HTTP, and request-smuggling tricks. The daemon must
// keep serving everybody else, refuse what is malformed with a 400, and
// stop cleanly afterwards (under the sanitizers a leak fails that stop).
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <random>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

// A loopback TCP connection to the daemon, closed when it goes.
class Connection {
public:
  explicit Connection(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
  }
  ~Connection() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // Everything the server sends until it closes the connection, `timeout`
  // passes without a byte, or (when given) `enough` has arrived; `closed`
  // says whether the server closed.
  std::string read_until_closed(std::chrono::milliseconds timeout, bool &closed,
                                std::string_view enough = {}) {
    std::string received;
    closed = false;
    while (enough.empty() || received.find(enough) == std::string::npos) {
      pollfd wait{fd_, POLLIN, 0};
      if (::poll(&wait, 1, static_cast<int>(timeout.count())) <= 0) {
        return received;
      }
      char chunk[4096];
      const ssize_t got = ::recv(fd_, chunk, sizeof chunk, 0);
      if (got <= 0) {
        closed = true;
        return received;
      }
      received.append(chunk, static_cast<std::size_t>(got));
    }
    return received;
  }

private:
  int fd_;
  bool connected_ = false;
};

std::size_t count_of(const std::string &text, const std::string &part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

class HostileClients : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Background> serve;
  unsigned short port = 0;

  void SetUp() override {
    testing::init_data_folder(dir / "data", false);
    const auto config = dir / "data/pulsemon.toml";
    testing::edit_file(config, "request_timeout_s = 30", "request_timeout_s = 3");
    auto daemon = testing::start_daemon(config);
    serve = std::move(daemon.process);
    port = daemon.port;
  }

  // Stops the daemon and checks that it stopped as it should: exit code 0,
  // and no sanitizer report (a leak makes the exit code non-zero too).
  void expect_clean_stop() {
    serve->signal(SIGTERM);
    EXPECT_EQ(serve->wait(30s), 0) << serve->output();
    EXPECT_EQ(serve->output().find("Sanitizer"), std::string::npos) << serve->output();
  }
};

TEST_F(HostileClients, TwoHundredSlowConnectionsDoNotStarveOthers) {
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  std::vector<std::unique_ptr<Connection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<Connection>(port));
    ASSERT_TRUE(slow.back()->connected()) << "connection " << i;
    ASSERT_TRUE(slow.back()->send(request.substr(0, 1)));
  }
  // A byte every 5 s from each: the second byte finds the request timeout
  // (3 s here) already passed. Meanwhile everybody else is served.
  const auto started = std::chrono::steady_clock::now();
  int served = 0;
  while (std::chrono::steady_clock::now() - started < 5s) {
    EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200U);
    ++served;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_GE(served, 20);
  int dropped = 0;
  for (const auto &connection : slow) {
    connection->send(request.substr(1, 1));
    bool closed = false;
    (void)connection->read_until_closed(2000ms, closed);
    dropped += closed ? 1 : 0;
  }
  EXPECT_EQ(dropped, 200) << "slow connections the server kept open past its request timeout";
  EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200U);
  expect_clean_stop();
}

TEST_F(HostileClients, TenThousandRandomAndMalformedRequestsDoNotCrashOrLeak) {
  const std::vector<std::string> malformed{
      "GET\r\n\r\n",
      "GET / HTTP/9.9\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost\r\n\r\n",
      "GET /healthz HTTP/1.1\r\n: value\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST /api/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "POST /api/login HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 5\r\n\r\n{\"a\":",
      "POST /api/ingest HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer pm_1_x\r\n"
      "Content-Length: 3\r\n\r\n[[[",
      "GET /api/meters/%ff%00/energy?bucket=%00&tz=../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n",
      std::string("GET /\0 HTTP/1.1\r\n\r\n", 19),
      "\r\n\r\n\r\n",
  };
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> length(1, 600);
  int answered_400 = 0;
  for (int i = 0; i < 10'000; ++i) {
    Connection connection(port);
    ASSERT_TRUE(connection.connected()) << "request " << i << " could not connect";
    std::string bytes;
    if (i % 2 == 0) {
      bytes = malformed[static_cast<std::size_t>(i / 2) % malformed.size()];
    } else {
      bytes.resize(length(random));
      for (char &c : bytes) {
        c = static_cast<char>(byte(random));
      }
    }
    connection.send(bytes);
    if (i % 100 == 0) {
      // Now and then wait for the answer's status line: a malformed request
      // gets a 400 (a well-formed one, such as a path of odd bytes, its
      // ordinary answer).
      bool closed = false;
      const std::string answer = connection.read_until_closed(3000ms, closed, "\r\n");
      answered_400 += answer.rfind("HTTP/1.1 400", 0) == 0 ? 1 : 0;
    }
  }
  EXPECT_GT(answered_400, 0);
  EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200U);
  expect_clean_stop();
}

TEST_F(HostileClients, RequestSmugglingIsRefusedWith400AndTheConnectionClosed) {
  // Each carries a second request that a server reading the body the other
  // way would answer too; the answer must be one 400 and a closed connection.
  const std::string hidden = "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::vector<std::string> attempts{
      // Content-Length and Transfer-Encoding together (CL.TE / TE.CL).
      "POST /api/login HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
          hidden,
      "POST /api/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
      "Content-Length: 40\r\n\r\n0\r\n\r\n" +
          hidden,
      // Two Content-Lengths that disagree.
      "POST /api/login HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 36\r\n\r\n" +
          hidden,
      // A transfer coding that is not chunked last.
      "POST /api/login HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, "
      "identity\r\n\r\n0\r\n\r\n" +
          hidden,
  };
  for (const std::string &attempt : attempts) {
    Connection connection(port);
    ASSERT_TRUE(connection.connected());
    ASSERT_TRUE(connection.send(attempt));
    bool closed = false;
    const std::string answer = connection.read_until_closed(5000ms, closed);
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0U) << attempt << "\n→\n" << answer;
    EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 1U) << "the hidden request was answered: " << answer;
    EXPECT_TRUE(closed) << attempt;
  }
  expect_clean_stop();
}

// Found by fuzzing: the 404 for a path with a byte that is not UTF-8 made
// the JSON serializer throw, which ended the daemon — one request, no
// token needed. Now it is an ordinary 404 and the daemon serves on.
TEST_F(HostileClients, APathThatIsNotUtf8GetsA404AndTheDaemonServesOn) {
  for (const char *path : {"/%ff", "/api/%c3%28", "/%ed%a0%80"}) {
    Connection connection(port);
    ASSERT_TRUE(connection.connected());
    ASSERT_TRUE(connection.send("GET " + std::string(path) + " HTTP/1.1\r\nHost: a\r\n\r\n"));
    bool closed = false;
    const std::string answer = connection.read_until_closed(5000ms, closed, "}");
    EXPECT_EQ(answer.rfind("HTTP/1.1 404", 0), 0U) << path << "\n→\n" << answer;
    EXPECT_NE(answer.find("no such endpoint"), std::string::npos) << answer;
  }
  EXPECT_EQ(testing::http_request(port, "GET", "/healthz").status, 200U);
  expect_clean_stop();
}

// HEAD is GET without the body (RFC 9110): link checkers and monitors use
// it. A keep-alive connection must carry a next request after it, which it
// could not if a body followed or the length were wrong for the GET.
TEST_F(HostileClients, HeadAnswersTheGetsHeadersWithoutItsBody) {
  const testing::HttpResult page = testing::http_request(port, "GET", "/");
  ASSERT_EQ(page.status, 200U);
  Connection connection(port);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
                              "GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = connection.read_until_closed(5000ms, closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0U) << answer;
  EXPECT_NE(answer.find("Content-Length: " + std::to_string(page.body.size()) + "\r\n"),
            std::string::npos)
      << "the GET's length: " << answer;
  const std::size_t first_end = answer.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos) << answer;
  EXPECT_EQ(answer.find("HTTP/1.1 200", first_end), first_end + 4)
      << "the next answer follows the HEAD's headers at once, no body between: " << answer;
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 2U) << answer;
  EXPECT_EQ(answer.find("<html"), std::string::npos) << "no page in a HEAD's answer";
  expect_clean_stop();
}

} // namespace
} // namespace pulsemon
