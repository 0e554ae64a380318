#include "app/progress.h"

#include "core/progress_text.h"

#include <unistd.h>

#include <sys/ioctl.h>

namespace pulsemon {

namespace {

constexpr auto redraw_every = std::chrono::milliseconds{200};

// The terminal's width, so a long line is cut rather than wrapped (a
// wrapped line cannot be redrawn in place).
std::size_t terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) {
    return size.ws_col - 1U;
  }
  return 79;
}

void write_all(const std::string &text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data() + written, text.size() - written);
    if (n <= 0) {
      return; // a closed terminal: progress is not worth failing the work for
    }
    written += static_cast<std::size_t>(n);
  }
}

} // namespace

Progress::Progress(std::string what, std::optional<std::int64_t> total, Output output)
    : shown_(::isatty(STDERR_FILENO) == 1 &&
             (output == Output::summary_only || ::isatty(STDOUT_FILENO) != 1)),
      what_(std::move(what)), total_(total), step_began_(std::chrono::steady_clock::now()) {
  if (shown_) {
    drawer_ = std::thread([this] { draw_until_finished(); });
  }
}

Progress::~Progress() {
  finish();
}

void Progress::next_step(std::string what, std::optional<std::int64_t> total) {
  const std::lock_guard lock(mutex_);
  what_ = std::move(what);
  total_ = total;
  step_began_ = std::chrono::steady_clock::now();
  done_.store(0, std::memory_order_relaxed);
  step_changed_ = true;
  wake_.notify_all();
}

void Progress::set(std::int64_t done, std::int64_t total) {
  const std::lock_guard lock(mutex_);
  total_ = total;
  done_.store(done, std::memory_order_relaxed);
}

void Progress::finish() {
  {
    const std::lock_guard lock(mutex_);
    if (finished_) {
      return;
    }
    finished_ = true;
  }
  wake_.notify_all();
  if (drawer_.joinable()) {
    drawer_.join();
  }
}

void Progress::draw_until_finished() {
  std::unique_lock lock(mutex_);
  while (!finished_) {
    const std::string text = next_drawing(false);
    step_changed_ = false;
    // The terminal may block (a paused or slow one); the work's calls to
    // next_step and set must not wait for it.
    lock.unlock();
    write_all(text);
    lock.lock();
    wake_.wait_for(lock, redraw_every, [this] { return finished_ || step_changed_; });
  }
  const std::string clear = next_drawing(true);
  lock.unlock();
  write_all(clear);
}

// Called with mutex_ held.
std::string Progress::next_drawing(bool clear_only) {
  std::string line;
  if (!clear_only) {
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - step_began_).count();
    line = progress_line({what_, done_.load(std::memory_order_relaxed), total_, elapsed});
    line.resize(std::min(line.size(), terminal_columns()));
  }
  // Back to the line's start, the new text, blanks over what is left of
  // the longer line before.
  std::string text = "\r" + line;
  if (line.size() < drawn_width_) {
    text += std::string(drawn_width_ - line.size(), ' ') + "\r" + line;
  }
  drawn_width_ = line.size();
  return text;
}

} // namespace pulsemon
