#include <gtest/gtest.h>

#include "http/router.h"

using dss::http::Router;

namespace {
std::vector<std::string> Segs(const std::string& p) {
  return *Router::SplitPath(p);
}
}  // namespace

TEST(Router, LiteralsParamsAndTrailingSlash) {
  Router r;
  r.Add("GET", "/projects/", 1);
  r.Add("GET", "/projects/{projectKey}", 2);
  r.Add("GET", "/projects/{projectKey}/datasets/", 3);
  EXPECT_EQ(r.Find("GET", Segs("/projects")).id, 1);
  EXPECT_EQ(r.Find("GET", Segs("/projects/")).id, 1);
  auto m = r.Find("GET", Segs("/projects/ABC"));
  EXPECT_EQ(m.id, 2);
  EXPECT_EQ(m.params["projectKey"], "ABC");
  EXPECT_EQ(r.Find("GET", Segs("/projects/ABC/datasets")).id, 3);
  EXPECT_EQ(r.Find("GET", Segs("//projects//ABC/datasets/")).id, 3);
}

TEST(Router, LiteralWinsOverParam) {
  Router r;
  r.Add("GET", "/project-folders/{folderId}", 1);
  r.Add("GET", "/project-folders/locate-project/{projectKey}", 2);
  EXPECT_EQ(r.Find("GET", Segs("/project-folders/ROOT")).id, 1);
  auto m = r.Find("GET", Segs("/project-folders/locate-project/P1"));
  EXPECT_EQ(m.id, 2);
  EXPECT_EQ(m.params["projectKey"], "P1");
}

TEST(Router, MethodMismatchIsDistinguishedFromUnknownPath) {
  Router r;
  r.Add("GET", "/a/{x}", 1);
  auto m = r.Find("DELETE", Segs("/a/b"));
  EXPECT_EQ(m.id, -1);
  EXPECT_TRUE(m.path_matched);
  auto n = r.Find("GET", Segs("/nope"));
  EXPECT_EQ(n.id, -1);
  EXPECT_FALSE(n.path_matched);
}

TEST(Router, TailCapturesManySegmentsDecoded) {
  Router r;
  r.Add("GET", "/projects/{projectKey}/managedfolders/{id}/contents/{path*}", 1);
  auto m = r.Find("GET", Segs("/projects/P/managedfolders/f1/contents/a/b%20c/d.csv"));
  EXPECT_EQ(m.id, 1);
  EXPECT_EQ(m.params["path"], "a/b c/d.csv");
}

TEST(Router, DuplicateRouteIsRejected) {
  Router r;
  r.Add("GET", "/a", 1);
  EXPECT_THROW(r.Add("GET", "/a/", 2), std::logic_error);
  EXPECT_NO_THROW(r.Add("POST", "/a", 3));
}

TEST(Router, MalformedEscapeIsRejected) {
  EXPECT_FALSE(Router::SplitPath("/a/%zz"));
}
