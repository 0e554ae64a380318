#pragma once
// Runs the real pulsemon binary as a child process: to completion with its
// output captured, or in the background (the daemon) with its log readable
// line by line while it runs.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace pulsemon::testing {

struct Completed {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `program args…` with `input` on its stdin and waits for it.
Completed run(const std::filesystem::path &program, const std::vector<std::string> &args,
              const std::string &input = {});

// Runs `program args…` on a pseudo-terminal, as a person at a shell would:
// standard output and error both go to it, and `out` holds all it showed
// (with its \r redraws and the terminal's \r\n line ends).
Completed run_on_terminal(const std::filesystem::path &program,
                          const std::vector<std::string> &args);

class Background {
public:
  // Starts the program with stdout and stderr going to one pipe.
  Background(const std::filesystem::path &program, const std::vector<std::string> &args);
  ~Background(); // kills the process if it still runs
  Background(const Background &) = delete;
  Background &operator=(const Background &) = delete;

  // Reads output until a line contains `text` or `timeout` passes; returns
  // that line. All output read so far is kept in output().
  std::optional<std::string> wait_for_line(const std::string &text, std::chrono::seconds timeout);
  void signal(int number);
  // Waits for the exit and returns its code (reading the rest of the output).
  int wait(std::chrono::seconds timeout);
  [[nodiscard]] const std::string &output() const { return output_; }
  [[nodiscard]] pid_t pid() const { return pid_; }

private:
  bool read_some(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int fd_ = -1;
  std::string output_;
  std::size_t scanned_ = 0;
  std::optional<int> exit_code_;
};

// The pulsemon binary under test (set by CMake).
std::filesystem::path pulsemon_binary();

} // namespace pulsemon::testing
