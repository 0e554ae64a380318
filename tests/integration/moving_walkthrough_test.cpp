// docs/moving-from-emon-server.md, followed as written: every command of
// its ```sh blocks runs in order (paths moved into a temporary folder, sudo
// dropped, systemctl standing for this test's own daemon, the old Pi's
// lines skipped), on an old database built as the old logger and cron job
// leave it, and the old clients' calls work before and after the password
// change the page asks for.
#include "emon_import_fixture.h"

#include "support/daemon.h"
#include "support/doc_commands.h"
#include "support/http_client.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace pulsemon {
namespace {

unsigned short free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length), 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

// Every command of the page's ```sh blocks, in order.
std::vector<std::string> walkthrough_commands() {
  const std::filesystem::path page =
      std::filesystem::path(PULSEMON_SOURCE_DIR) / "docs/moving-from-emon-server.md";
  EXPECT_TRUE(std::filesystem::exists(page)) << page;
  std::vector<std::string> commands;
  for (const std::vector<std::string> &block : testing::sh_blocks(page)) {
    commands.insert(commands.end(), block.begin(), block.end());
  }
  return commands;
}

void replace_all(std::string &text, const std::string &from, const std::string &to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string token_from(const testing::HttpResult &login) {
  EXPECT_EQ(login.status, 200U) << login.body;
  const auto body = nlohmann::json::parse(login.body, nullptr, false);
  return body.is_object() && body.contains("token") ? body["token"].get<std::string>() : "";
}

class MovingWalkthrough : public ::testing::Test {
protected:
  testing::TempDir dir;
  unsigned short old_port = free_loopback_port(); // stands for the old service's 12345
  std::int64_t yesterdays_rows = 0;

  std::filesystem::path config() const { return dir / "etc/pulsemon/pulsemon.toml"; }

  // The old Pi: three days of rows, one every 30 s and now and then two in
  // one second, with the cron job's tables made after the last row.
  void make_old_pi() {
    std::filesystem::create_directories(dir / "home/pi/emon/software/server");
    const std::int64_t now = std::time(nullptr);
    const std::int64_t first_day = now / 86400 * 86400 - 2 * 86400;
    std::string sql = R"sql(
CREATE TABLE meter (id INTEGER PRIMARY KEY, created NUMERIC NOT NULL, description TEXT NOT NULL,
                    location TEXT NOT NULL, ipu INTEGER DEFAULT 0);
CREATE TABLE measurement (id INTEGER PRIMARY KEY, epoch NUMERIC NOT NULL, m_id INTEGER NOT NULL);
INSERT INTO meter (id, created, description, location) VALUES (1, datetime('now'), 'Elektra',
                                                               'meterkast');
BEGIN;
)sql";
    for (std::int64_t t = first_day; t < now; t += 30) {
      const int rows = (t / 30) % 50 == 0 ? 2 : 1;
      for (int i = 0; i < rows; ++i) {
        sql += "INSERT INTO measurement (epoch, m_id) VALUES (" + std::to_string(t) + ", 1);";
      }
      if (t >= first_day + 86400 && t < first_day + 2 * 86400) {
        yesterdays_rows += rows;
      }
    }
    sql += "COMMIT;";
    for (const int seconds : {60, 3600, 86400}) {
      const std::string name = "emon_1_" + std::to_string(seconds);
      sql += "CREATE TABLE " + name +
             " (id INTEGER PRIMARY KEY, epoch INTEGER NOT NULL, ticks INTEGER NOT NULL, m_id "
             "INTEGER NOT NULL); INSERT INTO " +
             name +
             " (epoch, ticks, m_id) SELECT epoch, count(epoch), 1 FROM measurement WHERE m_id = "
             "1 GROUP BY (epoch / " +
             std::to_string(seconds) + ");";
    }
    write_database(dir / "home/pi/emon/emon.db", sql);
    std::ofstream(dir / "home/pi/emon/software/server/config.json")
        << R"({"secretkey":"s3cret","username":"pi","password":"raspberry","webPort":12345,)"
        << R"("database":"/home/pi/emon/emon.db"})";
  }

  // What the package's install did: pulsemon init into /etc and /var/lib.
  void install_package() {
    std::filesystem::create_directories(dir / "etc/pulsemon");
    std::filesystem::create_directories(dir / "bin");
    std::filesystem::create_symlink(pulsemon_binary(), dir / "bin/pulsemon");
    const Completed init = testing::run(
        pulsemon_binary(), {"init", "--dir", (dir / "var/lib/pulsemon").string(), "--config",
                            config().string(), "--listen", "0.0.0.0:8080"});
    ASSERT_EQ(init.exit_code, 0) << init.err;
  }

  // The page's command with this test's folders, without sudo, and the
  // old service's port on loopback.
  std::string as_run_here(std::string command) const {
    replace_all(command, "sudo -u pulsemon ", "");
    replace_all(command, "install -o pulsemon ", "install ");
    replace_all(command, "sudo ", "");
    for (const char *path : {"/home/pi/emon", "/var/lib/pulsemon", "/etc/pulsemon"}) {
      replace_all(command, path, (dir / std::string(path).substr(1)).string());
    }
    replace_all(command, "0.0.0.0:12345", "127.0.0.1:" + std::to_string(old_port));
    return "PATH='" + (dir / "bin").string() + "':\"$PATH\"; " + command;
  }

  // The Pimatic plugin and the Domoticz bridge, as they call the old
  // service; yesterday's energy is the old rows' count (1 Wh per pulse).
  void old_clients_work(const std::string &password) const {
    const nlohmann::json credentials{{"username", "pi"}, {"password", password}};
    const std::map<std::string, std::string> json{{"Content-Type", "application/json"}};
    const std::string pimatic =
        token_from(testing::http_request(old_port, "POST", "/api/login", credentials.dump(), json));
    const testing::HttpResult ipu =
        testing::http_request(old_port, "GET", "/api/ipu", {}, {{"X-Access-Token", pimatic}});
    ASSERT_EQ(ipu.status, 200U) << ipu.body;
    EXPECT_EQ(nlohmann::json::parse(ipu.body)[0]["description"], "Elektra");

    const std::string domoticz = token_from(
        testing::http_request(old_port, "POST", "/apiv2/login", credentials.dump(), json));
    EXPECT_EQ(
        testing::http_request(old_port, "GET", "/apiv2/ipu", {}, {{"X-Access-Token", domoticz}})
            .status,
        200U);
    const testing::HttpResult energy =
        testing::http_request(old_port, "PUT", "/apiv2/e-energy", R"({"mid":1,"nrDaysBack":1})",
                              {{"X-Access-Token", domoticz}, {"Content-Type", "application/json"}});
    ASSERT_EQ(energy.status, 200U) << energy.body;
    double watt_hours = 0;
    const auto answer = nlohmann::json::parse(energy.body);
    for (const auto &value : answer["values"]) {
      watt_hours += value["energy"].get<double>();
    }
    EXPECT_EQ(watt_hours, static_cast<double>(yesterdays_rows)) << energy.body;
  }

  int login_status(const std::string &path, const std::string &password) const {
    return static_cast<int>(
        testing::http_request(old_port, "POST", path,
                              nlohmann::json{{"username", "pi"}, {"password", password}}.dump(),
                              {{"Content-Type", "application/json"}})
            .status);
  }
};

TEST_F(MovingWalkthrough, ThePagesCommandsMoveAnOldPiOverAndTheOldClientsKeepWorking) {
  make_old_pi();
  install_package();
  std::optional<testing::RunningDaemon> service = testing::start_daemon(config());
  const std::string new_password = "a new one for pi, 2026";
  std::vector<std::string> ran;
  std::string import_report;
  for (const std::string &command : walkthrough_commands()) {
    if (command.find("# on the old Pi") != std::string::npos) {
      continue;
    }
    ran.push_back(command);
    if (command == "sudo systemctl stop pulsemon") {
      service.reset();
      continue;
    }
    if (command == "sudo systemctl start pulsemon") {
      service = testing::start_daemon(config(), old_port);
      old_clients_work("raspberry");
      continue;
    }
    const bool passwd = command.find(" user passwd ") != std::string::npos;
    const Completed done =
        testing::run("/bin/sh", {"-c", as_run_here(command)}, passwd ? new_password + "\n" : "");
    ASSERT_EQ(done.exit_code, 0) << command << "\n" << done.out << done.err;
    if (command.find(" import emon-db ") != std::string::npos) {
      import_report = done.out;
    }
  }
  ASSERT_GE(ran.size(), 7U) << "the page's commands were not found";
  EXPECT_NE(import_report.find("users: 'pi'"), std::string::npos) << import_report;
  for (const char *table : {"emon_1_60", "emon_1_3600", "emon_1_86400"}) {
    EXPECT_NE(import_report.find(std::string(table) + " (meter 1, counts per"), std::string::npos)
        << import_report;
  }
  EXPECT_EQ(import_report.find("disagree"), std::string::npos) << import_report;
  std::ifstream written(config());
  std::stringstream text;
  text << written.rdbuf();
  EXPECT_NE(text.str().find("listen = \"127.0.0.1:" + std::to_string(old_port) + "\""),
            std::string::npos)
      << "the page's sed set the port";
  EXPECT_FALSE(std::filesystem::exists(dir / "var/lib/pulsemon/config.json"))
      << "the plain-text password is not left behind";

  ASSERT_TRUE(service.has_value()) << "the page starts pulsemon again";
  EXPECT_EQ(login_status("/api/login", "raspberry"), 401) << "the old password ends";
  EXPECT_EQ(login_status("/apiv2/login", "raspberry"), 401);
  old_clients_work(new_password);
}

} // namespace
} // namespace pulsemon
