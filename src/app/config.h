#pragma once
// pulsemon.toml: one file, every key optional with a default. Unknown keys
// and wrong types are errors that name the key, the value and what was
// expected, so a typo never silently falls back to a default.

#include "app/config_keys.h"
#include "core/alerts.h"
#include "core/backup_schedule.h"
#include "core/result.h"
#include "core/store_url.h"
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

  // Each default comes from app/config_keys.h, where the parser and init's
  // text take theirs.

  // [store]
  StoreUrl store{StoreKind::sqlite, std::string(config_keys::database.fallback)};
  // The SQLite file (absolute once read), "" for another backend.
  std::filesystem::path database{config_keys::database.fallback};
  // Where the daemon keeps its own small files (published-totals): beside
  // a SQLite file, else beside the config.
  std::filesystem::path state_folder;
  // Points all three at one SQLite file (tests that build a Config).
  void use_sqlite_file(const std::filesystem::path &sqlite_file) {
    store = StoreUrl{StoreKind::sqlite, sqlite_file.string()};
    database = sqlite_file;
    state_folder = sqlite_file.parent_path();
  }
  Durability durability =
      config_keys::durability.fallback == "full" ? Durability::full : Durability::normal;
  std::chrono::milliseconds commit_interval{config_keys::commit_interval_ms.fallback};

  // [time]
  std::string zone{config_keys::zone.fallback};
  int billing_day = static_cast<int>(config_keys::billing_day.fallback);
  std::string currency{config_keys::currency.fallback}; // ISO 4217, the whole instance's
  bool currency_set = false; // given as money.currency (else mqtt_out.currency may set it)
  AlertSettings alerts{};    // [alerts]
  // Hold GPIO pulses until the kernel reports the clock synchronised?
  ClockSyncPolicy wait_for_clock_sync =
      parse_clock_sync_policy(config_keys::wait_for_clock_sync.fallback).value();
  std::chrono::seconds clock_sync_timeout{config_keys::clock_sync_timeout_s.fallback};

  // [log]
  std::string log_level{config_keys::log_level.fallback};
  std::chrono::seconds status_interval{config_keys::status_interval_s.fallback};

  // [http]
  std::string listen_host{config_keys::default_listen_host()};
  unsigned short listen_port = config_keys::default_listen_port();
  std::size_t body_limit_bytes = static_cast<std::size_t>(config_keys::body_limit_bytes.fallback);
  std::chrono::seconds request_timeout{config_keys::request_timeout_s.fallback};
  // Live streams (GET /api/live) open at once, in all and per user.
  std::size_t max_live_streams = static_cast<std::size_t>(config_keys::max_live_streams.fallback);
  std::size_t max_live_streams_per_user =
      static_cast<std::size_t>(config_keys::max_live_streams_per_user.fallback);
  // Origins whose browser pages may call the v1 API; none by default.
  std::vector<std::string> cors_origins;
  // HTTPS when both are set (relative paths are relative to the config file).
  std::filesystem::path tls_cert_file;
  std::filesystem::path tls_key_file;

  // [auth]
  std::filesystem::path secret_file{config_keys::secret_file.fallback};
  std::chrono::seconds token_lifetime{config_keys::token_lifetime_s.fallback};

  // [sharing] (docs/sharing.md): requests for shared pages per address and
  // minute; how friends' shares are fetched (HTTPS only unless
  // friend_allow_http, never a private or loopback address unless
  // friend_allow_private_addresses).
  std::size_t share_requests_per_minute =
      static_cast<std::size_t>(config_keys::share_requests_per_minute.fallback);
  std::chrono::minutes friend_refresh{config_keys::friend_refresh_minutes.fallback};
  std::chrono::seconds friend_timeout{config_keys::friend_timeout_s.fallback};
  std::size_t friend_max_bytes = static_cast<std::size_t>(config_keys::friend_max_bytes.fallback);
  std::filesystem::path friend_ca_file; // empty: the system's certificates
  bool friend_allow_http = false;
  bool friend_allow_private_addresses = false;

  // [backup]: scheduled backups, off while `backup_dir` is empty
  std::filesystem::path backup_dir{config_keys::backup_dir.fallback};
  BackupSchedule backup_schedule{parse_backup_every(config_keys::backup_every.fallback).value(),
                                 parse_time_of_day(config_keys::backup_at.fallback).value(),
                                 static_cast<int>(config_keys::backup_keep.fallback)};

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
