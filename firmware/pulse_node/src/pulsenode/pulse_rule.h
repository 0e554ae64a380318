#pragma once
// The pulse filter's rule: whether a pulse is a real meter pulse or an
// artefact of the sensor (contact bounce, a neighbouring LED, noise).
//
// One implementation for both ends: the sensor node applies it in its
// interrupt handler, the server in src/core/pulse_filter for every source,
// so the same edges get the same verdicts and the same reject reasons in
// the node's health report and the server's meter figures. The truth table
// is in src/core/pulse_filter.md.
//
// It lives in the sketch folder because the Arduino IDE compiles only what
// is inside that folder; the server reaches it through its include path.
// Freestanding: no heap, no exceptions, nothing beyond <stdint.h>.

#include <stdint.h>

// The interrupt handler lives in instruction RAM (IRAM_ATTR), since flash
// may be busy when it fires; whatever it calls must be there too. Forcing
// these few lines inline into it does that whatever the compiler's
// inlining choices, rather than hoping -Os makes them.
#if defined(__GNUC__)
#define PULSERULE_INLINE_IN_INTERRUPT __attribute__((always_inline)) inline
#else
#define PULSERULE_INLINE_IN_INTERRUPT inline
#endif

namespace pulserule {

enum class Verdict : uint8_t {
  accepted,
  too_close, // bounce: closer than min_interval to the last accepted pulse
  too_short, // glitch: narrower than min_width (only when both edges are seen)
  unpaired,  // a trailing edge with no leading edge before it
};

// The names used in health reports, the API and the logs.
constexpr const char *name(Verdict verdict) {
  switch (verdict) {
  case Verdict::accepted:
    return "accepted";
  case Verdict::too_close:
    return "too_close";
  case Verdict::too_short:
    return "too_short";
  case Verdict::unpaired:
    return "unpaired";
  }
  return "unknown";
}

struct Settings {
  int64_t min_interval_us = 10000; // edges sooner than this after a pulse are bounce
  int64_t min_width_us = 1000;     // narrower pulses are glitches; 0 = off
};

constexpr int64_t width_unknown = -1;

// Judges one pulse from its leading edge. `since_last_us` is the leading
// edge minus the last accepted pulse (ignored when there is none); a value
// at or below zero can only come from a clock fault and counts as bounce.
// `width_us` is trailing minus leading edge, or width_unknown for sources
// that see one edge per pulse. A rejected pulse must not become the last
// accepted one: a burst of bounces then cannot push the next real pulse out.
PULSERULE_INLINE_IN_INTERRUPT constexpr Verdict judge(const Settings &settings, bool have_last,
                                                      int64_t since_last_us, int64_t width_us) {
  if (width_us != width_unknown && settings.min_width_us > 0 && width_us < settings.min_width_us) {
    return Verdict::too_short;
  }
  if (have_last && (since_last_us <= 0 || since_last_us < settings.min_interval_us)) {
    return Verdict::too_close;
  }
  return Verdict::accepted;
}

} // namespace pulserule
