#pragma once
// `memory:NAME` stores: one MemoryStore per name in this process, shared
// by every handle opened on it, so that the daemon (which opens a handle
// per thread) can run on memory in tests. A handle serialises every call
// on the shared store under one lock, which keeps store.h's concurrency
// contract: each write call and each `atomically` block runs as if alone.
// The data lives until the process exits.

#include "store/store.h"

#include <memory>
#include <string>

namespace pulsemon {

[[nodiscard]] std::unique_ptr<Store> open_shared_memory_store(const std::string &name);

} // namespace pulsemon
