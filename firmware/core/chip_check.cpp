// Instantiates every template of the core as the sketch uses it, so that
// the cross-compile in CI (scripts/firmware-check) proves all of it builds
// for the ESP8266 and reports its size.
#include "node_core.h"
#include "uploader.h"

namespace pulsenode {

using SketchOutbox = Outbox<2000>;

size_t chip_check(char *out, size_t capacity, PulseCapture &capture, SketchOutbox &outbox,
                  MicrosExtender &extender, Uploader<2000> &uploader, uint32_t now_ms) {
  uint32_t raw[PulseCapture::capacity];
  const uint32_t n = capture.take(raw, PulseCapture::capacity);
  for (uint32_t i = 0; i < n; ++i) {
    outbox.push(extender.extend(raw[i]));
  }
  if (!uploader.ready(now_ms)) {
    return 0;
  }
  Health health;
  health.buffered = outbox.size();
  health.overflows = outbox.overflows() + capture.ring_overflows();
  const size_t length =
      uploader.write(out, capacity, NodeIdentity{"node", 1, "key"}, 0, health, now_ms);
  uint32_t boot = 0;
  uint32_t seq = 0;
  if (length == 0 || !read_ack(out, length, boot, seq)) {
    uploader.failed(now_ms);
  } else {
    (void)uploader.acknowledged(boot, seq, now_ms);
  }
  return length;
}

} // namespace pulsenode
