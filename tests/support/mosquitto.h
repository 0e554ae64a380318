#pragma once
// A real Mosquitto broker for a test, on a free loopback port, that can be
// stopped and started again on the same port.

#include "support/process.h"

#include <filesystem>
#include <memory>
#include <string>

namespace pulsemon::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now.
unsigned short free_loopback_port();

class Broker {
public:
  // Writes DIR/mosquitto.conf and starts the broker; throws when it does
  // not start. `access`: the lines that say who may connect and do what.
  explicit Broker(const std::filesystem::path &dir,
                  const std::string &access = "allow_anonymous true\n");

  void stop();  // SIGTERM, and waits for the exit
  void start(); // on the same port; throws when it does not start
  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] std::string output() const { return process_ ? process_->output() : ""; }

private:
  std::filesystem::path config_;
  unsigned short port_ = 0;
  std::unique_ptr<Background> process_;
};

// A self-signed certificate for localhost and 127.0.0.1 (DIR/NAME.pem, its
// key DIR/NAME.key), made with openssl.
std::filesystem::path localhost_certificate(const std::filesystem::path &dir,
                                            const std::string &name);

// The `access` lines of a broker whose one listener speaks TLS only, with
// `certificate` and its key; makes them readable by the user mosquitto,
// which a broker started as root reads its files as.
std::string tls_listener(const std::filesystem::path &certificate);

} // namespace pulsemon::testing
