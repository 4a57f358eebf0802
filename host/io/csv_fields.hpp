// Header and row-shape helpers shared by the small CSV readers (elasticity files, reinsurance lines,
// samples and correlations), on top of csv_cursor.hpp's field helpers.
#pragma once

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/csv_cursor.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {
namespace csv {

// trim, quoted_text, parse_number and read_whole_file live in csv_cursor.hpp, shared by every reader.
using ::rateopt::parse_number;
using ::rateopt::quoted_text;
using ::rateopt::read_whole_file;
using ::rateopt::trim;

/// Reads the header line (BOM and blank lines skipped) as trimmed names; fails on an empty file, an
/// empty name or a name given twice.  Leaves the cursor at the first data line.
inline std::vector<std::string> read_header(CsvCursor& cursor, const char* what) {
  cursor.skip_bom();
  cursor.skip_blank_lines();
  if (cursor.at_end()) cursor.fail(0, std::string(what) + " is empty (no header line)");
  const uint64_t line = cursor.line();
  std::vector<std::string> header;
  for (;;) {
    header.emplace_back(trim(cursor.field("header")));
    if (!cursor.at_comma()) break;
    cursor.skip_comma();
  }
  cursor.skip_line_end();
  std::unordered_map<std::string, size_t> seen;
  for (size_t j = 0; j < header.size(); ++j) {
    if (header[j].empty()) cursor.fail(line, "header field " + std::to_string(j + 1) + " is empty");
    const auto inserted = seen.emplace(header[j], j + 1);
    if (!inserted.second)
      cursor.fail(line, "duplicate column \"" + header[j] + "\" (fields " + std::to_string(inserted.first->second) +
                            " and " + std::to_string(j + 1) + ")");
  }
  return header;
}

/// Moves past the comma after field j of a row of `count` fields, or fails naming the row's length.
inline void next_field(CsvCursor& cursor, uint64_t row_line, size_t j, size_t count) {
  if (j + 1 < count) {
    if (!cursor.at_comma())
      cursor.fail(row_line, "row has " + std::to_string(j + 1) + " fields, header has " + std::to_string(count));
    cursor.skip_comma();
  } else if (cursor.at_comma()) {
    cursor.fail(row_line,
                "row has more than " + std::to_string(count) + " fields, header has " + std::to_string(count));
  }
}

}  // namespace csv
}  // namespace rateopt
