// Any bytes as the body of POST /api/ingest (or an MQTT batch): read as
// untrusted JSON (the nesting limit), then as a batch, as both ways in do;
// a refusal is a Failure, never a crash.
#include "core/result.h"
#include "core/untrusted_json.h"
#include "ingest/ingest_batch.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const auto body = pulsemon::parse_untrusted_json(
      std::string_view(reinterpret_cast<const char *>(data), size), "body");
  if (!body.ok()) {
    return 0;
  }
  try {
    const pulsemon::IngestBatch batch =
        pulsemon::parse_ingest_batch(*body, pulsemon::utc_from_epoch_us(1'780'000'000'000'000));
    (void)batch;
  } catch (const pulsemon::Failure &) {
    // refused with a named field: what a bad batch must get
  }
  return 0;
}
