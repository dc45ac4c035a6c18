#pragma once
// http/multipart.h: a streaming multipart/form-data reader over a BodyReader.
//
// Memory stays bounded whatever the body size: bytes flow through one fixed buffer, and the
// boundary search keeps back only what could be the start of a delimiter split across reads.
// Lenient the way the official client needs (spec endpoints.md §1.4): part Content-Type is
// ignored (requests sends the literal `{'Expires': '0'}`), the filename may be empty or
// absent, LF-only line ends in part headers are accepted.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/request.h"

namespace dss::http {

struct MultipartPart {
  std::string name;                     // Content-Disposition name ("" when absent)
  std::optional<std::string> filename;  // nullopt when absent; may be ""
  std::string content_type;             // raw, never interpreted
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
};

/// Not thread-safe: one request thread drives it.
class MultipartReader {
 public:
  /// The boundary of a `multipart/form-data; boundary=...` Content-Type. Throws
  /// ApiError(kMalformedMultipart) naming the header when it is not multipart or has no
  /// usable boundary.
  static std::string BoundaryFrom(const std::string& content_type);

  /// `body` must outlive the reader. `buffer_bytes` bounds the memory used.
  MultipartReader(BodyReader& body, std::string boundary, size_t buffer_bytes = 256 * 1024);

  /// Moves to the next part, skipping whatever is left of the current one. Returns false after
  /// the closing delimiter. Throws ApiError(kMalformedMultipart) for a malformed or truncated
  /// body, ApiError(kBadRequest) when the client goes away.
  bool NextPart();
  /// The current part's headers (valid after NextPart returned true).
  const MultipartPart& part() const { return part_; }
  /// Reads up to `n` bytes of the current part's content; 0 at its end. Throws as NextPart.
  size_t Read(char* out, size_t n);
  /// The rest of the current part as a string. Throws ApiError(kMalformedMultipart) when it is
  /// longer than `max_bytes` (for small text fields).
  std::string ReadAll(size_t max_bytes);

 private:
  size_t Avail() const { return end_ - begin_; }
  /// Reads more body bytes into the buffer; false at the end of the body.
  bool Fill();
  /// Discards bytes until just after the first delimiter (the preamble).
  void SkipPreamble();
  /// After a delimiter: true when a part follows, false for the closing "--".
  bool ReadAfterDelimiter();
  void ReadHeaders();
  /// One header line without its line end; throws when too long or truncated.
  std::string ReadLine();
  void ParseHeader(const std::string& line);

  BodyReader& body_;
  std::string delim_;  // "\r\n--" + boundary
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  // Buffer index below which the current part's bytes are known to hold no delimiter start,
  // so that small reads do not rescan the buffer.
  size_t clean_end_ = 0;
  bool body_eof_ = false;
  enum class State { kStart, kInPart, kPartEnd, kDone } state_ = State::kStart;
  MultipartPart part_;
  size_t header_bytes_ = 0;
};

}  // namespace dss::http
