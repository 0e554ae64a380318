// Walks the router's own table: every route not on the explicit public list
// must refuse a caller without a token.
#include "api/api.h"
#include "api/openapi.h"
#include "auth/jwt.h"
#include "store/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace pulsemon {
namespace {

const std::set<std::string> public_routes{
    "GET /healthz", "GET /api/openapi.json", "POST /api/login", "POST /apiv2/login", "GET /apiv2/",
    "GET /apiv1/*", "GET /", "GET /assets/*",
    // A share link's token is its access (docs/sharing.md).
    "GET /api/share/{token}", "GET /share/{token}", "GET /display/{token}"};

std::string concrete_path(std::string pattern) {
  for (auto open = pattern.find('{'); open != std::string::npos; open = pattern.find('{')) {
    pattern.replace(open, pattern.find('}', open) - open + 1, "1");
  }
  return pattern;
}

TEST(Routes, EveryRouteOffThePublicListRefusesACallerWithoutAToken) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  Meter meter;
  meter.id = 1;
  meter.name = "m";
  store.add_meter(meter, utc_from_epoch_us(0));
  ApiContext context{store, std::string(32, 'k'), ApiSettings{}, {}, {}};
  const http::Router router = make_router(context);

  std::set<std::string> seen_public;
  ASSERT_GT(router.routes().size(), public_routes.size());
  for (const http::Route &route : router.routes()) {
    const std::string name = route.method + " " + route.pattern;
    if (route.access == http::Access::open) {
      EXPECT_TRUE(public_routes.contains(name)) << name << " is open but not on the public list";
      seen_public.insert(name);
      continue;
    }
    for (const std::string &token_header :
         {std::string{}, std::string("x-access-token"), std::string("authorization")}) {
      http::Request request;
      request.method = route.method;
      request.path = concrete_path(route.pattern);
      request.remote_address = "127.0.0.1";
      if (token_header == "authorization") {
        request.headers[token_header] = "Bearer not-a-token";
      } else if (!token_header.empty()) {
        request.headers[token_header] = "not-a-token";
      }
      const http::Response response = http::settle(router.handle(request));
      EXPECT_EQ(response.status, 401U)
          << name << " with " << (token_header.empty() ? "no token" : token_header);
    }
  }
  EXPECT_EQ(seen_public, public_routes);
}

TEST(Routes, TheOpenApiDocumentListsEveryRouteAndNoOther) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  ApiContext context{store, std::string(32, 'k'), ApiSettings{}, {}, {}};
  const http::Router router = make_router(context);

  const auto document = nlohmann::json::parse(openapi_document());
  EXPECT_EQ(document["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::string> documented;
  for (const auto &[path, operations] : document["paths"].items()) {
    for (const auto &[method, operation] : operations.items()) {
      std::string upper = method;
      std::transform(upper.begin(), upper.end(), upper.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      documented.insert(upper + " " + path);
      EXPECT_TRUE(operation.contains("responses")) << upper << " " << path;
    }
  }
  std::set<std::string> served;
  for (const http::Route &route : router.routes()) {
    served.insert(route.method + " " + route.pattern);
  }
  EXPECT_EQ(served, documented);
}

// Found by fuzz_api_request: a percent-decoded byte that is not UTF-8,
// echoed in an error message, made the JSON serializer throw out of the
// router, and a single `GET /%ff` ended the daemon. Every answer is JSON,
// with U+FFFD for such bytes.
TEST(Routes, AnswersAreJsonEvenWhenWhatTheyEchoIsNotUtf8) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  Meter meter;
  meter.id = 1;
  meter.name = "caf\xe9"; // Latin-1, as a shell in such a locale would pass it
  store.add_meter(meter, utc_from_epoch_us(0));
  store.add_user(User{0, "ada", Role::admin, "hash", 0, false}, utc_from_epoch_us(0));
  ApiContext context{store, std::string(32, 'k'), ApiSettings{}, {}, {}};
  const http::Router router = make_router(context);
  const std::int64_t issued =
      std::chrono::floor<std::chrono::seconds>(real_time().wall_now()).time_since_epoch().count();
  const std::int64_t generation = store.find_user("ada")->token_generation;
  const std::string token = auth::sign_token(
      auth::TokenClaims{"ada", "admin", issued, issued + 3600, generation, std::nullopt},
      context.secret);
  const std::string replacement = "\xef\xbf\xbd";

  const auto answer = [&](const std::string &path, std::map<std::string, std::string> query) {
    http::Request request;
    request.method = "GET";
    request.path = path;
    request.query = std::move(query);
    request.headers["authorization"] = "Bearer " + token;
    return router.handle(request);
  };
  const http::Response unknown = answer("/\xff", {});
  EXPECT_EQ(unknown.status, 404U);
  EXPECT_NE(
      nlohmann::json::parse(unknown.body)["error"]["message"].get<std::string>().find(replacement),
      std::string::npos)
      << unknown.body;
  const http::Response bad_time = answer("/api/meters/1/pulses", {{"from", "17800\xbc"}});
  EXPECT_EQ(bad_time.status, 400U);
  EXPECT_TRUE(nlohmann::json::accept(bad_time.body)) << bad_time.body;
  const http::Response meters = answer("/api/meters", {});
  ASSERT_EQ(meters.status, 200U) << meters.body;
  EXPECT_EQ(nlohmann::json::parse(meters.body)[0]["name"], "caf" + replacement);
}

} // namespace
} // namespace pulsemon

namespace pulsemon {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

std::string header_of(const Headers &headers, const std::string &name) {
  for (const auto &[key, value] : headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

// Browser pages may read the v1 API only from the configured origins (none
// by default); the old service's endpoints allow any origin, as it did.
TEST(Routes, CorsHeadersFollowTheConfiguredOriginsAndTheOldServicesEndpointsAllowAny) {
  testing::TempDir dir;
  SqliteStore store(dir / "pulsemon.db", StoreOptions{Durability::full, true});
  ApiSettings settings;
  settings.cors_origins = {"https://dash.example"};
  ApiContext context{store, std::string(32, 'k'), settings, {}, {}};
  const http::Router router = make_router(context);
  const auto answer = [&](const std::string &method, const std::string &path,
                          const std::string &origin) {
    http::Request request;
    request.method = method;
    request.path = path;
    request.remote_address = "127.0.0.1";
    request.headers["origin"] = origin;
    return http::settle(router.handle(request));
  };

  http::Response response = answer("GET", "/api/meters", "https://dash.example");
  EXPECT_EQ(response.status, 401U);
  EXPECT_EQ(header_of(response.headers, "Access-Control-Allow-Origin"), "https://dash.example");
  EXPECT_EQ(header_of(response.headers, "Vary"), "Origin");
  response = answer("GET", "/api/meters", "https://evil.example");
  EXPECT_EQ(header_of(response.headers, "Access-Control-Allow-Origin"), "");

  response = answer("OPTIONS", "/api/meters/1", "https://dash.example");
  EXPECT_EQ(response.status, 204U);
  EXPECT_NE(header_of(response.headers, "Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  EXPECT_EQ(header_of(response.headers, "Allow"), "GET, PUT, OPTIONS");
  response = answer("OPTIONS", "/api/meters/1", "https://evil.example");
  EXPECT_EQ(response.status, 204U);
  EXPECT_EQ(header_of(response.headers, "Access-Control-Allow-Origin"), "");
  EXPECT_EQ(answer("OPTIONS", "/nothing", "https://dash.example").status, 404U);

  for (const auto &[method, path] :
       {std::pair{"GET", "/api/ipu"}, std::pair{"OPTIONS", "/api/ipu"},
        std::pair{"PUT", "/apiv2/e-energy"}, std::pair{"POST", "/api/login"},
        std::pair{"GET", "/apiv1/x"}}) {
    response = answer(method, path, "https://anywhere.example");
    EXPECT_EQ(header_of(response.headers, "Access-Control-Allow-Origin"), "*") << method << path;
    EXPECT_EQ(header_of(response.headers, "Access-Control-Allow-Headers"),
              "X-Requested-With,Content-type,Accept,X-Access-Token,X-Key")
        << method << path;
  }
  EXPECT_EQ(answer("GET", "/api/ipu", "").content_type, "application/json; charset=utf-8");
}

} // namespace
} // namespace pulsemon
