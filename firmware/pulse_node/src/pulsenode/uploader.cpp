#include "uploader.h"

namespace pulsenode {

namespace {

// The unsigned number after `"key":` in text, if there is one.
bool find_number(const char *text, size_t length, const char *key, uint32_t &value) {
  size_t key_length = 0;
  while (key[key_length] != '\0') {
    ++key_length;
  }
  for (size_t at = 0; at + key_length <= length; ++at) {
    size_t i = 0;
    while (i < key_length && text[at + i] == key[i]) {
      ++i;
    }
    if (i < key_length) {
      continue;
    }
    size_t digit = at + key_length;
    if (digit >= length || text[digit] < '0' || text[digit] > '9') {
      return false;
    }
    uint64_t number = 0;
    for (; digit < length && text[digit] >= '0' && text[digit] <= '9'; ++digit) {
      number = number * 10 + static_cast<uint64_t>(text[digit] - '0');
      if (number > 0xffffffffULL) {
        return false;
      }
    }
    value = static_cast<uint32_t>(number);
    return true;
  }
  return false;
}

} // namespace

bool read_ack(const char *text, size_t length, uint32_t &boot, uint32_t &seq) {
  uint32_t found_boot = 0;
  uint32_t found_seq = 0;
  if (!find_number(text, length, "\"boot\":", found_boot) ||
      !find_number(text, length, "\"seq\":", found_seq)) {
    return false;
  }
  boot = found_boot;
  seq = found_seq;
  return true;
}

} // namespace pulsenode
