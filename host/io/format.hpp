// Numbers and text as the reports write them: exact shortest numbers, RFC 4180 CSV fields, JSON null
// for what is not a finite number or not given, and the UTC timestamp of the audit blocks.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rateopt {

/// Shortest text that parses back to the same double ("nan", "inf" for those).
std::string shortest(double x);
/// The same appended to out; NaN and infinities append nothing (an empty CSV field).
void append_exact(std::string& out, double x);
/// x with `digits` significant digits (money columns: 10).
void append_significant(std::string& out, double x, int digits);
/// RFC 4180: the field quoted only when it holds a separator, a quote or a line break.
void append_csv_text(std::string& out, std::string_view text);

/// x, or null when it is NaN or infinite.
nlohmann::ordered_json finite_or_null(double x);
/// s, or null when it is empty ("does not apply": no fallback, no device, ...).
nlohmann::ordered_json text_or_null(const std::string& s);
/// Now, as ISO 8601 UTC ("2026-11-22T17:05:00Z").
std::string utc_timestamp_now();

/// Builds one CSV row: numbers written exactly (shortest round-trip text), text quoted as RFC 4180
/// needs; the destructor ends the line.
class CsvRow {
 public:
  explicit CsvRow(std::string& out) : out_(out) {}
  CsvRow(const CsvRow&) = delete;
  CsvRow& operator=(const CsvRow&) = delete;
  ~CsvRow() { out_ += '\n'; }
  CsvRow& number(double x) {
    separate();
    append_exact(out_, x);
    return *this;
  }
  CsvRow& integer(long long x) {
    separate();
    out_ += std::to_string(x);
    return *this;
  }
  CsvRow& text(std::string_view t) {
    separate();
    append_csv_text(out_, t);
    return *this;
  }

 private:
  void separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

}  // namespace rateopt
