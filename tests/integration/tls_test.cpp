// HTTPS: a real `pulsemon serve` with a certificate made by openssl for
// this test, checked by a client that trusts only that certificate.
#include "support/daemon.h"
#include "support/http_client.h"
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace pulsemon {
namespace {

using testing::Completed;

class Tls : public ::testing::Test {
protected:
  testing::TempDir dir;
  std::string password;
  std::filesystem::path config;

  void SetUp() override {
    password = testing::init_data_folder(dir / "data", false);
    config = dir / "data/pulsemon.toml";
    // A throw-away self-signed certificate for localhost, valid for a day.
    const Completed made = testing::run(
        "/usr/bin/openssl",
        {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", (dir / "data/key.pem").string(), "-out", (dir / "data/cert.pem").string(),
         "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  std::filesystem::path certificate() const { return dir / "data/cert.pem"; }

  void enable_tls(const std::string &keys) const {
    testing::edit_file(config, "request_timeout_s = 30", "request_timeout_s = 30\n" + keys);
  }
};

TEST_F(Tls, TheApiAnswersOverHttpsAndNotOverPlainHttp) {
  enable_tls("tls_cert_file = \"cert.pem\"\ntls_key_file = \"key.pem\"");
  const testing::RunningDaemon daemon = testing::start_daemon(config);

  const auto health = testing::https_request(daemon.port, certificate(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200U);
  const auto login =
      testing::https_request(daemon.port, certificate(), "POST", "/api/login",
                             R"({"username":"admin","password":")" + password + R"("})",
                             {{"Content-Type", "application/json"}});
  ASSERT_EQ(login.status, 200U) << login.body;
  const std::string token = nlohmann::json::parse(login.body)["token"];
  const auto meters = testing::https_request(daemon.port, certificate(), "GET", "/api/meters", {},
                                             {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(meters.status, 200U);

  // The live stream is handed over with its TLS session intact.
  const std::string live = testing::https_read_until(
      daemon.port, certificate(),
      "GET /api/live HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token + "\r\n\r\n",
      ": connected");
  EXPECT_NE(live.find("text/event-stream"), std::string::npos) << live;

  // Plain HTTP on the HTTPS port gets no HTTP answer, and the server goes on.
  EXPECT_ANY_THROW((void)testing::http_request(daemon.port, "GET", "/healthz"));
  EXPECT_EQ(testing::https_request(daemon.port, certificate(), "GET", "/healthz").status, 200U);
}

TEST_F(Tls, HalfATlsSettingOrAnUnreadableKeyIsAConfigurationError) {
  enable_tls("tls_cert_file = \"cert.pem\"");
  Completed done = testing::run(testing::pulsemon_binary(),
                                {"-c", config.string(), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("http.tls_key_file"), std::string::npos) << done.err;

  testing::edit_file(config, "tls_cert_file = \"cert.pem\"",
                     "tls_cert_file = \"cert.pem\"\ntls_key_file = \"missing.pem\"");
  done = testing::run(testing::pulsemon_binary(),
                      {"-c", config.string(), "serve", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("'http.tls_key_file': cannot load"), std::string::npos) << done.err;
}

} // namespace
} // namespace pulsemon
