#pragma once
// The marks of core/total_marks.h shared by every surface of one daemon and
// kept in a small file beside the database, so that they outlive a restart
// and, above all, a database that is put back older (a restored backup):
// the file is not part of the database, so it is not put back with it.
// /metrics raises and saves the marks before it answers (a Prometheus
// server keeps what it scraped); MQTT out raises them in memory (the
// broker keeps its retained totals, which it hands back at every connect);
// the API shows the held figures. Everything is saved again at the end.
//
// Thread-safe.

#include "core/total_marks.h"

#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace pulsemon {

class PublishedTotals {
public:
  // Reads the marks `file` holds (a missing file: none yet). A file that
  // cannot be read is logged and not used; a file that cannot be written
  // is logged, once per cause.
  explicit PublishedTotals(std::filesystem::path file);
  ~PublishedTotals(); // saves
  PublishedTotals(const PublishedTotals &) = delete;
  PublishedTotals &operator=(const PublishedTotals &) = delete;

  // The figure to show for what the store says (held at the mark while the
  // store is behind it).
  // `resolution`: see TotalMarks::hold.
  [[nodiscard]] double shown(std::int64_t meter_id, MarkedFigure figure, double stored, UtcTime now,
                             double resolution = 0.0);
  // The same, and the figure becomes the mark: for a surface that is about
  // to publish it. With `save`, a mark that rose is written to the file
  // before this returns.
  [[nodiscard]] double publish(std::int64_t meter_id, MarkedFigure figure, double stored,
                               UtcTime now, bool save, double resolution = 0.0);
  // A figure a client already has (a broker's retained total).
  void raise(std::int64_t meter_id, MarkedFigure figure, double seen);

  [[nodiscard]] std::vector<TotalHole> holes() const;
  void keep_only(const std::vector<std::int64_t> &meter_ids);
  void save();

private:
  void save_locked();

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  TotalMarks marks_;
  bool unsaved_ = false;
  std::string last_failure_;
};

} // namespace pulsemon
