#include "support/process.h"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace pulsemon::testing {

namespace {

std::vector<char *> argv_of(const std::filesystem::path &program,
                            const std::vector<std::string> &args,
                            std::vector<std::string> &storage) {
  storage.clear();
  storage.push_back(program.string());
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char *> argv;
  for (auto &arg : storage) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  return argv;
}

void read_all(int fd, std::string &into) {
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) {
      return;
    }
    into.append(buffer, static_cast<std::size_t>(n));
  }
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return 128 + WTERMSIG(status);
}

} // namespace

std::filesystem::path pulsemon_binary() {
  return PULSEMON_BINARY;
}

Completed run(const std::filesystem::path &program, const std::vector<std::string> &args,
              const std::string &input) {
  int in[2];
  int out[2];
  int err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> storage;
  auto argv = argv_of(program, args, storage);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Inputs here are small; write them all, then read both outputs.
  if (!input.empty()) {
    (void)!::write(in[1], input.data(), input.size());
  }
  close(in[1]);
  Completed completed;
  std::thread err_reader([&] { read_all(err[0], completed.err); });
  read_all(out[0], completed.out);
  err_reader.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  completed.exit_code = exit_code_of(status);
  return completed;
}

Completed run_on_terminal(const std::filesystem::path &program,
                          const std::vector<std::string> &args) {
  std::vector<std::string> storage;
  auto argv = argv_of(program, args, storage);
  winsize size{};
  size.ws_row = 24;
  size.ws_col = 120;
  int terminal = -1;
  const pid_t pid = forkpty(&terminal, nullptr, nullptr, &size);
  if (pid < 0) {
    throw std::runtime_error("forkpty failed");
  }
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  Completed completed;
  // Reading ends with EIO once the child has exited and closed its side.
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(terminal, buffer, sizeof buffer);
    if (n <= 0) {
      break;
    }
    completed.out.append(buffer, static_cast<std::size_t>(n));
  }
  close(terminal);
  int status = 0;
  waitpid(pid, &status, 0);
  completed.exit_code = exit_code_of(status);
  return completed;
}

Background::Background(const std::filesystem::path &program, const std::vector<std::string> &args) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> storage;
  auto argv = argv_of(program, args, storage);
  pid_ = fork();
  if (pid_ == 0) {
    const int null = ::open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  fd_ = out[0];
}

Background::~Background() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (fd_ >= 0) {
    close(fd_);
  }
}

bool Background::read_some(std::chrono::milliseconds timeout) {
  pollfd fd{fd_, POLLIN, 0};
  if (poll(&fd, 1, static_cast<int>(timeout.count())) <= 0) {
    return false;
  }
  char buffer[4096];
  const ssize_t n = ::read(fd_, buffer, sizeof buffer);
  if (n <= 0) {
    return false;
  }
  output_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::optional<std::string> Background::wait_for_line(const std::string &text,
                                                     std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Look at complete lines not yet scanned.
    std::size_t end = 0;
    while ((end = output_.find('\n', scanned_)) != std::string::npos) {
      const std::string line = output_.substr(scanned_, end - scanned_);
      scanned_ = end + 1;
      if (line.find(text) != std::string::npos) {
        return line;
      }
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    if (!read_some(std::min(left, std::chrono::milliseconds{200}))) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = exit_code_of(status);
        while (read_some(std::chrono::milliseconds{0})) {
        }
        if (output_.find('\n', scanned_) == std::string::npos) {
          return std::nullopt;
        }
      }
    }
  }
}

void Background::signal(int number) {
  if (pid_ > 0) {
    kill(pid_, number);
  }
}

int Background::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (exit_code_) {
    return *exit_code_;
  }
  while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_code_ = exit_code_of(status);
      while (read_some(std::chrono::milliseconds{50})) {
      }
      return *exit_code_;
    }
    read_some(std::chrono::milliseconds{100});
  }
  return -1;
}

} // namespace pulsemon::testing
