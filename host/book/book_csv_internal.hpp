// The book reader's entry for one shard of a file (issue 9; used by host/parallel/book_shard.cpp).
#pragma once

#include <cstdint>
#include <string>

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

}  // namespace rateopt
