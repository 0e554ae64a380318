#pragma once
// The OpenAPI 3 document (docs/openapi.json), built into the binary so that
// GET /api/openapi.json serves exactly what is in the repository.

#include <string_view>

namespace pulsemon {

[[nodiscard]] std::string_view openapi_document();

} // namespace pulsemon
