#include "core/pulse_csv.h"

#include "support/utc.h"
#include <date/tz.h>
#include <gtest/gtest.h>

namespace pulsemon {
namespace {

using testing::utc;

const date::time_zone &amsterdam() {
  return *date::locate_zone("Europe/Amsterdam");
}

std::optional<UtcTime> pulse_of(std::string_view line, std::size_t number = 2) {
  auto read = read_pulse_csv_line(line, number, amsterdam());
  EXPECT_TRUE(read.ok()) << line << ": " << (read.ok() ? "" : read.error().message);
  return read.ok() ? *read : std::nullopt;
}

TEST(PulseCsv, ReadsIsoTimesEpochMicrosecondsAndLocalTimes) {
  EXPECT_EQ(pulse_of("2026-03-29T01:00:00.123456Z"), utc(2026, 3, 29, 1) + Micros{123456});
  EXPECT_EQ(pulse_of("1774746000123456"), utc(2026, 3, 29, 1) + Micros{123456});
  EXPECT_EQ(pulse_of("2026-07-01 12:00"), utc(2026, 7, 1, 10));
}

TEST(PulseCsv, TakesTheFirstFieldAndIgnoresTrailingSpacesAndCarriageReturns) {
  EXPECT_EQ(pulse_of("2026-03-29T01:00:00Z,1,extra"), utc(2026, 3, 29, 1));
  EXPECT_EQ(pulse_of("2026-03-29T01:00:00Z  \r"), utc(2026, 3, 29, 1));
}

TEST(PulseCsv, AHeaderOnTheFirstLineAndBlankLinesAreNotPulses) {
  EXPECT_EQ(pulse_of("time", 1), std::nullopt);
  EXPECT_EQ(pulse_of("time\r", 1), std::nullopt);
  EXPECT_EQ(pulse_of("", 7), std::nullopt);
  EXPECT_EQ(pulse_of(" \r", 7), std::nullopt);
  const auto header_later = read_pulse_csv_line("time", 3, amsterdam());
  ASSERT_FALSE(header_later.ok());
  EXPECT_NE(header_later.error().message.find("line 3"), std::string::npos);
}

TEST(PulseCsv, ABadLineIsNamedWithWhatIsWrong) {
  for (const char *bad : {"yesterday", "2026-13-01T00:00Z", "12x", "5 5", ",2026-03-29"}) {
    const auto read = read_pulse_csv_line(bad, 4, amsterdam());
    ASSERT_FALSE(read.ok()) << bad;
    EXPECT_EQ(read.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(read.error().message.rfind("line 4: ", 0), 0U) << read.error().message;
  }
}

TEST(PulseCsv, RefusesEpochMicrosecondsBeyondTheYear9999) {
  // 10000-01-01T00:00:00Z is 253402300800 s after 1970.
  EXPECT_TRUE(read_pulse_csv_line("253402300799999999", 2, amsterdam()).ok());
  for (const char *bad : {"253402300800000000", "9223372036854775807", "99999999999999999999"}) {
    const auto read = read_pulse_csv_line(bad, 2, amsterdam());
    ASSERT_FALSE(read.ok()) << bad;
    EXPECT_NE(read.error().message.find(bad), std::string::npos) << read.error().message;
  }
}

} // namespace
} // namespace pulsemon
