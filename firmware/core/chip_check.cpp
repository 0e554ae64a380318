// Instantiates every template of the core as the sketch uses it, so that
// the cross-compile in CI (scripts/firmware-check) proves all of it builds
// for the ESP8266 and reports its size.
#include "node_core.h"

namespace pulsenode {

using SketchOutbox = Outbox<2000>;

size_t chip_check(char *out, size_t capacity, PulseCapture &capture, SketchOutbox &outbox,
                  MicrosExtender &extender, Backoff &backoff) {
  uint32_t raw[PulseCapture::capacity];
  const uint32_t n = capture.take(raw, PulseCapture::capacity);
  for (uint32_t i = 0; i < n; ++i) {
    outbox.push(extender.extend(raw[i]));
  }
  Health health;
  health.buffered = outbox.size();
  health.overflows = outbox.overflows() + capture.ring_overflows();
  const size_t length = write_batch(out, capacity, "node", 1, 1, 1, 0, outbox, 100, health);
  if (length == 0) {
    (void)backoff.after_failure();
  } else {
    backoff.after_success();
    outbox.drop_front(100);
  }
  return length;
}

} // namespace pulsenode
