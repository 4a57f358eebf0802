// A small CSV table read whole (header + rows of text fields), for the little inputs of the cluster
// problem and QUBO files.  Every error names file:line: column: rule (InputError, exit 2).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rateopt {

class CsvTable {
 public:
  /// Reads path; the header must hold every name of `required` exactly once (other columns are
  /// ignored), every row as many fields as the header, and at least one row.  Blank lines skipped.
  static CsvTable read(const std::string& path, const std::vector<std::string>& required);

  size_t rows() const { return lines_.size(); }
  long line(size_t row) const { return lines_[row]; }
  const std::string& path() const { return path_; }
  /// Field of a required column (index into `required`), trimmed.
  std::string_view text(size_t row, size_t column) const;
  /// The field as a finite double, or InputError "file:line: name = "x" is not a number".
  double number(size_t row, size_t column) const;
  /// The field as an integer within [lo, hi].
  long long integer(size_t row, size_t column, long long lo, long long hi) const;
  [[noreturn]] void fail(size_t row, const std::string& message) const;
  const std::string& name(size_t column) const { return names_[column]; }

 private:
  std::string path_;
  std::vector<std::string> names_;  // required column names
  std::vector<size_t> position_;    // their field positions
  std::vector<long> lines_;         // line of each row
  std::vector<std::vector<std::string>> fields_;
};

}  // namespace rateopt
