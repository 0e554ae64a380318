// POST /api/login and POST /apiv2/login: username and password (JSON or form)
// for a token. Answers as the old service did: {token, expires, user} with
// expires in epoch milliseconds, and 401 {"status":401,"message":"Unknown
// USER, bye"} for any failure, without saying whether the user exists.
#include "api/api.h"
#include "auth/jwt.h"
#include "auth/secrets.h"
#include "core/untrusted_json.h"

#include <nlohmann/json.hpp>

namespace pulsemon {

namespace {

constexpr std::string_view unknown_user = R"({"status":401,"message":"Unknown USER, bye"})";

struct Credentials {
  std::string username;
  std::string password;
};

Credentials read_credentials(const http::Request &request) {
  Credentials credentials;
  if (request.header("content-type").find("json") != std::string::npos) {
    // A body that is not JSON, or nested too deep, is a failed login too.
    const auto parsed = parse_untrusted_json(request.body, "body");
    const nlohmann::json body = parsed.ok() ? *parsed : nlohmann::json();
    // Only strings count: value() would throw for {"username": 1}, and a
    // login of the wrong shape is a failed login, not a server failure.
    const auto text = [&body](const char *key) {
      const auto it = body.find(key);
      return body.is_object() && it != body.end() && it->is_string() ? it->get<std::string>()
                                                                     : std::string();
    };
    credentials.username = text("username");
    credentials.password = text("password");
    return credentials;
  }
  const auto form = http::parse_form(request.body);
  if (const auto it = form.find("username"); it != form.end()) {
    credentials.username = it->second;
  }
  if (const auto it = form.find("password"); it != form.end()) {
    credentials.password = it->second;
  }
  return credentials;
}

// Verifying against this when the user does not exist takes as long as a
// real check, so the answer's timing does not tell who exists.
const std::string &decoy_hash() {
  static const std::string hash = auth::hash_password(auth::random_password());
  return hash;
}

http::Response too_many(std::chrono::seconds wait) {
  http::Response response = http::error_response(429, "too_many_requests",
                                                 "too many failed logins; try again in " +
                                                     std::to_string(wait.count()) + " s");
  response.headers.emplace_back("Retry-After", std::to_string(wait.count()));
  return response;
}

// What a login gets once its password was checked.
http::Response login_answer(ApiContext &context, const Credentials &credentials,
                            const std::optional<User> &user, const std::string &address,
                            bool valid) {
  if (!valid) {
    context.login_limits.failed(credentials.username, address, context.time->monotonic_now(),
                                context.time->wall_now());
    return http::json_response(401, std::string(unknown_user));
  }
  context.login_limits.succeeded(credentials.username, address);

  const auto issued =
      std::chrono::floor<std::chrono::seconds>(context.time->wall_now()).time_since_epoch().count();
  const auto expires = issued + context.settings.token_lifetime.count();
  const auth::TokenClaims claims{
      user->name,  std::string(to_string(user->role)), issued, expires, user->token_generation,
      std::nullopt};
  const nlohmann::json body{{"token", auth::sign_token(claims, context.secret)},
                            {"expires", expires * 1000},
                            {"user", user->name},
                            {"role", to_string(user->role)},
                            {"password_change_required", user->must_change_password}};
  return http::json_ok(body);
}

http::Response login(ApiContext &context, const http::Request &request) {
  const Credentials credentials = read_credentials(request);
  const auto wait =
      context.login_limits.wait(credentials.username, request.remote_address,
                                context.time->monotonic_now(), context.time->wall_now());
  if (wait.count() > 0) {
    return too_many(wait);
  }
  auto user =
      credentials.username.empty() ? std::nullopt : context.store.find_user(credentials.username);

  // The hash is checked on the hashing pool; the answer is made back on the
  // handlers' thread, where the limiters and the store may be used.
  http::Response deferred;
  deferred.deferred = [&context, credentials, user = std::move(user),
                       address = request.remote_address](http::Response::Finish finish) {
    const bool queued = context.hashing.submit([&context, credentials, user, address, finish] {
      const bool valid =
          auth::verify_password(credentials.password, user ? user->password_hash : decoy_hash()) &&
          user.has_value() && !credentials.password.empty();
      finish([&context, credentials, user, address, valid] {
        return login_answer(context, credentials, user, address, valid);
      });
    });
    if (!queued) {
      finish([] { return hashing_busy(); });
    }
  };
  return deferred;
}

} // namespace

void add_login_routes(http::Router &router, ApiContext &context) {
  for (const char *path : {"/api/login", "/apiv2/login"}) {
    router.add({"POST",
                path,
                http::Access::open,
                [&context](http::Request &request) { return login(context, request); },
                {},
                true}); // the old service's endpoint, and also pulsemon's own login
  }
}

} // namespace pulsemon
