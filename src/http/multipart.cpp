#include "http/multipart.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "common/api_error.h"
#include "common/strings.h"

namespace dss::http {

namespace {

constexpr size_t kMaxLine = 8 * 1024;          // one part-header line
constexpr size_t kMaxHeaderBytes = 32 * 1024;  // all headers of one part
constexpr size_t kMaxBoundary = 200;           // RFC 2046 says 70; be generous
constexpr size_t kMaxEpilogueDrain = 1 << 20;  // read past the end so keep-alive can work

ApiError Malformed(const std::string& why) {
  return ApiError(ErrorCode::kMalformedMultipart, "Malformed multipart/form-data body: " + why);
}

// Undoes the HTML5-style escaping urllib3/browsers apply to quoted parameter values.
std::string DecodeHtml5Param(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size()) {
      std::string_view code(v.data() + i + 1, 2);
      if (IEquals(code, "22")) {
        out.push_back('"');
        i += 2;
        continue;
      }
      if (IEquals(code, "0A")) {
        out.push_back('\n');
        i += 2;
        continue;
      }
      if (IEquals(code, "0D")) {
        out.push_back('\r');
        i += 2;
        continue;
      }
    }
    out.push_back(v[i]);
  }
  return out;
}

// Splits `s` on `sep` outside double quotes.
std::vector<std::string> SplitOutsideQuotes(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted && c == '\\' && i + 1 < s.size() && s[i + 1] == '"') {
      cur += "\\\"";
      ++i;
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (c == sep && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  out.push_back(cur);
  return out;
}

std::string Unquote(const std::string& v) {
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return v;
  std::string out;
  for (size_t i = 1; i + 1 < v.size(); ++i) {
    if (v[i] == '\\' && i + 2 < v.size() && v[i + 1] == '"') {
      out.push_back('"');
      ++i;
    } else {
      out.push_back(v[i]);
    }
  }
  return out;
}

// RFC 5987 ext-value: charset'lang'pct-encoded. Only UTF-8 (and ASCII) are meaningful here.
std::optional<std::string> DecodeExtValue(const std::string& v) {
  size_t q1 = v.find('\'');
  if (q1 == std::string::npos) return std::nullopt;
  size_t q2 = v.find('\'', q1 + 1);
  if (q2 == std::string::npos) return std::nullopt;
  return PercentDecode(std::string_view(v).substr(q2 + 1));
}

}  // namespace

std::string MultipartReader::BoundaryFrom(const std::string& content_type) {
  auto params = SplitOutsideQuotes(content_type, ';');
  std::string type = ToLower(Trim(params[0]));
  if (type != "multipart/form-data" && type != "multipart/mixed")
    throw ApiError(ErrorCode::kMalformedMultipart,
                   "Expected a multipart/form-data body with a part named 'file', got "
                   "Content-Type '" +
                       content_type + "'");
  for (size_t i = 1; i < params.size(); ++i) {
    std::string p = Trim(params[i]);
    size_t eq = p.find('=');
    if (eq == std::string::npos) continue;
    if (ToLower(Trim(p.substr(0, eq))) != "boundary") continue;
    std::string b = Unquote(Trim(p.substr(eq + 1)));
    if (b.empty() || b.size() > kMaxBoundary)
      throw ApiError(ErrorCode::kMalformedMultipart,
                     "Invalid multipart boundary in Content-Type '" + content_type + "'");
    return b;
  }
  throw ApiError(ErrorCode::kMalformedMultipart,
                 "Content-Type '" + content_type + "' has no multipart boundary");
}

MultipartReader::MultipartReader(BodyReader& body, std::string boundary, size_t buffer_bytes)
    : body_(body), delim_("\r\n--" + boundary) {
  if (boundary.empty() || boundary.size() > kMaxBoundary)
    throw ApiError(ErrorCode::kMalformedMultipart, "Invalid multipart boundary");
  // The buffer must hold a whole header line plus a delimiter, whatever the caller asked.
  buf_.resize(std::max(buffer_bytes, kMaxLine + 2 * delim_.size() + 64));
  // A body starts with "--boundary" without the CRLF that precedes later delimiters: a
  // virtual CRLF lets one search handle both.
  buf_[0] = '\r';
  buf_[1] = '\n';
  end_ = 2;
}

bool MultipartReader::Fill() {
  if (body_eof_) return false;
  if (end_ == buf_.size() || begin_ > buf_.size() / 2) {
    std::memmove(buf_.data(), buf_.data() + begin_, Avail());
    clean_end_ = clean_end_ > begin_ ? clean_end_ - begin_ : 0;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) throw ApiError::Internal("multipart buffer full");
  size_t n = body_.Read(buf_.data() + end_, buf_.size() - end_);
  if (n == 0) {
    body_eof_ = true;
    return false;
  }
  end_ += n;
  return true;
}

void MultipartReader::SkipPreamble() {
  while (true) {
    std::string_view v(buf_.data() + begin_, Avail());
    size_t pos = v.find(delim_);
    if (pos != std::string_view::npos) {
      begin_ += pos + delim_.size();
      return;
    }
    if (Avail() >= delim_.size()) begin_ = end_ - (delim_.size() - 1);
    if (!Fill())
      throw Malformed("no boundary '" + delim_.substr(4) + "' found (empty or wrong boundary?)");
  }
}

bool MultipartReader::ReadAfterDelimiter() {
  while (Avail() < 2)
    if (!Fill()) throw Malformed("body ended right after a boundary (truncated upload?)");
  if (buf_[begin_] == '-' && buf_[begin_ + 1] == '-') {
    begin_ += 2;
    state_ = State::kDone;
    // Consume the epilogue (normally just CRLF) so the connection can be reused.
    size_t drained = 0;
    begin_ = end_ = 0;
    while (drained < kMaxEpilogueDrain && Fill()) {
      drained += Avail();
      begin_ = end_ = 0;
    }
    return false;
  }
  // Transport padding, then the line end that starts the part headers.
  while (true) {
    while (Avail() < 1)
      if (!Fill()) throw Malformed("body ended right after a boundary (truncated upload?)");
    char c = buf_[begin_];
    if (c == ' ' || c == '\t') {
      ++begin_;
      continue;
    }
    if (c == '\n') {
      ++begin_;
      return true;
    }
    if (c == '\r') {
      while (Avail() < 2)
        if (!Fill()) throw Malformed("body ended right after a boundary (truncated upload?)");
      if (buf_[begin_ + 1] != '\n') throw Malformed("boundary not followed by a line end");
      begin_ += 2;
      return true;
    }
    throw Malformed("boundary not followed by a line end");
  }
}

std::string MultipartReader::ReadLine() {
  size_t scanned = 0;
  while (true) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start + scanned, '\n', Avail() - scanned);
    if (nl) {
      size_t len = static_cast<const char*>(nl) - start;
      header_bytes_ += len + 1;
      if (header_bytes_ > kMaxHeaderBytes) throw Malformed("part headers are too large");
      std::string line(start, len);
      begin_ += len + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    scanned = Avail();
    if (scanned > kMaxLine) throw Malformed("part header line is too long");
    if (!Fill()) throw Malformed("body ended inside part headers (truncated upload?)");
  }
}

void MultipartReader::ParseHeader(const std::string& line) {
  size_t colon = line.find(':');
  if (colon == std::string::npos) throw Malformed("part header line without ':'");
  std::string name = ToLower(Trim(line.substr(0, colon)));
  std::string value = Trim(line.substr(colon + 1));
  part_.headers.emplace_back(name, value);
  if (name == "content-type") {
    part_.content_type = value;  // kept raw: requests may send `{'Expires': '0'}` here
  } else if (name == "content-disposition") {
    auto params = SplitOutsideQuotes(value, ';');
    std::optional<std::string> ext_filename;
    for (size_t i = 1; i < params.size(); ++i) {
      std::string p = Trim(params[i]);
      size_t eq = p.find('=');
      if (eq == std::string::npos) continue;
      std::string key = ToLower(Trim(p.substr(0, eq)));
      std::string raw = Trim(p.substr(eq + 1));
      if (key == "name") {
        part_.name = DecodeHtml5Param(Unquote(raw));
      } else if (key == "filename") {
        part_.filename = DecodeHtml5Param(Unquote(raw));
      } else if (key == "filename*") {
        ext_filename = DecodeExtValue(Unquote(raw));
      }
    }
    if (ext_filename) part_.filename = *ext_filename;
  }
}

void MultipartReader::ReadHeaders() {
  part_ = MultipartPart();
  header_bytes_ = 0;
  while (true) {
    std::string line = ReadLine();
    if (line.empty()) return;
    ParseHeader(line);
  }
}

bool MultipartReader::NextPart() {
  switch (state_) {
    case State::kDone:
      return false;
    case State::kStart:
      SkipPreamble();
      break;
    case State::kInPart: {
      char scratch[16 * 1024];
      while (Read(scratch, sizeof scratch) > 0) {
      }
      break;
    }
    case State::kPartEnd:
      break;
  }
  if (!ReadAfterDelimiter()) return false;
  ReadHeaders();
  state_ = State::kInPart;
  clean_end_ = 0;
  return true;
}

size_t MultipartReader::Read(char* out, size_t n) {
  if (state_ != State::kInPart || n == 0) return 0;
  while (true) {
    if (clean_end_ > begin_) {
      size_t k = std::min(n, clean_end_ - begin_);
      std::memcpy(out, buf_.data() + begin_, k);
      begin_ += k;
      return k;
    }
    std::string_view v(buf_.data() + begin_, Avail());
    size_t pos = v.find(delim_);
    if (pos == 0) {
      begin_ += delim_.size();
      state_ = State::kPartEnd;
      return 0;
    }
    if (pos != std::string_view::npos) {
      clean_end_ = begin_ + pos;
      continue;
    }
    // No whole delimiter: everything but a possible delimiter prefix at the tail is content.
    if (Avail() >= delim_.size()) {
      clean_end_ = end_ - (delim_.size() - 1);
      continue;
    }
    if (!Fill()) throw Malformed("body ended before the closing boundary (truncated upload?)");
  }
}

std::string MultipartReader::ReadAll(size_t max_bytes) {
  std::string out;
  char tmp[8192];
  while (size_t k = Read(tmp, sizeof tmp)) {
    out.append(tmp, k);
    if (out.size() > max_bytes)
      throw ApiError(ErrorCode::kMalformedMultipart, "Multipart field '" + part_.name +
                                                         "' is larger than " +
                                                         std::to_string(max_bytes) + " bytes");
  }
  return out;
}

}  // namespace dss::http
