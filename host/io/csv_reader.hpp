// The one reader of the small CSV inputs (clusters, premiums, QUBO, quotes, reinsurance lines, samples,
// correlations, elasticity files): the header checked against the columns a reader needs, then one row
// at a time with its line number and typed field accessors.  Every error is an InputError
// "file:line: column: rule" (exit 2), e.g. `premiums.csv:4: premium = "0" must be > 0`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv_cursor.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt {

class CsvReader {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  /// Reads path whole and its header: BOM and blank lines skipped, names trimmed.  Fails on an empty
  /// file ("<what> is empty (no header line)"), a name given twice and a missing `required` column.
  /// Other columns are allowed; column() finds them.  `what` names the file in messages ("quotes file").
  CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required = {});
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::string& path() const { return path_; }
  size_t bytes() const { return data_.size(); }
  /// SHA-256 of the bytes read (lowercase hex): what the audit of a run records, from the very bytes
  /// the run used (the file is never opened twice).
  std::string sha256() const;
  const std::vector<std::string>& header() const { return header_; }
  uint64_t header_line() const { return header_line_; }
  /// Field position of a column, or npos when the header lacks it.
  size_t column(std::string_view name) const;
  /// Fails (`missing required column "x"`) unless the header has every one of names.
  void require(const std::vector<std::string>& names) const;

  /// Moves to the next row (blank lines skipped); false at the end of the file.  A row with more or
  /// fewer fields than the header fails.
  bool next();
  /// Line where the current row starts, and how many rows were read so far.
  uint64_t line() const { return row_line_; }
  size_t rows() const { return rows_; }

  /// The current row's field as written (quotes removed), and the same trimmed of blanks.  Both fail
  /// on text that is not valid UTF-8 (what a reader keeps ends up in JSON outputs).
  std::string_view raw(size_t field) const;
  std::string_view text(size_t field) const { return trim(raw(field)); }
  /// The field as a finite double: "name is empty", `name = "x" is not a number`, ...
  double number(size_t field) const;
  /// The same, within `rule`: `name = "x" must be in (0,1e+12]`.
  double number(size_t field, const Bounds& rule) const;
  /// The field as a whole number in [lo, hi].
  long long integer(size_t field, long long lo, long long hi) const;

  /// Fails at the current row: "file:line: rule".
  [[noreturn]] void fail(const std::string& rule) const { fail_at(row_line_, rule); }
  /// Fails naming the field and its text: `file:line: name = "text" rule`.
  [[noreturn]] void fail_field(size_t field, const std::string& rule) const;
  /// Fails at a line (0: the file as a whole).
  [[noreturn]] void fail_at(uint64_t line, const std::string& rule) const;

 private:
  const std::string path_;
  const std::string data_;
  CsvCursor cursor_;
  std::vector<std::string> header_;
  uint64_t header_line_ = 0;
  uint64_t row_line_ = 0;
  size_t rows_ = 0;
  std::vector<std::string_view> fields_;  // into data_, or into quoted_ for a quoted field
  std::vector<std::string> quoted_;
};

}  // namespace rateopt
