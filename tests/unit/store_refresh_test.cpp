// Two store instances on one file stand for dssd and dsscli: each must see the other's
// commits (PRAGMA data_version), on reads after the refresh interval, on demand, and inside
// transactions (no lost update from a stale cache).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/crypto.h"
#include "storage/metadata_store.h"

using namespace dss;
namespace fs = std::filesystem;

class StoreRefreshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dssd-refresh-" + RandomToken(8));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path() { return (dir_ / "m.sqlite").string(); }
  fs::path dir_;
};

TEST_F(StoreRefreshTest, RefreshIfChangedSeesOtherInstanceCommits) {
  auto a = storage::OpenSqliteMetadataStore(Path());
  auto b = storage::OpenSqliteMetadataStore(Path());
  EXPECT_FALSE(a->RefreshIfChanged());
  b->Put("user", "", "bob", Json{{"login", "bob"}});
  EXPECT_TRUE(a->RefreshIfChanged());
  auto got = a->Get("user", "", "bob");
  ASSERT_TRUE(got);
  EXPECT_EQ((*got->data)["login"], "bob");
  EXPECT_FALSE(a->RefreshIfChanged());
  // Own commits do not count as foreign changes.
  a->Put("user", "", "carol", Json::object());
  EXPECT_FALSE(a->RefreshIfChanged());
  EXPECT_TRUE(b->RefreshIfChanged());
  EXPECT_TRUE(b->Get("user", "", "carol"));
  b->Delete("user", "", "bob");
  EXPECT_TRUE(a->RefreshIfChanged());
  EXPECT_FALSE(a->Get("user", "", "bob"));
}

TEST_F(StoreRefreshTest, ReadsRefreshAfterTheInterval) {
  auto a = storage::OpenSqliteMetadataStore(Path());
  auto b = storage::OpenSqliteMetadataStore(Path());
  b->Put("group", "", "g", Json{{"v", 1}});
  bool seen = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    seen = a->Get("group", "", "g").has_value();
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(a->ListAll("group").size(), 1u);
}

TEST_F(StoreRefreshTest, TransactionsNeverBuildOnAStaleCache) {
  auto a = storage::OpenSqliteMetadataStore(Path());
  auto b = storage::OpenSqliteMetadataStore(Path());
  a->Put("counter", "", "c", Json{{"n", 0}});
  b->RefreshIfChanged();
  // Alternate increments between the two instances without explicit refreshes: each
  // transaction must read the other's last write.
  for (int i = 0; i < 20; ++i) {
    auto& s = (i % 2 == 0) ? a : b;
    s->Transact([&](storage::Txn& t) {
      auto d = t.Get("counter", "", "c");
      ASSERT_TRUE(d);
      t.Put("counter", "", "c", Json{{"n", (*d->data)["n"].get<int>() + 1}});
    });
  }
  a->RefreshIfChanged();
  auto d = a->Get("counter", "", "c");
  ASSERT_TRUE(d);
  EXPECT_EQ((*d->data)["n"], 20);
  EXPECT_EQ(d->version, 21);
}

TEST_F(StoreRefreshTest, ConcurrentReadersDuringForeignWrites) {
  auto a = storage::OpenSqliteMetadataStore(Path());
  auto b = storage::OpenSqliteMetadataStore(Path());
  std::atomic<bool> stop{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (!stop) {
        for (const auto& d : a->ListAll("k")) EXPECT_TRUE(d.data->is_object());
      }
    });
  for (int i = 0; i < 50; ++i) b->Put("k", "", std::to_string(i), Json{{"i", i}});
  stop = true;
  for (auto& t : readers) t.join();
  a->RefreshIfChanged();
  EXPECT_EQ(a->ListAll("k").size(), 50u);
}

TEST_F(StoreRefreshTest, ReadsInsideATransactionDoNotDeadlock) {
  auto a = storage::OpenSqliteMetadataStore(Path());
  auto b = storage::OpenSqliteMetadataStore(Path());
  b->Put("x", "", "1", Json::object());
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a refresh is due
  a->Transact([&](storage::Txn& t) {
    EXPECT_TRUE(a->Get("x", "", "1"));  // the store's own read path, from inside
    EXPECT_FALSE(a->RefreshIfChanged());
    t.Put("x", "", "2", Json::object());
  });
  EXPECT_TRUE(a->Get("x", "", "2"));
}
