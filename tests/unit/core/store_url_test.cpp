#include "core/store_url.h"

#include <gtest/gtest.h>

namespace pulsemon {
namespace {

StoreUrl parsed(std::string_view text) {
  const auto url = parse_store_url(text, "store.url");
  EXPECT_TRUE(url.ok()) << (url.ok() ? "" : url.error().message);
  return url.ok() ? *url : StoreUrl{};
}

std::string refusal(std::string_view text) {
  const auto url = parse_store_url(text, "store.url");
  EXPECT_FALSE(url.ok()) << text;
  return url.ok() ? "" : url.error().message;
}

TEST(StoreUrl, SqlitePathsAreAbsoluteWithThreeSlashesAndRelativeWithNone) {
  const StoreUrl absolute = parsed("sqlite:///var/lib/pulsemon/pulsemon.db");
  EXPECT_EQ(absolute.kind, StoreKind::sqlite);
  EXPECT_EQ(absolute.target, "/var/lib/pulsemon/pulsemon.db");
  EXPECT_FALSE(absolute.relative_path());

  const StoreUrl relative = parsed("sqlite:data/pulsemon.db");
  EXPECT_EQ(relative.target, "data/pulsemon.db");
  EXPECT_TRUE(relative.relative_path());
}

TEST(StoreUrl, MemoryAndPostgresqlAreRecognised) {
  EXPECT_EQ(parsed("memory:").kind, StoreKind::memory);
  EXPECT_EQ(parsed("memory:a").target, "a");
  const StoreUrl pg =
      parsed("postgresql://pulsemon@db1,db2/pulsemon?target_session_attrs=read-write");
  EXPECT_EQ(pg.kind, StoreKind::postgresql);
  EXPECT_EQ(pg.target, "postgresql://pulsemon@db1,db2/pulsemon?target_session_attrs=read-write");
  EXPECT_EQ(parsed("postgres:///pulsemon?host=/tmp").kind, StoreKind::postgresql);
}

TEST(StoreUrl, APasswordInThePostgresqlUrlIsRefusedWithoutRepeatingIt) {
  for (const char *url : {"postgresql://pulsemon:hunter2@db/pulsemon",
                          "postgresql://db/pulsemon?sslmode=require&password=hunter2",
                          "postgres://u:hunter2@/pulsemon?host=/run/postgresql"}) {
    const std::string why = refusal(url);
    EXPECT_NE(why.find("store.url"), std::string::npos) << why;
    EXPECT_NE(why.find("password"), std::string::npos) << why;
    EXPECT_EQ(why.find("hunter2"), std::string::npos) << why;
  }
  // A colon after the @ is a port, not a password.
  EXPECT_EQ(parsed("postgresql://pulsemon@db:5433/pulsemon").kind, StoreKind::postgresql);
}

TEST(StoreUrl, WhatIsNoStoreUrlIsRefusedNamingTheKey) {
  for (const char *url : {"", "pulsemon.db", "mysql://db/pulsemon", "sqlite:", "sqlite://host/x.db",
                          "sqlite:///var/lib/", "sqlite:a\nb"}) {
    const std::string why = refusal(url);
    EXPECT_NE(why.find("config key 'store.url'"), std::string::npos) << why;
  }
  EXPECT_NE(refusal(std::string(5000, 'x')).find("4096"), std::string::npos);
}

} // namespace
} // namespace pulsemon
