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

#include <nlohmann/json.hpp>

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
  const IngestOutcome outcome = context.store.ingest(batch);
  if (context.pulses_stored && !outcome.pulses.empty()) {
    context.pulses_stored(batch.pulses.meter_id, outcome.pulses);
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
