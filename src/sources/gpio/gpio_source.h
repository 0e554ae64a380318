#pragma once
// Pulses from a GPIO line: reads the kernel's gpio_v2_line_event records
// from a line request's file descriptor in batches on its own thread, and
// hands edges to the pipeline.
//
// - A jump in line_seqno (the kernel dropped the oldest events of a full
//   queue) is reported to the sink as lost pulses: logged and stored as a gap.
// - Event times are monotonic; each batch takes a fresh reading of both
//   clocks, and the WallStamper turns them into UTC that never goes back.
// - While the clock waits for synchronisation, edges are held (with their
//   monotonic times, so nothing about them is lost) and released in order
//   once it is synchronised, the wait is over, or the source stops.
// - An edge in the first milliseconds after the request can be the line's
//   initial state rather than a pulse; it is ignored.
// - A read that fails, or an end of the events (a chip that went away),
//   ends the thread after handing on what it had, and is told to the
//   `died` callback so that the daemon can report it and request the line
//   again.

#include "core/edge.h"
#include "core/event_sequence.h"
#include "core/wall_stamper.h"
#include "sources/clock_reader.h"
#include "sources/file_descriptor.h"
#include "sources/gpio/line_settings.h"
#include "sources/source.h"

#include <atomic>
#include <deque>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace pulsemon::gpio {

struct SourceOptions {
  ClockSyncPolicy sync_policy = ClockSyncPolicy::automatic;
  Micros max_sync_wait{std::chrono::minutes{5}};
  Micros settle{5000}; // edges this soon after the request are the initial state
};

class GpioSource final : public Source {
public:
  // `events` is the line request's fd (or, in tests, a pipe carrying the
  // same records). The clock must outlive the source.
  GpioSource(FileDescriptor events, LineSettings settings, EdgeSink &sink, ClockReader &clock,
             SourceOptions options);
  ~GpioSource() override;
  GpioSource(const GpioSource &) = delete;
  GpioSource &operator=(const GpioSource &) = delete;
  GpioSource(GpioSource &&) = delete;
  GpioSource &operator=(GpioSource &&) = delete;

  void start() { start(Died{}); }
  void start(Died died) override;
  void stop_and_join() override {
    stop();
    join();
  }
  // "clock waiting, 3 edges held" while pulses wait for the clock.
  [[nodiscard]] std::string condition() const override;
  // Stops reading; held edges are stamped with the clock as it is and
  // handed on, never dropped.
  void stop();
  // Blocks until the reading thread has ended (at stop, or when the fd
  // reaches end of file: a closed pipe in tests).
  void join();

  [[nodiscard]] ClockState clock_state() const { return clock_state_.load(); }
  [[nodiscard]] std::size_t held() const { return held_count_.load(); }

private:
  struct Held {
    MonoTime time;
    EdgeKind kind = EdgeKind::leading;
    std::uint64_t lost_before = 0; // events the kernel dropped before this one
  };

  // Reads until stopped; returns why it ended otherwise ("" when stopped).
  std::string read_events();
  void handle_batch(std::span<const gpio_v2_line_event> events);
  void release(const ClockReading &now, bool force);
  [[nodiscard]] MonoTime monotonic_of(const gpio_v2_line_event &event,
                                      const ClockReading &now) const;
  void note_clock_state(ClockState state);

  FileDescriptor events_;
  FileDescriptor wake_; // an eventfd that stop() writes to
  LineSettings settings_;
  EdgeSink &sink_;
  ClockReader &clock_;
  SourceOptions options_;
  WallStamper stamper_;
  MonoTime requested_at_;
  EventSequence sequence_;
  std::deque<Held> held_;
  std::atomic<std::size_t> held_count_{0};
  std::atomic<ClockState> clock_state_{ClockState::unsynchronised};
  bool state_logged_ = false;
  Died died_;
  std::thread thread_;
};

} // namespace pulsemon::gpio
