#include "app/config.h"
#include "app/config_keys.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace pulsemon {
namespace {

Result<Config> parse(const std::string &text) {
  return parse_config(text, "/srv/pulsemon");
}

void expect_error(const std::string &text, std::initializer_list<std::string> mentions) {
  const auto result = parse(text);
  ASSERT_FALSE(result.ok()) << text;
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  for (const std::string &mention : mentions) {
    EXPECT_NE(result.error().message.find(mention), std::string::npos)
        << "'" << result.error().message << "' does not mention " << mention;
  }
}

TEST(Config, AnEmptyFileGivesEveryDefault) {
  const auto config = parse("");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->database, "/srv/pulsemon/pulsemon.db");
  EXPECT_EQ(config->durability, Durability::full);
  EXPECT_EQ(config->commit_interval, std::chrono::milliseconds{1000});
  EXPECT_EQ(config->zone, "UTC");
  EXPECT_EQ(config->billing_day, 1);
  EXPECT_TRUE(config->simulators.empty());
}

// What init writes says every default, and says it as the code has it: each
// setting of the written text equals the one of an empty file (the zone
// and the simulator aside, which init chooses).
TEST(Config, TheTextInitWritesParsesToTheDefaults) {
  const auto config = parse(default_config_text("Europe/Amsterdam", true));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->zone, "Europe/Amsterdam");
  ASSERT_EQ(config->simulators.size(), 1U);
  EXPECT_EQ(config->simulators[0].meter, 1);
  EXPECT_FALSE(config->simulators[0].constant_rate.has_value());

  const auto empty = parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(config->database, empty->database);
  EXPECT_EQ(config->durability, empty->durability);
  EXPECT_EQ(config->commit_interval, empty->commit_interval);
  EXPECT_EQ(config->billing_day, empty->billing_day);
  EXPECT_EQ(config->wait_for_clock_sync, empty->wait_for_clock_sync);
  EXPECT_EQ(config->clock_sync_timeout, empty->clock_sync_timeout);
  EXPECT_EQ(config->log_level, empty->log_level);
  EXPECT_EQ(config->status_interval, empty->status_interval);
  EXPECT_EQ(config->listen_host, empty->listen_host);
  EXPECT_EQ(config->listen_port, empty->listen_port);
  EXPECT_EQ(config->body_limit_bytes, empty->body_limit_bytes);
  EXPECT_EQ(config->request_timeout, empty->request_timeout);
  EXPECT_EQ(config->max_live_streams, empty->max_live_streams);
  EXPECT_EQ(config->max_live_streams_per_user, empty->max_live_streams_per_user);
  EXPECT_EQ(config->cors_origins, empty->cors_origins);
  EXPECT_EQ(config->tls_cert_file, empty->tls_cert_file);
  EXPECT_EQ(config->tls_key_file, empty->tls_key_file);
  EXPECT_EQ(config->secret_file, empty->secret_file);
  EXPECT_EQ(config->token_lifetime, empty->token_lifetime);
  EXPECT_TRUE(config->gpio_lines.empty());
  EXPECT_EQ(config->mqtt.has_value(), empty->mqtt.has_value());
  EXPECT_EQ(config->mqtt_out.has_value(), empty->mqtt_out.has_value());
  EXPECT_EQ(config->metrics_token_file, empty->metrics_token_file);

  // And the defaults are what the docs and the struct say.
  const Config code;
  EXPECT_EQ(empty->commit_interval, code.commit_interval);
  EXPECT_EQ(empty->clock_sync_timeout, code.clock_sync_timeout);
  EXPECT_EQ(empty->status_interval, code.status_interval);
  EXPECT_EQ(empty->body_limit_bytes, code.body_limit_bytes);
  EXPECT_EQ(empty->request_timeout, code.request_timeout);
  EXPECT_EQ(empty->max_live_streams, code.max_live_streams);
  EXPECT_EQ(empty->max_live_streams_per_user, code.max_live_streams_per_user);
  EXPECT_EQ(empty->token_lifetime, code.token_lifetime);
  EXPECT_EQ(empty->listen_port, code.listen_port);
}

// Every key of the table: init writes its default under its section, the
// parser takes its bounds and refuses one past them naming the key, and a
// choice outside its options is refused naming the key.
TEST(Config, EveryKeyOfTheTableIsWrittenByInitAndRangeChecked) {
  const std::string written = default_config_text("UTC", false);
  const auto line_in_section = [&](std::string_view section, const std::string &line) {
    const std::size_t header = written.find("[" + std::string(section) + "]\n");
    const std::size_t at = written.find("\n" + line, header);
    const std::size_t next_header = written.find("\n[", header + 1);
    return header != std::string::npos && at != std::string::npos && at < next_header;
  };
  for (const config_keys::Integer *key : config_keys::all_integers) {
    const std::string name = std::string(key->section) + "." + std::string(key->name);
    SCOPED_TRACE(name);
    EXPECT_TRUE(line_in_section(key->section,
                                std::string(key->name) + " = " + std::to_string(key->fallback)))
        << written;
    const std::string head = "[" + std::string(key->section) + "]\n" + std::string(key->name);
    EXPECT_TRUE(parse(head + " = " + std::to_string(key->low) + "\n").ok());
    EXPECT_TRUE(parse(head + " = " + std::to_string(key->high) + "\n").ok());
    expect_error(head + " = " + std::to_string(key->low - 1) + "\n", {name, "out of range"});
    expect_error(head + " = " + std::to_string(key->high + 1) + "\n", {name, "out of range"});
    expect_error(head + " = \"12\"\n", {name, "whole number"});
  }
  for (const config_keys::Choice *key : config_keys::all_choices) {
    const std::string name = std::string(key->section) + "." + std::string(key->name);
    SCOPED_TRACE(name);
    EXPECT_TRUE(line_in_section(key->section,
                                std::string(key->name) + " = \"" + std::string(key->fallback)))
        << written;
    const std::string head = "[" + std::string(key->section) + "]\n" + std::string(key->name);
    for (std::string_view option : key->options) {
      EXPECT_TRUE(parse(head + " = \"" + std::string(option) + "\"\n").ok()) << option;
    }
    expect_error(head + " = \"sometimes\"\n", {name, "sometimes", "not one of"});
  }
  for (const config_keys::Text *key : config_keys::all_texts) {
    SCOPED_TRACE(key->name);
    if (key->name != "zone") { // init writes the machine's zone there
      EXPECT_TRUE(line_in_section(key->section, std::string(key->name) + " = \"" +
                                                    std::string(key->fallback) + "\""))
          << written;
    }
    expect_error("[" + std::string(key->section) + "]\n" + std::string(key->name) + " = 5\n",
                 {std::string(key->section) + "." + std::string(key->name), "not a string"});
  }
}

// docs/configuration.md's table gives each key's default as the code has it.
TEST(Config, TheDocsGiveEveryDefaultOfTheTable) {
  std::ifstream file(std::string(PULSEMON_SOURCE_DIR) + "/docs/configuration.md");
  ASSERT_TRUE(file) << "docs/configuration.md";
  std::stringstream docs;
  docs << file.rdbuf();
  const auto documented = [&](std::string_view section, std::string_view name,
                              const std::string &value) {
    const std::string row =
        "| `" + std::string(section) + "." + std::string(name) + "` | `" + value + "`";
    EXPECT_NE(docs.str().find(row), std::string::npos) << "docs/configuration.md lacks " << row;
  };
  for (const config_keys::Integer *key : config_keys::all_integers) {
    documented(key->section, key->name, std::to_string(key->fallback));
  }
  for (const config_keys::Choice *key : config_keys::all_choices) {
    documented(key->section, key->name, "\"" + std::string(key->fallback) + "\"");
  }
  for (const config_keys::Text *key : config_keys::all_texts) {
    documented(key->section, key->name, "\"" + std::string(key->fallback) + "\"");
  }
}

TEST(Config, TheStoreIsNamedByAUrlOrByAPathButNotBoth) {
  const auto by_path = parse("[store]\npath = \"data/p.db\"\n");
  ASSERT_TRUE(by_path.ok());
  EXPECT_EQ(by_path->store.kind, StoreKind::sqlite);
  EXPECT_EQ(by_path->store.target, "/srv/pulsemon/data/p.db");
  EXPECT_EQ(by_path->database, "/srv/pulsemon/data/p.db");
  EXPECT_EQ(by_path->state_folder, "/srv/pulsemon/data");

  const auto relative = parse("[store]\nurl = \"sqlite:p.db\"\n");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(relative->database, "/srv/pulsemon/p.db");

  const auto pg = parse("[store]\nurl = \"postgresql://db1,db2/pulsemon\"\n");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->store.kind, StoreKind::postgresql);
  EXPECT_TRUE(pg->database.empty());
  EXPECT_EQ(pg->state_folder, "/srv/pulsemon");

  expect_error("[store]\nurl = \"sqlite:a.db\"\npath = \"b.db\"\n", {"store.url", "store.path"});
  expect_error("[store]\nurl = \"postgresql://u:secret@db/p\"\n", {"store.url", "password"});
  expect_error("[store]\nurl = \"mysql://db\"\n", {"store.url", "not a store url"});
  expect_error("[store]\nurl = \"memory:\"\n[backup]\ndir = \"/mnt/usb\"\n",
               {"backup.dir", "SQLite"});
}

TEST(Config, ReadsEveryKey) {
  const auto config = parse(R"(
[store]
path = "/var/lib/pulsemon/db.sqlite"
durability = "normal"
commit_interval_ms = 250
[time]
zone = "Asia/Kathmandu"
billing_day = 15
[log]
level = "debug"
status_interval_s = 5
[[simulator]]
meter = 2
profile = "gas"
seed = 9
flow = 1.5
bounce = true
[[simulator]]
meter = 3
watts = 500
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->database, "/var/lib/pulsemon/db.sqlite");
  EXPECT_EQ(config->durability, Durability::normal);
  EXPECT_EQ(config->commit_interval, std::chrono::milliseconds{250});
  EXPECT_EQ(config->billing_day, 15);
  ASSERT_EQ(config->simulators.size(), 2U);
  EXPECT_EQ(config->simulators[0].profile, "gas");
  EXPECT_DOUBLE_EQ(*config->simulators[0].constant_rate, 1.5);
  EXPECT_TRUE(config->simulators[0].bounce);
  EXPECT_DOUBLE_EQ(*config->simulators[1].constant_rate, 0.5) << "500 W is 0.5 kWh per hour";
}

TEST(Config, LiveStreamCapsHaveDefaultsAndRanges) {
  const auto defaults = parse("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->max_live_streams, 256U);
  EXPECT_EQ(defaults->max_live_streams_per_user, 16U);
  const auto set = parse("[http]\nmax_live_streams = 40\nmax_live_streams_per_user = 2\n");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->max_live_streams, 40U);
  EXPECT_EQ(set->max_live_streams_per_user, 2U);
  expect_error("[http]\nmax_live_streams = 0\n", {"http.max_live_streams"});
  expect_error("[http]\nmax_live_streams_per_user = -1\n", {"http.max_live_streams_per_user"});
}

TEST(Config, ErrorsNameTheKeyTheValueAndWhatWasExpected) {
  expect_error("[store]\npth = \"x\"\n", {"store.pth", "unknown", "path"});
  expect_error("[stor]\n", {"'stor'", "unknown"});
  expect_error("[store]\ncommit_interval_ms = \"1s\"\n",
               {"store.commit_interval_ms", "\"1s\"", "whole number"});
  expect_error("[store]\ncommit_interval_ms = 0\n",
               {"store.commit_interval_ms", "out of range", "10"});
  expect_error("[store]\ndurability = \"paranoid\"\n",
               {"store.durability", "paranoid", "full, normal"});
  expect_error("[time]\nzone = \"Mars/Olympus\"\n", {"time.zone", "Mars/Olympus", "IANA"});
  expect_error("[time]\nbilling_day = 31\n", {"time.billing_day", "31", "28"});
  expect_error("[[simulator]]\nseed = 1\n", {"simulator[0].meter", "required"});
  expect_error("[[simulator]]\nmeter = 1\nbounce = \"yes\"\n",
               {"simulator[0].bounce", "true or false"});
  expect_error("store = 5\n", {"store", "table"});
  expect_error("[store\n", {"line 1"});
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

TEST(Config, GpioLinesAndTheClockWaitAreRead) {
  const auto config = parse(R"(
[time]
wait_for_clock_sync = "always"
clock_sync_timeout_s = 60

[[gpio]]
meter = 1
line = "GPIO17"

[[gpio]]
meter = 2
chip = "pinctrl-bcm2711"
line = 27
edge = "both"
bias = "disabled"
active_low = true
debounce_period_us = 2000
clock = "realtime"
)");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->wait_for_clock_sync, ClockSyncPolicy::always);
  EXPECT_EQ(config->clock_sync_timeout, std::chrono::seconds{60});
  ASSERT_EQ(config->gpio_lines.size(), 2U);
  const auto &first = config->gpio_lines[0];
  EXPECT_EQ(first.meter_id, 1);
  EXPECT_EQ(first.chip, "gpiochip0");
  EXPECT_EQ(first.line, "GPIO17");
  EXPECT_EQ(first.edge, gpio::EdgeChoice::falling);
  EXPECT_EQ(first.bias, gpio::Bias::pull_up);
  const auto &second = config->gpio_lines[1];
  EXPECT_EQ(second.line, "27");
  EXPECT_EQ(second.edge, gpio::EdgeChoice::both);
  EXPECT_EQ(second.bias, gpio::Bias::disabled);
  EXPECT_TRUE(second.active_low);
  EXPECT_EQ(second.debounce_period_us, 2000U);
  EXPECT_EQ(second.clock, gpio::EventClock::realtime);
}

TEST(Config, BadGpioSettingsNameTheKey) {
  expect_error("[[gpio]]\nline = 17\n", {"gpio[0].meter", "required"});
  expect_error("[[gpio]]\nmeter = 1\n", {"gpio[0].line", "required"});
  expect_error("[[gpio]]\nmeter = 1\nline = 17\nedge = \"down\"\n", {"gpio[0].edge", "down"});
  expect_error("[[gpio]]\nmeter = 1\nline = 17\npin = 4\n", {"gpio[0].pin"});
  expect_error("[time]\nwait_for_clock_sync = \"maybe\"\n", {"time.wait_for_clock_sync"});
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

TEST(Config, CorsOriginsAreNoneByDefaultAndEachMustBeAnOrigin) {
  EXPECT_TRUE(parse("").value().cors_origins.empty());
  const auto config = parse("[http]\ncors_origins = [\"https://dash.example:8443\", \"*\"]\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->cors_origins, (std::vector<std::string>{"https://dash.example:8443", "*"}));
  for (const char *bad : {"[http]\ncors_origins = [\"dash.example\"]\n",
                          "[http]\ncors_origins = [\"https://dash.example/app/\"]\n",
                          "[http]\ncors_origins = [1]\n", "[http]\ncors_origins = \"*\"\n"}) {
    const auto refused = parse(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.error().message.find("http.cors_origins"), std::string::npos)
        << refused.error().message;
  }
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

TEST(Config, MqttTakesCredentialsAndACaFileBesideTheConfig) {
  const auto on = parse("[mqtt]\nbroker = \"127.0.0.1:8883\"\nclient_id = \"pm\"\n"
                        "username = \"u\"\npassword = \"p\"\nca_file = \"ca.pem\"\n");
  ASSERT_TRUE(on.ok()) << on.error().message;
  const MqttSettings &in = *on->mqtt;
  EXPECT_EQ(in.broker.host, "127.0.0.1");
  EXPECT_EQ(in.broker.port, 8883);
  EXPECT_EQ(in.client_id, "pm");
  EXPECT_EQ(in.broker.username, "u");
  EXPECT_EQ(in.broker.password, "p");
  EXPECT_EQ(in.broker.ca_file, "/srv/pulsemon/ca.pem");
}

TEST(Config, MqttOutIsOffUntilABrokerIsNamedAndTakesEveryKey) {
  const auto off = parse("[mqtt_out]\ntopic_prefix = \"home/power\"\n");
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_FALSE(off->mqtt_out.has_value());

  const auto on = parse("[mqtt_out]\nbroker = \"127.0.0.1:8883\"\nclient_id = \"pm\"\n"
                        "username = \"u\"\npassword = \"p\"\nca_file = \"ca.pem\"\n"
                        "topic_prefix = \"home/power\"\ndiscovery_prefix = \"\"\nqos = 2\n"
                        "min_interval_ms = 500\nmax_interval_ms = 30000\ncurrency = \"GBP\"\n"
                        "[metrics]\ntoken_file = \"metrics.token\"\n");
  ASSERT_TRUE(on.ok()) << on.error().message;
  const publish::MqttOutSettings &out = *on->mqtt_out;
  EXPECT_EQ(out.broker.host, "127.0.0.1");
  EXPECT_EQ(out.broker.port, 8883);
  EXPECT_EQ(out.client_id, "pm");
  EXPECT_EQ(out.broker.username, "u");
  EXPECT_EQ(out.broker.password, "p");
  EXPECT_EQ(out.broker.ca_file, "/srv/pulsemon/ca.pem");
  EXPECT_EQ(out.topic_prefix, "home/power");
  EXPECT_EQ(out.discovery_prefix, "");
  EXPECT_EQ(out.qos, 2);
  EXPECT_EQ(out.min_interval, std::chrono::milliseconds{500});
  EXPECT_EQ(out.max_interval, std::chrono::milliseconds{30'000});
  EXPECT_EQ(out.currency, "GBP");
  EXPECT_EQ(on->metrics_token_file, "/srv/pulsemon/metrics.token");
}

TEST(Config, MqttOutErrorsNameTheKey) {
  const std::string broker = "[mqtt_out]\nbroker = \"127.0.0.1:1883\"\n";
  expect_error(broker + "qos = 3\n", {"mqtt_out.qos", "out of range"});
  expect_error(broker + "currency = \"euro\"\n", {"mqtt_out.currency", "euro", "ISO 4217"});
  expect_error(broker + "topic_prefix = \"home/#\"\n", {"mqtt_out.topic_prefix", "home/#"});
  expect_error(broker + "topic_prefix = \"\"\n", {"mqtt_out.topic_prefix"});
  expect_error(broker + "discovery_prefix = \"/ha\"\n", {"mqtt_out.discovery_prefix", "/ha"});
  expect_error(broker + "min_interval_ms = 5000\nmax_interval_ms = 1000\n",
               {"mqtt_out.max_interval_ms", "min_interval_ms"});
  expect_error("[mqtt_out]\nbroker = \"nowhere\"\n", {"mqtt_out.broker"});
  expect_error(broker + "colour = \"blue\"\n", {"mqtt_out.colour", "unknown"});
  expect_error("[metrics]\nopen = true\n", {"metrics.open", "unknown"});
}

TEST(Config, OneCurrencyForTheInstanceWhicheverKeySetsIt) {
  EXPECT_EQ(parse("").value().currency, "EUR");
  const std::string broker = "[mqtt_out]\nbroker = \"127.0.0.1:1883\"\n";
  const Config set_once = parse("[money]\ncurrency = \"GBP\"\n" + broker).value();
  EXPECT_EQ(set_once.currency, "GBP");
  EXPECT_EQ(set_once.mqtt_out->currency, "GBP") << "the cost sensors take the instance's";
  // An older config's mqtt_out.currency still sets it for the whole instance.
  EXPECT_EQ(parse(broker + "currency = \"CHF\"\n").value().currency, "CHF");
  expect_error("[money]\ncurrency = \"GBP\"\n" + broker + "currency = \"EUR\"\n",
               {"mqtt_out.currency", "money.currency", "GBP", "once"});
  expect_error("[money]\ncurrency = \"€\"\n", {"money.currency", "ISO 4217"});
  expect_error("[money]\nsymbol = \"£\"\n", {"money.symbol", "unknown"});
}

TEST(Config, AlertThresholdsAreReadForTheApiAndTheProblemSensors) {
  const Config config = parse("[alerts]\nleak_nights = 5\nbase_load_rise_percent = 80\n"
                              "[mqtt_out]\nbroker = \"127.0.0.1:1883\"\n")
                            .value();
  EXPECT_EQ(config.alerts.leak_nights, 5);
  EXPECT_DOUBLE_EQ(config.alerts.base_load_rise, 0.8);
  EXPECT_EQ(config.mqtt_out->alerts.leak_nights, 5) << "MQTT's problem sensors judge alike";
  expect_error("[alerts]\nleak_nights = 0\n", {"alerts.leak_nights", "out of range"});
  expect_error("[alerts]\nleak = 3\n", {"alerts.leak", "unknown"});
}

} // namespace
} // namespace pulsemon
