// The HTTP API of a real `pulsemon serve` on a loopback port.
#include "auth/jwt.h"
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/live_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sodium.h>
#include <sqlite3.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <regex>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;
using testing::http_request;
using testing::HttpResult;
using testing::LiveClient;
using Headers = std::map<std::string, std::string>;

class Api : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::unique_ptr<testing::Background> serve;
  unsigned short port = 0;
  std::string password;

  void SetUp() override {
    password = testing::init_data_folder(dir / "data", true);
    const auto config = dir / "data/pulsemon.toml";
    // 10 pulses a second, so live figures show up at once; a request timeout
    // short enough for the slow-client test to see the drop within seconds.
    testing::edit_file(config, "\nprofile = \"household\"", "\nwatts = 36000");
    testing::edit_file(config, "request_timeout_s = 30", "request_timeout_s = 3");
    auto daemon = testing::start_daemon(config);
    serve = std::move(daemon.process);
    port = daemon.port;
  }

  HttpResult get(const std::string &target, const Headers &headers = {}) const {
    return http_request(port, "GET", target, {}, headers);
  }

  HttpResult login(const std::string &user, const std::string &pass) const {
    const nlohmann::json body{{"username", user}, {"password", pass}};
    return http_request(port, "POST", "/api/login", body.dump(),
                        {{"Content-Type", "application/json"}});
  }

  std::string token() const {
    const HttpResult result = login("admin", password);
    EXPECT_EQ(result.status, 200U) << result.body;
    return nlohmann::json::parse(result.body)["token"].get<std::string>();
  }

  Headers bearer() const { return {{"Authorization", "Bearer " + token()}}; }

  std::string secret() const { return auth::load_secret((dir / "data/jwt.secret").string()); }
};

TEST_F(Api, HealthIsOpenAndEverythingElseNeedsAToken) {
  EXPECT_EQ(get("/healthz").status, 200U);
  const HttpResult refused = get("/api/meters");
  EXPECT_EQ(refused.status, 401U);
  const auto body = nlohmann::json::parse(refused.body);
  EXPECT_EQ(body["error"]["code"], "unauthenticated");
  EXPECT_EQ(get("/api/nothing-here", bearer()).status, 404U);
}

TEST_F(Api, LoginWithJsonOrFormGivesATokenInTheOldServicesShape) {
  const HttpResult json_login = login("admin", password);
  ASSERT_EQ(json_login.status, 200U);
  const auto body = nlohmann::json::parse(json_login.body);
  EXPECT_TRUE(body["token"].is_string());
  EXPECT_TRUE(body["expires"].is_number_integer());
  EXPECT_GT(body["expires"].get<std::int64_t>(), 1'700'000'000'000) << "epoch milliseconds";
  EXPECT_EQ(body["user"], "admin");
  EXPECT_EQ(body["password_change_required"], false);

  const HttpResult form =
      http_request(port, "POST", "/apiv2/login", "username=admin&password=" + password,
                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(form.status, 200U) << form.body;

  const auto token = body["token"].get<std::string>();
  EXPECT_EQ(get("/api/meters", {{"Authorization", "Bearer " + token}}).status, 200U);
  EXPECT_EQ(get("/api/meters", {{"X-Access-Token", token}}).status, 200U);
}

TEST_F(Api, ALoginWhoseFieldsAreNotStringsIsRefusedNotAServerFailure) {
  for (const std::string body : {R"({"username":1,"password":"x"})",
                                 R"({"username":"admin","password":["x"]})", R"([1,2])"}) {
    const HttpResult result =
        http_request(port, "POST", "/api/login", body, {{"Content-Type", "application/json"}});
    EXPECT_EQ(result.status, 401U) << body << " → " << result.body;
  }
}

TEST_F(Api, AFailedLoginSaysTheSameWhetherOrNotTheUserExists) {
  const HttpResult wrong_password = login("admin", "wrong");
  const HttpResult no_such_user = login("mallory", "wrong");
  const HttpResult empty = http_request(port, "POST", "/api/login", "", {});
  for (const HttpResult &result : {wrong_password, no_such_user, empty}) {
    EXPECT_EQ(result.status, 401U);
    EXPECT_EQ(result.body, R"({"status":401,"message":"Unknown USER, bye"})");
  }
}

TEST_F(Api, FailedLoginsAreRateLimitedWithRetryAfter) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(login("admin", "guess" + std::to_string(i)).status, 401U);
  }
  const HttpResult limited = login("admin", password);
  EXPECT_EQ(limited.status, 429U) << "even the right password waits once the limit is hit";
  ASSERT_TRUE(limited.headers.contains("retry-after"));
  EXPECT_GT(std::stoi(limited.headers.at("retry-after")), 0);
}

// Someone else's wrong guesses from the same address (everyone in a house
// shares the router's) do not turn away a user with the right password;
// an address that guesses at many names still meets a ceiling.
TEST_F(Api, AnotherUsersWrongGuessesFromTheSameAddressDoNotLockOutTheRightPassword) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(login("guest", "guess" + std::to_string(i)).status, 401U);
  }
  EXPECT_EQ(login("guest", "one more").status, 429U) << "the guesser waits";
  EXPECT_EQ(login("admin", password).status, 200U) << "the household does not";
  for (int i = 0; i < 30; ++i) {
    const auto answer = login("name" + std::to_string(i), "guess");
    EXPECT_TRUE(answer.status == 401U || answer.status == 429U) << answer.status;
  }
  EXPECT_EQ(login("admin", password).status, 429U) << "thirty failures a minute from one address";
}

TEST_F(Api, RefusesForgedExpiredAndTamperedTokens) {
  const std::string good = token();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::string expired =
      auth::sign_token({"admin", "admin", now - 7200, now - 3600, 0, std::nullopt}, secret());
  const std::string future =
      auth::sign_token({"admin", "admin", now + 3600, now + 7200, 0, std::nullopt}, secret());
  const std::string other_secret =
      auth::sign_token({"admin", "admin", now, now + 3600, 0, std::nullopt}, std::string(32, 'x'));
  const std::string header = good.substr(0, good.find('.'));
  const std::string signature = good.substr(good.rfind('.') + 1);
  const std::string tampered =
      header + ".eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiIsImlhdCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ." +
      signature;
  const std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." +
                           good.substr(good.find('.') + 1, good.rfind('.') - good.find('.'));
  const std::string not_yet_valid =
      auth::sign_token({"admin", "admin", now, now + 7200, 0, now + 3600}, secret());
  const std::string empty_key =
      auth::sign_token({"admin", "admin", now, now + 3600, 0, std::nullopt}, "");
  for (const std::string &bad : {expired, future, not_yet_valid, other_secret, tampered, none,
                                 empty_key, std::string("garbage")}) {
    EXPECT_EQ(get("/api/meters", {{"Authorization", "Bearer " + bad}}).status, 401U) << bad;
  }
  EXPECT_EQ(get("/api/meters", {{"Authorization", "Bearer " + good}}).status, 200U);
}

TEST_F(Api, ChangingAPasswordOrDeletingAUserEndsTheirTokens) {
  const std::string config = (dir / "data/pulsemon.toml").string();
  auto done =
      testing::run(testing::pulsemon_binary(),
                   {"-c", config, "user", "add", "vic", "--role", "viewer"}, "viewer password\n");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  const auto vic = [&] {
    const HttpResult result = login("vic", "viewer password");
    EXPECT_EQ(result.status, 200U) << result.body;
    return Headers{{"Authorization",
                    "Bearer " + nlohmann::json::parse(result.body)["token"].get<std::string>()}};
  };
  const Headers first = vic();
  EXPECT_EQ(get("/api/meters", first).status, 200U);
  done = testing::run(testing::pulsemon_binary(), {"-c", config, "user", "passwd", "vic"},
                      "viewer password\n");
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(get("/api/meters", first).status, 401U) << "a token from before the change";
  const Headers second = vic();
  EXPECT_EQ(get("/api/meters", second).status, 200U);
  done = testing::run(testing::pulsemon_binary(), {"-c", config, "user", "del", "vic"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_EQ(get("/api/meters", second).status, 401U) << "a deleted user's token";
}

TEST_F(Api, AdminsAddMetersUsersChangeSettingsViewersOnlyRead) {
  const Headers admin = bearer();
  const auto post = [&](const std::string &body, const Headers &headers) {
    Headers with_type = headers;
    with_type["Content-Type"] = "application/json";
    return http_request(port, "POST", "/api/meters", body, with_type);
  };
  HttpResult result =
      post(R"({"id":2,"name":"Gas","kind":"gas","ppu":100,"location":"cellar"})", admin);
  ASSERT_EQ(result.status, 201U) << result.body;
  EXPECT_EQ(nlohmann::json::parse(result.body)["unit"], "m³");
  EXPECT_EQ(post(R"({"id":2,"name":"Again","kind":"gas","ppu":100})", admin).status, 409U);
  for (const auto &[body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({"id":3,"name":"X","kind":"steam","ppu":100})", "kind"},
           {R"({"id":3,"name":"X","kind":"gas","ppu":0})", "ppu"},
           {R"({"id":3,"name":"X","kind":"gas"})", "ppu"},
           {R"({"id":"3","name":"X","kind":"gas","ppu":1})", "id"},
           {R"({"id":3,"name":"X","kind":"gas","ppu":1,"colour":"red"})", "colour"},
           {R"({"id":3,"name":"X","kind":"gas","ppu":1,"tariff":"cheap"})", "tariff"},
           {R"([1,2,3])", "body"}}) {
    result = post(body, admin);
    EXPECT_EQ(result.status, 400U) << body << " " << result.body;
    EXPECT_NE(result.body.find(field), std::string::npos) << body << " " << result.body;
  }

  const std::string config = (dir / "data/pulsemon.toml").string();
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config, "user", "add", "ursula", "--role", "user"},
                         "a user password\n")
                .exit_code,
            0);
  ASSERT_EQ(testing::run(testing::pulsemon_binary(),
                         {"-c", config, "user", "add", "viv", "--role", "viewer"},
                         "a viewer password\n")
                .exit_code,
            0);
  const auto as = [&](const std::string &name, const std::string &pass) {
    return Headers{
        {"Authorization",
         "Bearer " + nlohmann::json::parse(login(name, pass).body)["token"].get<std::string>()},
        {"Content-Type", "application/json"}};
  };
  const Headers user = as("ursula", "a user password");
  const Headers viewer = as("viv", "a viewer password");
  EXPECT_EQ(post(R"({"id":4,"name":"Water","kind":"water","ppu":1000})", user).status, 403U);
  EXPECT_EQ(http_request(port, "PUT", "/api/meters/2", R"({"name":"Boiler"})", viewer).status,
            403U);
  result = http_request(port, "PUT", "/api/meters/2", R"({"name":"Boiler","tariff":"0.9"})", user);
  ASSERT_EQ(result.status, 200U) << result.body;
  EXPECT_EQ(nlohmann::json::parse(result.body)["name"], "Boiler");
  EXPECT_EQ(http_request(port, "PUT", "/api/meters/2", R"({"ppu":10})", user).status, 403U)
      << "admins only";
  EXPECT_EQ(http_request(port, "PUT", "/api/meters/2", R"({"ppu":10})", admin).status, 200U)
      << "no pulses yet";
  EXPECT_EQ(get("/api/meters", viewer).status, 200U);
}

TEST_F(Api, TheLiveStreamSendsAnEventPerPulse) {
  const std::string token = nlohmann::json::parse(login("admin", password).body)["token"];
  LiveClient client(port, token);
  ASSERT_TRUE(client.connected());
  const std::string received = client.read_until("event: pulse", 3);
  EXPECT_EQ(received.rfind("HTTP/1.1 200", 0), 0U) << received;
  EXPECT_NE(received.find("Content-Type: text/event-stream"), std::string::npos) << received;
  const auto data = received.find("data: ", received.find("event: pulse"));
  ASSERT_NE(data, std::string::npos) << received;
  const auto event =
      nlohmann::json::parse(received.substr(data + 6, received.find('\n', data) - data - 6));
  EXPECT_EQ(event["meter"], 1);
  EXPECT_TRUE(event["ts"].is_string());
  EXPECT_TRUE(event.contains("power"));

  LiveClient stranger(port, "not-a-token");
  EXPECT_NE(stranger.read_until("401", 1).find("HTTP/1.1 401"), std::string::npos);
}

// A thousand stream requests with one token: the user's 16 streams are
// served, every other request gets a 429 with a JSON body at once, the API
// keeps answering, and another user still gets a stream.
TEST_F(Api, AThousandLiveStreamRequestsOfOneUserAreCappedAndTheApiStaysUp) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
  const std::string token = nlohmann::json::parse(login("admin", password).body)["token"];
  std::vector<std::unique_ptr<LiveClient>> clients;
  int refused = 0;
  for (int i = 0; i < 1000; ++i) {
    auto client = std::make_unique<LiveClient>(port, token);
    ASSERT_TRUE(client->connected()) << i;
    const std::string answer = client->read_until("\r\n\r\n", 1);
    if (answer.starts_with("HTTP/1.1 429")) {
      EXPECT_NE(answer.find("Retry-After: 10"), std::string::npos) << answer;
      EXPECT_TRUE(client->closes_within(2s));
      ++refused;
    } else {
      ASSERT_TRUE(answer.starts_with("HTTP/1.1 200")) << i << ": " << answer;
      clients.push_back(std::move(client));
    }
  }
  EXPECT_EQ(clients.size(), 16U);
  EXPECT_EQ(refused, 984);
  EXPECT_NE(clients.back()->read_until("event: pulse", 1).find("event: pulse"), std::string::npos);
  const HttpResult meters = get("/api/meters", {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(meters.status, 200U);
  EXPECT_NE(clients.front()->read_until("event: pulse", 2).find("event: pulse"), std::string::npos);

  ASSERT_EQ(http_request(port, "POST", "/api/users",
                         R"({"username":"other","password":"a long password","role":"viewer"})",
                         bearer())
                .status,
            201U);
  LiveClient other(port, nlohmann::json::parse(login("other", "a long password").body)["token"]);
  EXPECT_NE(other.read_until("event: pulse", 1).find("event: pulse"), std::string::npos)
      << "another user's stream is served";
}

// A stream ends when its credential stops holding: the user is deleted,
// changes password or role (through the API or the CLI, another process),
// or the token expires. It ends with `event: end` and the reason, and the
// connection closes, within a second of the change (the hub checks every
// 500 ms; the test allows for a loaded machine up to 2 s).
TEST_F(Api, ALiveStreamEndsWhenItsCredentialStopsHolding) {
  const auto config = dir / "data/pulsemon.toml";
  const std::string viewer_password = "a long password";
  const auto add_viewer = [&](const std::string &name) {
    const auto added = http_request(
        port, "POST", "/api/users",
        nlohmann::json{{"username", name}, {"password", viewer_password}, {"role", "viewer"}}
            .dump(),
        bearer());
    ASSERT_EQ(added.status, 201U) << added.body;
  };
  const auto cli = [&](std::vector<std::string> args, const std::string &input = {}) {
    args.insert(args.begin(), {"-c", config.string()});
    const auto done = testing::run(testing::pulsemon_binary(), args, input);
    EXPECT_EQ(done.exit_code, 0) << done.out << done.err;
  };
  const std::vector<std::pair<std::string, std::function<void(const std::string &)>>> changes{
      {"deleted through the API",
       [&](const std::string &name) {
         EXPECT_EQ(http_request(port, "DELETE", "/api/users/" + name, {}, bearer()).status, 200U);
       }},
      {"new password through the API",
       [&](const std::string &name) {
         EXPECT_EQ(http_request(port, "PUT", "/api/users/" + name,
                                R"({"password":"another long password"})", bearer())
                       .status,
                   200U);
       }},
      {"new role through the API",
       [&](const std::string &name) {
         const auto changed =
             http_request(port, "PUT", "/api/users/" + name, R"({"role":"user"})", bearer());
         EXPECT_EQ(changed.status, 200U) << changed.body;
         EXPECT_EQ(nlohmann::json::parse(changed.body)["role"], "user");
       }},
      {"new role through the CLI",
       [&](const std::string &name) {
         cli({"user", "role", name, "admin"});
       }},
      {"new password through the CLI",
       [&](const std::string &name) {
         cli({"user", "passwd", name}, "another long password\n");
       }},
      {"deleted through the CLI",
       [&](const std::string &name) {
         cli({"user", "del", name});
       }},
  };
  int n = 0;
  for (const auto &[what, change] : changes) {
    const std::string name = "viewer" + std::to_string(++n);
    add_viewer(name);
    const std::string token = nlohmann::json::parse(login(name, viewer_password).body)["token"];
    LiveClient stream(port, token);
    ASSERT_NE(stream.read_until("event: pulse", 1).find("event: pulse"), std::string::npos) << what;
    change(name);
    const auto changed_at = std::chrono::steady_clock::now();
    const std::string rest = stream.read_until("event: end", 1);
    const auto took = std::chrono::steady_clock::now() - changed_at;
    EXPECT_NE(rest.find("event: end\ndata: {\"reason\":"), std::string::npos) << what << rest;
    EXPECT_TRUE(stream.closes_within(1s)) << what;
    EXPECT_LT(took, 2s) << what;
    EXPECT_EQ(get("/api/meters", {{"Authorization", "Bearer " + token}}).status, 401U)
        << what << ": the token is refused by the API too";
  }

  // A token that the API refuses two seconds from now (60 s of leeway
  // after its exp, as for every request).
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto admin = auth::verify_token(token(), secret(), now);
  ASSERT_TRUE(admin.ok());
  const std::string expiring = auth::sign_token(
      {"admin", "admin", now, now - 58, admin->generation, std::nullopt}, secret());
  LiveClient stream(port, expiring);
  ASSERT_NE(stream.read_until("event: pulse", 1).find("event: pulse"), std::string::npos);
  const std::string rest = stream.read_until("event: end", 1);
  EXPECT_NE(rest.find("expired"), std::string::npos) << rest;
  EXPECT_TRUE(stream.closes_within(1s));
  EXPECT_EQ(get("/api/meters", {{"Authorization", "Bearer " + expiring}}).status, 401U);
}

TEST_F(Api, ASlowClientIsDroppedByTheTimeoutWhileOthersAreServed) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const auto started = std::chrono::steady_clock::now();
  bool dropped = false;
  // One byte at a time, a second apart (the timeout here is 3 s).
  for (std::size_t i = 0; i < request.size() && !dropped; ++i) {
    if (::send(fd, &request[i], 1, MSG_NOSIGNAL) != 1) {
      dropped = true;
      break;
    }
    EXPECT_EQ(get("/healthz").status, 200U) << "others are served meanwhile";
    pollfd wait{fd, POLLIN, 0};
    if (::poll(&wait, 1, 1000) > 0) {
      char byte = 0;
      dropped = ::recv(fd, &byte, 1, 0) <= 0;
    }
  }
  ::close(fd);
  EXPECT_TRUE(dropped) << "the slow request was never cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - started, 20s);
}

TEST_F(Api, MetersShowLivePowerAndEnergyComesPerBucketInAZone) {
  const Headers auth = bearer();
  HttpResult meters = get("/api/meters", auth);
  ASSERT_EQ(meters.status, 200U);
  auto list = nlohmann::json::parse(meters.body);
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0]["id"], 1);

  // The simulator pulses ten times a second; wait (bounded) for two pulses.
  HttpResult one;
  nlohmann::json meter;
  for (int i = 0; i < 100; ++i) {
    one = get("/api/meters/1", auth);
    ASSERT_EQ(one.status, 200U);
    meter = nlohmann::json::parse(one.body);
    if (meter["power"].is_number()) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(meter["power"].is_number()) << one.body;
  EXPECT_GT(meter["power"].get<double>(), 10'000.0) << "a steady 36 kW";

  const HttpResult energy = get(
      "/api/meters/1/energy?from=2026-03-28&to=2026-03-31&bucket=day&tz=Europe/Amsterdam", auth);
  ASSERT_EQ(energy.status, 200U) << energy.body;
  const auto days = nlohmann::json::parse(energy.body);
  ASSERT_EQ(days.size(), 3U);
  EXPECT_EQ(days[0]["start"], "2026-03-27T23:00:00Z");
  EXPECT_EQ(days[1]["start"], "2026-03-28T23:00:00Z");
  EXPECT_EQ(days[1]["end"], "2026-03-29T22:00:00Z") << "the 23-hour day";
  for (const char *key : {"start", "end", "pulses", "value", "unit", "cost"}) {
    EXPECT_TRUE(days[0].contains(key)) << key;
  }

  const HttpResult power = get("/api/meters/1/power?step=300", auth);
  ASSERT_EQ(power.status, 200U) << power.body;
  EXPECT_EQ(nlohmann::json::parse(power.body).size(), 12U) << "an hour by default";
}

TEST_F(Api, BadParametersAreNamedInA400) {
  const Headers auth = bearer();
  struct Case {
    std::string target;
    unsigned status;
    std::string mentions;
  };
  for (const Case &c : std::vector<Case>{
           {"/api/meters/1/energy?bucket=fortnight", 400, "bucket"},
           {"/api/meters/1/energy?tz=Mars/Base", 400, "tz"},
           {"/api/meters/1/energy?from=yesterday", 400, "from"},
           {"/api/meters/1/energy?from=2020-01-01&to=2026-01-01&bucket=minute", 400, "10000"},
           {"/api/meters/1/power?step=0", 400, "step"},
           {"/api/meters/99", 404, "99"},
           {"/api/meters/1%20OR%201=1", 400, "id"},
           {"/api/meters/1;DROP%20TABLE%20pulses", 400, "id"},
       }) {
    const HttpResult result = get(c.target, auth);
    EXPECT_EQ(result.status, c.status) << c.target << " " << result.body;
    const auto body = nlohmann::json::parse(result.body, nullptr, false);
    ASSERT_TRUE(body.contains("error")) << result.body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(c.mentions), std::string::npos)
        << c.target << " " << result.body;
  }
  EXPECT_EQ(get("/api/meters", auth).status, 200U) << "still serving, tables intact";
}

TEST_F(Api, ABodyOverTheLimitGets413) {
  const std::string two_mib(2 * 1024 * 1024, 'x');
  const HttpResult result =
      http_request(port, "POST", "/api/login", two_mib, {{"Content-Type", "application/json"}});
  EXPECT_EQ(result.status, 413U);
  EXPECT_EQ(nlohmann::json::parse(result.body)["error"]["code"], "payload_too_large");
}

} // namespace
} // namespace pulsemon
