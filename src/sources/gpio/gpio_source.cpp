#include "sources/gpio/gpio_source.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <system_error>

namespace pulsemon::gpio {

namespace {

constexpr std::size_t events_per_read = 64;
constexpr int poll_interval_ms = 1000; // how often a waiting clock is looked at again
// At a stop, the events already queued are read first, in at most this many
// reads: a kernel line's queue holds far fewer (16 events per line by
// default, at most 1024 with event_buffer_size), and the bound keeps a line
// that never goes quiet from holding up the stop.
constexpr int reads_at_stop = 64;

} // namespace

GpioSource::GpioSource(FileDescriptor events, LineSettings settings, EdgeSink &sink,
                       ClockReader &clock, SourceOptions options)
    : events_(std::move(events)), wake_(::eventfd(0, EFD_CLOEXEC)), settings_(std::move(settings)),
      sink_(sink), clock_(clock), options_(options),
      stamper_(options.sync_policy, options.max_sync_wait, clock.read().monotonic),
      requested_at_(clock.read().monotonic) {
  if (!wake_.valid()) {
    throw Failure(ErrorCode::unavailable, std::string("gpio: cannot create an eventfd: ") +
                                              std::system_category().message(errno));
  }
}

GpioSource::~GpioSource() {
  stop();
  join();
}

void GpioSource::start(Died died) {
  died_ = std::move(died);
  thread_ = std::thread([this] {
    const std::string why = read_events();
    release(clock_.read(), true);
    if (why.empty()) {
      return;
    }
    if (died_) {
      died_(why); // the supervisor reports it
    } else {
      spdlog::error("meter {}: GPIO line '{}' stopped: {}", settings_.meter_id, settings_.line,
                    why);
    }
  });
}

std::string GpioSource::condition() const {
  const ClockState state = clock_state();
  if (state == ClockState::synchronised) {
    return "";
  }
  return fmt::format("clock {}, {} edges held", to_string(state), held());
}

void GpioSource::stop() {
  const std::uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

void GpioSource::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::string GpioSource::read_events() {
  std::array<gpio_v2_line_event, events_per_read> buffer{};
  std::size_t filled_bytes = 0; // a pipe may deliver part of a record
  // Once stopped, the edges the kernel has queued are still read (they are
  // pulses that happened), then the source ends.
  std::optional<int> reads_left_at_stop;
  while (true) {
    std::array<pollfd, 2> fds{{{events_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}}};
    const int ready = ::poll(fds.data(), fds.size(), reads_left_at_stop ? 0 : poll_interval_ms);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready < 0) {
      return "waiting for its events failed: " + std::system_category().message(errno);
    }
    if ((fds[1].revents & POLLIN) != 0 && !reads_left_at_stop) {
      reads_left_at_stop = reads_at_stop;
    }
    if ((fds[0].revents & POLLNVAL) != 0) {
      return "its file descriptor is not open";
    }
    const bool readable = (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    if (reads_left_at_stop && (!readable || *reads_left_at_stop == 0)) {
      return ""; // stopped, with what was queued read
    }
    if (!readable) {
      release(clock_.read(), false); // a timeout: perhaps the clock is synchronised now
      continue;
    }
    if (reads_left_at_stop) {
      --*reads_left_at_stop;
    }
    auto *bytes = reinterpret_cast<char *>(buffer.data()); // NOLINT: records as bytes
    const ssize_t n = ::read(events_.get(), bytes + filled_bytes, sizeof(buffer) - filled_bytes);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
      continue;
    }
    if (n < 0) {
      return "reading its events failed: " + std::system_category().message(errno);
    }
    if (n == 0 && reads_left_at_stop) {
      return "";
    }
    if (n == 0) {
      return "its events ended (the line's request was closed; was the chip removed?)";
    }
    filled_bytes += static_cast<std::size_t>(n);
    const std::size_t whole = filled_bytes / sizeof(gpio_v2_line_event);
    handle_batch(std::span<const gpio_v2_line_event>(buffer.data(), whole));
    const std::size_t rest = filled_bytes - whole * sizeof(gpio_v2_line_event);
    std::memmove(bytes, bytes + whole * sizeof(gpio_v2_line_event), rest);
    filled_bytes = rest;
  }
}

MonoTime GpioSource::monotonic_of(const gpio_v2_line_event &event, const ClockReading &now) const {
  const Micros stamp{static_cast<std::int64_t>(event.timestamp_ns / 1000)};
  if (settings_.clock == EventClock::realtime) {
    // Wall-clock stamps: carried onto the monotonic scale with this
    // batch's offset, so a clock step between event and read distorts them.
    return now.monotonic - (now.wall - UtcTime{stamp});
  }
  return MonoTime{stamp};
}

void GpioSource::handle_batch(std::span<const gpio_v2_line_event> events) {
  const ClockReading now = clock_.read();
  for (const gpio_v2_line_event &event : events) {
    const std::uint64_t lost = sequence_.missing_before(event.line_seqno);
    const MonoTime time = monotonic_of(event, now);
    const Micros after_request = time - requested_at_;
    if (event.line_seqno == 1 && after_request >= Micros{0} && after_request < options_.settle) {
      continue; // the line's initial state, reported as it was requested
    }
    const bool rising = event.id == GPIO_V2_LINE_EVENT_RISING_EDGE;
    const EdgeKind kind =
        settings_.edge != EdgeChoice::both || rising ? EdgeKind::leading : EdgeKind::trailing;
    held_.push_back(Held{time, kind, lost});
  }
  release(now, false);
}

void GpioSource::release(const ClockReading &now, bool force) {
  const ClockState state = stamper_.state(now);
  // The state first, then the count: whoever sees edges held sees why.
  note_clock_state(state);
  if (state == ClockState::waiting && !force) {
    held_count_ = held_.size();
    return;
  }
  if (state == ClockState::waiting && !held_.empty()) {
    spdlog::warn("meter {}: stopping while the clock is not synchronised; stamping {} held "
                 "edges with the clock as it is",
                 settings_.meter_id, held_.size());
  }
  const bool single_edge = settings_.edge != EdgeChoice::both;
  for (const Held &edge : held_) {
    const UtcTime wall = stamper_.stamp(edge.time, now);
    if (edge.lost_before > 0) {
      const auto pulses = static_cast<std::int64_t>(
          pulses_in_events(edge.lost_before, events_per_pulse(settings_.edge)));
      spdlog::warn("meter {}: the kernel dropped {} GPIO events (about {} pulses) before {}; "
                   "its event queue was full. Recorded as a gap.",
                   settings_.meter_id, edge.lost_before, pulses, to_epoch_us(wall));
      sink_.on_lost_pulses(settings_.meter_id, wall, pulses,
                           "the kernel's GPIO event queue overflowed (" +
                               std::to_string(edge.lost_before) + " events lost)");
    }
    sink_.on_edge(Edge{settings_.meter_id, edge.kind, edge.time, wall, single_edge});
  }
  held_.clear();
  held_count_ = 0;
}

void GpioSource::note_clock_state(ClockState state) {
  if (state_logged_ && state == clock_state_.load()) {
    return;
  }
  clock_state_ = state;
  state_logged_ = true;
  switch (state) {
  case ClockState::synchronised:
    spdlog::info("meter {}: the system clock is synchronised; pulses are stamped as they come",
                 settings_.meter_id);
    break;
  case ClockState::waiting:
    spdlog::warn("meter {}: the system clock is not synchronised yet; holding pulses (policy "
                 "'{}') until it is",
                 settings_.meter_id, to_string(options_.sync_policy));
    break;
  case ClockState::unsynchronised:
    spdlog::warn("meter {}: the system clock is not synchronised (adjtimex reports "
                 "STA_UNSYNC); stamping pulses with it as it is",
                 settings_.meter_id);
    break;
  }
}

} // namespace pulsemon::gpio
