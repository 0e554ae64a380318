#include "support/mosquitto.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <stdexcept>

namespace pulsemon::testing {

std::filesystem::path localhost_certificate(const std::filesystem::path &dir,
                                            const std::string &name) {
  const Completed made =
      run("/usr/bin/openssl",
          {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
           "-keyout", (dir / (name + ".key")).string(), "-out", (dir / (name + ".pem")).string(),
           "-days", "1", "-subj", "/CN=localhost", "-addext",
           "subjectAltName=DNS:localhost,IP:127.0.0.1"});
  if (made.exit_code != 0) {
    throw std::runtime_error("openssl could not make a certificate: " + made.err);
  }
  return dir / (name + ".pem");
}

std::string tls_listener(const std::filesystem::path &certificate) {
  using std::filesystem::perms;
  const std::filesystem::path key = std::filesystem::path(certificate).replace_extension(".key");
  std::filesystem::permissions(certificate.parent_path(),
                               perms::owner_all | perms::group_exec | perms::others_exec);
  std::filesystem::permissions(key, perms::owner_read | perms::group_read | perms::others_read);
  return "allow_anonymous true\ncertfile " + certificate.string() + "\nkeyfile " + key.string() +
         "\n";
}

unsigned short free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

Broker::Broker(const std::filesystem::path &dir, const std::string &access)
    : config_(dir / "mosquitto.conf"), port_(free_loopback_port()) {
  std::ofstream(config_) << "listener " << port_ << " 127.0.0.1\n"
                         << access << "persistence false\n"
                         << "log_dest stderr\n";
  start();
}

void Broker::start() {
  process_ = std::make_unique<Background>("/usr/sbin/mosquitto",
                                          std::vector<std::string>{"-c", config_.string()});
  if (!process_->wait_for_line("running", std::chrono::seconds{10})) {
    throw std::runtime_error("mosquitto did not start: " + process_->output());
  }
}

void Broker::stop() {
  process_->signal(SIGTERM);
  (void)process_->wait(std::chrono::seconds{10});
}

} // namespace pulsemon::testing
