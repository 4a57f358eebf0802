// Reading a book CSV in chunks of rows, for tools that stream a book of any size through bounded
// memory (`rateopt price`).
#pragma once

#include <cstdint>
#include <string>

#include "rateopt/book.hpp"

namespace rateopt {

/// Each chunk is parsed and checked as read_book_csv checks a whole book, with the whole file's line
/// numbers and default policy ids.  A quoted field may not hold a line break (as with MPI shards).
/// Group indices are the chunk's own (its group_names); positive elasticities are counted, not warned.
class BookChunkReader {
 public:
  /// rows ≥ 1 per chunk.  InputError "PATH: cannot open: why" for a missing file.
  BookChunkReader(const std::string& path, uint64_t rows);
  ~BookChunkReader();
  BookChunkReader(const BookChunkReader&) = delete;
  BookChunkReader& operator=(const BookChunkReader&) = delete;

  /// The next chunk; false at the end of the file (after at least one call that parsed the header).
  /// The book's first chunk carries the header's warnings (unknown columns).  InputError for a bad row,
  /// and "book is empty" when the file has no rows at all.
  bool next(Book& chunk);
  uint64_t rows_read() const { return rows_before_; }
  uint64_t positive_elasticities() const { return positive_; }

 private:
  bool fill();         ///< read more bytes into pending_; false at the end of the file
  size_t cut() const;  ///< bytes of pending_ that hold the next chunk's whole rows (0: need more)

  std::string path_;
  int fd_ = -1;
  uint64_t rows_ = 1;
  std::string header_;   ///< BOM, blank lines and the header line
  std::string pending_;  ///< bytes read and not yet parsed, starting at a line start
  bool eof_ = false, started_ = false;
  uint64_t header_line_ends_ = 0, line_ends_before_ = 0, rows_before_ = 0, positive_ = 0;
};

}  // namespace rateopt
