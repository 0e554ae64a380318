// Every route of the route table, with extreme values in every parameter:
// each path id, each query parameter and each body field any route reads,
// one at a time, plus bodies nested far deeper than any real one. Each
// answer must be below 500 and arrive within a bound (a hang is what
// step=9223372036854 caused). The fuzz targets search the same space at
// random; this walks its corners every time the tests run.
#include "support/api_in_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

namespace pulsemon {
namespace {

using namespace std::chrono_literals;

// Numbers at the edges of every integer and float type, and the spellings
// of non-numbers that parsers take differently.
const std::vector<std::string> &extreme_texts() {
  static const std::vector<std::string> texts{
      "0",
      "-1",
      "1",
      "2147483647",
      "2147483648",
      "4294967296",
      "9007199254740992",
      "9007199254740993",
      "9223372036854",
      "288230376151711744",
      "9223372036854775807",
      "9223372036854775808",
      "-9223372036854775808",
      "18446744073709551615",
      "99999999999999999999999",
      "1e308",
      "-1e308",
      "1e-308",
      "NaN",
      "nan",
      "Infinity",
      "-inf",
      "0x7fffffffffffffff",
      "1.5",
      "",
      "0001-01-01",
      "9999-12-31T23:59:59Z",
      "99999-01-01",
      std::string("a\0b", 3),
      std::string(5000, '9'),
  };
  return texts;
}

// The same edges as JSON values, and values of every other JSON type.
std::vector<nlohmann::json> extreme_values() {
  std::vector<nlohmann::json> values;
  for (const std::string &text : extreme_texts()) {
    const auto number = nlohmann::json::parse(text, nullptr, false);
    values.push_back(number.is_discarded() ? nlohmann::json(text) : number);
  }
  values.push_back(nlohmann::json::array());
  values.push_back(nlohmann::json::object());
  values.push_back(nullptr);
  values.push_back(true);
  values.push_back(nlohmann::json::parse("[[[[[[[[[[[[1]]]]]]]]]]]]"));
  return values;
}

// Every query parameter and body field a route of the API reads.
const std::vector<std::string> query_parameters{"step", "from", "to", "tz", "bucket", "limit"};
const std::vector<std::string> body_fields{"mid",          "nrDaysBack",
                                           "id",           "name",
                                           "kind",         "ppu",
                                           "unit",         "location",
                                           "tariff",       "min_interval_ms",
                                           "min_width_ms", "power_timeout_s",
                                           "node",         "boot",
                                           "seq",          "meter",
                                           "pulses",       "clock",
                                           "now_us",       "health",
                                           "username",     "password"};

std::string with_id(std::string pattern, const std::string &id) {
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    pattern.replace(open, pattern.find('}', open) - open + 1, id);
  }
  return pattern;
}

class RouteWalk : public ::testing::Test {
protected:
  testing::ApiInProcess &api = testing::api_in_process();
  int requests = 0;

  // One request through the real router, on a thread of its own so that a
  // request that never ends fails the test instead of hanging it.
  void expect_answer(http::Request request, const std::string &what) {
    ++requests;
    // One address: after five failed logins it is turned away at once
    // instead of making the walk wait for hundreds of hashes.
    request.remote_address = "127.0.0.1";
    auto answer = std::async(std::launch::async, [this, request]() mutable {
      http::Response response = http::settle(api.router().handle(request));
      std::size_t streamed = 0;
      while (response.next_chunk) {
        const auto chunk = response.next_chunk();
        if (!chunk) {
          break;
        }
        streamed += chunk->size();
      }
      return std::pair{response.status, response.body.substr(0, 200) + std::to_string(streamed)};
    });
    if (answer.wait_for(60s) != std::future_status::ready) {
      // The request's thread cannot be stopped, and the future would wait
      // for it: end the test process, which is what a hang must do.
      std::fprintf(stderr, "%s did not answer within 60 s\n", what.c_str());
      std::abort();
    }
    const auto [status, body] = answer.get();
    EXPECT_LT(status, 500U) << what << " → " << body;
  }

  http::Request request_for(const http::Route &route, const std::string &id) const {
    http::Request request;
    request.method = route.method;
    request.path = with_id(route.pattern, id);
    request.target = request.path;
    request.headers["content-type"] = "application/json";
    request.headers["authorization"] =
        "Bearer " + (route.access == http::Access::device ? api.device_key() : api.admin_token());
    return request;
  }
};

TEST_F(RouteWalk, EveryRouteAnswersEveryExtremeValueBelow500) {
  const auto &routes = api.router().routes();
  ASSERT_GT(routes.size(), 10U);
  for (const http::Route &route : routes) {
    const bool has_id = route.pattern.find('{') != std::string::npos;
    const bool has_body = route.method == "POST" || route.method == "PUT";
    const bool is_login = route.pattern.find("login") != std::string::npos;
    if (has_id) {
      for (const std::string &text : extreme_texts()) {
        expect_answer(request_for(route, text), route.method + " " + route.pattern + " id=" + text);
      }
    }
    for (const std::string &name : query_parameters) {
      for (const std::string &text : extreme_texts()) {
        http::Request request = request_for(route, "1");
        request.query[name] = text;
        expect_answer(request,
                      route.method + " " + route.pattern + " ?" + name + "=" + text.substr(0, 40));
      }
    }
    if (!has_body) {
      continue;
    }
    // A login reads two fields; the rest would only repeat them.
    const std::vector<std::string> fields =
        is_login ? std::vector<std::string>{"username", "password"} : body_fields;
    for (const std::string &field : fields) {
      for (const nlohmann::json &value : extreme_values()) {
        http::Request request = request_for(route, "1");
        // The other fields name no meter, so the handlers refuse or answer
        // at once once this field passed: the walk is about this field.
        nlohmann::json body{{"mid", 999}, {"node", "walk"}};
        body[field] = value;
        request.body = body.dump();
        expect_answer(request, route.method + " " + route.pattern + " " + field + "=" +
                                   value.dump().substr(0, 40));
      }
    }
    for (const std::size_t depth : {100U, 100'000U}) {
      http::Request request = request_for(route, "1");
      request.body = R"({"mid":)" + std::string(depth, '[') + std::string(depth, ']') +
                     R"(,"health":)" + std::string(depth, '[') + std::string(depth, ']') + "}";
      expect_answer(request,
                    route.method + " " + route.pattern + " nested " + std::to_string(depth));
    }
  }
  EXPECT_GT(requests, 3000) << "the walk covers the table";
}

} // namespace
} // namespace pulsemon
