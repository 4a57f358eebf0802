#include "io/csv_reader.hpp"

#include <cmath>

#include "io/files.hpp"
#include "rateopt/errors.hpp"

namespace rateopt {

CsvReader::CsvReader(std::string path, const std::string& what, const std::vector<std::string>& required)
    : path_(std::move(path)), data_(read_whole_file(path_)), cursor_(data_.data(), data_.size(), path_) {
  cursor_.skip_to_header(what);
  header_line_ = cursor_.line();
  header_ = cursor_.read_header();
  require(required);
  fields_.resize(header_.size());
  quoted_.resize(header_.size());
}

size_t CsvReader::column(std::string_view name) const {
  for (size_t j = 0; j < header_.size(); ++j)
    if (header_[j] == name) return j;
  return npos;
}

void CsvReader::require(const std::vector<std::string>& names) const {
  for (const std::string& name : names)
    if (column(name) == npos) fail_at(header_line_, "missing required column \"" + name + "\"");
}

bool CsvReader::next() {
  cursor_.skip_blank_lines();
  if (cursor_.at_end()) return false;
  row_line_ = cursor_.line();
  const size_t count = header_.size();
  for (size_t j = 0; j < count; ++j) {
    if (cursor_.at_quote()) {  // the cursor's view of a quoted field lasts until the next one
      quoted_[j] = cursor_.field(header_[j]);
      fields_[j] = quoted_[j];
    } else {
      fields_[j] = cursor_.field(header_[j]);
    }
    if (j + 1 < count) {
      if (!cursor_.at_comma())
        fail("row has " + std::to_string(j + 1) + " fields, header has " + std::to_string(count));
      cursor_.skip_comma();
    }
  }
  if (cursor_.at_comma())
    fail("row has more than " + std::to_string(count) + " fields, header has " + std::to_string(count));
  cursor_.skip_line_end();
  ++rows_;
  return true;
}

std::string_view CsvReader::raw(size_t field) const {
  cursor_.require_utf8(row_line_, fields_[field], header_[field]);
  return fields_[field];
}

std::string CsvReader::sha256() const { return sha256_hex(data_); }

double CsvReader::number(size_t field) const {
  const std::string_view field_text = trim(fields_[field]);  // a number needs no UTF-8 check
  if (field_text.empty()) fail(header_[field] + " is empty");
  double value = 0;
  const std::string rule = parse_number(field_text, value);
  if (!rule.empty()) fail_field(field, rule);
  return value;
}

double CsvReader::number(size_t field, const Bounds& rule) const {
  const double value = number(field);
  const bool low = rule.min_open ? value <= rule.min : value < rule.min;
  const bool high = rule.max_open ? value >= rule.max : value > rule.max;
  if (low || high) fail_field(field, "must be " + describe(rule));
  return value;
}

long long CsvReader::integer(size_t field, long long lo, long long hi) const {
  const double value = number(field);
  if (value != std::floor(value) || value < static_cast<double>(lo) || value > static_cast<double>(hi))
    fail_field(field, "must be a whole number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return static_cast<long long>(value);
}

void CsvReader::fail_field(size_t field, const std::string& rule) const {
  fail(header_[field] + " = " + quoted_text(trim(fields_[field])) + " " + rule);
}

void CsvReader::fail_at(uint64_t line, const std::string& rule) const {
  throw InputError(path_, static_cast<long>(line), rule);
}

}  // namespace rateopt
