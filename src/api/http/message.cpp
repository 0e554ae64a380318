#include "api/http/message.h"

#include <nlohmann/json.hpp>

#include <future>

namespace pulsemon::http {

namespace {

std::string_view code_name(unsigned status) {
  switch (status) {
  case 400:
    return "bad_request";
  case 401:
    return "unauthenticated";
  case 403:
    return "forbidden";
  case 404:
    return "not_found";
  case 405:
    return "method_not_allowed";
  case 409:
    return "conflict";
  case 413:
    return "payload_too_large";
  case 429:
    return "too_many_requests";
  case 503:
    return "unavailable";
  default:
    return "internal";
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

Response json_response(unsigned status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

unsigned status_for(ErrorCode code) {
  switch (code) {
  case ErrorCode::invalid_argument:
    return 400;
  case ErrorCode::unauthenticated:
    return 401;
  case ErrorCode::permission_denied:
    return 403;
  case ErrorCode::not_found:
    return 404;
  case ErrorCode::already_exists:
    return 409;
  case ErrorCode::unavailable:
    return 503;
  case ErrorCode::internal:
    return 500;
  }
  return 500;
}

std::string json_text(const nlohmann::json &value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Response settle(Response response) {
  if (!response.deferred) {
    return response;
  }
  std::promise<Response::MakeResponse> made;
  std::future<Response::MakeResponse> make = made.get_future();
  response.deferred([&made](Response::MakeResponse result) { made.set_value(std::move(result)); });
  return make.get()();
}

Response json_ok(const nlohmann::json &body) {
  return json_response(200, json_text(body));
}

Response error_response(unsigned status, std::string_view code, std::string_view message) {
  const nlohmann::json body{{"error", {{"code", code}, {"message", message}}}};
  return json_response(status, json_text(body));
}

Response error_response(const Error &error) {
  const unsigned status = status_for(error.code);
  return error_response(status, code_name(status), error.message);
}

std::string percent_decode(std::string_view text) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      decoded.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      decoded.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded;
}

std::map<std::string, std::string> parse_form(std::string_view text) {
  std::map<std::string, std::string> fields;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view{} : text.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const auto equals = pair.find('=');
    fields[percent_decode(pair.substr(0, equals))] =
        equals == std::string_view::npos ? std::string{} : percent_decode(pair.substr(equals + 1));
  }
  return fields;
}

} // namespace pulsemon::http
