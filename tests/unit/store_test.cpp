#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "common/api_error.h"
#include "common/crypto.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

using namespace dss;
namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dssd-store-" + RandomToken(8));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path() { return (dir_ / "m.sqlite").string(); }
  fs::path dir_;
};

TEST_F(StoreTest, PutGetListDeleteAndVersions) {
  auto s = storage::OpenSqliteMetadataStore(Path());
  EXPECT_EQ(s->Put("dataset", "P", "b", Json{{"x", 1}}), 1);
  EXPECT_EQ(s->Put("dataset", "P", "a", Json{{"x", 2}}), 1);
  EXPECT_EQ(s->Put("dataset", "P", "a", Json{{"x", 3}}), 2);
  s->Put("dataset", "Q", "c", Json::object());
  auto a = s->Get("dataset", "P", "a");
  ASSERT_TRUE(a);
  EXPECT_EQ((*a->data)["x"], 3);
  EXPECT_EQ(a->version, 2);
  auto list = s->List("dataset", "P");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "a");
  EXPECT_EQ(s->ListAll("dataset").size(), 3u);
  EXPECT_TRUE(s->Delete("dataset", "P", "a"));
  EXPECT_FALSE(s->Delete("dataset", "P", "a"));
  EXPECT_FALSE(s->Get("dataset", "P", "a"));
}

TEST_F(StoreTest, FailedTransactionChangesNothing) {
  auto s = storage::OpenSqliteMetadataStore(Path());
  s->Put("k", "", "x", Json{{"v", 1}});
  EXPECT_THROW(s->Transact([&](storage::Txn& t) {
    t.Put("k", "", "x", Json{{"v", 2}});
    t.Put("k", "", "y", Json{{"v", 2}});
    EXPECT_EQ((*t.Get("k", "", "x")->data)["v"], 2);  // reads its own writes
    throw ApiError::Conflict("boom");
  }),
               ApiError);
  EXPECT_EQ((*s->Get("k", "", "x")->data)["v"], 1);
  EXPECT_FALSE(s->Get("k", "", "y"));
}

TEST_F(StoreTest, SurvivesReopenAndDeleteScope) {
  {
    auto s = storage::OpenSqliteMetadataStore(Path());
    s->Put("project", "P", "project", Json{{"name", "p"}});
    s->Put("dataset", "P", "d", Json::object());
    s->Put("project", "Q", "project", Json{{"name", "q"}});
    s->AppendEvent("timeline", "P", Json{{"a", 1}});
    s->AppendEvent("timeline", "P", Json{{"a", 2}});
  }
  auto s = storage::OpenSqliteMetadataStore(Path());
  EXPECT_EQ((*s->Get("project", "P", "project")->data)["name"], "p");
  auto ev = s->ListEvents("timeline", "P", 10);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].data["a"], 2);  // newest first
  s->Transact([](storage::Txn& t) { t.DeleteScope("P"); });
  EXPECT_FALSE(s->Get("project", "P", "project"));
  EXPECT_FALSE(s->Get("dataset", "P", "d"));
  EXPECT_TRUE(s->Get("project", "Q", "project"));
  EXPECT_TRUE(s->ListEvents("timeline", "P", 10).empty());
}

TEST_F(StoreTest, ConcurrentWritersAreSerialised) {
  auto s = storage::OpenSqliteMetadataStore(Path());
  s->Put("counter", "", "c", Json{{"n", 0}});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        s->Transact([](storage::Txn& txn) {
          auto d = txn.Get("counter", "", "c");
          txn.Put("counter", "", "c", Json{{"n", (*d->data)["n"].get<int>() + 1}});
        });
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ((*s->Get("counter", "", "c")->data)["n"], 200);
}

TEST(SafeJoin, RefusesEscapes) {
  fs::path base = "/data/f";
  EXPECT_EQ(storage::SafeJoin(base, "a/b.csv"), fs::path("/data/f/a/b.csv"));
  EXPECT_EQ(storage::SafeJoin(base, "/a//b"), fs::path("/data/f/a/b"));
  EXPECT_THROW(storage::SafeJoin(base, "../x"), ApiError);
  EXPECT_THROW(storage::SafeJoin(base, "a/../../x"), ApiError);
  EXPECT_THROW(storage::SafeJoin(base, std::string("a\0b", 3)), ApiError);
}
