#pragma once
// How far a commit is made durable before it counts as done (config
// `durability`); every backend maps it onto its own settings.

namespace pulsemon {

enum class Durability {
  full,   // flushed to disk at every commit: a power loss loses nothing committed
  normal, // flushed at checkpoints: a power loss can lose the last commits
};

} // namespace pulsemon
