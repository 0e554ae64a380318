#pragma once
// How a store is opened: how far a commit is made durable before it
// counts as done (config `durability`; every backend maps it onto its own
// settings), whether a missing store may be made, and under which name its
// commits enter the change feed.

#include <string>

namespace pulsemon {

enum class Durability {
  full,   // flushed to disk at every commit: a power loss loses nothing committed
  normal, // flushed at checkpoints: a power loss can lose the last commits
};

struct StoreOptions {
  Durability durability = Durability::full;
  bool create = false; // create the store (file, schema) when it does not exist
  // The instance whose handle this is, in the change feed
  // (store/change_feed.h) of a backend that has one; empty: the handle's
  // commits are not put in the feed (a command's bulk import).
  std::string feed_origin{};
};

} // namespace pulsemon
