#include "ack_check.h"

#include "uploader.h"

#include <bearssl/bearssl_hmac.h>

namespace pulsenode {

namespace {

constexpr size_t mac_hex_length = 64;

void hmac_sha256(const void *key, size_t key_length, const void *message, size_t message_length,
                 uint8_t out[32]) {
  br_hmac_key_context key_context;
  br_hmac_key_init(&key_context, &br_sha256_vtable, key, key_length);
  br_hmac_context context;
  br_hmac_init(&context, &key_context, 0);
  br_hmac_update(&context, message, message_length);
  br_hmac_out(&context, out);
}

size_t text_length(const char *text) {
  size_t length = 0;
  while (text[length] != '\0') {
    ++length;
  }
  return length;
}

// Where the 64 hex digits after "mac":" start, or `length` when absent.
size_t find_mac(const char *text, size_t length) {
  static const char key[] = "\"mac\":\"";
  const size_t key_length = sizeof key - 1;
  for (size_t at = 0; at + key_length + mac_hex_length < length; ++at) {
    size_t i = 0;
    while (i < key_length && text[at + i] == key[i]) {
      ++i;
    }
    if (i == key_length) {
      const size_t digits = at + key_length;
      return text[digits + mac_hex_length] == '"' ? digits : length;
    }
  }
  return length;
}

} // namespace

AckKey derive_ack_key(const char *device_key) {
  static const char purpose[] = "pulsemon ack key";
  AckKey key;
  hmac_sha256(device_key, text_length(device_key), purpose, sizeof purpose - 1, key.bytes);
  return key;
}

void sign_ack(const AckKey &key, const char *node, uint32_t boot, uint32_t seq, char out[65]) {
  char numbers[24];
  size_t at = append_text(numbers, sizeof numbers, 0, "\n");
  at = append_unsigned(numbers, sizeof numbers, at, boot);
  at = append_text(numbers, sizeof numbers, at, "\n");
  at = append_unsigned(numbers, sizeof numbers, at, seq); // at most 22 characters
  br_hmac_key_context key_context;
  br_hmac_key_init(&key_context, &br_sha256_vtable, key.bytes, sizeof key.bytes);
  br_hmac_context context;
  br_hmac_init(&context, &key_context, 0);
  br_hmac_update(&context, node, text_length(node));
  br_hmac_update(&context, numbers, at);
  uint8_t mac[32];
  br_hmac_out(&context, mac);
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < sizeof mac; ++i) {
    out[2 * i] = hex[mac[i] >> 4];
    out[2 * i + 1] = hex[mac[i] & 0x0f];
  }
  out[mac_hex_length] = '\0';
}

bool read_signed_ack(const char *text, size_t length, const char *node, const AckKey &key,
                     uint32_t &boot, uint32_t &seq) {
  uint32_t found_boot = 0;
  uint32_t found_seq = 0;
  const size_t mac_at = find_mac(text, length);
  if (mac_at == length || !read_ack(text, length, found_boot, found_seq)) {
    return false;
  }
  char expected[mac_hex_length + 1];
  sign_ack(key, node, found_boot, found_seq, expected);
  uint8_t difference = 0; // compared in full, whatever differs first
  for (size_t i = 0; i < mac_hex_length; ++i) {
    difference |= static_cast<uint8_t>(expected[i] ^ text[mac_at + i]);
  }
  if (difference != 0) {
    return false;
  }
  boot = found_boot;
  seq = found_seq;
  return true;
}

} // namespace pulsenode
