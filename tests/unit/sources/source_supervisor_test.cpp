// The supervisor with real GPIO sources reading pipes of kernel-format
// line events: a source whose events end or whose reads fail is reported
// down with its reason, requested again with backoff (also when requesting
// it fails for a while), and its pulses after the restart arrive.
#include "core/result.h"
#include "pipeline/meter_pipeline.h"
#include "sources/gpio/gpio_source.h"
#include "sources/source_supervisor.h"
#include "support/gpio_fakes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <deque>
#include <mutex>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t s = 1'000'000;
const UtcTime wall_at_zero = utc_from_epoch_us(1'767'225'600LL * s); // 2026-01-01

class Supervision : public ::testing::Test {
protected:
  Supervision() {
    // spdlog's registry is made on first use; made here, before any source
    // thread logs, ThreadSanitizer sees no race in the uninstrumented library.
    spdlog::set_level(spdlog::level::info);
    clock.set(100 * s, 0, true);
    Meter meter;
    meter.id = 1;
    meter.name = "Main";
    pipelines = std::make_unique<MeterPipelines>(std::vector<Meter>{meter}, [this](PulseBatch b) {
      const std::lock_guard lock(mutex);
      delivered += b.pulses.size();
    });
    settings.meter_id = 1;
    settings.line = "17";
    settings.edge = gpio::EdgeChoice::both;
  }

  ~Supervision() override { supervisor.stop(); }

  // What the next request of the line gives: a pipe's read end, a file
  // descriptor whose reads fail, or a failure to request it at all.
  struct Next {
    std::optional<FileDescriptor> events;
    std::string failure;
  };

  std::unique_ptr<Source> make_source(FileDescriptor events) {
    return std::make_unique<gpio::GpioSource>(std::move(events), settings, *pipelines, clock,
                                              gpio::SourceOptions{});
  }

  void add_line(FileDescriptor first) {
    supervisor.add("GPIO test line 17", 1, make_source(std::move(first)), [this] {
      Next next;
      {
        const std::lock_guard lock(mutex);
        requests += 1;
        if (!queued.empty()) {
          next = std::move(queued.front());
          queued.pop_front();
        } else {
          next.failure = "no more lines in this test";
        }
      }
      if (!next.events) {
        throw Failure(ErrorCode::unavailable, next.failure);
      }
      return make_source(std::move(*next.events));
    });
  }

  void queue_pipe(testing::LineEventPipe &pipe) {
    const std::lock_guard lock(mutex);
    queued.push_back(Next{pipe.take_read_end(), ""});
  }
  void queue_failure(const std::string &why) {
    const std::lock_guard lock(mutex);
    queued.push_back(Next{std::nullopt, why});
  }

  int changes_seen() {
    const std::lock_guard lock(mutex);
    return changes;
  }

  std::size_t delivered_pulses() {
    const std::lock_guard lock(mutex);
    return delivered;
  }

  // Waits (at most 10 s) until the line's health satisfies `condition`.
  template <typename Condition> SourceHealth wait_for(Condition condition) {
    for (int i = 0; i < 10'000; ++i) {
      SourceHealth health = supervisor.health().at(0);
      if (condition(health)) {
        return health;
      }
      std::this_thread::sleep_for(1ms);
    }
    ADD_FAILURE() << "the source's health never became what the test waits for";
    return supervisor.health().at(0);
  }

  std::mutex mutex;
  std::size_t delivered = 0;
  int requests = 0;
  int changes = 0;
  std::deque<Next> queued;
  testing::TestClock clock{wall_at_zero};
  std::unique_ptr<MeterPipelines> pipelines;
  gpio::LineSettings settings;
  SourceSupervisor supervisor{BackoffSettings{10ms, 80ms, 1min}, [this] {
                                const std::lock_guard lock(mutex);
                                changes += 1;
                              }};
};

TEST_F(Supervision, ASourceWhoseEventsEndIsReportedAndRequestedAgainUntilItRuns) {
  testing::LineEventPipe first;
  testing::LineEventPipe second;
  add_line(first.take_read_end());
  EXPECT_TRUE(supervisor.health().at(0).running);
  first.pulse(10 * s);
  first.pulse(11 * s);

  // The chip goes away; requesting the line fails twice before it is back.
  queue_failure("no GPIO chip /dev/gpiochip0");
  queue_failure("no GPIO chip /dev/gpiochip0");
  queue_pipe(second);
  first.close();

  const SourceHealth back = wait_for([](const SourceHealth &h) { return h.restarts == 1; });
  EXPECT_TRUE(back.running);
  EXPECT_EQ(back.name, "GPIO test line 17");
  EXPECT_EQ(back.meter_id, 1);
  EXPECT_EQ(back.last_failure, "cannot start: no GPIO chip /dev/gpiochip0");
  EXPECT_TRUE(back.last_failure_at.has_value());
  {
    const std::lock_guard lock(mutex);
    EXPECT_EQ(requests, 3);
  }
  // Down, still down twice, running again: each told (the last one just
  // after the health says so).
  for (int i = 0; i < 5000 && changes_seen() < 4; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(changes_seen(), 4);

  // The pulses before the death were handed on; those after it arrive.
  second.pulse(20 * s);
  second.pulse(21 * s);
  second.pulse(22 * s);
  for (int i = 0; i < 5000 && delivered_pulses() < 5; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(delivered_pulses(), 5U);
}

TEST_F(Supervision, AReadThatFailsIsReportedWithItsReason) {
  // A directory opens and polls as readable, but reading it fails (EISDIR):
  // a file descriptor whose reads fail, as a removed chip's would.
  FileDescriptor directory(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(directory.valid());
  add_line(std::move(directory));
  const SourceHealth down =
      wait_for([](const SourceHealth &h) { return !h.running && !h.last_failure.empty(); });
  EXPECT_NE(down.last_failure.find("reading its events failed"), std::string::npos)
      << down.last_failure;
  EXPECT_TRUE(down.restart_at.has_value());
  EXPECT_TRUE(down.condition.empty());
}

TEST_F(Supervision, StopsWhileASourceIsDownAndWhileOneRuns) {
  testing::LineEventPipe first;
  add_line(first.take_read_end());
  testing::LineEventPipe second;
  supervisor.add(
      "GPIO test line 18", 1, make_source(second.take_read_end()),
      []() -> std::unique_ptr<Source> { throw Failure(ErrorCode::unavailable, "gone for good"); });
  second.close();
  for (int i = 0; i < 10'000 && supervisor.health().at(1).running; ++i) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_FALSE(supervisor.health().at(1).running);
  EXPECT_TRUE(supervisor.health().at(0).running);
  supervisor.stop();
  supervisor.stop(); // twice is harmless
}

TEST_F(Supervision, TheConditionOfARunningSourceSaysWhyItsPulsesWait) {
  clock.set(100 * s, 0, false); // the kernel says the clock is not synchronised yet
  testing::LineEventPipe line;
  supervisor.add("GPIO test line 17", 1,
                 std::make_unique<gpio::GpioSource>(
                     line.take_read_end(), settings, *pipelines, clock,
                     gpio::SourceOptions{ClockSyncPolicy::always, Micros{std::chrono::hours{1}},
                                         Micros{5000}}),
                 []() -> std::unique_ptr<Source> { return nullptr; });
  line.pulse(101 * s);
  const SourceHealth waiting = wait_for(
      [](const SourceHealth &h) { return h.condition.find("2 edges held") != std::string::npos; });
  EXPECT_TRUE(waiting.running);
  EXPECT_NE(waiting.condition.find("clock waiting"), std::string::npos) << waiting.condition;
}

} // namespace
} // namespace pulsemon
