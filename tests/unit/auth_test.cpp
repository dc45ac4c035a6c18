#include <gtest/gtest.h>

#include "auth/credentials.h"
#include "auth/permissions.h"
#include "auth/principal.h"
#include "common/strings.h"

using namespace dss;
using namespace dss::auth;

TEST(Credentials, BasicKeyAsUsername) {
  auto c = ParseCredentials("Basic " + Base64Encode("MYKEY:"), "");
  EXPECT_EQ(c.kind, Credentials::Kind::kApiKey);
  EXPECT_EQ(c.secret, "MYKEY");
}

TEST(Credentials, BasicKeyAsPassword) {
  auto c = ParseCredentials("Basic " + Base64Encode(":MYKEY"), "");
  EXPECT_EQ(c.kind, Credentials::Kind::kApiKey);
  EXPECT_EQ(c.secret, "MYKEY");
}

TEST(Credentials, BearerAndTicket) {
  EXPECT_EQ(ParseCredentials("Bearer abc", "").secret, "abc");
  EXPECT_EQ(ParseCredentials("bearer abc", "").kind, Credentials::Kind::kApiKey);
  auto t = ParseCredentials("Bearer abc", "tkt-1");
  EXPECT_EQ(t.kind, Credentials::Kind::kTicket);
  EXPECT_EQ(t.secret, "tkt-1");
}

TEST(Credentials, MissingAndMalformed) {
  EXPECT_EQ(ParseCredentials("", "").kind, Credentials::Kind::kNone);
  EXPECT_EQ(ParseCredentials("Digest xyz", "").kind, Credentials::Kind::kMalformed);
  EXPECT_EQ(ParseCredentials("Basic !!!", "").kind, Credentials::Kind::kMalformed);
  EXPECT_EQ(ParseCredentials("Basic " + Base64Encode(":"), "").kind, Credentials::Kind::kMalformed);
}

TEST(Permissions, Implications) {
  EXPECT_EQ(CloseProjectPerms(kAdmin), kAllProjectPerms);
  auto w = CloseProjectPerms(kWriteProjectContent);
  EXPECT_TRUE(w & kReadProjectContent);
  EXPECT_TRUE(w & kReadDashboards);
  EXPECT_TRUE(w & kWriteDashboards);
  EXPECT_TRUE(w & kRunScenarios);
  EXPECT_FALSE(w & kAdmin);
  EXPECT_FALSE(w & kExportDatasetsData);
  auto r = CloseProjectPerms(kReadProjectContent);
  EXPECT_TRUE(r & kReadDashboards);
  EXPECT_FALSE(r & kWriteProjectContent);
  EXPECT_TRUE(CloseProjectPerms(kShareToWorkspaces) & kManageDashboardAuthorizations);
}

TEST(Permissions, JsonRoundTripAndTypeCheck) {
  Json e = {{"group", "g"}, {"readProjectContent", true}, {"runScenarios", false}};
  EXPECT_EQ(ProjectPermsFromJson(e), kReadProjectContent);
  Json out = Json::object();
  ProjectPermsToJson(kAdmin | kExecuteApp, out);
  EXPECT_TRUE(out["admin"]);
  EXPECT_TRUE(out["executeApp"]);
  EXPECT_FALSE(out["readDashboards"]);
  EXPECT_THROW(ProjectPermsFromJson(Json{{"admin", "yes"}}), std::exception);
}

TEST(Permissions, EffectiveForUsersGroupsOwnersAndKeys) {
  Json entries = Json::array({{{"group", "readers"}, {"readProjectContent", true}},
                              {{"user", "bob"}, {"writeProjectContent", true}}});
  Principal alice;
  alice.login = "alice";
  alice.groups = {"readers"};
  auto pa = EffectiveProjectPerms(alice, "P", "owner", entries);
  EXPECT_TRUE(pa & kReadProjectContent);
  EXPECT_FALSE(pa & kWriteProjectContent);

  Principal bob;
  bob.login = "bob";
  EXPECT_TRUE(EffectiveProjectPerms(bob, "P", "owner", entries) & kRunScenarios);

  Principal owner;
  owner.login = "owner";
  EXPECT_EQ(EffectiveProjectPerms(owner, "P", "owner", entries), kAllProjectPerms);

  Principal stranger;
  stranger.login = "eve";
  EXPECT_EQ(EffectiveProjectPerms(stranger, "P", "owner", entries), 0u);

  Principal admin;
  admin.global = kGlobalAdmin;
  EXPECT_EQ(EffectiveProjectPerms(admin, "P", "owner", entries), kAllProjectPerms);

  Principal key;
  key.kind = Principal::Kind::kGlobalKey;
  key.project_grants["P"] = kReadProjectContent;
  EXPECT_TRUE(EffectiveProjectPerms(key, "P", "owner", entries) & kReadProjectContent);
  EXPECT_EQ(EffectiveProjectPerms(key, "Q", "owner", entries), 0u);

  Principal pkey;
  pkey.kind = Principal::Kind::kProjectKey;
  pkey.project_scope = "P";
  pkey.project_grants["Q"] = kAdmin;  // a project key never reaches outside its project
  EXPECT_EQ(EffectiveProjectPerms(pkey, "Q", "owner", entries), 0u);
}
