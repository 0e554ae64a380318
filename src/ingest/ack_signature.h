#pragma once
// The signature on an MQTT acknowledgement (pulsemon/<node>/ack).
//
// A node drops the pulses of a batch when it reads the ack for that batch,
// so an ack anyone on the broker could write would let them make a node
// discard pulses that were never stored. The ack therefore carries
// "mac": HMAC-SHA256 over "<node>\n<boot>\n<seq>", keyed with a secret
// derived from the node's device key (HMAC-SHA256(device key, "pulsemon
// ack key")), as 64 lowercase hex digits. Only pulsemon and the node know
// the device key; the node checks the signature with the same derivation
// (firmware/pulse_node/src/pulsenode/ack_check.h).

#include <cstdint>
#include <string>
#include <string_view>

namespace pulsemon {

[[nodiscard]] std::string ack_signature(std::string_view device_key, std::string_view node,
                                        std::uint64_t boot, std::uint64_t seq);

} // namespace pulsemon
