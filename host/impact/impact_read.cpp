// The impact report's segment columns read from the book or the grid CSV, and the grid's policies before
// (baseline row) and after (chosen row).
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "io/csv_reader.hpp"
#include "io/text.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/grid.hpp"
#include "rateopt/impact.hpp"

namespace rateopt {

namespace {

/// One segment_by entry: "column" or "column:N" (N bands).
struct SegmentRequest {
  std::string argument;  ///< "segment_by[k]", for messages
  std::string column;
  int bands = 0;  ///< 0: labels
  size_t field = CsvReader::npos;
};

std::vector<SegmentRequest> parse_requests(const std::vector<std::string>& segment_by) {
  std::vector<SegmentRequest> out;
  for (size_t k = 0; k < segment_by.size(); ++k) {
    SegmentRequest r;
    r.argument = "segment_by[" + std::to_string(k) + "]";
    r.column = segment_by[k];
    const size_t colon = r.column.rfind(':');
    if (colon != std::string::npos) {
      const std::string count = r.column.substr(colon + 1);
      const bool digits = !count.empty() && count.size() <= 4 &&
                          std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || std::stoi(count) < 2 || std::stoi(count) > 100 || colon == 0)
        throw InputError(r.argument + " = " + quoted_text(segment_by[k]) +
                         ": expected column or column:N with N bands, 2 to 100");
      r.bands = std::stoi(count);
      r.column.erase(colon);
    }
    const bool repeated = std::any_of(
        out.begin(), out.end(), [&](const SegmentRequest& o) { return o.column == r.column && o.bands == r.bands; });
    if (!repeated) out.push_back(r);
  }
  return out;
}

void find_columns(const CsvReader& reader, const std::string& what, std::vector<SegmentRequest>& requests) {
  for (SegmentRequest& r : requests) {
    r.field = reader.column(r.column);
    if (r.field == CsvReader::npos)
      throw InputError(r.argument + " = " + quoted_text(r.column) + ": " + reader.path() + " has no column " +
                       quoted_text(r.column) + " (" + what + ")");
  }
}

/// Text per row and the rows' lines, for each request.
struct ColumnTexts {
  std::vector<std::vector<std::string>> text;
  std::vector<uint64_t> line;
};

ImpactSegment make_segment(const SegmentRequest& r, const std::vector<std::string>& labels,
                           const std::vector<uint64_t>& line, const std::string& path,
                           const std::vector<double>& weight) {
  if (r.bands == 0) return label_segment(r.column, labels, r.argument);
  std::vector<double> values(labels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    if (const char* error = number_error(labels[i], values[i]))
      throw InputError(path, static_cast<long>(line[i]),
                       r.column + " = " + quoted_text(labels[i]) + " " + error + " (" + r.argument + " cuts it into " +
                           std::to_string(r.bands) + " bands)");
  return banded_segment(r.column + ":" + std::to_string(r.bands), values, weight, r.bands);
}

}  // namespace

void check_segment_columns(const std::string& path, const std::vector<std::string>& segment_by) {
  std::vector<SegmentRequest> requests = parse_requests(segment_by);
  if (requests.empty()) return;
  CsvReader reader(path, "book");
  find_columns(reader, "a column of the book, one label per policy", requests);
}

void check_grid_segment_columns(const std::string& grid_path, const std::vector<std::string>& segment_by) {
  std::vector<SegmentRequest> requests = parse_requests(segment_by);
  if (requests.empty()) return;
  CsvReader reader(grid_path, "grid");
  find_columns(reader, "a column of the grid, one label per policy", requests);
  if (reader.column("baseline") == CsvReader::npos)
    throw InputError("segment_by: " + grid_path +
                     " has no baseline column (1 on today's price), which the impact report compares the answer with");
}

std::vector<ImpactSegment> read_book_segments(const std::string& book_path, const std::vector<std::string>& segment_by,
                                              const std::vector<double>& weight) {
  std::vector<SegmentRequest> requests = parse_requests(segment_by);
  if (requests.empty()) return {};
  CsvReader reader(book_path, "book");
  find_columns(reader, "a column of the book, one label per policy", requests);
  ColumnTexts columns;
  columns.text.resize(requests.size());
  while (reader.next()) {
    columns.line.push_back(reader.line());
    for (size_t k = 0; k < requests.size(); ++k) columns.text[k].emplace_back(reader.text(requests[k].field));
  }
  if (columns.line.size() != weight.size())
    throw InputError(book_path + ": " + std::to_string(columns.line.size()) + " rows read for the impact report, " +
                     std::to_string(weight.size()) + " policies in the book");
  std::vector<ImpactSegment> segments;
  for (size_t k = 0; k < requests.size(); ++k)
    segments.push_back(make_segment(requests[k], columns.text[k], columns.line, book_path, weight));
  return segments;
}

void drop_segment_column_warnings(std::vector<std::string>& warnings, const std::vector<std::string>& segment_by) {
  std::vector<std::string> quoted;
  for (const SegmentRequest& r : parse_requests(segment_by))
    quoted.push_back("unknown column " + quoted_text(r.column));
  warnings.erase(std::remove_if(warnings.begin(), warnings.end(),
                                [&](const std::string& w) {
                                  return std::any_of(quoted.begin(), quoted.end(), [&](const std::string& q) {
                                    return w.find(q + " ") != std::string::npos;
                                  });
                                }),
                 warnings.end());
}

std::vector<ImpactSegment> read_grid_segments(const std::string& grid_path, const GridBook& grid,
                                              const std::vector<std::string>& segment_by) {
  std::vector<SegmentRequest> requests = parse_requests(segment_by);
  if (requests.empty()) return {};
  CsvReader reader(grid_path, "grid", {"policy_id"});
  find_columns(reader, "a column of the grid, one label per policy", requests);
  const size_t id_field = reader.column("policy_id");
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < grid.policies(); ++i) index.emplace(grid.policy_id[i], i);
  const size_t n = grid.policies();
  ColumnTexts columns;  // per policy of the grid
  columns.text.assign(requests.size(), std::vector<std::string>(n));
  columns.line.assign(n, 0);
  while (reader.next()) {
    const auto it = index.find(std::string(reader.text(id_field)));
    if (it == index.end()) continue;  // a policy the solve did not keep cannot be reported
    const size_t i = it->second;
    const bool first = columns.line[i] == 0;
    if (first) columns.line[i] = reader.line();
    for (size_t k = 0; k < requests.size(); ++k) {
      const std::string_view label = reader.text(requests[k].field);
      if (first) {
        columns.text[k][i] = std::string(label);
      } else if (label != columns.text[k][i]) {
        reader.fail(requests[k].column + " = " + quoted_text(label) + " differs from " +
                    quoted_text(columns.text[k][i]) + " on this policy's first row (" + requests[k].argument +
                    " reports by one label per policy)");
      }
    }
  }
  const std::vector<double> weight(grid.weight.begin(), grid.weight.end());
  std::vector<ImpactSegment> segments;
  for (size_t k = 0; k < requests.size(); ++k)
    segments.push_back(make_segment(requests[k], columns.text[k], columns.line, grid_path, weight));
  return segments;
}

ImpactPolicies grid_impact_policies(const GridBook& g, const GridResult& r) {
  constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  const size_t n = g.policies();
  ImpactPolicies p;
  p.weight.assign(g.weight.begin(), g.weight.end());
  p.renewal = g.renewal.empty() ? std::vector<uint8_t>(n, 0) : g.renewal;
  for (auto* column : {&p.premium_before, &p.premium_after, &p.demand_before, &p.demand_after, &p.loss_cost_before,
                       &p.loss_cost_after})
    column->assign(n, kNone);
  for (size_t i = 0; i < n; ++i) {
    const size_t base = g.baseline.empty() ? static_cast<size_t>(-1) : g.baseline_row(i);
    const int32_t chosen = r.choice.empty() ? -1 : r.choice[i];
    if (base == static_cast<size_t>(-1) || chosen < 0) continue;  // left out: no today's price or no answer
    const size_t row = static_cast<size_t>(chosen);
    p.premium_before[i] = g.premium[base];
    p.demand_before[i] = g.demand[base];
    p.loss_cost_before[i] = g.loss_cost.at(i, base);
    p.premium_after[i] = g.premium[row];
    p.demand_after[i] = g.demand[row];
    p.loss_cost_after[i] = g.loss_cost.at(i, row);
  }
  return p;
}

}  // namespace rateopt
