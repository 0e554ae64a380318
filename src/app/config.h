#pragma once
// pulsemon.toml: one file, every key optional with a default. Unknown keys
// and wrong types are errors that name the key, the value and what was
// expected, so a typo never silently falls back to a default.

#include "core/result.h"
#include "core/wall_stamper.h"
#include "ingest/mqtt_settings.h"
#include "publish/mqtt_out_settings.h"
#include "sources/gpio/line_settings.h"
#include "store/durability.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pulsemon {

struct SimulatorConfig {
  std::int64_t meter = 0;
  std::string profile = "household"; // household | gas
  std::uint64_t seed = 1;
  std::optional<double>
      constant_rate; // `watts` (kW internally) or `flow` m³/h: a steady load instead
  bool bounce = false;
  bool glitches = false;
};

struct Config {
  std::filesystem::path file; // where it was read from ("" for defaults)

  // [store]
  std::filesystem::path database = "pulsemon.db"; // relative paths are from the config's folder
  Durability durability = Durability::full;
  std::chrono::milliseconds commit_interval{1000};

  // [time]
  std::string zone = "UTC";
  int billing_day = 1;
  // Hold GPIO pulses until the kernel reports the clock synchronised?
  ClockSyncPolicy wait_for_clock_sync = ClockSyncPolicy::automatic;
  std::chrono::seconds clock_sync_timeout{300}; // the longest wait under `auto`

  // [log]
  std::string log_level = "info";
  std::chrono::seconds status_interval{60};

  // [http]
  std::string listen_host = "127.0.0.1";
  unsigned short listen_port = 8080;
  std::size_t body_limit_bytes = std::size_t{1024} * 1024;
  std::chrono::seconds request_timeout{30};
  // Live streams (GET /api/live) open at once, in all and per user.
  std::size_t max_live_streams = 256;
  std::size_t max_live_streams_per_user = 16;
  // Origins whose browser pages may call the v1 API; none by default.
  std::vector<std::string> cors_origins;
  // HTTPS when both are set (relative paths are relative to the config file).
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;

  // [auth]
  std::filesystem::path secret_file = "jwt.secret";
  std::chrono::seconds token_lifetime{24 * 3600};

  // [[simulator]]
  std::vector<SimulatorConfig> simulators;

  // [[gpio]]: a meter's pulse line on a GPIO chip
  std::vector<gpio::LineSettings> gpio_lines;

  // [mqtt] (off unless mqtt.broker is set) and [[mqtt_power]] topics
  std::optional<MqttSettings> mqtt;

  // [mqtt_out] (off unless mqtt_out.broker is set): states and Home
  // Assistant discovery published to a broker
  std::optional<publish::MqttOutSettings> mqtt_out;

  // [metrics]: a file holding the bearer token that opens GET /metrics
  // (and nothing else) for Prometheus; "" for none (a login still works).
  std::filesystem::path metrics_token_file;
};

// Parses TOML text. `folder` anchors relative paths.
[[nodiscard]] Result<Config> parse_config(std::string_view text,
                                          const std::filesystem::path &folder);

// Reads and parses a file; throws Failure (invalid_argument for content,
// unavailable when the file cannot be read).
[[nodiscard]] Config load_config(const std::filesystem::path &file);

// The config file to use: -c, else $PULSEMON_CONFIG, else ./pulsemon.toml.
[[nodiscard]] std::filesystem::path config_path(const std::string &from_option);

// Splits "HOST:PORT" ("[::1]:8080" for IPv6); names `what` in its error.
[[nodiscard]] Result<std::pair<std::string, unsigned short>> parse_listen(std::string_view text,
                                                                          std::string_view what);

// The text `pulsemon init` writes: every key, with its default and a comment.
[[nodiscard]] std::string default_config_text(std::string_view zone, bool with_simulator);

} // namespace pulsemon
