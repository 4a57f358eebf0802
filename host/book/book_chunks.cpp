// BookChunkReader: sequential reads (pipes work too), cut at line ends, each chunk parsed as a shard.
#include "book/book_chunks.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "book/book_csv_internal.hpp"
#include "io/files.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

namespace {

constexpr size_t kReadBytes = 1 << 22;

bool is_line_end(char c) { return c == '\n' || c == '\r'; }

}  // namespace

BookChunkReader::BookChunkReader(const std::string& path, uint64_t rows)
    : path_(path), fd_(open_for_reading(path)), rows_(rows < 1 ? 1 : rows) {}

BookChunkReader::~BookChunkReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool BookChunkReader::fill() {
  if (eof_) return false;
  const size_t start = pending_.size();
  pending_.resize(start + kReadBytes);
  ssize_t got;
  do {
    got = ::read(fd_, pending_.data() + start, kReadBytes);
  } while (got < 0 && errno == EINTR);
  if (got < 0) throw InputError(path_ + ": cannot read: " + std::strerror(errno));
  pending_.resize(start + static_cast<size_t>(got));
  eof_ = got == 0;
  return !eof_;
}

size_t BookChunkReader::cut() const {
  uint64_t rows = 0;
  bool line_start = true;
  for (size_t j = 0; j < pending_.size(); ++j) {
    const char ch = pending_[j];
    if (!is_line_end(ch)) {
      if (line_start) ++rows;
      line_start = false;
      continue;
    }
    if (ch == '\r' && j + 1 == pending_.size() && !eof_) return 0;  // "\r\n" may straddle the read
    if (ch == '\r' && j + 1 < pending_.size() && pending_[j + 1] == '\n') ++j;
    line_start = true;
    if (rows == rows_) return j + 1;
  }
  return eof_ ? pending_.size() : 0;
}

bool BookChunkReader::next(Book& chunk) {
  if (!started_) {  // the header: a BOM, blank lines, then the first line with something on it
    started_ = true;
    size_t end = 0;
    bool seen_text = false;
    for (size_t j = 0;; ++j) {
      if (j == pending_.size() && !fill()) {
        end = pending_.size();
        break;
      }
      if (!is_line_end(pending_[j])) {
        seen_text = true;
      } else if (seen_text) {
        if (pending_[j] == '\r' && j + 1 == pending_.size()) fill();
        end = j + ((pending_[j] == '\r' && j + 1 < pending_.size() && pending_[j + 1] == '\n') ? 2 : 1);
        break;
      }
    }
    header_ = pending_.substr(0, end);
    pending_.erase(0, end);
    for (size_t j = 0; j < header_.size(); ++j)
      if (is_line_end(header_[j]) && !(header_[j] == '\r' && j + 1 < header_.size() && header_[j + 1] == '\n'))
        ++header_line_ends_;
  } else if (pending_.empty() && eof_) {
    return false;
  }
  size_t bytes = cut();
  while (bytes == 0 && !eof_) {
    fill();
    bytes = cut();
  }
  if (bytes == 0 && rows_before_ > 0) return false;
  CsvShard shard;
  shard.first_row_line = 1 + header_line_ends_ + line_ends_before_;
  shard.rows_before = rows_before_;
  std::string text = header_;
  text.append(pending_, 0, bytes);
  chunk = parse_book_csv_shard(text.data(), text.size(), path_, shard);
  if (rows_before_ > 0) chunk.warnings.clear();  // the header's warnings come with the first chunk
  if (chunk.size() == 0 && rows_before_ == 0) throw InputError(path_ + ": book is empty (a header but no rows)");
  for (size_t j = 0; j < bytes; ++j)
    if (is_line_end(pending_[j]) && !(pending_[j] == '\r' && j + 1 < bytes && pending_[j + 1] == '\n'))
      ++line_ends_before_;
  pending_.erase(0, bytes);
  rows_before_ += chunk.size();
  for (double e : chunk.elasticity) positive_ += e > 0 ? 1 : 0;
  return chunk.size() > 0;
}

}  // namespace rateopt
