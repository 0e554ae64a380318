// pulsemon diagnose on recorded edge files: the report a person or a script
// reads, for a bouncing reed contact and for a sensor that also sees a
// neighbouring LED.
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>

namespace pulsemon {
namespace {

using testing::Completed;
using testing::pulsemon_binary;

constexpr std::int64_t ms = 1'000'000;

class Diagnose : public ::testing::Test {
protected:
  testing::TempDir dir;

  // Writes edges (time → rising) in the recording format.
  std::filesystem::path recording(const std::string &name,
                                  const std::map<std::int64_t, bool> &edges) const {
    const auto path = dir / name;
    std::ofstream out(path);
    out << "t_ns,edge\n";
    for (const auto &[t, rising] : edges) {
      out << t << ',' << (rising ? "rising" : "falling") << '\n';
    }
    return path;
  }

  static nlohmann::json report(const Completed &done) {
    EXPECT_EQ(done.exit_code, 0) << done.err;
    return nlohmann::json::parse(done.out);
  }
};

TEST_F(Diagnose, AReedContactThatBouncesGetsADebounceRecommendation) {
  // A gas meter's reed contact closing (pulling low) every 20 s for 2 s,
  // chattering for 0.6 ms each time it closes.
  std::map<std::int64_t, bool> edges;
  for (int i = 0; i < 12; ++i) {
    const std::int64_t t = 5'000 * ms + i * 20'000 * ms + (i % 4) * 700 * ms;
    edges[t] = false;
    edges[t + 200'000] = true;
    edges[t + 400'000] = false;
    edges[t + 600'000] = true;
    edges[t + 650'000] = false;
    edges[t + 2'000 * ms] = true;
  }
  const auto file = recording("reed.csv", edges);
  const nlohmann::json json =
      report(testing::run(pulsemon_binary(), {"diagnose", "--from-file", file.string(), "--json"}));
  EXPECT_EQ(json["pulses"], 12);
  EXPECT_EQ(json["bounces"], 24);
  EXPECT_GE(json["recommended_debounce_us"].get<int>(), 1000);
  EXPECT_EQ(json["recommended_edge"], "falling");
  EXPECT_EQ(json["width_ns"]["median"], 2'000 * ms);
  EXPECT_TRUE(json["interval_ns"]["median"].is_number_integer());

  // The text report says the same in words.
  const Completed text =
      testing::run(pulsemon_binary(), {"diagnose", "--from-file", file.string()});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("12 pulses, 24 bounces"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("debounce_period_us = "), std::string::npos) << text.out;
}

TEST_F(Diagnose, ANeighbouringLedIsNamedAsAnotherLight) {
  std::map<std::int64_t, bool> edges;
  for (int i = 0; i < 30; ++i) { // the meter: 80 ms flashes as the load varies
    const std::int64_t t = 1'000 * ms + i * 1'900 * ms + (i % 5) * 130 * ms;
    edges[t] = true;
    edges[t + 80 * ms] = false;
  }
  for (int i = 0; i < 20; ++i) { // its neighbour: a 3 ms blink every 3 s
    const std::int64_t t = 1'500 * ms + i * 3'000 * ms;
    edges[t] = true;
    edges[t + 3 * ms] = false;
  }
  const auto file = recording("neighbour.csv", edges);
  const Completed done =
      testing::run(pulsemon_binary(), {"diagnose", "--from-file", file.string(), "--json"});
  const nlohmann::json json = report(done);
  EXPECT_EQ(json["recommended_edge"], "rising");
  EXPECT_GE(json["foreign_pulses"].get<int>(), 18);
  EXPECT_NEAR(json["foreign_period_ns"].get<double>(), 3'000.0 * ms, 1.0 * ms);
  EXPECT_NE(json["advice"].dump().find("another light"), std::string::npos) << json.dump(2);
}

TEST_F(Diagnose, BadInputIsNamed) {
  std::ofstream(dir / "bad.csv") << "t_ns,edge\n100,rising\n200,sideways\n";
  Completed done =
      testing::run(pulsemon_binary(), {"diagnose", "--from-file", (dir / "bad.csv").string()});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("line 3"), std::string::npos) << done.err;

  done = testing::run(pulsemon_binary(), {"diagnose"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("--gpio CHIP:LINE"), std::string::npos) << done.err;

  done = testing::run(pulsemon_binary(), {"diagnose", "--gpio", "GPIO17"});
  EXPECT_EQ(done.exit_code, 2);
  EXPECT_NE(done.err.find("not CHIP:LINE"), std::string::npos) << done.err;

  done = testing::run(pulsemon_binary(), {"diagnose", "--gpio", "nosuchchip:17", "--seconds", "1"});
  EXPECT_EQ(done.exit_code, 1);
  EXPECT_NE(done.err.find("no chip 'nosuchchip'"), std::string::npos) << done.err;
}

TEST_F(Diagnose, ARecordingCanBeWrittenAgainAndReadsTheSame) {
  std::map<std::int64_t, bool> edges{
      {10 * ms, false}, {60 * ms, true}, {2'010 * ms, false}, {2'060 * ms, true}};
  const auto file = recording("short.csv", edges);
  const auto copy = dir / "copy.csv";
  ASSERT_EQ(testing::run(pulsemon_binary(),
                         {"diagnose", "--from-file", file.string(), "--record", copy.string()})
                .exit_code,
            0);
  std::ifstream a(file);
  std::ifstream b(copy);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(a), {}),
            std::string(std::istreambuf_iterator<char>(b), {}));
}

} // namespace
} // namespace pulsemon
