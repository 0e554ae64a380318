#pragma once
// How a store is opened: how far a commit is made durable before it
// counts as done (config `durability`; every backend maps it onto its own
// settings) and whether a missing store may be made.

namespace pulsemon {

enum class Durability {
  full,   // flushed to disk at every commit: a power loss loses nothing committed
  normal, // flushed at checkpoints: a power loss can lose the last commits
};

struct StoreOptions {
  Durability durability = Durability::full;
  bool create = false; // create the store (file, schema) when it does not exist
};

} // namespace pulsemon
