// Settings getters, connection secrets and user password hashing, on a real SQLite store.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/api_error.h"
#include "common/crypto.h"
#include "core/connection_service.h"
#include "core/settings_service.h"
#include "core/user_service.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

using namespace dss;
namespace fs = std::filesystem;

class AdminServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("dssd-admin-" + RandomToken(8));
    fs::create_directories(dir_);
    store_ = storage::OpenSqliteMetadataStore((dir_ / "m.sqlite").string());
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  fs::path dir_;
  storage::MetadataStorePtr store_;
};

TEST_F(AdminServicesTest, SettingsGettersFollowPuts) {
  core::SettingsService s(*store_);
  EXPECT_EQ(s.MaxRunningActivities(), 5);
  EXPECT_EQ(s.DatasetVersionsToKeep(), 3);
  Json body = s.GetGeneral();
  body["maxRunningActivities"] = 2;
  body["datasetVersionsToKeep"] = 7;
  body["extra"] = 1;
  auto warnings = s.PutGeneral(body);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0], "extra");
  EXPECT_EQ(s.MaxRunningActivities(), 2);
  EXPECT_EQ(s.DatasetVersionsToKeep(), 7);
  body["maxRunningActivities"] = "3";
  EXPECT_THROW(s.PutGeneral(body), ApiError);
  EXPECT_EQ(s.MaxRunningActivities(), 2);
  body.erase("maxRunningActivities");  // absent = default again
  s.PutGeneral(body);
  EXPECT_EQ(s.MaxRunningActivities(), 5);
}

TEST_F(AdminServicesTest, ConnectionSecretsAndRoots) {
  core::ConnectionService c(*store_, storage::DataDir(dir_));
  c.EnsureBuiltins();
  EXPECT_EQ(c.FilesystemRoot(core::kBuiltinManagedDatasets), dir_ / "managed_datasets");
  auth::Principal admin;
  admin.global = auth::CloseGlobalPerms(auth::kGlobalAdmin);
  c.Create(admin, Json{{"name", "pg"},
                       {"type", "PostgreSQL"},
                       {"params",
                        {{"host", "h"},
                         {"port", "6543"},
                         {"db", "d"},
                         {"user", "u"},
                         {"password", "pw"},
                         {"clientSecret", "cs"}}}});
  Json full = c.GetDefinition("pg");
  EXPECT_EQ(full["params"]["password"], "pw");
  EXPECT_EQ(full["params"]["port"], 6543);  // normalised to an integer
  Json masked = c.GetForAdmin("pg");
  EXPECT_EQ(masked["params"]["password"], core::kMaskedSecret);
  EXPECT_EQ(masked["params"]["clientSecret"], core::kMaskedSecret);
  c.Update("pg", masked);
  EXPECT_EQ(c.GetDefinition("pg")["params"]["password"], "pw");
  EXPECT_THROW(c.FilesystemRoot("pg"), ApiError);
  try {
    c.GetDefinition("nope");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(ErrorTypeOf(e.code()), "java.lang.IllegalArgumentException");
    EXPECT_STREQ(e.what(), "Connection 'nope' does not exist");
  }
  EXPECT_THROW(c.Delete(core::kBuiltinManagedFolders), ApiError);
}

TEST_F(AdminServicesTest, PasswordsAreSaltedHashes) {
  std::string a = core::UserService::HashPassword("secret");
  std::string b = core::UserService::HashPassword("secret");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("secret"), std::string::npos);
  EXPECT_TRUE(core::UserService::CheckPassword("secret", a));
  EXPECT_FALSE(core::UserService::CheckPassword("Secret", a));
  EXPECT_FALSE(core::UserService::CheckPassword("secret", "garbage"));
}
