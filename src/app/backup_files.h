#pragma once
// What `pulsemon backup` and the daemon's scheduled backups both do to a
// backup folder besides the copy itself (store/sqlite/sqlite_backup.h).

#include <filesystem>

namespace pulsemon {

// Removes what copies killed half-way left in `folder` (pulsemon-….db.partial
// files: never a backup); nothing else there is touched.
void remove_partial_backups(const std::filesystem::path &folder);

// Copies `from` to `to` (replacing it) for its owner only: what goes beside
// a backup (its config may hold a broker's password, the secret signs tokens).
void copy_owner_only(const std::filesystem::path &from, const std::filesystem::path &to);

} // namespace pulsemon
