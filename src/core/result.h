#pragma once
// One status vocabulary for the whole program (see docs/architecture.md,
// "Error policy"). Pure code returns Result<T>; I/O adapters throw Failure;
// every boundary (CLI main, later HTTP handlers) converts either into an exit
// code or an HTTP status with ErrorCode as the only mapping table.

#include <stdexcept>
#include <string>
#include <utility>
#include <variant>

namespace pulsemon {

enum class ErrorCode {
  invalid_argument,  // bad input from a user or a file: exit 2, HTTP 400
  not_found,         // HTTP 404, exit 1
  already_exists,    // HTTP 409, exit 1
  unauthenticated,   // HTTP 401
  permission_denied, // HTTP 403, exit 1
  unavailable,       // a resource is busy, locked or gone: HTTP 503, exit 1
  internal,          // a bug or an unexpected library failure: HTTP 500, exit 1
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

inline Error invalid_argument(std::string message) {
  return Error{ErrorCode::invalid_argument, std::move(message)};
}

// A value or the reason there is none. Small on purpose: g++ 12 has no
// std::expected, and this is all the code needs of it.
template <class T> class [[nodiscard]] Result {
public:
  Result(T value) : state_(std::move(value)) {}     // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::move(error)) {} // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  [[nodiscard]] const T &value() const & { return std::get<T>(state_); }
  [[nodiscard]] T &value() & { return std::get<T>(state_); }
  [[nodiscard]] T &&value() && { return std::get<T>(std::move(state_)); }
  [[nodiscard]] const Error &error() const { return std::get<Error>(state_); }

  const T &operator*() const & { return value(); }
  const T *operator->() const { return &value(); }

private:
  std::variant<T, Error> state_;
};

// Thrown by I/O adapters (store, sources, config loading) and caught at the
// program's boundaries. Carries the same ErrorCode as Result.
class Failure : public std::runtime_error {
public:
  Failure(ErrorCode code, const std::string &message)
      : std::runtime_error(message), code_(code), message_(message) {}
  explicit Failure(Error error) : Failure(error.code, error.message) {}
  [[nodiscard]] ErrorCode code() const { return code_; }
  // The whole message; what() ends at the first NUL byte.
  [[nodiscard]] const std::string &message() const { return message_; }
  [[nodiscard]] Error error() const { return Error{code_, message_}; }

private:
  ErrorCode code_;
  std::string message_;
};

// Unwraps a Result at a boundary where an error must become a Failure.
template <class T> T value_or_throw(Result<T> result) {
  if (!result.ok()) {
    throw Failure(result.error());
  }
  return std::move(result).value();
}

} // namespace pulsemon
