// Friends' shares on a real daemon: a friend's pulsemon is untrusted. A
// server made here answers as no pulsemon would (a 1 GB body, an endless
// chunked one, a byte a second, not JSON, negative and future days,
// redirects elsewhere and to a private address, not a share); each is
// refused with its reason, within the configured time, while the daemon
// keeps its memory and goes on answering. And a household's friend link
// cannot make the daemon reach the machine itself or the home network.
#include "support/daemon.h"
#include "support/hostile_http.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>

namespace pulsemon {
namespace {

using testing::HostileHttp;
using testing::http_request;
using testing::HttpResult;

// A share as a pulsemon gives it, around `periods` of meter 1.
std::string share_body(const nlohmann::json &periods, const std::string &last_day = "2026-11-30") {
  return nlohmann::json{
      {"pulsemon_share", 1},
      {"label", "the Jansens"},
      {"granularity", "day"},
      {"first_day", "2026-11-01"},
      {"last_day", last_day},
      {"household", {{"people", 4}, {"floor_area_m2", 120}, {"heating", "gas"}}},
      {"expires", nullptr},
      {"meters", {{{"ref", 1}, {"kind", "electricity"}, {"unit", "kWh"}, {"periods", periods}}}}}
      .dump();
}

long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

class Friends : public ::testing::Test {
protected:
  void start(const std::string &sharing) {
    password = testing::init_data_folder(dir / "data", false);
    config = dir / "data/pulsemon.toml";
    for (const auto &[from, to] :
         std::map<std::string, std::string>{{"friend_timeout_s = 10", "friend_timeout_s = 2"}}) {
      testing::edit_file(config, from, to);
    }
    testing::edit_file(config, "# friend_allow_http = false", sharing);
    daemon = testing::start_daemon(config);
    bearer = testing::login_bearer(daemon.port, "admin", password);
  }

  HttpResult add(const std::string &label, const std::string &url) {
    return http_request(daemon.port, "POST", "/api/friends",
                        nlohmann::json{{"label", label}, {"url", url}}.dump(),
                        {{"Authorization", bearer}, {"Content-Type", "application/json"}});
  }

  // The friends once none waits for its first fetch (or the time is up).
  nlohmann::json settled(std::chrono::seconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    nlohmann::json friends;
    do {
      friends = nlohmann::json::parse(
          http_request(daemon.port, "GET", "/api/friends", {}, {{"Authorization", bearer}}).body);
      if (std::none_of(friends.begin(), friends.end(),
                       [](const nlohmann::json &f) { return f["state"] == "waiting"; })) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    } while (std::chrono::steady_clock::now() < deadline);
    return friends;
  }

  testing::TempDir dir;
  std::filesystem::path config;
  std::string password;
  testing::RunningDaemon daemon;
  std::string bearer;
};

TEST_F(Friends, AHostileFriendsServerIsRefusedWithAReasonAndTheDaemonIsUnharmed) {
  HostileHttp server;
  const auto endless = [](const std::string &framing) {
    return [framing](int fd) {
      if (!HostileHttp::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" +
                                         framing + "\r\n")) {
        return;
      }
      const std::string block(64 * 1024, ' ');
      const std::string chunk =
          framing.find("chunked") != std::string::npos ? "10000\r\n" + block + "\r\n" : block;
      for (long sent = 0; sent < (1L << 30); sent += 65536) { // 1 GiB at most
        if (!HostileHttp::send_all(fd, chunk)) {
          return;
        }
      }
    };
  };
  server.on("/api/share/huge", endless("Content-Length: 1073741824\r\n"));
  server.on("/api/share/endless", endless("Transfer-Encoding: chunked\r\n"));
  server.on("/api/share/trickle", [](int fd) {
    if (!HostileHttp::send_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 300\r\n\r\n")) {
      return;
    }
    for (int i = 0; i < 300 && HostileHttp::send_all(fd, "{"); ++i) {
      std::this_thread::sleep_for(std::chrono::seconds{1});
    }
  });
  server.on("/api/share/notjson", HostileHttp::reply(200, "{\"pulsemon_share\": 1, oops"));
  server.on("/api/share/notashare", HostileHttp::reply(200, R"({"hello": "world"})"));
  server.on("/api/share/negative", HostileHttp::reply(200, share_body({{{"first_day", "2026-11-02"},
                                                                        {"last_day", "2026-11-02"},
                                                                        {"value", -3.5}}})));
  server.on("/api/share/future", HostileHttp::reply(200, share_body({{{"first_day", "2099-01-01"},
                                                                      {"last_day", "2099-01-01"},
                                                                      {"value", 3.5}}},
                                                                    "2099-01-01")));
  server.on("/api/share/badday", HostileHttp::reply(200, share_body({{{"first_day", "2026-11-31"},
                                                                      {"last_day", "2026-11-31"},
                                                                      {"value", 3.5}}})));
  server.on("/api/share/elsewhere",
            HostileHttp::reply(302, "", "Location: https://elsewhere.example/share/x\r\n"));
  server.on("/api/share/inside",
            HostileHttp::reply(301, "", "Location: http://192.168.1.1/admin\r\n"));
  server.on("/api/share/gone", HostileHttp::reply(404, R"({"error":{"code":"not_found"}})"));
  // A good share that carries more than a share promises: none of it kept.
  nlohmann::json good = nlohmann::json::parse(share_body(
      {{{"first_day", "2026-11-02"}, {"last_day", "2026-11-02"}, {"value", 7.25}, {"at", "x"}}}));
  good["meters"][0]["pulses"] = {"2026-11-02T10:00:00Z"};
  good["tracking"] = "collected";
  // Its second fetch sends the kept ETag and hears that nothing changed.
  server.on("/api/share/good", [&server, body = good.dump()](int fd) {
    const bool again = server.requests("/api/share/good") > 1;
    HostileHttp::reply(again ? 304 : 200, again ? "" : body, "ETag: \"v1\"\r\n")(fd);
  });

  start("friend_allow_http = true\nfriend_allow_private_addresses = true");
  const long before_kib = resident_kib(daemon.process->pid());
  const std::map<std::string, std::pair<std::string, std::string>> expected{
      {"huge", {"refused", "larger than 1 MiB"}},
      {"endless", {"refused", "larger than 1 MiB"}},
      {"trickle", {"refused", "too slowly"}},
      {"notjson", {"refused", "not JSON"}},
      {"notashare", {"refused", "not a pulsemon share"}},
      {"negative", {"refused", "negative"}},
      {"future", {"refused", "future"}},
      {"badday", {"refused", "two days in order"}},
      {"elsewhere", {"refused", "redirect to https://elsewhere.example"}},
      {"inside", {"refused", "redirect to http://192.168.1.1"}},
      {"gone", {"revoked", "opens nothing"}},
      {"good", {"fine", ""}},
  };
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port()) + "/share/";
  const auto started = std::chrono::steady_clock::now();
  for (const auto &[name, outcome] : expected) {
    ASSERT_EQ(add(name, base + name + "-0123456789abcdef").status, 201U) << name;
  }
  const nlohmann::json friends = settled(std::chrono::seconds{30});
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(friends.size(), expected.size());
  for (const nlohmann::json &found : friends) {
    const auto &[state, reason] = expected.at(found["label"]);
    EXPECT_EQ(found["state"], state) << found.dump();
    EXPECT_NE(found["reason"].get<std::string>().find(reason), std::string::npos) << found.dump();
    EXPECT_FALSE(found["checked"].is_null());
    if (state != "fine") {
      EXPECT_TRUE(found["figures"].is_null()) << found.dump();
    }
  }
  // Every fetch within its 2 s: the trickle is cut at the deadline.
  EXPECT_LT(took, 20.0);
  const auto kept = std::find_if(friends.begin(), friends.end(),
                                 [](const nlohmann::json &f) { return f["label"] == "good"; });
  ASSERT_NE(kept, friends.end());
  const nlohmann::json &figures = (*kept)["figures"];
  EXPECT_EQ(figures["meters"][0]["periods"][0]["value"], 7.25);
  EXPECT_EQ(figures["household"]["people"], 4);
  EXPECT_FALSE(figures.contains("tracking")) << figures.dump();
  EXPECT_FALSE(figures["meters"][0].contains("pulses")) << figures.dump();
  EXPECT_FALSE(figures["meters"][0]["periods"][0].contains("at")) << figures.dump();

  // Asked again (a household may once in 5 s): with the kept ETag, and a
  // 304 keeps the copy.
  std::this_thread::sleep_for(std::chrono::milliseconds{5100});
  const std::string refresh =
      "/api/friends/" + std::to_string((*kept)["id"].get<int>()) + "/refresh";
  ASSERT_EQ(http_request(daemon.port, "POST", refresh, {}, {{"Authorization", bearer}}).status,
            202U);
  for (int i = 0; i < 100 && server.requests("/api/share/good") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  EXPECT_NE(server.last_head("/api/share/good").find("If-None-Match: \"v1\""), std::string::npos)
      << server.last_head("/api/share/good");
  EXPECT_NE(server.last_head("/api/share/good")
                .find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
            std::string::npos)
      << "the port beside the host, as HTTP/1.1 asks";
  std::this_thread::sleep_for(std::chrono::milliseconds{300});
  const nlohmann::json after = settled(std::chrono::seconds{5});
  for (const nlohmann::json &found : after) {
    if (found["label"] == "good") {
      EXPECT_EQ(found["state"], "fine") << found.dump();
      EXPECT_EQ(found["figures"], figures) << "a 304 keeps the copy";
      EXPECT_NE(found["checked"], (*kept)["checked"]);
    }
  }

  // Unharmed: a gigabyte was offered, at most a few MiB held.
  EXPECT_LT(resident_kib(daemon.process->pid()) - before_kib, 64 * 1024);
  EXPECT_EQ(http_request(daemon.port, "GET", "/healthz").status, 200U);
}

TEST_F(Friends, AFriendLinkCannotMakeTheDaemonReachThisMachineOrTheHomeNetwork) {
  HostileHttp server;
  server.on("/api/share/", HostileHttp::reply(200, share_body(nlohmann::json::array())));
  start("# friend_allow_http = false");
  const std::string port = std::to_string(server.port());
  // Refused before anything is fetched: not https, a user in the URL,
  // not a share's path.
  for (const std::string &url :
       {"http://127.0.0.1:" + port + "/share/0123456789abcdef0123",
        "https://me:secret@127.0.0.1:" + port + "/share/0123456789abcdef0123",
        "https://127.0.0.1:" + port + "/api/users", std::string("file:///etc/passwd"),
        std::string("gopher://x/share/a")}) {
    const HttpResult refused = add("x", url);
    EXPECT_EQ(refused.status, 400U) << url << " → " << refused.body;
    EXPECT_NE(refused.body.find("url:"), std::string::npos) << refused.body;
  }
  // An address on this machine or the home network: refused, untouched.
  for (const std::string host : {"127.0.0.1", "[::1]", "10.0.0.1", "192.168.1.1", "169.254.169.254",
                                 "[fe80::1]", "0.0.0.0", "[::ffff:127.0.0.1]"}) {
    ASSERT_EQ(add(host, "https://" + host + ":" + port + "/share/0123456789abcdef0123").status,
              201U);
  }
  const nlohmann::json friends = settled(std::chrono::seconds{20});
  for (const nlohmann::json &found : friends) {
    EXPECT_EQ(found["state"], "refused") << found.dump();
    EXPECT_NE(found["reason"].get<std::string>().find("public addresses only"), std::string::npos)
        << found.dump();
  }
  EXPECT_EQ(server.requests("/"), 0) << "nothing reached the server on loopback";

  // A viewer reads the comparison, not the friends' links (their tokens
  // are the access to the friends' figures), and adds none.
  const testing::Completed viewer = testing::run(
      testing::pulsemon_binary(), {"-c", config.string(), "user", "add", "vic", "--role", "viewer"},
      "viewer-password-1\n");
  ASSERT_EQ(viewer.exit_code, 0) << viewer.err;
  const std::string as_viewer = testing::login_bearer(daemon.port, "vic", "viewer-password-1");
  const auto seen = nlohmann::json::parse(
      http_request(daemon.port, "GET", "/api/friends", {}, {{"Authorization", as_viewer}}).body);
  ASSERT_EQ(seen.size(), friends.size());
  for (const nlohmann::json &found : seen) {
    EXPECT_TRUE(found["url"].is_null()) << found.dump();
  }
  EXPECT_EQ(http_request(
                daemon.port, "POST", "/api/friends",
                nlohmann::json{{"label", "x"}, {"url", "https://a.example/share/0123456789abcdef"}}
                    .dump(),
                {{"Authorization", as_viewer}, {"Content-Type", "application/json"}})
                .status,
            403U);
}

} // namespace
} // namespace pulsemon
