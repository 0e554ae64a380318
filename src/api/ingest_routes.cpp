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
#include "api/site_access.h"
#include "core/time_text.h"
#include "core/untrusted_json.h"
#include "ingest/ingest_batch.h"
#include "ingest/node_batches.h"

#include <nlohmann/json.hpp>

#include <set>
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

// What an upload is answered, made where it is stored: the key (unless the
// router looked it up already), the body, the key's right to the meter, the
// commit. `received` is when the request arrived, for the boot anchoring.
http::Response answer_upload(Store &store, PulseBus *bus, std::string &failing_because,
                             const std::string &token, bool key_checked, std::int64_t key_id,
                             const std::string &body, UtcTime received) {
  if (!key_checked && !known_device_key(store, token)) {
    return http::error_response(401, "unauthenticated",
                                "unknown or revoked device key: make one with 'pulsemon key add' "
                                "and send it as 'Authorization: Bearer KEY'");
  }
  IngestBatch batch =
      parse_ingest_batch(value_or_throw(parse_untrusted_json(body, "body")), received);
  batch.key_id = key_id;
  if (!key_may_write(store, batch.key_id, batch.pulses.meter_id)) {
    return http::error_response(403, "forbidden",
                                "meter: this device key may not write meter " +
                                    std::to_string(batch.pulses.meter_id));
  }
  return http::json_ok(store_batch(store, bus, failing_because, batch));
}

http::Response ingest(ApiContext &context, const http::Request &request) {
  const http::Principal &key = *request.principal;
  if (!context.ingest_worker) {
    return answer_upload(context.store, context.bus, context.ingest_failing_because,
                         request_token(request), key.key_checked, key.key_id, request.body,
                         context.time->wall_now());
  }
  // Off the event loop, with everything that reads the database: the
  // answer is made there once the batch committed.
  http::Response later;
  later.deferred = [&context, token = request_token(request), key_checked = key.key_checked,
                    key_id = key.key_id, body = request.body, received = context.time->wall_now()](
                       const http::Response::Finish &finish) mutable {
    IngestWorker &worker = *context.ingest_worker;
    // Called once: the job takes the body over rather than a copy of it.
    const bool queued = worker.pool.submit([&context, &worker, token = std::move(token),
                                            key_checked, key_id, body = std::move(body), received,
                                            finish] {
      try {
        http::Response answer = answer_upload(*worker.store, context.bus, worker.failing_because,
                                              token, key_checked, key_id, body, received);
        finish([answer = std::move(answer)] { return answer; });
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

// The nodes of the sites the caller sees; an operator sees every site's
// (their health is data quality, not how a household lives).
http::Response list_nodes(ApiContext &context, const http::Principal &caller) {
  const UtcTime now = context.time->wall_now();
  const std::set<std::int64_t> sites = visible_sites(context, caller);
  nlohmann::json all = nlohmann::json::array();
  for (const NodeStatus &node : context.store.nodes()) {
    const std::optional<std::int64_t> site = context.reads.meter_site(node.meter_id);
    if (caller.is_operator || (site && sites.contains(*site))) {
      all.push_back(node_view(node, now));
    }
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
  router.add(
      {"GET",
       "/api/nodes",
       http::Access::viewer,
       [&context](http::Request &request) { return list_nodes(context, caller_of(request)); },
       {}});
}

} // namespace pulsemon
