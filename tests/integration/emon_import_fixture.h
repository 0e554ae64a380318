#pragma once
// What the tests of 'pulsemon import emon-db' share: a target made by
// 'pulsemon init', old files written with SQLite itself, and the target's
// state to compare before and after.
#include "support/process.h"
#include "support/temp_dir.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pulsemon {

using testing::Completed;
using testing::pulsemon_binary;

inline void write_database(const std::filesystem::path &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char *message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  const std::string error = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << error;
}

class EmonImport : public ::testing::Test {
protected:
  testing::TempDir dir;

  void SetUp() override {
    const Completed done = testing::run(pulsemon_binary(), {"init", "--dir", target().string()});
    ASSERT_EQ(done.exit_code, 0) << done.err;
  }

  std::filesystem::path target() const { return dir / "data"; }

  Completed pulsemon(std::vector<std::string> args) const {
    args.insert(args.begin(), {"-c", (target() / "pulsemon.toml").string()});
    return testing::run(pulsemon_binary(), args);
  }

  Completed import(const std::filesystem::path &file) const {
    return pulsemon({"import", "emon-db", file.string()});
  }

  nlohmann::json json_of(std::vector<std::string> args) const {
    const Completed done = pulsemon(std::move(args));
    EXPECT_EQ(done.exit_code, 0) << done.err;
    return nlohmann::json::parse(done.out);
  }

  nlohmann::json meters() const { return json_of({"meter", "list", "--json"}); }
  nlohmann::json users() const { return json_of({"user", "list", "--json"}); }

  // Everything a refused import, or a repeated one, must leave as it was;
  // only the counter of resent (duplicate) pulses may move.
  std::string target_state() const {
    nlohmann::json list = meters();
    for (auto &meter : list) {
      meter.erase("duplicates");
    }
    std::string state = list.dump() + users().dump();
    for (const auto &meter : meters()) {
      state += pulsemon({"export", "csv", "--meter", std::to_string(meter["id"].get<int>())}).out;
    }
    return state;
  }

  void expect_refused(const std::filesystem::path &file, const std::string &reason) const {
    const std::string before = target_state();
    const Completed done = import(file);
    EXPECT_EQ(done.exit_code, 2) << done.out;
    EXPECT_NE(done.err.find(reason), std::string::npos) << done.err;
    EXPECT_EQ(target_state(), before);
  }
};

} // namespace pulsemon
