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

} // namespace pulsemon::testing
