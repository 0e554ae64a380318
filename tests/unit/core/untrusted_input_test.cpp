// The pieces every boundary uses on input from outside: text echoed in an
// error, JSON under a nesting limit, integers that may be unsigned, and the
// limits on a meter's settings.
#include "core/meter.h"
#include "core/quoted_input.h"
#include "core/untrusted_json.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using namespace std::string_literals;

TEST(QuotedInput, WritesControlBytesOutAndKeepsWhatFollowsANul) {
  EXPECT_EQ(quoted_input("Europe/Amsterdam"), "'Europe/Amsterdam'");
  EXPECT_EQ(quoted_input("Europe\0Amsterdam"s), R"('Europe\x00Amsterdam')");
  EXPECT_EQ(quoted_input("\x1b[31mred\n"), R"('\x1b[31mred\x0a')");
  EXPECT_EQ(quoted_input(R"(a\b)"), R"('a\\b')");
  EXPECT_EQ(quoted_input("caf\xc3\xa9"), "'caf\xc3\xa9'") << "UTF-8 passes as it is";
}

TEST(QuotedInput, ShortensLongTextAndSaysSo) {
  const std::string shown = quoted_input(std::string(10'000, 'z'));
  EXPECT_EQ(shown, "'" + std::string(quoted_input_limit, 'z') + "' (the first 64 of 10000 bytes)");
}

TEST(UntrustedJson, ReadsOrdinaryBodiesAndRefusesDeepOnesWhileParsing) {
  const auto body = parse_untrusted_json(R"({"a":[1,{"b":[2]}]})", "body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ((*body)["a"][1]["b"][0], 2);

  EXPECT_TRUE(parse_untrusted_json(std::string(8, '[') + std::string(8, ']'), "body").ok());
  const auto nine = parse_untrusted_json(std::string(9, '[') + std::string(9, ']'), "body");
  ASSERT_FALSE(nine.ok());
  EXPECT_EQ(nine.error().message, "body: JSON nested deeper than 8 levels");

  // Deep enough to run the stack out if anything recursed over it.
  const std::string deep = std::string(1'000'000, '[') + std::string(1'000'000, ']');
  const auto refused = parse_untrusted_json(deep, "payload");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);

  const auto broken = parse_untrusted_json(R"({"a":)", "body");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().message, "body: not valid JSON");
}

TEST(UntrustedJson, IntegersAreCheckedWhetherSignedOrUnsigned) {
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("18446744073709551615"), -10, INT64_MAX),
            std::nullopt)
      << "2^64-1 must not read as -1";
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("9223372036854775807"), 0, INT64_MAX), INT64_MAX);
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("-5"), -5, 5), -5);
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("6"), -5, 5), std::nullopt);
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("1.0"), 0, 5), std::nullopt);
  EXPECT_EQ(json_integer_in(nlohmann::json::parse("\"1\""), 0, 5), std::nullopt);
  EXPECT_EQ(json_kind(nlohmann::json::parse(R"([[[]]])")), "an array");
  EXPECT_EQ(json_kind(nlohmann::json(std::string(5000, 'x'))), "a string of 5000 bytes");
}

TEST(MeterLimits, SettingsFromOutsideAreCheckedBeforeTheyAreConverted) {
  EXPECT_EQ(filter_milliseconds("min_interval_ms", 12.5).value(), Micros{12'500});
  for (const double bad : {-1.0, 60'001.0, 1e300, std::nan("")}) {
    const auto refused = filter_milliseconds("min_width_ms", bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().message.rfind("min_width_ms: ", 0), 0U);
  }
  EXPECT_EQ(power_timeout_seconds("power_timeout_s", 600).value(), std::chrono::seconds{600});
  EXPECT_FALSE(power_timeout_seconds("power_timeout_s", 0).ok());
  EXPECT_FALSE(power_timeout_seconds("power_timeout_s", 1e19).ok());

  Meter meter;
  meter.id = 1;
  meter.name = "house";
  EXPECT_FALSE(validate_meter(meter).has_value());
  meter.pulses_per_unit = 1e300;
  EXPECT_NE(validate_meter(meter)->message.find("ppu"), std::string::npos);
  meter.pulses_per_unit = 1000;
  meter.name = std::string(201, 'n');
  EXPECT_NE(validate_meter(meter)->message.find("name"), std::string::npos);
  meter.name = "house";
  meter.id = max_meter_id + 1;
  EXPECT_NE(validate_meter(meter)->message.find("id"), std::string::npos);
}

} // namespace
} // namespace pulsemon
