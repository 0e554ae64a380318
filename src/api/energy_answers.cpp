#include "api/energy_answers.h"

namespace pulsemon {

const std::string *EnergyAnswers::find(const Key &key, std::uint64_t generation) {
  forget_all_unless(generation);
  const auto found = bodies_.find(key);
  return found == bodies_.end() ? nullptr : &found->second;
}

void EnergyAnswers::keep(const Key &key, std::string body, std::uint64_t generation) {
  forget_all_unless(generation);
  if (body.size() > max_bytes) {
    return;
  }
  if (const auto kept = bodies_.find(key); kept != bodies_.end()) {
    bytes_ -= kept->second.size();
    bodies_.erase(kept);
  }
  if (bytes_ + body.size() > max_bytes) {
    // Simple and bounded: a full cache starts again.
    bodies_.clear();
    bytes_ = 0;
  }
  bytes_ += body.size();
  bodies_.emplace(key, std::move(body));
}

void EnergyAnswers::forget_all_unless(std::uint64_t generation) {
  if (generation != generation_) {
    bodies_.clear();
    bytes_ = 0;
    generation_ = generation;
  }
}

} // namespace pulsemon
