// The book reader's pieces for readers of part of a file: one shard of a file (issue 9; used by
// host/parallel/book_shard.cpp), and the header and row ranges that read_book_csv parses on several threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"

namespace rateopt {

/// Where a shard's rows sit in the whole file.
struct CsvShard {
  uint64_t first_row_line = 2;  ///< line number of the shard's first byte (header = line 1)
  uint64_t rows_before = 0;     ///< rows of the file before the shard (for default policy ids)
};

/// Parse `data` = the file's header line(s) followed by the shard's rows.  Rows are checked as by
/// parse_book_csv and numbered from shard.first_row_line; an empty shard is not an error and no
/// book-wide warning (positive elasticities) is raised: those are the caller's, over every shard.
Book parse_book_csv_shard(const char* data, size_t size, const std::string& name, const CsvShard& shard);

/// A book file's header: its names, a Book with no rows that holds the header's flags and warnings, and
/// where the rows start.  Fails as parse_book_csv fails on the header.
struct BookCsvHeader {
  std::vector<std::string> names;
  Book book;
  uint64_t first_row_line = 2;
  size_t rows_offset = 0;  ///< bytes before the first row
};
BookCsvHeader parse_book_csv_header(const char* data, size_t size, const std::string& name);

/// Thrown by parse_book_csv_rows for an empty policy_id when the rows before are not known.
struct RowsBeforeNeeded {};

/// The rows in [begin, end) (whole lines) under the header `names`, numbered from first_line, checked as
/// parse_book_csv checks each row; default ids count from *rows_before + 1.  The book holds the rows'
/// columns only (no absent columns filled, no book-wide check): fill_absent_columns / finish_book_csv.
/// end_line: the line number after the range's last line end.
Book parse_book_csv_rows(const char* begin, const char* end, const std::string& name,
                         const std::vector<std::string>& names, uint64_t first_line, const uint64_t* rows_before,
                         uint64_t& end_line);

/// parse_book_csv on `ranges` threads' shares of the rows (cut at line ends), with the same columns,
/// warnings and first error; a file with any '"' after its header is read by parse_book_csv.  side_task,
/// when given, runs on one of the threads meanwhile (the file's SHA-256).
Book parse_book_csv_parallel(const char* data, size_t size, const std::string& name, size_t ranges,
                             const std::function<void()>& side_task = {});

/// Columns absent from the file filled with their defaults (as many rows as line_number).
void fill_absent_columns(Book& book);
/// The whole book's last steps: "book is empty", absent columns, validate(), positive-elasticity warning.
void finish_book_csv(Book& book);

}  // namespace rateopt
