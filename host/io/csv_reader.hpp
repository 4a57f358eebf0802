// The one reader of the small CSV inputs (clusters, premiums, QUBO, quotes, reinsurance lines, samples,
// correlations, elasticity files) and of the price grid's long CSV: the header checked against the
// columns a reader needs, then one row at a time with its line number and typed field accessors.  The
// file is read in blocks, never whole: a row's fields last until the next row.  Every error is an InputError
// "file:line: column: rule" (exit 2), e.g. `premiums.csv:4: premium = "0" must be > 0`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/csv_cursor.hpp"
#include "rateopt/option_table.hpp"

namespace rateopt {

/// CSV text held in memory: `name` stands for the file in messages.
struct CsvText {
  std::string name;
  std::string text;
};

/// A part of a file read after its header: bytes [begin, end), starting at line `first_line` of the
/// file (whole lines; the parallel grid read).  Such a reader has no SHA-256: sha256() gives "".
struct CsvRange {
  uint64_t begin = 0, end = 0, first_line = 1;
};

class CsvReader {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);
  static constexpr size_t kBlockBytes = size_t{8} << 20;

  /// Opens path and reads its header: BOM and blank lines skipped, names trimmed.  Fails on an empty
  /// file ("<what> is empty (no header line)"), a name given twice and a missing `required` column.
  /// Other columns are allowed; column() finds them.  `what` names the file in messages ("quotes file").
  /// The file is read `block_bytes` at a time (the buffer grows for a longer record).
  CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required = {},
            size_t block_bytes = kBlockBytes);
  /// The header as above, then only the rows of `range`.
  CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required, CsvRange range);
  /// The same over text in memory.
  CsvReader(CsvText text, const std::string& what, const std::vector<std::string>& required = {});
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;
  ~CsvReader();

  const std::string& path() const { return path_; }
  /// The size of the file (known before it is read: a size estimate for readers).
  size_t bytes() const { return bytes_; }
  /// SHA-256 of the bytes read (lowercase hex): what the audit of a run records, from the very bytes
  /// the run used (the file is never opened twice).  Known once next() has returned false.
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
  /// The line the cursor is on: once next() returned false, one past the last line read.
  uint64_t cursor_line() const { return cursor_.line(); }
  size_t rows() const { return rows_; }

  /// The current row's field as written (quotes removed), and the same trimmed of blanks.  Both fail
  /// on text that is not valid UTF-8 (what a reader keeps ends up in JSON outputs).
  std::string_view raw(size_t field) const;
  std::string_view text(size_t field) const { return trim(raw(field)); }
  /// The field trimmed and not checked as UTF-8: to compare with text checked before, or to test for "".
  std::string_view unchecked_text(size_t field) const { return trim(fields_[field]); }
  /// The field as a finite double: "name is empty", `name = "x" is not a number`, ...
  double number(size_t field) const;
  /// The same, within `rule`: `name = "x" must be in (0,1e+12]`.
  double number(size_t field, const Bounds& rule) const {
    double value;  // a plain decimal within the rule, the common case, inline
    if (plain_decimal(fields_[field], value) && within(value, rule)) return value;
    return checked_number(field, rule);
  }
  /// The field as a whole number in [lo, hi].
  long long integer(size_t field, long long lo, long long hi) const;

  /// Fails at the current row: "file:line: rule".
  [[noreturn]] void fail(const std::string& rule) const { fail_at(row_line_, rule); }
  /// Fails naming the field and its text: `file:line: name = "text" rule`.
  [[noreturn]] void fail_field(size_t field, const std::string& rule) const;
  /// Fails at a line (0: the file as a whole).
  [[noreturn]] void fail_at(uint64_t line, const std::string& rule) const;

 private:
  struct Source;
  void start(const std::string& what, const std::vector<std::string>& required);
  static bool within(double value, const Bounds& rule) {
    return (rule.min_open ? value > rule.min : value >= rule.min) &&
           (rule.max_open ? value < rule.max : value <= rule.max);
  }
  double checked_number(size_t field, const Bounds& rule) const;
  // Reads more of the file after the bytes from `keep` on; false when the file has no more.
  bool read_more(const char* keep);
  // The current row's fields; false when a quoted field runs past the bytes read so far.
  bool read_fields();

  const std::string path_;
  std::unique_ptr<Source> source_;  // the open file, its buffer and digest
  size_t bytes_ = 0;
  CsvCursor cursor_;
  std::vector<std::string> header_;
  uint64_t header_line_ = 0;
  uint64_t row_line_ = 0;
  size_t rows_ = 0;
  std::vector<std::string_view> fields_;  // into the buffer, or into quoted_ for a quoted field
  std::vector<std::string> quoted_;
};

}  // namespace rateopt
