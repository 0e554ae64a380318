#include "core/untrusted_json.h"

#include <string>

namespace pulsemon {

namespace {
struct TooDeep {};
} // namespace

Result<nlohmann::json> parse_untrusted_json(std::string_view text, std::string_view field,
                                            std::size_t max_depth) {
  using Event = nlohmann::json::parse_event_t;
  // The callback sees each object or array as it opens, at the depth of
  // its container; aborting there keeps the parser from going deeper.
  const auto limit_depth = [max_depth](int depth, Event event, nlohmann::json &) {
    if ((event == Event::object_start || event == Event::array_start) &&
        static_cast<std::size_t>(depth) >= max_depth) {
      throw TooDeep{};
    }
    return true;
  };
  try {
    nlohmann::json value = nlohmann::json::parse(text, limit_depth, false);
    if (value.is_discarded()) {
      return invalid_argument(std::string(field) + ": not valid JSON");
    }
    return value;
  } catch (const TooDeep &) {
    return invalid_argument(std::string(field) + ": JSON nested deeper than " +
                            std::to_string(max_depth) + " levels");
  }
}

std::optional<std::int64_t> json_integer_in(const nlohmann::json &value, std::int64_t low,
                                            std::int64_t high) {
  if (value.is_number_unsigned()) {
    const auto unsigned_value = value.get<std::uint64_t>();
    if (high < 0 || unsigned_value > static_cast<std::uint64_t>(high)) {
      return std::nullopt;
    }
    const auto as_signed = static_cast<std::int64_t>(unsigned_value);
    return as_signed < low ? std::nullopt : std::optional(as_signed);
  }
  if (!value.is_number_integer()) {
    return std::nullopt;
  }
  const auto signed_value = value.get<std::int64_t>();
  if (signed_value < low || signed_value > high) {
    return std::nullopt;
  }
  return signed_value;
}

std::string json_kind(const nlohmann::json &value) {
  switch (value.type()) {
  case nlohmann::json::value_t::object:
    return "an object";
  case nlohmann::json::value_t::array:
    return "an array";
  case nlohmann::json::value_t::string:
    return "a string of " + std::to_string(value.get_ref<const std::string &>().size()) + " bytes";
  case nlohmann::json::value_t::boolean:
    return value.get<bool>() ? "true" : "false";
  case nlohmann::json::value_t::null:
    return "null";
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned:
  case nlohmann::json::value_t::number_float:
    return "the number " + value.dump();
  default:
    return "not a value";
  }
}

} // namespace pulsemon
