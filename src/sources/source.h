#pragma once
// What the daemon's supervisor needs of a source that can die on its own
// (a GPIO line whose chip went away): start it with a way to say so, ask
// how it is, stop it.

#include <functional>
#include <string>

namespace pulsemon {

class Source {
public:
  // Called once, from the source's own thread, when it ends without being
  // stopped; `why` is for a person. The source's edges so far are handed on.
  using Died = std::function<void(const std::string &why)>;

  Source() = default;
  virtual ~Source() = default;
  Source(const Source &) = delete;
  Source &operator=(const Source &) = delete;

  virtual void start(Died died) = 0;
  // Stops it and waits until its thread has ended.
  virtual void stop_and_join() = 0;
  // What is worth knowing while it runs ("" when all is well).
  [[nodiscard]] virtual std::string condition() const = 0;
};

} // namespace pulsemon
