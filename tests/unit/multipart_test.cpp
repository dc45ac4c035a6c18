#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/api_error.h"
#include "http/multipart.h"

using namespace dss;
using http::MultipartReader;

namespace {

// Serves a body in pieces of the given sizes (cycled), like a socket would.
class PieceReader : public http::BodyReader {
 public:
  PieceReader(std::string data, std::vector<size_t> pieces)
      : data_(std::move(data)), pieces_(std::move(pieces)) {}
  size_t Read(char* buf, size_t n) override {
    size_t want = pieces_.empty() ? n : pieces_[i_++ % pieces_.size()];
    size_t k = std::min({n, want, data_.size() - off_});
    std::memcpy(buf, data_.data() + off_, k);
    off_ += k;
    max_request_ = std::max(max_request_, n);
    return k;
  }
  size_t max_request_ = 0;

 private:
  std::string data_;
  std::vector<size_t> pieces_;
  size_t off_ = 0, i_ = 0;
};

struct Parsed {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type;
  std::string content;
};

std::vector<Parsed> ParseAll(const std::string& body, const std::string& boundary,
                             std::vector<size_t> pieces = {}, size_t read_size = 4096,
                             size_t buffer = 256 * 1024) {
  PieceReader r(body, std::move(pieces));
  MultipartReader mp(r, boundary, buffer);
  std::vector<Parsed> out;
  std::vector<char> tmp(read_size);
  while (mp.NextPart()) {
    Parsed p{mp.part().name, mp.part().filename, mp.part().content_type, ""};
    while (size_t k = mp.Read(tmp.data(), tmp.size())) p.content.append(tmp.data(), k);
    EXPECT_EQ(mp.Read(tmp.data(), tmp.size()), 0u);  // stays at the end
    out.push_back(std::move(p));
  }
  EXPECT_FALSE(mp.NextPart());
  return out;
}

ErrorCode ParseError(const std::string& body, const std::string& boundary,
                     std::vector<size_t> pieces = {}) {
  try {
    ParseAll(body, boundary, std::move(pieces));
  } catch (const ApiError& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // sentinel: parsed fine
}

const std::string kB = "e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6";

// Exactly what requests 2.x sends for managed-folder put_file:
// files={"file": ("", f, {"Expires": "0"})}.
std::string PutFileBody(const std::string& content) {
  return "--" + kB +
         "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
         "Content-Type: {'Expires': '0'}\r\n\r\n" +
         content + "\r\n--" + kB + "--\r\n";
}

std::string Tricky() {
  // Near-misses of the delimiter, a CR at the end, NUL bytes and high bytes.
  std::string s = "line1\r\n--" + kB.substr(0, 10) + "\r\n-" + kB + "\n--" + kB + "\r--" + kB;
  s += std::string("\0\xff\xfe\r\n\r\n--", 9) + "\r";
  return s;
}

}  // namespace

TEST(Multipart, BoundaryFromContentType) {
  EXPECT_EQ(MultipartReader::BoundaryFrom("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(MultipartReader::BoundaryFrom("Multipart/Form-Data;boundary=\"a b;c\""), "a b;c");
  EXPECT_EQ(MultipartReader::BoundaryFrom("multipart/form-data; charset=utf-8; BOUNDARY=x"), "x");
  for (const char* bad : {"application/json", "", "multipart/form-data", "text/plain; boundary=x",
                          "multipart/form-data; boundary="}) {
    try {
      MultipartReader::BoundaryFrom(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const ApiError& e) {
      EXPECT_EQ(e.code(), ErrorCode::kMalformedMultipart);
      EXPECT_EQ(e.status(), 400);
    }
  }
}

TEST(Multipart, RequestsPutFileShape) {
  auto parts = ParseAll(PutFileBody("a,b\n1,2\n"), kB);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].name, "file");
  ASSERT_TRUE(parts[0].filename.has_value());
  EXPECT_EQ(*parts[0].filename, "");
  EXPECT_EQ(parts[0].content_type, "{'Expires': '0'}");
  EXPECT_EQ(parts[0].content, "a,b\n1,2\n");
}

TEST(Multipart, EveryPieceSizeAndReadSize) {
  std::string content = Tricky() + std::string(3000, 'x') + Tricky();
  std::string body =
      "preamble to ignore\r\n--" + kB +
      "\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{\"a\":1}\r\n--" + kB +
      "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.bin\"\r\n"
      "\r\n" +
      content + "\r\n--" + kB + "\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--" +
      kB + "--\r\nepilogue";
  for (size_t piece : {1, 2, 3, 5, 7, 31, 32, 33, 34, 35, 36, 37, 64, 1000, 4096, 100000}) {
    for (size_t rs : {1, 3, 37, 4096}) {
      if (piece > 40 && rs < 37 && piece != 1000) continue;  // keep the matrix quick
      auto parts = ParseAll(body, kB, {piece}, rs, 1);       // 1 = smallest buffer allowed
      ASSERT_EQ(parts.size(), 3u) << "piece " << piece << " read " << rs;
      EXPECT_EQ(parts[0].name, "json");
      EXPECT_FALSE(parts[0].filename.has_value());
      EXPECT_EQ(parts[0].content, "{\"a\":1}");
      EXPECT_EQ(parts[1].filename.value_or("?"), "d.bin");
      EXPECT_EQ(parts[1].content, content) << "piece " << piece << " read " << rs;
      EXPECT_EQ(parts[2].content, "");
    }
  }
}

TEST(Multipart, RandomPiecesLargeBodyBoundedBuffer) {
  std::mt19937 rng(7);
  std::string content(3 * 1024 * 1024, '\0');
  for (auto& c : content) c = static_cast<char>(rng() % 256);
  // Plant delimiter near-misses at many places, including around power-of-two offsets.
  std::string miss = "\r\n--" + kB.substr(0, kB.size() - 1);
  for (size_t off = 1000; off + miss.size() < content.size(); off += 65536 - 17)
    content.replace(off, miss.size(), miss);
  std::string body = PutFileBody(content);
  std::vector<size_t> pieces;
  for (int i = 0; i < 50; ++i) pieces.push_back(1 + rng() % 70000);
  PieceReader r(body, pieces);
  MultipartReader mp(r, kB, 64 * 1024);
  ASSERT_TRUE(mp.NextPart());
  std::string got;
  std::vector<char> tmp(1 << 20);
  while (size_t k = mp.Read(tmp.data(), tmp.size())) got.append(tmp.data(), k);
  EXPECT_FALSE(mp.NextPart());
  EXPECT_TRUE(got == content);
  // The reader never asked the body for more than its fixed buffer: memory is bounded.
  EXPECT_LE(r.max_request_, 64u * 1024);
}

TEST(Multipart, TruncatedAnywhereIsAnError) {
  std::string body = PutFileBody("hello\r\n--world" + Tricky());
  size_t closing = body.rfind("--" + kB + "--") + kB.size() + 4;  // after the final "--"
  for (size_t cut = 0; cut < closing; ++cut) {
    ErrorCode c = ParseError(body.substr(0, cut), kB, {1 + cut % 5});
    EXPECT_EQ(c, ErrorCode::kMalformedMultipart) << "cut at " << cut;
  }
  // Cut after the closing delimiter's "--": the CRLF epilogue is optional.
  EXPECT_EQ(ParseAll(body.substr(0, closing), kB).size(), 1u);
}

TEST(Multipart, MalformedBodies) {
  EXPECT_EQ(ParseError("", kB), ErrorCode::kMalformedMultipart);
  EXPECT_EQ(ParseError("no boundary here at all", kB), ErrorCode::kMalformedMultipart);
  EXPECT_EQ(ParseError(PutFileBody("x"), "other-boundary"), ErrorCode::kMalformedMultipart);
  // Garbage right after a boundary.
  EXPECT_EQ(ParseError("--" + kB + "garbage\r\n\r\nx\r\n--" + kB + "--", kB),
            ErrorCode::kMalformedMultipart);
  // Header line without a colon.
  EXPECT_EQ(ParseError("--" + kB + "\r\nnot a header\r\n\r\nx\r\n--" + kB + "--", kB),
            ErrorCode::kMalformedMultipart);
  // Endless header line: refused without buffering it all.
  EXPECT_EQ(ParseError("--" + kB + "\r\nX-A: " + std::string(100000, 'a'), kB),
            ErrorCode::kMalformedMultipart);
}

TEST(Multipart, LenientHeaders) {
  // LF-only line ends, no Content-Disposition, filename*=, escaped quotes, UTF-8 names.
  std::string body = "--" + kB + "\nX-Other: 1\n\nplain\r\n--" + kB +
                     "  \r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b; "
                     "c.csv\"\r\n\r\nq\r\n--" +
                     kB +
                     "\r\ncontent-disposition: form-data; name=file; filename=\"x.csv\"; "
                     "filename*=UTF-8''%C3%A9t%C3%A9%20%E2%82%AC.csv\r\n\r\nz\r\n--" +
                     kB +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"été "
                     "€.csv\"\r\n\r\nw\r\n--" +
                     kB + "--";
  auto parts = ParseAll(body, kB, {3});
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[0].name, "");
  EXPECT_FALSE(parts[0].filename.has_value());
  EXPECT_EQ(parts[0].content, "plain");
  EXPECT_EQ(parts[1].filename.value_or("?"), "a\"b; c.csv");
  EXPECT_EQ(parts[1].content, "q");
  EXPECT_EQ(parts[2].name, "file");
  EXPECT_EQ(parts[2].filename.value_or("?"), "été €.csv");
  EXPECT_EQ(parts[3].filename.value_or("?"), "été €.csv");
}

TEST(Multipart, SkippingUnreadPartsAndReadAll) {
  std::string big(500000, 'b');
  std::string body = "--" + kB + "\r\nContent-Disposition: form-data; name=\"skip\"\r\n\r\n" + big +
                     "\r\n--" + kB + "\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n" +
                     "{\"k\":\"v\"}\r\n--" + kB + "--\r\n";
  PieceReader r(body, {777});
  MultipartReader mp(r, kB, 4096);
  ASSERT_TRUE(mp.NextPart());
  EXPECT_EQ(mp.part().name, "skip");
  ASSERT_TRUE(mp.NextPart());  // skips the 500 kB without keeping it
  EXPECT_EQ(mp.part().name, "json");
  EXPECT_EQ(mp.ReadAll(100), "{\"k\":\"v\"}");
  EXPECT_FALSE(mp.NextPart());

  PieceReader r2(body, {});
  MultipartReader mp2(r2, kB);
  ASSERT_TRUE(mp2.NextPart());
  EXPECT_THROW(mp2.ReadAll(1000), ApiError);
}
