#pragma once
// Checking that an MQTT acknowledgement comes from pulsemon.
//
// The node drops a batch's pulses when it reads the ack for that batch, so
// it must not believe an ack that anyone else on the broker wrote. pulsemon
// signs each ack with "mac": HMAC-SHA256 over "<node>\n<boot>\n<seq>",
// keyed with HMAC-SHA256(device key, "pulsemon ack key"), in 64 lowercase
// hex digits (src/ingest/ack_signature.h on the server). Only pulsemon and
// this node know the device key.
//
// HMAC and SHA-256 come from BearSSL, which the ESP8266 Arduino core ships
// (and Debian packages as libbearssl-dev for the host tests).

#include <stddef.h>
#include <stdint.h>

namespace pulsenode {

struct AckKey {
  uint8_t bytes[32];
};

// The key that signs this node's acks; derive it once, in setup().
AckKey derive_ack_key(const char *device_key);

// Writes the signature of the ack for (node, boot, seq) as 64 hex digits
// and a terminating NUL into `out` (the server's side, for tests).
void sign_ack(const AckKey &key, const char *node, uint32_t boot, uint32_t seq, char out[65]);

// Reads "boot" and "seq" from an acknowledgement ({"accepted":3,"boot":7,
// …,"seq":12,"mac":"…"}) and checks its "mac". False, with boot and seq
// untouched, when a field is missing or the signature is not pulsemon's.
bool read_signed_ack(const char *text, size_t length, const char *node, const AckKey &key,
                     uint32_t &boot, uint32_t &seq);

} // namespace pulsenode
