// POST /api/ingest: sensor nodes upload batches of pulse times with a
// device key (the batch format: src/ingest/ingest_batch.h); GET /api/nodes:
// how the nodes are doing.
//
// The answer comes only after the batch's transaction has committed, so a
// node may delete what it sent once it has the answer, and resend anything
// it did not get an answer for: (node, boot, seq) and the pulses themselves
// are stored once.
#include "api/api.h"
#include "api/http/message.h"
#include "api/meter_view.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "ingest/ingest_batch.h"
#include "ingest/node_batches.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace pulsemon {

namespace {

http::Response ingest(ApiContext &context, const http::Request &request) {
  const nlohmann::json body = value_or_throw(parse_untrusted_json(request.body, "body"));
  IngestBatch batch = parse_ingest_batch(body, api_now());
  batch.key_id = request.principal->key_id;
  if (!key_may_write(context.store, batch.key_id, batch.pulses.meter_id)) {
    return http::error_response(403, "forbidden",
                                "meter: this device key may not write meter " +
                                    std::to_string(batch.pulses.meter_id));
  }
  IngestOutcome outcome;
  try {
    Recorder recorder(context.store, context.bus);
    outcome = store_node_batch(recorder, batch);
  } catch (const Failure &failure) {
    // A full or read-only disk: the node keeps the batch and resends it,
    // but the owner must hear of it, once per cause, as from the writer.
    if (failure.code() == ErrorCode::unavailable &&
        context.ingest_failing_because != failure.message()) {
      spdlog::error("ingest: cannot store node {}'s batch: {}; nodes keep their batches and "
                    "resend them",
                    batch.node, failure.message());
      context.ingest_failing_because = failure.message();
    }
    throw;
  }
  if (!context.ingest_failing_because.empty()) {
    spdlog::info("ingest: storing node batches again");
    context.ingest_failing_because.clear();
    try {
      context.store.release_space();
    } catch (const Failure &failure) {
      spdlog::warn("ingest: could not give back the write-ahead log's space: {}",
                   failure.message());
    }
  }
  return http::json_ok(ingest_answer(batch, outcome));
}

http::Response list_nodes(ApiContext &context) {
  const UtcTime now = api_now();
  nlohmann::json all = nlohmann::json::array();
  for (const NodeStatus &node : context.store.nodes()) {
    all.push_back(node_view(node, now));
  }
  return http::json_ok(all);
}

} // namespace

void add_ingest_routes(http::Router &router, ApiContext &context) {
  router.add({"POST",
              "/api/ingest",
              http::Access::device,
              [&context](http::Request &request) { return ingest(context, request); },
              {}});
  router.add({"GET",
              "/api/nodes",
              http::Access::viewer,
              [&context](http::Request &) { return list_nodes(context); },
              {}});
}

} // namespace pulsemon
