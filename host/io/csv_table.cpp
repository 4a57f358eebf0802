#include "io/csv_table.hpp"

#include <cmath>

#include "io/csv_cursor.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

CsvTable CsvTable::read(const std::string& path, const std::vector<std::string>& required) {
  CsvTable t;
  t.path_ = path;
  t.names_ = required;
  const std::string data = read_whole_file(path);
  CsvCursor csv(data.data(), data.size(), path);
  csv.skip_bom();
  csv.skip_blank_lines();
  if (csv.at_end())
    throw InputError(
        path, 0, "file is empty: expected a header " + [&] {
          std::string h;
          for (const auto& n : required) h += (h.empty() ? "" : ",") + n;
          return h;
        }());
  std::vector<std::string> header;
  const long header_line = static_cast<long>(csv.line());
  for (;;) {
    header.emplace_back(trim(csv.field("header")));
    if (!csv.at_comma()) break;
    csv.skip_comma();
  }
  csv.skip_line_end();
  for (size_t a = 0; a < header.size(); ++a)
    for (size_t b = 0; b < a; ++b)
      if (header[a] == header[b])
        throw InputError(path, header_line, "header: column " + quoted_text(header[a]) + " appears twice");
  for (const std::string& name : required) {
    size_t pos = header.size();
    for (size_t a = 0; a < header.size(); ++a)
      if (header[a] == name) pos = a;
    if (pos == header.size()) throw InputError(path, header_line, "header: required column " + name + " is missing");
    t.position_.push_back(pos);
  }
  for (;;) {
    csv.skip_blank_lines();
    if (csv.at_end()) break;
    const long row_line = static_cast<long>(csv.line());
    std::vector<std::string> row;
    for (;;) {
      const std::string& column = row.size() < header.size() ? header[row.size()] : std::string("extra field");
      row.emplace_back(trim(csv.field(column)));
      if (!csv.at_comma()) break;
      csv.skip_comma();
    }
    csv.skip_line_end();
    if (row.size() != header.size())
      throw InputError(path, row_line,
                       std::to_string(row.size()) + " fields where the header has " + std::to_string(header.size()));
    t.lines_.push_back(row_line);
    t.fields_.push_back(std::move(row));
  }
  if (t.fields_.empty()) throw InputError(path, 0, "no data rows after the header");
  return t;
}

std::string_view CsvTable::text(size_t row, size_t column) const { return fields_[row][position_[column]]; }

void CsvTable::fail(size_t row, const std::string& message) const { throw InputError(path_, lines_[row], message); }

double CsvTable::number(size_t row, size_t column) const {
  double v = 0;
  const std::string_view field = text(row, column);
  const std::string error = parse_number(field, v);
  if (!error.empty()) fail(row, names_[column] + " = " + quoted_text(field) + " " + error);
  return v;
}

long long CsvTable::integer(size_t row, size_t column, long long lo, long long hi) const {
  const double v = number(row, column);
  if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi))
    fail(row, names_[column] + " = " + quoted_text(text(row, column)) + " must be a whole number in [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<long long>(v);
}

}  // namespace rateopt
