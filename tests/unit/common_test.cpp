#include <gtest/gtest.h>

#include "common/api_error.h"
#include "common/crypto.h"
#include "common/json.h"
#include "common/strings.h"
#include "http/error_response.h"

using namespace dss;

TEST(Crypto, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
  EXPECT_EQ(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Crypto, RandomTokenAlphabetAndUniqueness) {
  auto a = RandomToken(32), b = RandomToken(32);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  for (char c : a) EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)));
}

TEST(Strings, PercentDecode) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_FALSE(PercentDecode("%zz"));
  EXPECT_FALSE(PercentDecode("abc%2"));
}

TEST(Strings, Base64RoundTrip) {
  EXPECT_EQ(Base64Encode("MYKEY:"), "TVlLRVk6");
  for (std::string s : {"", "a", "ab", "abc", "abcd", "hello world!"})
    EXPECT_EQ(*Base64Decode(Base64Encode(s)), s);
  EXPECT_FALSE(Base64Decode("***"));
}

TEST(Strings, ParseBoolIsCaseInsensitive) {
  EXPECT_TRUE(*ParseBool("True"));
  EXPECT_TRUE(*ParseBool("true"));
  EXPECT_FALSE(*ParseBool("FALSE"));
  EXPECT_FALSE(ParseBool("yes"));
}

TEST(Errors, CatalogMapsStatusTypeAndCode) {
  EXPECT_EQ(HttpStatusOf(ErrorCode::kProjectNotFound), 404);
  EXPECT_EQ(ErrorTypeOf(ErrorCode::kProjectNotFound),
            "com.dataiku.dip.server.controllers.NotFoundException");
  EXPECT_EQ(CodeStringOf(ErrorCode::kProjectNotFound), "ERR_PROJECT_UNKNOWN_PROJECT_KEY");
  EXPECT_EQ(HttpStatusOf(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kForbidden), 403);
  EXPECT_EQ(HttpStatusOf(ErrorCode::kConflict), 409);
}

TEST(Errors, ErrorResponseBodyHasDssFields) {
  auto r = http::ErrorResponse(ApiError(ErrorCode::kProjectNotFound, "Project 'X' does not exist"));
  EXPECT_EQ(r.status, 404);
  auto j = Json::parse(r.body);
  EXPECT_EQ(j["errorType"], "com.dataiku.dip.server.controllers.NotFoundException");
  EXPECT_EQ(j["message"], "Project 'X' does not exist");
  EXPECT_EQ(j["detailedMessage"], "Project 'X' does not exist");
  EXPECT_EQ(j["code"], "ERR_PROJECT_UNKNOWN_PROJECT_KEY");
}

TEST(Json, TypedAccessorsNameTheField) {
  Json j = {{"name", 3}};
  try {
    GetString(j, "name");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("'name'"), std::string::npos);
  }
  EXPECT_THROW(ParseJson("{bad"), ApiError);
  EXPECT_TRUE(ParseJson("").is_object());
}
