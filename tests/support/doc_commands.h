#pragma once
// The shell commands a page of docs/ shows, for the tests that follow a
// page as a reader would: the lines of each ```sh block, block by block,
// without blank lines and whole-line comments.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace pulsemon::testing {

inline std::vector<std::vector<std::string>> sh_blocks(const std::filesystem::path &page) {
  std::ifstream in(page);
  std::vector<std::vector<std::string>> blocks;
  bool in_block = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) {
      in_block = !in_block && line == "```sh";
      if (in_block) {
        blocks.emplace_back();
      }
      continue;
    }
    if (in_block && !line.empty() && !line.starts_with("#")) {
      blocks.back().push_back(line);
    }
  }
  return blocks;
}

} // namespace pulsemon::testing
