#pragma once
// The portable core of a pulsemon sensor node (ESP8266 and host tests).
//
// Built freestanding for the chip: no exceptions, no RTTI, no heap, no
// standard library beyond <stdint.h>/<stddef.h>. The interrupt handler only
// calls PulseCapture::on_edge; everything else runs in loop().
//
//   interrupt:  on_edge(micros())  → pulse rule → ring (raw 32-bit)
//   loop():     extends micros() past its 71-minute wrap on every pass,
//               and the captured times with it, into the Outbox, which keeps them through WiFi and
//               broker outages until the server acknowledges the batch that carried them.

#include "pulse_rule.h"

#include <stddef.h>
#include <stdint.h>

namespace pulsenode {

// micros() is 32 bits and wraps every 2^32 µs (71.6 minutes). MicrosExtender
// turns readings into a 64-bit time since boot. Each reading is taken as the
// nearest time to the latest one: a later reading moves the time on (across
// a wrap, too), and a reading up to 35 minutes older than the latest, such
// as a pulse the interrupt captured just before loop() read micros() for a
// batch, is placed before it without moving anything. That holds as long
// as loop() extends micros() at least every 35 minutes, which it does on
// every pass (every few milliseconds), pulses or not.
class MicrosExtender {
public:
  uint64_t extend(uint32_t reading) {
    if (!started_) {
      started_ = true;
      latest_ = reading;
      return latest_;
    }
    const auto step = static_cast<int32_t>(reading - static_cast<uint32_t>(latest_));
    if (step >= 0) {
      latest_ += static_cast<uint32_t>(step);
      return latest_;
    }
    const uint64_t back = static_cast<uint64_t>(-static_cast<int64_t>(step));
    return back <= latest_ ? latest_ - back : 0; // never before boot
  }

private:
  uint64_t latest_ = 0;
  bool started_ = false;
};

// Interrupt side: the pulse rule (pulse_rule.h, the server's rule; an edge
// sooner than min_interval_us after the last accepted one is bounce or
// noise, which replaces the old "delay(10) in the interrupt") and a
// single-producer, single-consumer ring of raw micros() values. The
// interrupt writes head_, loop() writes tail_. The node sees one edge per
// pulse, so of the rule's reasons only too_close can occur here.
class PulseCapture {
public:
  static constexpr uint32_t capacity = 64; // a power of two

  explicit PulseCapture(uint32_t min_interval_us) : rule_{min_interval_us, 0} {}

  // The interrupt measures the time since the last pulse in 32 bits, which
  // wraps after 2^32 µs (71.6 minutes); the server measures in 64. So the
  // last pulse is forgotten once half that has passed (loop() notices, the
  // interrupt acts on it), and any gap of 35 minutes or more is judged as
  // the server judges it: a pulse, whatever the 32 bits would say.
  static constexpr uint32_t forget_after_us = 0x80000000U;

  // Call from the interrupt handler with micros() read first thing.
  PULSERULE_INLINE_IN_INTERRUPT void on_edge(uint32_t now) {
    if (__atomic_load_n(&stale_, __ATOMIC_ACQUIRE)) {
      // Only the pulse loop() found stale: not one accepted since.
      if (have_last_ && last_ == __atomic_load_n(&stale_last_, __ATOMIC_RELAXED)) {
        have_last_ = false;
      }
      __atomic_store_n(&stale_, false, __ATOMIC_RELAXED);
    }
    const uint32_t since_last = now - last_; // wrap-safe subtraction
    if (pulserule::judge(rule_, have_last_, since_last, pulserule::width_unknown) !=
        pulserule::Verdict::accepted) {
      ++too_close_;
      return;
    }
    have_last_ = true;
    last_ = now;
    const uint32_t head = head_;
    if (head - __atomic_load_n(&tail_, __ATOMIC_ACQUIRE) >= capacity) {
      ++ring_overflows_; // loop() has not drained for 64 pulses: counted, not hidden
      return;
    }
    times_[head % capacity] = now;
    __atomic_store_n(&head_, head + 1, __ATOMIC_RELEASE);
  }

  // loop(): takes the captured times, oldest first; returns how many.
  uint32_t take(uint32_t *out, uint32_t max) {
    const uint32_t head = __atomic_load_n(&head_, __ATOMIC_ACQUIRE);
    uint32_t tail = tail_;
    uint32_t n = 0;
    while (tail != head && n < max) {
      out[n++] = times_[tail % capacity];
      ++tail;
    }
    __atomic_store_n(&tail_, tail, __ATOMIC_RELEASE);
    return n;
  }

  // loop(), after take(): the last pulse it took, raw and on its 64-bit
  // clock (only loop() touches these).
  void remember_taken(uint32_t raw, uint64_t at_us) {
    last_taken_raw_ = raw;
    last_taken_us_ = at_us;
    taken_any_ = true;
  }

  // loop(), on every pass (at least every 35 minutes): marks the last
  // pulse stale once forget_after_us have passed since it. Measured on the
  // 64-bit clock from the pulse loop() took last, never from a raw 32-bit
  // reading, which cannot tell an old pulse from one just captured.
  void forget_if_stale(uint64_t now_us) {
    if (taken_any_ && now_us >= last_taken_us_ && now_us - last_taken_us_ >= forget_after_us) {
      __atomic_store_n(&stale_last_, last_taken_raw_, __ATOMIC_RELAXED);
      __atomic_store_n(&stale_, true, __ATOMIC_RELEASE);
    }
  }

  // Edges the rule rejected as too close to the pulse before.
  uint32_t too_close() const { return __atomic_load_n(&too_close_, __ATOMIC_RELAXED); }
  uint32_t ring_overflows() const { return __atomic_load_n(&ring_overflows_, __ATOMIC_RELAXED); }

private:
  pulserule::Settings rule_;
  uint32_t last_ = 0;
  bool have_last_ = false;
  bool stale_ = false;      // loop() found the last pulse too old to measure from
  uint32_t stale_last_ = 0; // the pulse it found so
  uint32_t last_taken_raw_ = 0;
  uint64_t last_taken_us_ = 0;
  bool taken_any_ = false;
  uint32_t times_[capacity] = {};
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  uint32_t too_close_ = 0;
  uint32_t ring_overflows_ = 0;
};

// Pulses waiting for the server: a fixed array (the node's whole memory
// budget for outages). Full means new pulses are counted as overflow, which
// the node reports, so the server shows a gap instead of silence.
template <uint32_t Capacity> class Outbox {
public:
  bool push(uint64_t time_us) {
    if (count_ == Capacity) {
      ++overflows_;
      return false;
    }
    items_[(first_ + count_) % Capacity] = time_us;
    ++count_;
    return true;
  }
  uint32_t size() const { return count_; }
  uint32_t overflows() const { return overflows_; }
  uint64_t at(uint32_t i) const { return items_[(first_ + i) % Capacity]; }
  // The server acknowledged the oldest n pulses.
  void drop_front(uint32_t n) {
    if (n > count_) {
      n = count_;
    }
    first_ = (first_ + n) % Capacity;
    count_ -= n;
  }

private:
  uint64_t items_[Capacity] = {};
  uint32_t first_ = 0;
  uint32_t count_ = 0;
  uint32_t overflows_ = 0;
};

// The first thing loop() does on every pass: moves the node's 64-bit time
// on with micros() (pulses or not, so that a quiet spell longer than
// micros()' wrap changes nothing), moves the captured pulses into the
// outbox, and lets the capture forget a pulse too old for its 32 bits.
// Returns the time now, in µs since boot.
template <uint32_t Capacity>
uint64_t drain_capture(uint32_t micros_now, MicrosExtender &extender, PulseCapture &capture,
                       Outbox<Capacity> &outbox) {
  const uint64_t now = extender.extend(micros_now);
  uint32_t raw[PulseCapture::capacity];
  const uint32_t n = capture.take(raw, PulseCapture::capacity);
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t at = extender.extend(raw[i]); // captured before micros_now: placed before it
    outbox.push(at);
    capture.remember_taken(raw[i], at);
  }
  capture.forget_if_stale(now);
  return now;
}

// Seconds since boot from the 64-bit boot clock (millis() / 1000 would
// start again after 49.7 days).
constexpr uint32_t uptime_seconds(uint64_t boot_clock_us) {
  return static_cast<uint32_t>(boot_clock_us / 1000000ULL);
}

// A boot's id, different on every start, so that the server never takes
// a new boot's batch (boot, seq) for one it has stored and drops its
// pulses. `starts` counts starts in the chip's RTC memory (kept through
// resets and deep-sleep wakes, lost with the power); `random` is the
// hardware random register read with the radio on (only then is it
// random). Either alone can repeat: the count after a power loss, the
// register by chance. Never 0.
constexpr uint32_t boot_id(uint32_t starts, uint32_t random) {
  const uint32_t id = (random & 0xFFFFF000U) | (starts & 0x00000FFFU);
  return id == 0 ? 1 : id;
}

// Retries with exponential backoff: 1 s, 2 s, 4 s … up to max_ms, back to
// the start after a success.
class Backoff {
public:
  explicit Backoff(uint32_t first_ms = 1000, uint32_t max_ms = 60000)
      : first_ms_(first_ms), max_ms_(max_ms), next_ms_(first_ms) {}
  uint32_t after_failure() {
    const uint32_t wait = next_ms_;
    next_ms_ = next_ms_ >= max_ms_ / 2 ? max_ms_ : next_ms_ * 2;
    return wait;
  }
  void after_success() { next_ms_ = first_ms_; }

private:
  uint32_t first_ms_;
  uint32_t max_ms_;
  uint32_t next_ms_;
};

// Battery: whether the supply is too low to go on. A single ADC reading is
// noisy (and dips while WiFi transmits), so the decision is taken on the
// mean of the last `samples` readings, and only once that many have come
// in; after a low-battery sleep the node runs again only above resume_volts
// (hysteresis), so it does not wake, drain the battery and fall asleep
// again in a loop.
struct BatterySettings {
  // Battery volts per volt at the chip's ADC input, which reads 0–1 V as
  // 0–1023: (R1 + R2) / R2 for a divider R1 over R2 on a bare ESP-12;
  // NodeMCU and D1 mini boards already have 220k over 100k in front of A0,
  // so there it is (R_external + 320k) / 100k (3.2 with nothing added).
  // 0 = no battery measurement.
  float divider_ratio = 0.0f;
  float cutoff_volts = 10.5f; // e.g. a 12 V AGM battery
  float resume_volts = 11.5f; // after a low-battery sleep: run again only above this
};

// The highest battery voltage the node can read: the ADC's full scale.
constexpr float battery_full_scale_volts(float divider_ratio) {
  return divider_ratio;
}

// Settings the node can act on: off, or a resume voltage above the cutoff
// that the divider can read (else a node that slept for a low battery
// would never see it recover, and would sleep for good).
constexpr bool battery_settings_usable(float divider_ratio, float cutoff_volts,
                                       float resume_volts) {
  return divider_ratio == 0.0f ||
         (resume_volts > cutoff_volts && resume_volts < battery_full_scale_volts(divider_ratio));
}

inline float battery_volts(uint16_t adc_raw, const BatterySettings &settings) {
  return static_cast<float>(adc_raw) / 1023.0f * settings.divider_ratio;
}

class BatteryGuard {
public:
  static constexpr uint32_t samples = 16;

  explicit BatteryGuard(const BatterySettings &settings) : settings_(settings) {}

  bool enabled() const { return settings_.divider_ratio > 0.0f; }

  // One ADC reading; take them at a steady pace (the sketch: once a second).
  void add_sample(uint16_t adc_raw) {
    sum_ -= readings_[next_];
    readings_[next_] = adc_raw;
    sum_ += adc_raw;
    next_ = (next_ + 1) % samples;
    if (count_ < samples) {
      ++count_;
    }
  }

  // The mean of the readings so far, in volts at the battery (0 without any).
  float volts() const {
    return count_ == 0 ? 0.0f : battery_volts(static_cast<uint16_t>(sum_ / count_), settings_);
  }

  // Running: send what is held and sleep now.
  bool too_low() const { return decided() && volts() < settings_.cutoff_volts; }

  // Just woken from a low-battery sleep: may the node start again?
  bool recovered() const { return !enabled() || (decided() && volts() >= settings_.resume_volts); }

private:
  bool decided() const { return enabled() && count_ == samples; }

  BatterySettings settings_;
  uint16_t readings_[samples] = {};
  uint32_t sum_ = 0;
  uint32_t next_ = 0;
  uint32_t count_ = 0;
};

// What a node reports about itself with every batch.
struct Health {
  int32_t rssi = 0;
  float volts = 0.0f;
  uint32_t uptime_s = 0; // from the 64-bit boot clock (millis() / 1000 wraps after 49.7 days)
  uint32_t buffered = 0;
  uint32_t overflows = 0;
  uint32_t too_close = 0; // edges the pulse rule rejected
  const char *firmware = "";
};

// Who sends a batch. Over MQTT the device key travels in the batch (there
// are no headers); over HTTP it goes in the Authorization header instead.
struct NodeIdentity {
  const char *node = "";
  int32_t meter = 0;
  const char *key = nullptr; // nullptr: not written into the batch
};

// Writes the batch {node, boot, seq, meter, key?, clock:"boot", now_us,
// pulses, health} for POST /api/ingest (and the MQTT topic) into `out`,
// without the heap. Returns the length, or 0 when `capacity` is too small.
template <uint32_t Capacity>
size_t write_batch(char *out, size_t capacity, const NodeIdentity &identity, uint32_t boot,
                   uint32_t seq, uint64_t now_us, const Outbox<Capacity> &outbox, uint32_t pulses,
                   const Health &health);

// Text helpers the writer uses (exposed for tests).
size_t append_text(char *out, size_t capacity, size_t at, const char *text);
size_t append_unsigned(char *out, size_t capacity, size_t at, uint64_t value);
size_t append_signed(char *out, size_t capacity, size_t at, int64_t value);
size_t append_volts(char *out, size_t capacity, size_t at, float volts);

template <uint32_t Capacity>
size_t write_batch(char *out, size_t capacity, const NodeIdentity &identity, uint32_t boot,
                   uint32_t seq, uint64_t now_us, const Outbox<Capacity> &outbox, uint32_t pulses,
                   const Health &health) {
  size_t at = 0;
  at = append_text(out, capacity, at, "{\"node\":\"");
  at = append_text(out, capacity, at, identity.node);
  at = append_text(out, capacity, at, "\",\"boot\":");
  at = append_unsigned(out, capacity, at, boot);
  at = append_text(out, capacity, at, ",\"seq\":");
  at = append_unsigned(out, capacity, at, seq);
  at = append_text(out, capacity, at, ",\"meter\":");
  at = append_signed(out, capacity, at, identity.meter);
  if (identity.key != nullptr) {
    at = append_text(out, capacity, at, ",\"key\":\"");
    at = append_text(out, capacity, at, identity.key);
    at = append_text(out, capacity, at, "\"");
  }
  at = append_text(out, capacity, at, ",\"clock\":\"boot\",\"now_us\":");
  at = append_unsigned(out, capacity, at, now_us);
  at = append_text(out, capacity, at, ",\"pulses\":[");
  for (uint32_t i = 0; i < pulses && i < outbox.size(); ++i) {
    if (i > 0) {
      at = append_text(out, capacity, at, ",");
    }
    at = append_unsigned(out, capacity, at, outbox.at(i));
  }
  at = append_text(out, capacity, at, "],\"health\":{\"rssi\":");
  at = append_signed(out, capacity, at, health.rssi);
  at = append_text(out, capacity, at, ",\"voltage\":");
  at = append_volts(out, capacity, at, health.volts);
  at = append_text(out, capacity, at, ",\"uptime_s\":");
  at = append_unsigned(out, capacity, at, health.uptime_s);
  at = append_text(out, capacity, at, ",\"buffer\":");
  at = append_unsigned(out, capacity, at, health.buffered);
  at = append_text(out, capacity, at, ",\"overflows\":");
  at = append_unsigned(out, capacity, at, health.overflows);
  at = append_text(out, capacity, at, ",\"too_close\":");
  at = append_unsigned(out, capacity, at, health.too_close);
  at = append_text(out, capacity, at, ",\"firmware\":\"");
  at = append_text(out, capacity, at, health.firmware);
  at = append_text(out, capacity, at, "\"}}");
  if (at >= capacity) {
    return 0;
  }
  out[at] = '\0';
  return at;
}

} // namespace pulsenode
