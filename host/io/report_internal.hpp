// Pieces of the output writers shared by every subcommand's report (host/optimise/outputs.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "rateopt/book.hpp"
#include "rateopt/options.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {
namespace report_detail {

using Json = nlohmann::ordered_json;

Json finite_or_null(double x);
Json text_or_null(const std::string& s);
/// Now, as ISO 8601 UTC ("2026-11-22T17:05:00Z").
std::string utc_timestamp_now();
/// The audit's input facts: book file, SHA-256, counts, plain and weighted sums.
Json inputs_json(const Book& book);
/// The audit block's common head (SPEC §1.7): inputs, every option in force, rateopt version and git
/// revision, whether CUDA is compiled in, UTC timestamp.
Json audit_header(const Book& book, const OptimiseOptions& options);
/// Shortest text that parses back to the same double; NaN and infinities append nothing.
void append_exact(std::string& out, double x);
/// RFC 4180: the field quoted only when it holds a separator, a quote or a line break.
void append_csv_text(std::string& out, std::string_view text);

/// One frontier point as the frontier's result.json writes it, and back (ranks of a sweep under
/// mpirun send their points to rank 0 this way).
Json frontier_point_json(const FrontierPoint& point);
FrontierPoint frontier_point_from_json(const Json& j);

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

}  // namespace report_detail
}  // namespace rateopt
