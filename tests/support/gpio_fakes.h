#pragma once
// The only hardware fakes: a clock the test steps, and a pipe that carries
// kernel-format gpio_v2_line_event records to a GpioSource.

#include "sources/clock_reader.h"
#include "sources/file_descriptor.h"

#include <gtest/gtest.h>
#include <linux/gpio.h>
#include <unistd.h>

#include <array>
#include <mutex>

namespace pulsemon::testing {

// Monotonic time is whatever the test says; the wall clock is
// `wall_at_zero` + monotonic + an offset the test can step; whether the
// kernel calls the clock synchronised is the test's to decide.
class TestClock final : public ClockReader {
public:
  explicit TestClock(UtcTime wall_at_zero) : wall_at_zero_(wall_at_zero) {}

  ClockReading read() override {
    const std::lock_guard lock(mutex_);
    return {mono_from_us(now_us_), wall_at_zero_ + Micros{now_us_ + offset_us_}, synchronised_};
  }
  void set(std::int64_t now_us, std::int64_t offset_us, bool synchronised) {
    const std::lock_guard lock(mutex_);
    now_us_ = now_us;
    offset_us_ = offset_us;
    synchronised_ = synchronised;
  }

private:
  std::mutex mutex_;
  UtcTime wall_at_zero_;
  std::int64_t now_us_ = 0;
  std::int64_t offset_us_ = 0;
  bool synchronised_ = true;
};

// Writes line events as the kernel would, numbering them; `skip` leaves
// out that many numbers (events the kernel dropped).
class LineEventPipe {
public:
  LineEventPipe() {
    std::array<int, 2> fds{};
    if (::pipe(fds.data()) != 0) {
      throw std::runtime_error("pipe failed");
    }
    read_end_ = FileDescriptor(fds[0]);
    write_end_ = FileDescriptor(fds[1]);
  }

  FileDescriptor take_read_end() { return std::move(read_end_); }

  void send(std::int64_t at_us, bool rising, std::uint32_t skip = 0) {
    seqno_ += 1 + skip;
    gpio_v2_line_event event{};
    event.timestamp_ns = static_cast<std::uint64_t>(at_us) * 1000;
    event.id = rising ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
    event.offset = 17;
    event.seqno = seqno_;
    event.line_seqno = seqno_;
    ASSERT_EQ(::write(write_end_.get(), &event, sizeof event), static_cast<ssize_t>(sizeof event));
  }

  // A pulse 30 ms wide (both edges), with optional contact bounce.
  void pulse(std::int64_t at_us, bool bounce = false) {
    send(at_us, true);
    if (bounce) {
      send(at_us + 300, false);
      send(at_us + 600, true);
    }
    send(at_us + 30'000, false);
  }

  void close() { write_end_.reset(); } // the source sees end of file and stops

private:
  FileDescriptor read_end_;
  FileDescriptor write_end_;
  std::uint32_t seqno_ = 0;
};

} // namespace pulsemon::testing
