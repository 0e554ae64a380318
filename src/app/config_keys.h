#pragma once
// The plain keys of pulsemon.toml's [store], [time], [log], [http], [auth]
// and [backup]: each with its default, its range or choices and the note
// `pulsemon init` writes beside it. This is the one place a default is
// written: Config's members start from it, the parser falls back to it
// and init's text is made from it (each had its own copy before, free to
// drift apart).

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace pulsemon::config_keys {

struct Text {
  std::string_view section;
  std::string_view name;
  std::string_view fallback;
  std::string_view note; // lines for init's text, '\n' between them
};

struct Integer {
  std::string_view section;
  std::string_view name;
  std::int64_t fallback;
  std::int64_t low;
  std::int64_t high;
  std::string_view note;
};

struct Choice {
  std::string_view section;
  std::string_view name;
  std::string_view fallback;
  std::span<const std::string_view> options;
  std::string_view note;
};

inline constexpr std::int64_t kibibyte = 1024;
inline constexpr std::int64_t day_seconds = std::int64_t{24} * 3600;

// [store]
inline constexpr Text database{"store", "path", "pulsemon.db", "the SQLite database"};
inline constexpr Text store_url{
    "store", "url", "",
    "instead of path: sqlite:///path/pulsemon.db, or postgresql://host/database\n"
    "(the password in PGPASSWORD or ~/.pgpass, never here; docs/scaling.md)"};
inline constexpr std::array<std::string_view, 2> durability_options{"full", "normal"};
inline constexpr Choice durability{
    "store", "durability", "full", durability_options,
    "\"full\": fsync every commit, a power cut loses nothing committed;\n"
    "\"normal\": kinder to SD cards, a power cut can lose the last commits"};
inline constexpr Integer commit_interval_ms{
    "store", "commit_interval_ms",
    1000,    10,
    60'000,  "pulses are committed together at most this far apart"};

// [time]
inline constexpr Text zone{"time", "zone", "UTC", "IANA time zone for days, weeks and months"};
inline constexpr Integer billing_day{
    "time", "billing_day", 1, 1, 28, "the day of the month on which a month starts (1-28)"};
inline constexpr std::array<std::string_view, 3> clock_sync_options{"auto", "always", "never"};
inline constexpr Choice wait_for_clock_sync{
    "time", "wait_for_clock_sync", "auto", clock_sync_options,
    "hold GPIO pulses until the clock is set: auto, always, never"};
inline constexpr Integer clock_sync_timeout_s{"time",      "clock_sync_timeout_s",           300, 0,
                                              day_seconds, "the longest wait under \"auto\""};

// [log]
inline constexpr std::array<std::string_view, 5> level_options{"trace", "debug", "info", "warn",
                                                               "error"};
inline constexpr Choice log_level{"log", "level", "info", level_options,
                                  "trace, debug, info, warn, error"};
inline constexpr Integer status_interval_s{
    "log", "status_interval_s", 60, 1, day_seconds, "how often serve logs each meter's power"};

// [http]
inline constexpr Text listen{"http", "listen", "127.0.0.1:8080",
                             "where the API listens; \"0.0.0.0:8080\" for the whole network"};
inline constexpr Integer body_limit_bytes{
    "http",   "body_limit_bytes",   kibibyte * 1024,
    kibibyte, 64 * kibibyte * 1024, "larger request bodies get 413"};
inline constexpr Integer request_timeout_s{
    "http", "request_timeout_s",
    30,     1,
    3600,   "a request must arrive whole within this; idle connections close after it"};
inline constexpr Integer max_live_streams{
    "http", "max_live_streams",
    256,    1,
    10'000, "live streams (dashboards) open at once; more get 429"};
inline constexpr Integer max_live_streams_per_user{"http", "max_live_streams_per_user",  16, 1,
                                                   10'000, "of them, one user's at most"};

// [auth]
inline constexpr Text secret_file{"auth", "secret_file", "jwt.secret",
                                  "the token-signing secret, created by init with mode 0600"};
inline constexpr Integer token_lifetime_s{
    "auth", "token_lifetime_s", day_seconds,
    10,     365 * day_seconds,  "how long a login token is valid"};

// [backup]
inline constexpr Text backup_dir{
    "backup", "dir", "",
    "scheduled backups go here: a USB disk or a NAS share, not the SD card\n"
    "the database is on (docs/backup.md); \"\" for none"};
inline constexpr std::array<std::string_view, 3> backup_every_options{"hourly", "daily", "weekly"};
inline constexpr Choice backup_every{"backup", "every", "daily", backup_every_options,
                                     "hourly, daily or weekly"};
inline constexpr Text backup_at{"backup", "at", "03:30",
                                "the quiet time of day (local; of an hour: its minutes)"};
inline constexpr Integer backup_keep{
    "backup", "keep", 7, 1, 1000, "good backups kept; older ones go after a new one"};

// [alerts] (core/alerts.h)
inline constexpr Integer leak_nights{
    "alerts",
    "leak_nights",
    3,
    1,
    14,
    "a water meter that flows in every hour from 01:00 to 05:00 this many\n"
    "nights in a row is a leak"};
inline constexpr Integer silent_hours{
    "alerts",
    "silent_hours",
    3,
    1,
    336, // two weeks
    "a meter silent half as long again as its longest quiet spell of four\n"
    "weeks, and at least this many hours, has lost its sensor"};
inline constexpr Integer base_load_rise_percent{
    "alerts", "base_load_rise_percent",
    50,       5,
    1000,     "the last week's base load this much above the four weeks before …"};
inline constexpr Integer base_load_min_rise_w{"alerts", "base_load_min_rise_w",         40, 1,
                                              100'000,  "… and by at least these watts"};
inline constexpr Integer unusual_day_factor{
    "alerts",
    "unusual_day_factor",
    3,
    2,
    100,
    "a day of more than this many times the most (or less than 1/this of\n"
    "the least) of the same weekday's last eight is unusual"};

inline constexpr Text currency{"money", "currency", "EUR",
                               "ISO 4217 code of the tariffs' prices (EUR, GBP, CHF, USD …):\n"
                               "the dashboard's, the CSVs' and the MQTT cost sensors' currency"};

// [sharing] (docs/sharing.md)
inline constexpr Integer share_requests_per_minute{
    "sharing",
    "requests_per_minute",
    60,
    1,
    100'000,
    "requests for shared pages (/share/…, /api/share/…) one address may\n"
    "make in a minute; more get 429"};
inline constexpr Integer friend_refresh_minutes{
    "sharing",
    "friend_refresh_minutes",
    60,
    60,
    std::int64_t{7} * 24 * 60,
    "how often a friend's share is fetched again (at most hourly)"};
inline constexpr Integer friend_timeout_s{
    "sharing", "friend_timeout_s", 10, 1, 120, "a friend's pulsemon must answer whole within this"};
inline constexpr Integer friend_max_bytes{
    "sharing", "friend_max_bytes",   kibibyte * 1024,
    kibibyte,  16 * kibibyte * 1024, "a friend's answer larger than this is refused"};
inline constexpr Text friend_ca_file{
    "sharing", "friend_ca_file", "",
    "PEM certificates that friends' HTTPS is checked against, instead of\n"
    "the system's (/etc/ssl/certs)"};

// Every key above, for what goes over them all (tests of every range).
inline constexpr std::array<const Text *, 9> all_texts{&database,  &store_url,   &zone,
                                                       &listen,    &secret_file, &backup_dir,
                                                       &backup_at, &currency,    &friend_ca_file};
inline constexpr std::array<const Integer *, 19> all_integers{&commit_interval_ms,
                                                              &billing_day,
                                                              &clock_sync_timeout_s,
                                                              &status_interval_s,
                                                              &body_limit_bytes,
                                                              &request_timeout_s,
                                                              &max_live_streams,
                                                              &max_live_streams_per_user,
                                                              &token_lifetime_s,
                                                              &backup_keep,
                                                              &leak_nights,
                                                              &silent_hours,
                                                              &base_load_rise_percent,
                                                              &base_load_min_rise_w,
                                                              &unusual_day_factor,
                                                              &share_requests_per_minute,
                                                              &friend_refresh_minutes,
                                                              &friend_timeout_s,
                                                              &friend_max_bytes};
inline constexpr std::array<const Choice *, 4> all_choices{&durability, &wait_for_clock_sync,
                                                           &log_level, &backup_every};

// "127.0.0.1" and 8080 of `listen`'s default, for Config's members.
[[nodiscard]] constexpr std::string_view default_listen_host() {
  return listen.fallback.substr(0, listen.fallback.rfind(':'));
}
[[nodiscard]] constexpr unsigned short default_listen_port() {
  unsigned port = 0;
  for (const char digit : listen.fallback.substr(listen.fallback.rfind(':') + 1)) {
    port = port * 10 + static_cast<unsigned>(digit - '0');
  }
  return static_cast<unsigned short>(port);
}

} // namespace pulsemon::config_keys
