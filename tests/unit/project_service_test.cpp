// ProjectService edge cases: deletion hooks (planning failures change nothing, paths are
// confined to the data dir), concurrent mutations and the list cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/api_error.h"
#include "common/crypto.h"
#include "core/project_service.h"
#include "core/security_service.h"
#include "storage/data_dir.h"
#include "storage/metadata_store.h"

using namespace dss;
namespace fs = std::filesystem;

class ProjectServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dssd-projsvc-" + RandomToken(8));
    dir_ = std::make_unique<storage::DataDir>(root_);
    dir_->EnsureLayout();
    store_ = storage::OpenSqliteMetadataStore(dir_->MetadataFile().string());
    security_ = std::make_unique<core::SecurityService>(*store_);
    projects_ = std::make_unique<core::ProjectService>(*store_, *security_, *dir_);
    admin_.kind = auth::Principal::Kind::kGlobalKey;
    admin_.login = "admin";
    admin_.global = auth::CloseGlobalPerms(auth::kGlobalAdmin);
  }
  void TearDown() override {
    projects_.reset();
    security_.reset();
    store_.reset();
    fs::remove_all(root_);
  }
  void Create(const std::string& key) {
    projects_->Create(admin_, Json{{"projectKey", key}, {"name", key}}, "");
  }
  static void Touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
  }

  fs::path root_;
  std::unique_ptr<storage::DataDir> dir_;
  storage::MetadataStorePtr store_;
  std::unique_ptr<core::SecurityService> security_;
  std::unique_ptr<core::ProjectService> projects_;
  auth::Principal admin_;
};

TEST_F(ProjectServiceTest, FailingHookLeavesProjectAndFilesIntact) {
  Create("P");
  fs::path f = dir_->JobsDir() / "P" / "j" / "log";
  Touch(f);
  projects_->AddDeletionHook(
      "boom", [](const std::string&, const core::ProjectDeletionOptions&) -> std::vector<fs::path> {
        throw ApiError::Internal("cannot plan");
      });
  EXPECT_THROW(projects_->Delete(admin_, "P", {}), ApiError);
  EXPECT_NO_THROW(projects_->GetSummary("P"));
  EXPECT_TRUE(fs::exists(f));
}

TEST_F(ProjectServiceTest, HookPathsOutsideDataDirAreRefused) {
  Create("P");
  fs::path outside = fs::temp_directory_path() / ("dssd-outside-" + RandomToken(6));
  Touch(outside / "keep");
  projects_->AddDeletionHook("escape",
                             [&](const std::string&, const core::ProjectDeletionOptions&) {
                               return std::vector<fs::path>{outside};
                             });
  EXPECT_THROW(projects_->Delete(admin_, "P", {}), ApiError);
  EXPECT_TRUE(fs::exists(outside / "keep"));
  EXPECT_NO_THROW(projects_->GetSummary("P"));
  fs::remove_all(outside);
}

TEST_F(ProjectServiceTest, HooksSeeOptionsAndTheirPathsAreRemovedAfterMetadata) {
  Create("P");
  fs::path folder = dir_->ManagedFoldersDir() / "P" / "F1" / "file";
  Touch(folder);
  bool saw_project = false;
  core::ProjectDeletionOptions seen;
  projects_->AddDeletionHook(
      "folders", [&](const std::string& key, const core::ProjectDeletionOptions& o) {
        saw_project = store_->Get(core::kKindProject, key, core::kProjectDocId).has_value();
        seen = o;
        return o.clear_output_managed_folders
                   ? std::vector<fs::path>{dir_->ManagedFoldersDir() / key / "F1"}
                   : std::vector<fs::path>{};
      });
  core::ProjectDeletionOptions o;
  o.clear_output_managed_folders = true;
  o.clear_job_and_scenario_logs = false;
  Json state = projects_->Delete(admin_, "P", o);
  EXPECT_TRUE(saw_project);
  EXPECT_TRUE(seen.clear_output_managed_folders);
  EXPECT_FALSE(seen.clear_job_and_scenario_logs);
  EXPECT_TRUE(state["hasResult"].get<bool>());
  EXPECT_FALSE(state.contains("jobId"));
  EXPECT_FALSE(fs::exists(folder.parent_path()));
  EXPECT_THROW(projects_->GetSummary("P"), ApiError);
  EXPECT_TRUE(store_->ListEvents(core::kEventTimeline, "P", 10).empty());
}

TEST_F(ProjectServiceTest, ConcurrentMutationsAllRecordedInTimeline) {
  Create("P");
  constexpr int kThreads = 4, kEach = 25;
  std::vector<std::thread> ts;
  for (int t = 0; t < kThreads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        projects_->SetVariables(
            admin_, "P", Json{{"standard", {{"t", t}, {"i", i}}}, {"local", Json::object()}});
    });
  for (auto& t : ts) t.join();
  Json tl = projects_->GetTimeline("P", 1000);
  EXPECT_EQ(tl["items"].size(), static_cast<size_t>(kThreads * kEach + 1));
  Json v = projects_->GetVariables("P");
  EXPECT_EQ(v["standard"]["i"], kEach - 1);  // each thread's last write; one of them won
}

TEST_F(ProjectServiceTest, ListCacheFollowsEveryChange) {
  Create("A");
  Create("B");
  std::string first = projects_->ListJsonText(admin_, {});
  EXPECT_EQ(Json::parse(first).size(), 2u);
  EXPECT_EQ(projects_->ListJsonText(admin_, {}), first);
  Json m = projects_->GetMetadata("A");
  m["label"] = "renamed";
  projects_->SetMetadata(admin_, "A", m);
  Json list = Json::parse(projects_->ListJsonText(admin_, {}));
  EXPECT_EQ(list[0]["name"], "renamed");
  projects_->Delete(admin_, "A", {});
  Create("A");
  list = Json::parse(projects_->ListJsonText(admin_, {}));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["name"], "A");
  EXPECT_EQ(Json::parse(projects_->ListJsonText(admin_, {"nope"})).size(), 0u);
}
