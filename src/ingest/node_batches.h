#pragma once
// Storing a sensor node's batch exactly once, over any storage backend:
// the pulses, the batch's number and the node's health in one transaction.
// The rules live here, not in a backend:
// - a node's name belongs to the key that uploaded for it first, for as long
//   as that key is not revoked; then the next key takes it over and the old
//   batch numbers are forgotten;
// - a batch seen before (node, boot, seq) stores nothing and says so;
// - pulses timed on the node's boot clock are placed on the boot's anchor
//   (core/boot_anchor.h), which each batch refines;
// - pulses the node reports it dropped become a gap in the meter's record;
// - pulses closer than the meter's minimum interval (to stored ones or to
//   each other) are filtered as the pulse rule's too_close, counted for the
//   meter and the node: a broken node cannot inflate its meter.

#include "store/recorder.h"
#include "store/store.h"
#include "store/types.h"

namespace pulsemon {

// Throws Failure(permission_denied) for a node name another key owns, and
// the store's Failure for a refused batch (nothing is written then). The
// pulses are published on the recorder's bus once committed.
IngestOutcome store_node_batch(Recorder &recorder, const IngestBatch &batch);
// The same without a bus (tests, commands).
IngestOutcome store_node_batch(Store &store, const IngestBatch &batch);

} // namespace pulsemon
