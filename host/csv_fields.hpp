// Field-level helpers shared by the small CSV readers (elasticity files, reinsurance lines, samples and
// correlations): trimming, numbers with their error text, message quoting, whole-file reads and the
// header line.
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

#include "csv_cursor.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {
namespace csv {

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

/// Field text quoted for a message, cut short so a stray megabyte never lands in an error.
inline std::string quoted(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  if (text.size() <= kMaxShown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kMaxShown)) + "...\"";
}

/// Parses a whole trimmed field as a finite double (a leading '+' allowed).  Returns an error text or "".
inline std::string parse_number(std::string_view text, double& value) {
  std::string_view number = text;
  if (number.size() > 1 && number[0] == '+' && number[1] != '-' && number[1] != '+') number.remove_prefix(1);
  const char* end = number.data() + number.size();
  const auto parsed = std::from_chars(number.data(), end, value);
  if (parsed.ec == std::errc::invalid_argument || parsed.ptr != end || number.empty()) return "is not a number";
  if (parsed.ec == std::errc::result_out_of_range) return "is out of the range of a double";
  if (!std::isfinite(value)) return "is not a finite number";
  return "";
}

/// The whole file (or pipe); InputError naming the path when it cannot be read.
inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open: " + std::strerror(errno));
  std::string data;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size > 0) {
    data.resize(static_cast<size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(data.data(), size);
    if (!in) throw InputError(path + ": cannot read: " + std::strerror(errno));
  } else {  // not seekable (a pipe) or empty
    in.clear();
    in.seekg(0, std::ios::beg);
    std::ostringstream s;
    s << in.rdbuf();
    data = s.str();
  }
  return data;
}

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
