#include "app/backup_files.h"

#include "store/sqlite/sqlite_backup.h"

#include <string>

namespace pulsemon {

void remove_partial_backups(const std::filesystem::path &folder) {
  const std::string ending = std::string(".db") + sqlite::partial_suffix;
  for (const auto &entry : std::filesystem::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("pulsemon-") && name.ends_with(ending)) {
      std::filesystem::remove(entry.path());
    }
  }
}

void copy_owner_only(const std::filesystem::path &from, const std::filesystem::path &to) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(to, std::filesystem::perms::owner_read |
                                       std::filesystem::perms::owner_write);
}

} // namespace pulsemon
