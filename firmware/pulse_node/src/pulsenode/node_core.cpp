#include "node_core.h"

namespace pulsenode {

// Each helper writes what fits and returns the position after the whole
// text; a result past `capacity` tells write_batch the buffer was too small.
size_t append_text(char *out, size_t capacity, size_t at, const char *text) {
  for (; *text != '\0'; ++text, ++at) {
    if (at < capacity) {
      out[at] = *text;
    }
  }
  return at;
}

size_t append_unsigned(char *out, size_t capacity, size_t at, uint64_t value) {
  char digits[20];
  size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) {
    if (at < capacity) {
      out[at] = digits[n - 1];
    }
    --n;
    ++at;
  }
  return at;
}

size_t append_signed(char *out, size_t capacity, size_t at, int64_t value) {
  if (value < 0) {
    at = append_text(out, capacity, at, "-");
    return append_unsigned(out, capacity, at, static_cast<uint64_t>(-(value + 1)) + 1);
  }
  return append_unsigned(out, capacity, at, static_cast<uint64_t>(value));
}

size_t append_volts(char *out, size_t capacity, size_t at, float volts) {
  if (!(volts >= 0.0f) || volts > 1000.0f) {
    volts = 0.0f;
  }
  const auto millivolts = static_cast<uint32_t>(volts * 1000.0f + 0.5f);
  at = append_unsigned(out, capacity, at, millivolts / 1000);
  at = append_text(out, capacity, at, ".");
  const uint32_t fraction = millivolts % 1000;
  at = append_text(out, capacity, at, fraction < 100 ? (fraction < 10 ? "00" : "0") : "");
  return append_unsigned(out, capacity, at, fraction);
}

} // namespace pulsenode
