#include "app/config.h"
#include "core/meter.h"
#include "core/quoted_input.h"

#include <date/tz.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <tuple>

namespace pulsemon {

namespace {

// Thrown inside the parser only; parse_config turns it into a Result.
struct ConfigError {
  std::string message;
};

std::string describe(const toml::node &node) {
  std::ostringstream text;
  if (const auto *s = node.as_string()) {
    text << '"' << s->get() << '"';
  } else if (node.is_table()) {
    text << "a table";
  } else if (node.is_array()) {
    text << "an array";
  } else {
    node.visit([&](const auto &value) { text << value; });
  }
  return text.str();
}

template <class T> T value_or_throw_config(Result<T> result) {
  if (!result.ok()) {
    throw ConfigError{result.error().message};
  }
  return std::move(result).value();
}

// Reads one table, remembers which keys were read, and refuses the rest.
class TableReader {
public:
  TableReader(const toml::table &table, std::string prefix)
      : table_(table), prefix_(std::move(prefix)) {}

  std::string string(std::string_view key, std::string fallback) {
    const toml::node *node = take(key);
    if (node == nullptr) {
      return fallback;
    }
    if (const auto *value = node->as_string()) {
      return value->get();
    }
    throw wrong_type(key, *node, "a string");
  }

  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t low,
                       std::int64_t high) {
    const toml::node *node = take(key);
    if (node == nullptr) {
      return fallback;
    }
    const auto *value = node->as_integer();
    if (value == nullptr) {
      throw wrong_type(key, *node, "a whole number");
    }
    if (value->get() < low || value->get() > high) {
      throw ConfigError{"config key '" + name(key) + "': " + std::to_string(value->get()) +
                        " is out of range; expected " + std::to_string(low) + " to " +
                        std::to_string(high)};
    }
    return value->get();
  }

  std::optional<double> number(std::string_view key, double low, double high) {
    const toml::node *node = take(key);
    if (node == nullptr) {
      return std::nullopt;
    }
    double value = 0.0;
    if (const auto *f = node->as_floating_point()) {
      value = f->get();
    } else if (const auto *i = node->as_integer()) {
      value = static_cast<double>(i->get());
    } else {
      throw wrong_type(key, *node, "a number");
    }
    if (!(value >= low && value <= high)) {
      throw ConfigError{"config key '" + name(key) + "': " + describe(*node) +
                        " is out of range; expected " + std::to_string(low) + " to " +
                        std::to_string(high)};
    }
    return value;
  }

  // A list of strings, each checked by `valid` (which says what is wrong,
  // or nothing).
  std::vector<std::string>
  strings(std::string_view key,
          const std::function<std::optional<std::string>(const std::string &)> &valid) {
    std::vector<std::string> values;
    const toml::node *node = take(key);
    if (node == nullptr) {
      return values;
    }
    const auto *array = node->as_array();
    if (array == nullptr) {
      throw wrong_type(key, *node, "a list of strings");
    }
    for (const toml::node &item : *array) {
      const auto *text = item.as_string();
      if (text == nullptr) {
        throw wrong_type(key, item, "a list of strings");
      }
      if (auto why = valid(text->get())) {
        throw ConfigError{"config key '" + name(key) + "': \"" + text->get() + "\" " + *why};
      }
      values.push_back(text->get());
    }
    return values;
  }

  bool boolean(std::string_view key, bool fallback) {
    const toml::node *node = take(key);
    if (node == nullptr) {
      return fallback;
    }
    if (const auto *value = node->as_boolean()) {
      return value->get();
    }
    throw wrong_type(key, *node, "true or false");
  }

  std::string choice(std::string_view key, std::string fallback,
                     std::initializer_list<std::string_view> allowed) {
    std::string value = string(key, fallback);
    for (std::string_view option : allowed) {
      if (option == value) {
        return value;
      }
    }
    std::string list;
    for (std::string_view option : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(option);
    }
    throw ConfigError{"config key '" + name(key) + "': \"" + value + "\" is not one of " + list};
  }

  // The same, for a key of app/config_keys.h: its default and its range.
  std::string string(const config_keys::Text &key) {
    return string(key.name, std::string(key.fallback));
  }
  std::int64_t integer(const config_keys::Integer &key) {
    return integer(key.name, key.fallback, key.low, key.high);
  }
  std::string choice(const config_keys::Choice &key) {
    std::string value = string(key.name, std::string(key.fallback));
    if (std::find(key.options.begin(), key.options.end(), value) != key.options.end()) {
      return value;
    }
    std::string list;
    for (std::string_view option : key.options) {
      list += (list.empty() ? "" : ", ") + std::string(option);
    }
    throw ConfigError{"config key '" + name(key.name) + "': \"" + value + "\" is not one of " +
                      list};
  }

  [[nodiscard]] bool given(std::string_view key) const { return table_.contains(key); }

  // Marks a key as known when it is handled elsewhere (a sub-table).
  const toml::node *take(std::string_view key) {
    known_.insert(std::string(key));
    return table_.get(key);
  }

  void refuse_unknown_keys() const {
    for (const auto &[key, node] : table_) {
      if (!known_.contains(std::string(key.str()))) {
        std::string known;
        for (const auto &k : known_) {
          known += (known.empty() ? "" : ", ") + k;
        }
        throw ConfigError{"config key '" + name(key.str()) + "' is unknown" +
                          (known.empty() ? std::string{} : " (known here: " + known + ")")};
      }
    }
  }

  [[nodiscard]] std::string name(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

private:
  ConfigError wrong_type(std::string_view key, const toml::node &node,
                         std::string_view expected) const {
    return ConfigError{"config key '" + name(key) + "': " + describe(node) + " is not " +
                       std::string(expected)};
  }

  const toml::table &table_;
  std::string prefix_;
  std::set<std::string> known_;
};

const toml::table &section(TableReader &top, std::string_view key, const toml::table &empty) {
  const toml::node *node = top.take(key);
  if (node == nullptr) {
    return empty;
  }
  if (const auto *table = node->as_table()) {
    return *table;
  }
  throw ConfigError{"config key '" + std::string(key) + "' must be a table ([" + std::string(key) +
                    "])"};
}

std::filesystem::path anchored(const std::filesystem::path &folder, const std::string &value) {
  const std::filesystem::path path(value);
  return path.is_absolute() || folder.empty() ? path : folder / path;
}

// A GPIO line is an offset (17) or a name ("GPIO17"); TOML allows either.
std::string line_of(TableReader &table) {
  const toml::node *node = table.take("line");
  if (node == nullptr) {
    throw ConfigError{"config key '" + table.name("line") +
                      "' is required: the line's name (\"GPIO17\") or offset (17)"};
  }
  if (const auto *number = node->as_integer(); number != nullptr && number->get() >= 0) {
    return std::to_string(number->get());
  }
  if (const auto *text = node->as_string(); text != nullptr && !text->get().empty()) {
    return text->get();
  }
  throw ConfigError{"config key '" + table.name("line") +
                    "' must be a line name (\"GPIO17\") or an offset (17)"};
}

void read_gpio_lines(TableReader &top, Config &config) {
  const toml::node *node = top.take("gpio");
  if (node == nullptr) {
    return;
  }
  const auto *array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    throw ConfigError{"config key 'gpio' must be written as [[gpio]] tables"};
  }
  std::size_t index = 0;
  for (const toml::node &item : *array) {
    TableReader table(*item.as_table(), "gpio[" + std::to_string(index++) + "]");
    gpio::LineSettings line;
    if (table.take("meter") == nullptr) {
      throw ConfigError{"config key '" + table.name("meter") +
                        "' is required: the id of the meter whose pulses this line carries"};
    }
    line.meter_id = table.integer("meter", 0, 1, max_meter_id);
    line.chip = table.string("chip", "gpiochip0");
    line.line = line_of(table);
    line.edge = value_or_throw_config(
        gpio::parse_edge_choice(table.choice("edge", "falling", {"falling", "rising", "both"})));
    line.bias = value_or_throw_config(gpio::parse_bias(
        table.choice("bias", "pull-up", {"pull-up", "pull-down", "disabled", "as-is"})));
    line.active_low = table.boolean("active_low", false);
    line.debounce_period_us =
        static_cast<std::uint32_t>(table.integer("debounce_period_us", 0, 0, 1'000'000));
    line.clock = value_or_throw_config(gpio::parse_event_clock(
        table.choice("clock", "monotonic", {"monotonic", "realtime", "hte"})));
    table.refuse_unknown_keys();
    config.gpio_lines.push_back(line);
  }
}

// A broker's "HOST:PORT"; the error names `key`.
std::pair<std::string, unsigned short> broker_endpoint(const std::string &text,
                                                       const std::string &key) {
  auto endpoint = parse_listen(text, "config key '" + key + "'");
  if (!endpoint.ok()) {
    throw ConfigError{endpoint.error().message};
  }
  return *endpoint;
}

void read_mqtt(TableReader &top, Config &config, const std::filesystem::path &folder) {
  const toml::table empty;
  TableReader mqtt(section(top, "mqtt", empty), "mqtt");
  const std::string broker = mqtt.string("broker", "");
  MqttSettings settings;
  settings.client_id = mqtt.string("client_id", "pulsemon");
  settings.broker.username = mqtt.string("username", "");
  settings.broker.password = mqtt.string("password", "");
  const std::string ca_file = mqtt.string("ca_file", "");
  mqtt.refuse_unknown_keys();
  if (const toml::node *node = top.take("mqtt_power")) {
    const auto *array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      throw ConfigError{"config key 'mqtt_power' must be written as [[mqtt_power]] tables"};
    }
    std::size_t index = 0;
    for (const toml::node &item : *array) {
      TableReader table(*item.as_table(), "mqtt_power[" + std::to_string(index++) + "]");
      PowerTopic topic;
      topic.topic = table.string("topic", "");
      if (topic.topic.empty()) {
        throw ConfigError{"config key '" + table.name("topic") +
                          "' is required: the topic the node publishes kW on"};
      }
      if (table.take("meter") == nullptr) {
        throw ConfigError{"config key '" + table.name("meter") + "' is required"};
      }
      topic.meter_id = table.integer("meter", 0, 1, max_meter_id);
      table.refuse_unknown_keys();
      settings.power_topics.push_back(topic);
    }
  }
  if (broker.empty()) {
    if (!settings.power_topics.empty()) {
      throw ConfigError{"config key 'mqtt.broker' is missing: [[mqtt_power]] needs a broker"};
    }
    return;
  }
  std::tie(settings.broker.host, settings.broker.port) = broker_endpoint(broker, "mqtt.broker");
  if (!ca_file.empty()) {
    settings.broker.ca_file = anchored(folder, ca_file).string();
  }
  config.mqtt = settings;
}

// A topic prefix: MQTT topic levels without wildcards or a leading or
// trailing slash, so that <prefix>/meter/<id>/total is a plain topic.
void check_topic_prefix(const std::string &prefix, const std::string &key, bool may_be_empty) {
  const bool bad = prefix.find_first_of("#+") != std::string::npos || prefix.starts_with('/') ||
                   prefix.ends_with('/') || prefix.find('\0') != std::string::npos ||
                   prefix.size() > 100;
  if (bad || (prefix.empty() && !may_be_empty)) {
    throw ConfigError{"config key '" + key + "': " + quoted_input(prefix) +
                      " is not a topic prefix (letters, digits, '/', '-' or '_', no '+' or '#', "
                      "no slash at either end, at most 100 bytes)"};
  }
}

// A site's prefix: a topic prefix with "{site}" for the site's id, so
// that each household's topics differ.
void check_site_prefix(const std::string &prefix, const std::string &key) {
  check_topic_prefix(prefix, key, false);
  if (prefix.find("{site}") == std::string::npos) {
    throw ConfigError{
        "config key '" + key + "': " + quoted_input(prefix) +
        " needs {site}, which becomes each site's id (e.g. \"pulsemon-sites/{site}\")"};
  }
}

void check_currency(const std::string &code, const std::string &key) {
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    throw ConfigError{"config key '" + key + "': " + quoted_input(code) +
                      " is not an ISO 4217 code such as EUR, GBP or USD"};
  }
}

void read_mqtt_out(TableReader &top, Config &config, const std::filesystem::path &folder) {
  const toml::table empty;
  TableReader out(section(top, "mqtt_out", empty), "mqtt_out");
  const std::string broker = out.string("broker", "");
  publish::MqttOutSettings settings;
  settings.client_id = out.string("client_id", "pulsemon-out");
  settings.broker.username = out.string("username", "");
  settings.broker.password = out.string("password", "");
  const std::string ca_file = out.string("ca_file", "");
  settings.topic_prefix = out.string("topic_prefix", "pulsemon");
  check_topic_prefix(settings.topic_prefix, "mqtt_out.topic_prefix", false);
  settings.discovery_prefix = out.string("discovery_prefix", "homeassistant");
  check_topic_prefix(settings.discovery_prefix, "mqtt_out.discovery_prefix", true);
  settings.site_topic_prefix = out.string("site_topic_prefix", "pulsemon-sites/{site}");
  check_site_prefix(settings.site_topic_prefix, "mqtt_out.site_topic_prefix");
  settings.site_discovery_prefix =
      out.string("site_discovery_prefix", "homeassistant-sites/{site}");
  check_site_prefix(settings.site_discovery_prefix, "mqtt_out.site_discovery_prefix");
  settings.qos = static_cast<int>(out.integer("qos", 1, 0, 2));
  settings.min_interval =
      std::chrono::milliseconds{out.integer("min_interval_ms", 1000, 100, 3'600'000)};
  settings.max_interval =
      std::chrono::milliseconds{out.integer("max_interval_ms", 60'000, 1000, 3'600'000)};
  if (settings.max_interval < settings.min_interval) {
    throw ConfigError{"config key 'mqtt_out.max_interval_ms' must be at least "
                      "mqtt_out.min_interval_ms"};
  }
  // Older configs set the currency here; [money] currency now sets it for
  // the whole instance, and the two may not disagree.
  settings.alerts = config.alerts;
  settings.currency = out.string("currency", config.currency);
  check_currency(settings.currency, "mqtt_out.currency");
  if (settings.currency != config.currency) {
    if (config.currency_set) {
      throw ConfigError{"config key 'mqtt_out.currency': " + quoted_input(settings.currency) +
                        " is not money.currency (" + config.currency +
                        "); set the currency once, under [money]"};
    }
    config.currency = settings.currency;
  }
  out.refuse_unknown_keys();
  if (broker.empty()) {
    return;
  }
  std::tie(settings.broker.host, settings.broker.port) = broker_endpoint(broker, "mqtt_out.broker");
  if (!ca_file.empty()) {
    settings.broker.ca_file = anchored(folder, ca_file).string();
  }
  config.mqtt_out = settings;
}

Config read_config(const toml::table &root, const std::filesystem::path &folder) {
  Config config;
  const toml::table empty;
  TableReader top(root, "");

  TableReader store(section(top, "store", empty), "store");
  const std::string path = store.string(config_keys::database);
  if (const std::string url = store.string(config_keys::store_url); !url.empty()) {
    if (store.given(config_keys::database.name)) {
      throw ConfigError{"config keys 'store.url' and 'store.path' both name the store; keep "
                        "one (store.url = \"sqlite:///…/pulsemon.db\" says what path says)"};
    }
    config.store = value_or_throw_config(parse_store_url(url, "store.url"));
  } else {
    config.store = StoreUrl{StoreKind::sqlite, path};
  }
  if (config.store.kind == StoreKind::sqlite) {
    config.store.target = anchored(folder, config.store.target).string();
    config.database = config.store.target;
  } else {
    config.database.clear();
  }
  config.state_folder =
      config.store.kind == StoreKind::sqlite ? config.database.parent_path() : folder;
  config.durability =
      store.choice(config_keys::durability) == "full" ? Durability::full : Durability::normal;
  config.commit_interval =
      std::chrono::milliseconds{store.integer(config_keys::commit_interval_ms)};
  store.refuse_unknown_keys();

  TableReader time(section(top, "time", empty), "time");
  config.zone = time.string(config_keys::zone);
  try {
    (void)date::locate_zone(config.zone);
  } catch (const std::exception &) {
    throw ConfigError{"config key 'time.zone': \"" + config.zone +
                      "\" is not an IANA time zone (e.g. Europe/Amsterdam, UTC)"};
  }
  config.billing_day = static_cast<int>(time.integer(config_keys::billing_day));
  config.wait_for_clock_sync =
      value_or_throw_config(parse_clock_sync_policy(time.choice(config_keys::wait_for_clock_sync)));
  config.clock_sync_timeout = std::chrono::seconds{time.integer(config_keys::clock_sync_timeout_s)};
  time.refuse_unknown_keys();

  const toml::table &money_table = section(top, "money", empty);
  TableReader money(money_table, "money");
  config.currency_set = money_table.contains(config_keys::currency.name);
  config.currency = money.string(config_keys::currency);
  check_currency(config.currency, "money.currency");
  money.refuse_unknown_keys();

  TableReader alerts(section(top, "alerts", empty), "alerts");
  config.alerts.leak_nights = static_cast<int>(alerts.integer(config_keys::leak_nights));
  config.alerts.silent_hours = static_cast<int>(alerts.integer(config_keys::silent_hours));
  config.alerts.base_load_rise =
      static_cast<double>(alerts.integer(config_keys::base_load_rise_percent)) / 100.0;
  config.alerts.base_load_min_rise_w =
      static_cast<double>(alerts.integer(config_keys::base_load_min_rise_w));
  config.alerts.unusual_day_factor =
      static_cast<double>(alerts.integer(config_keys::unusual_day_factor));
  alerts.refuse_unknown_keys();

  TableReader log(section(top, "log", empty), "log");
  config.log_level = log.choice(config_keys::log_level);
  config.status_interval = std::chrono::seconds{log.integer(config_keys::status_interval_s)};
  log.refuse_unknown_keys();

  TableReader http(section(top, "http", empty), "http");
  const std::string listen = http.string(config_keys::listen);
  auto endpoint = parse_listen(listen, "config key 'http.listen'");
  if (!endpoint.ok()) {
    throw ConfigError{endpoint.error().message};
  }
  config.listen_host = endpoint->first;
  config.listen_port = endpoint->second;
  config.body_limit_bytes = static_cast<std::size_t>(http.integer(config_keys::body_limit_bytes));
  config.request_timeout = std::chrono::seconds{http.integer(config_keys::request_timeout_s)};
  config.max_live_streams = static_cast<std::size_t>(http.integer(config_keys::max_live_streams));
  config.max_live_streams_per_user =
      static_cast<std::size_t>(http.integer(config_keys::max_live_streams_per_user));
  const std::string certificate = http.string("tls_cert_file", "");
  const std::string key = http.string("tls_key_file", "");
  if (certificate.empty() != key.empty()) {
    throw ConfigError{std::string("config key 'http.") +
                      (certificate.empty() ? "tls_cert_file" : "tls_key_file") +
                      "' is missing: HTTPS needs both http.tls_cert_file and http.tls_key_file "
                      "(or neither, for plain HTTP)"};
  }
  if (!certificate.empty()) {
    config.tls_cert_file = anchored(folder, certificate);
    config.tls_key_file = anchored(folder, key);
  }
  config.cors_origins =
      http.strings("cors_origins", [](const std::string &origin) -> std::optional<std::string> {
        const bool web = origin.rfind("http://", 0) == 0 || origin.rfind("https://", 0) == 0;
        if (origin == "*" || (web && origin.size() < 256 && origin.back() != '/')) {
          return std::nullopt;
        }
        return "is not an origin such as \"https://dashboard.example\" (scheme://host[:port], "
               "no path) or \"*\"";
      });
  http.refuse_unknown_keys();

  TableReader auth(section(top, "auth", empty), "auth");
  config.secret_file = anchored(folder, auth.string(config_keys::secret_file));
  config.token_lifetime = std::chrono::seconds{auth.integer(config_keys::token_lifetime_s)};
  auth.refuse_unknown_keys();

  TableReader sharing(section(top, "sharing", empty), "sharing");
  config.share_requests_per_minute =
      static_cast<std::size_t>(sharing.integer(config_keys::share_requests_per_minute));
  config.friend_refresh =
      std::chrono::minutes{sharing.integer(config_keys::friend_refresh_minutes)};
  config.friend_timeout = std::chrono::seconds{sharing.integer(config_keys::friend_timeout_s)};
  config.friend_max_bytes =
      static_cast<std::size_t>(sharing.integer(config_keys::friend_max_bytes));
  if (const std::string ca = sharing.string(config_keys::friend_ca_file); !ca.empty()) {
    config.friend_ca_file = anchored(folder, ca);
  }
  config.friend_allow_http = sharing.boolean("friend_allow_http", false);
  config.friend_allow_private_addresses = sharing.boolean("friend_allow_private_addresses", false);
  sharing.refuse_unknown_keys();

  TableReader backup(section(top, "backup", empty), "backup");
  if (const std::string dir = backup.string(config_keys::backup_dir); !dir.empty()) {
    if (config.store.kind != StoreKind::sqlite) {
      throw ConfigError{"config key 'backup.dir': pulsemon's backups copy a SQLite store; "
                        "back PostgreSQL up with its own tools (pg_basebackup, a streaming "
                        "standby; docs/scaling.md) and leave backup.dir unset"};
    }
    config.backup_dir = anchored(folder, dir);
  }
  config.backup_schedule.every =
      value_or_throw_config(parse_backup_every(backup.choice(config_keys::backup_every)));
  const std::string at = backup.string(config_keys::backup_at);
  const auto time_of_day = parse_time_of_day(at);
  if (!time_of_day.ok()) {
    throw ConfigError{"config key 'backup.at': " + time_of_day.error().message};
  }
  config.backup_schedule.at = time_of_day.value();
  config.backup_schedule.keep = static_cast<int>(backup.integer(config_keys::backup_keep));
  backup.refuse_unknown_keys();

  if (const toml::node *node = top.take("simulator")) {
    const auto *array = node->as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      throw ConfigError{"config key 'simulator' must be written as [[simulator]] tables"};
    }
    std::size_t index = 0;
    for (const toml::node &item : *array) {
      TableReader sim(*item.as_table(), "simulator[" + std::to_string(index++) + "]");
      SimulatorConfig simulator;
      const toml::node *meter = sim.take("meter");
      if (meter == nullptr) {
        throw ConfigError{"config key '" + sim.name("meter") +
                          "' is required: the id of the meter it feeds"};
      }
      simulator.meter = sim.integer("meter", 0, 1, max_meter_id);
      simulator.profile = sim.choice("profile", "household", {"household", "gas", "water"});
      simulator.seed = static_cast<std::uint64_t>(sim.integer("seed", 1, 0, INT64_MAX));
      if (auto watts = sim.number("watts", 0.001, 1e6)) {
        simulator.constant_rate = *watts / 1000.0;
      }
      if (auto flow = sim.number("flow", 0.000001, 1e4)) {
        simulator.constant_rate = *flow;
      }
      simulator.bounce = sim.boolean("bounce", false);
      simulator.glitches = sim.boolean("glitches", false);
      sim.refuse_unknown_keys();
      config.simulators.push_back(simulator);
    }
  }
  read_gpio_lines(top, config);
  read_mqtt(top, config, folder);
  read_mqtt_out(top, config, folder);
  TableReader metrics(section(top, "metrics", empty), "metrics");
  if (const std::string token_file = metrics.string("token_file", ""); !token_file.empty()) {
    config.metrics_token_file = anchored(folder, token_file);
  }
  metrics.refuse_unknown_keys();
  top.refuse_unknown_keys();
  return config;
}

} // namespace

Result<Config> parse_config(std::string_view text, const std::filesystem::path &folder) {
  try {
    const toml::table root = toml::parse(text);
    return read_config(root, folder);
  } catch (const toml::parse_error &error) {
    return invalid_argument("config line " + std::to_string(error.source().begin.line) + ": " +
                            std::string(error.description()));
  } catch (const ConfigError &error) {
    return invalid_argument(error.message);
  }
}

Config load_config(const std::filesystem::path &file) {
  std::ifstream in(file);
  if (!in) {
    throw Failure(ErrorCode::invalid_argument,
                  "config file " + file.string() +
                      " cannot be read; create one with 'pulsemon init' or name one with -c FILE");
  }
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = parse_config(text.str(), file.parent_path());
  if (!parsed.ok()) {
    throw Failure(ErrorCode::invalid_argument, file.string() + ": " + parsed.error().message);
  }
  Config config = std::move(parsed).value();
  config.file = file;
  return config;
}

std::filesystem::path config_path(const std::string &from_option) {
  if (!from_option.empty()) {
    return from_option;
  }
  // Read in main's thread before any other thread starts.
  // NOLINTNEXTLINE(concurrency-mt-unsafe)
  if (const char *from_environment = std::getenv("PULSEMON_CONFIG");
      from_environment != nullptr && *from_environment != '\0') {
    return from_environment;
  }
  return "pulsemon.toml";
}

Result<std::pair<std::string, unsigned short>> parse_listen(std::string_view text,
                                                            std::string_view what) {
  const auto colon = text.rfind(':');
  const auto error = [&] {
    return invalid_argument(
        std::string(what) + ": \"" + std::string(text) +
        "\" is not HOST:PORT (e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080)");
  };
  if (colon == std::string_view::npos || colon == 0) {
    return error();
  }
  std::string host(text.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const std::string_view digits = text.substr(colon + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc{} || end != digits.data() + digits.size() || port > 65535) {
    return error();
  }
  return std::pair{host, static_cast<unsigned short>(port)};
}

namespace {

// One key's lines of init's text: `name = default`, its note from the
// comment column on (a note of several lines continues below it).
constexpr std::size_t note_column = 28;

void add_line(std::string &text, std::string_view name, const std::string &value,
              std::string_view note) {
  std::string line = std::string(name) + " = " + value;
  line.resize(std::max(line.size() + 1, note_column), ' ');
  std::size_t start = 0;
  while (true) {
    const std::size_t end = note.find('\n', start);
    line += "# ";
    line += note.substr(start, end == std::string_view::npos ? note.npos : end - start);
    text += line;
    text += '\n';
    if (end == std::string_view::npos) {
      return;
    }
    start = end + 1;
    line.assign(note_column, ' ');
  }
}

std::string quoted(std::string_view value) {
  return '"' + std::string(value) + '"';
}

void add(std::string &text, const config_keys::Text &key) {
  add_line(text, key.name, quoted(key.fallback), key.note);
}
void add(std::string &text, const config_keys::Choice &key) {
  add_line(text, key.name, quoted(key.fallback), key.note);
}
void add(std::string &text, const config_keys::Integer &key) {
  add_line(text, key.name, std::to_string(key.fallback), key.note);
}

} // namespace

std::string default_config_text(std::string_view zone, bool with_simulator) {
  namespace keys = config_keys;
  std::string text = "# pulsemon configuration. Every key is optional; the values below are the\n"
                     "# defaults. Relative paths are taken from this file's folder.\n"
                     "\n[store]\n";
  add(text, keys::database);
  add(text, keys::store_url);
  add(text, keys::durability);
  add(text, keys::commit_interval_ms);
  text += "\n[time]\n";
  // The zone init found for this machine, not the default.
  add_line(text, keys::zone.name, quoted(zone), keys::zone.note);
  add(text, keys::billing_day);
  add(text, keys::wait_for_clock_sync);
  add(text, keys::clock_sync_timeout_s);
  text += "\n[money]\n";
  add(text, keys::currency);
  text += "\n[alerts]\n";
  add(text, keys::leak_nights);
  add(text, keys::silent_hours);
  add(text, keys::base_load_rise_percent);
  add(text, keys::base_load_min_rise_w);
  add(text, keys::unusual_day_factor);
  text += "\n[log]\n";
  add(text, keys::log_level);
  add(text, keys::status_interval_s);
  text += "\n[http]\n";
  add(text, keys::listen);
  add(text, keys::body_limit_bytes);
  add(text, keys::request_timeout_s);
  add(text, keys::max_live_streams);
  add(text, keys::max_live_streams_per_user);
  text += R"(# HTTPS: a PEM certificate (chain) and its key; both, or neither for plain HTTP.
# tls_cert_file = "/etc/letsencrypt/live/example.org/fullchain.pem"
# tls_key_file = "/etc/letsencrypt/live/example.org/privkey.pem"
# Web pages from these origins may call the API from a browser (CORS); none by default.
# cors_origins = ["https://dashboard.example.org"]
)";
  text += "\n[auth]\n";
  add(text, keys::secret_file);
  add(text, keys::token_lifetime_s);
  text += "\n[sharing]\n";
  add(text, keys::share_requests_per_minute);
  add(text, keys::friend_refresh_minutes);
  add(text, keys::friend_timeout_s);
  add(text, keys::friend_max_bytes);
  add(text, keys::friend_ca_file);
  text += R"(# Friends' pulsemons on plain HTTP, or at private or loopback addresses
# (a friend on the same LAN, a test): refused unless allowed here.
# friend_allow_http = false
# friend_allow_private_addresses = false
)";
  text += "\n[backup]\n";
  add(text, keys::backup_dir);
  add(text, keys::backup_every);
  add(text, keys::backup_at);
  add(text, keys::backup_keep);
  text += R"(
# A meter's pulse line on a GPIO pin (docs/hardware.md, docs/configuration.md):
# [[gpio]]
# meter = 1
# line = "GPIO17"           # or an offset: 17
# edge = "falling"          # falling | rising | both
# bias = "pull-up"          # pull-up | pull-down | disabled | as-is

# Publish each meter's power, total, today's energy and cost to an MQTT
# broker, with Home Assistant discovery (docs/integrations.md):
# [mqtt_out]
# broker = "127.0.0.1:1883"
# topic_prefix = "pulsemon"           # states under pulsemon/meter/<id>/…
# discovery_prefix = "homeassistant"  # "" for no Home Assistant discovery
# site_topic_prefix = "pulsemon-sites/{site}"          # another site's states ({site}: its id)
# site_discovery_prefix = "homeassistant-sites/{site}" # and its Home Assistant's discovery

# GET /metrics for Prometheus takes a login, or the token in this file
# (make one: openssl rand -hex 32 > metrics.token; docs/integrations.md):
# [metrics]
# token_file = "metrics.token"
)";
  if (with_simulator) {
    text += R"(
# A simulated household feeding meter 1, for trying pulsemon without hardware.
# profile = "household", "gas" or "water"; watts = 500 gives a steady load instead;
# bounce and glitches add contact bounce and noise spikes for the filter.
[[simulator]]
meter = 1
profile = "household"
seed = 1
bounce = false
glitches = false
)";
  }
  return text;
}

} // namespace pulsemon
