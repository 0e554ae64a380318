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

// Stores a node's batch through `store` and says what the node is told;
// `failing_because` remembers why storing fails, so that the log says it
// once per cause and says when it works again.
nlohmann::json store_batch(Store &store, PulseBus *bus, std::string &failing_because,
                           const IngestBatch &batch) {
  IngestOutcome outcome;
  try {
    Recorder recorder(store, bus);
    outcome = store_node_batch(recorder, batch);
  } catch (const Failure &failure) {
    // A full or read-only disk: the node keeps the batch and resends it,
    // but the owner must hear of it, once per cause, as from the writer.
    if (failure.code() == ErrorCode::unavailable && failing_because != failure.message()) {
      spdlog::error("ingest: cannot store node {}'s batch: {}; nodes keep their batches and "
                    "resend them",
                    batch.node, failure.message());
      failing_because = failure.message();
    }
    throw;
  }
  if (!failing_because.empty()) {
    spdlog::info("ingest: storing node batches again");
    failing_because.clear();
    try {
      store.release_space();
    } catch (const Failure &failure) {
      spdlog::warn("ingest: could not give back the write-ahead log's space: {}",
                   failure.message());
    }
  }
  return ingest_answer(batch, outcome);
}

http::Response ingest(ApiContext &context, const http::Request &request) {
  const nlohmann::json body = value_or_throw(parse_untrusted_json(request.body, "body"));
  IngestBatch batch = parse_ingest_batch(body, api_now());
  batch.key_id = request.principal->key_id;
  if (!key_may_write(context.store, batch.key_id, batch.pulses.meter_id)) {
    return http::error_response(403, "forbidden",
                                "meter: this device key may not write meter " +
                                    std::to_string(batch.pulses.meter_id));
  }
  if (!context.ingest_worker) {
    return http::json_ok(
        store_batch(context.store, context.bus, context.ingest_failing_because, batch));
  }
  // Off the event loop: the answer is made there once the batch committed.
  http::Response later;
  later.deferred = [&context, batch = std::move(batch)](const http::Response::Finish &finish) {
    IngestWorker &worker = *context.ingest_worker;
    const bool queued = worker.pool.submit([&context, &worker, batch, finish] {
      try {
        nlohmann::json answer =
            store_batch(*worker.store, context.bus, worker.failing_because, batch);
        finish([answer = std::move(answer)] { return http::json_ok(answer); });
      } catch (...) {
        finish([failure = std::current_exception()]() -> http::Response {
          std::rethrow_exception(failure);
        });
      }
    });
    if (!queued) {
      finish([] {
        http::Response busy = http::error_response(
            503, "unavailable", "too many uploads wait to be stored; send the batch again later");
        busy.headers.emplace_back("Retry-After", "2");
        return busy;
      });
    }
  };
  return later;
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
