// Reinsurance inputs and outputs (SPEC §4.2, §5, §6): the lines, samples and correlation CSV readers
// (errors name file:line: column: rule, exit 2), and reinsurance_lines.csv, the frontier CSV and SVG and
// result.json.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "io/chart.hpp"
#include "io/csv_reader.hpp"
#include "io/files.hpp"
#include "io/format.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/reinsure.hpp"
#include "rateopt/report.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;

/// Index of each line name, for matching the columns of the samples and correlation files.
std::unordered_map<std::string, size_t> line_index(const std::vector<ReinsuranceLine>& lines) {
  std::unordered_map<std::string, size_t> index;
  for (size_t j = 0; j < lines.size(); ++j) index.emplace(lines[j].name, j);
  return index;
}

/// A header without unnamed columns (every column of these files is read).
void require_named_columns(const CsvReader& csv) {
  for (size_t c = 0; c < csv.header().size(); ++c)
    if (csv.header()[c].empty()) csv.fail_at(csv.header_line(), "header field " + std::to_string(c + 1) + " is empty");
}

/// Maps header columns (from `first`) to lines: each line exactly once, nothing else.
std::vector<size_t> columns_to_lines(const CsvReader& csv, size_t first, const std::vector<ReinsuranceLine>& lines) {
  const std::vector<std::string>& header = csv.header();
  const auto index = line_index(lines);
  std::vector<size_t> line_of(header.size(), lines.size());
  std::vector<bool> seen(lines.size(), false);
  for (size_t c = first; c < header.size(); ++c) {
    const auto it = index.find(header[c]);
    if (it == index.end())
      csv.fail_at(csv.header_line(), "column " + quoted_text(header[c]) + " is not a line of the lines file");
    line_of[c] = it->second;
    seen[it->second] = true;
  }
  for (size_t j = 0; j < lines.size(); ++j)
    if (!seen[j]) csv.fail_at(csv.header_line(), "missing column for line " + quoted_text(lines[j].name));
  return line_of;
}

}  // namespace

std::vector<ReinsuranceLine> read_reinsurance_lines(const std::string& path, std::string* sha256) {
  static const std::vector<std::string> kColumns = {"name", "expected_loss", "variance", "safety_loading",
                                                    "min_retention"};
  CsvReader csv(path, "lines file");
  require_named_columns(csv);
  std::vector<int> role(csv.header().size(), -1);
  for (size_t c = 0; c < role.size(); ++c) {
    role[c] = static_cast<int>(std::find(kColumns.begin(), kColumns.end(), csv.header()[c]) - kColumns.begin());
    if (role[c] == static_cast<int>(kColumns.size()))
      csv.fail_at(csv.header_line(), "unknown column " + quoted_text(csv.header()[c]) +
                                         " (expected name, expected_loss, variance, safety_loading, min_retention)");
  }
  csv.require({kColumns.begin(), kColumns.begin() + 4});

  std::vector<ReinsuranceLine> lines;
  std::unordered_map<std::string, uint64_t> first_line;
  while (csv.next()) {
    ReinsuranceLine line;
    for (size_t c = 0; c < role.size(); ++c) {
      if (role[c] == 0) {
        line.name = std::string(csv.text(c));
        if (line.name.empty()) csv.fail("name is empty");
        continue;
      }
      const double v = csv.number(c);
      if (v < 0) csv.fail(csv.header()[c] + " = " + shortest(v) + " must be ≥ 0");
      const double limit = role[c] == 2   ? reinsure_limits::max_variance
                           : role[c] == 3 ? reinsure_limits::max_safety_loading
                                          : reinsure_limits::max_loss;
      if (v > limit)
        csv.fail(csv.header()[c] + " = " + shortest(v) + " is above " + shortest(limit) +
                 ", the limit that keeps the sums over the samples finite");
      (role[c] == 1   ? line.expected_loss
       : role[c] == 2 ? line.variance
       : role[c] == 3 ? line.safety_loading
                      : line.min_retention) = v;
    }
    if (line.variance > 0 && line.expected_loss == 0)
      csv.fail("variance = " + shortest(line.variance) +
               " needs expected_loss > 0 (a loss ≥ 0 with mean 0 is always 0)");
    const auto inserted = first_line.emplace(line.name, csv.line());
    if (!inserted.second)
      csv.fail("name " + quoted_text(line.name) + " appears again (first at line " +
               std::to_string(inserted.first->second) + ")");
    lines.push_back(line);
  }
  if (lines.empty()) csv.fail_at(0, "no lines (the file has a header and no rows)");
  if (sha256) *sha256 = csv.sha256();
  return lines;
}

LossSamples read_loss_samples(const std::string& path, const std::vector<ReinsuranceLine>& lines, std::string* sha256) {
  CsvReader csv(path, "samples file");
  require_named_columns(csv);
  const std::vector<size_t> line_of = columns_to_lines(csv, 0, lines);
  const size_t columns = csv.header().size();
  LossSamples samples;
  samples.loss.resize(lines.size());
  // about (digits + comma) per value: reserve once to avoid regrowing 1e7-long columns
  const size_t estimate = csv.bytes() / (columns * 8 + 1);
  for (auto& column : samples.loss) column.reserve(estimate);
  while (csv.next()) {
    for (size_t c = 0; c < columns; ++c) {
      const double v = csv.number(c);
      if (v < 0) csv.fail(csv.header()[c] + " = " + shortest(v) + " is a negative loss");
      if (v > reinsure_limits::max_loss)
        csv.fail(csv.header()[c] + " = " + shortest(v) + " is above " + shortest(reinsure_limits::max_loss) +
                 ", the limit that keeps the sums over the samples finite");
      samples.loss[line_of[c]].push_back(v);
    }
  }
  if (samples.size() == 0) csv.fail_at(0, "no samples (the file has a header and no rows)");
  if (sha256) *sha256 = csv.sha256();
  return samples;
}

std::vector<double> read_correlation_csv(const std::string& path, const std::vector<ReinsuranceLine>& lines,
                                         std::string* sha256) {
  CsvReader csv(path, "correlation file");
  require_named_columns(csv);
  if (csv.header()[0] != "line")
    csv.fail_at(csv.header_line(), "the first column must be \"line\" (the row's line name)");
  const std::vector<size_t> line_of = columns_to_lines(csv, 1, lines);
  const size_t n = lines.size();
  const auto index = line_index(lines);
  std::vector<double> matrix(n * n, std::numeric_limits<double>::quiet_NaN());
  std::vector<uint64_t> row_line(n, 0);
  while (csv.next()) {
    const std::string name(csv.text(0));
    const auto it = index.find(name);
    if (it == index.end()) csv.fail("line " + quoted_text(name) + " is not a line of the lines file");
    const size_t i = it->second;
    if (row_line[i] != 0)
      csv.fail("line " + quoted_text(name) + " appears again (first at line " + std::to_string(row_line[i]) + ")");
    row_line[i] = csv.line();
    for (size_t c = 1; c < csv.header().size(); ++c) {
      const double v = csv.number(c);
      const std::string shown = csv.header()[c] + " = " + shortest(v);
      if (v < -1 || v > 1) csv.fail(shown + " is outside [-1, 1]");
      if (i == line_of[c] && v != 1) csv.fail(shown + ": the diagonal must be 1");
      matrix[i * n + line_of[c]] = v;
    }
  }
  for (size_t i = 0; i < n; ++i)
    if (row_line[i] == 0) csv.fail_at(0, "no row for line " + quoted_text(lines[i].name));
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < i; ++j)
      if (std::fabs(matrix[i * n + j] - matrix[j * n + i]) > 1e-12)
        csv.fail_at(std::max(row_line[i], row_line[j]), lines[i].name + "," + lines[j].name + ": not symmetric (" +
                                                            shortest(matrix[i * n + j]) + " and " +
                                                            shortest(matrix[j * n + i]) + ")");
  size_t failed = 0;
  if (!cholesky_lower(matrix, n, &failed))
    csv.fail_at(row_line[failed],
                "the matrix is not positive definite (Cholesky fails at line " + quoted_text(lines[failed].name) + ")");
  if (sha256) *sha256 = csv.sha256();
  return matrix;
}

// ------------------------------------------------------------------------------------------ outputs

std::string reinsurance_json(const ReinsuranceResult& r) {
  Json lines = Json::array();
  for (const LineCession& c : r.lines)
    lines.push_back(Json{{"name", c.name},
                         {"order", c.order},
                         {"safety_loading", c.safety_loading},
                         {"ceded", c.ceded},
                         {"retention", c.retention ? finite_or_null(*c.retention) : Json(nullptr)},
                         {"expected_loss", finite_or_null(c.expected_loss)},
                         {"expected_ceded_loss", finite_or_null(c.expected_ceded_loss)},
                         {"ceded_premium", finite_or_null(c.ceded_premium)},
                         {"cession_cost", finite_or_null(c.cession_cost)},
                         {"cession_rate", finite_or_null(c.cession_rate)}});
  Json frontier = Json::array();
  for (const ReinsuranceFrontierPoint& f : r.frontier)
    frontier.push_back(Json{{"budget", finite_or_null(f.budget)},
                            {"retained_risk", finite_or_null(f.retained_risk)},
                            {"ceded_premium", finite_or_null(f.ceded_premium)},
                            {"cession_cost", finite_or_null(f.cession_cost)},
                            {"marginal_order", f.marginal_order},
                            {"retention", finite_or_null(f.retention)}});
  Json inputs = Json::array();
  for (const ReinsuranceInputFile& file : r.input_files)
    inputs.push_back(Json{{"role", file.role}, {"path", file.path}, {"sha256", file.sha256}});
  Json j{{"status", r.status},
         {"message", r.message},
         {"measure", to_string(r.measure)},
         {"objective", to_string(r.objective)},
         {"path_steps", r.path_steps},
         {"alpha", r.alpha},
         {"budget", r.budget},
         {"samples", r.samples},
         {"sample_source", r.sample_source},
         {"retained_risk", finite_or_null(r.retained_risk)},
         {"retained_var", finite_or_null(r.retained_var)},
         {"unceded_risk", finite_or_null(r.unceded_risk)},
         {"least_reachable_risk", finite_or_null(r.least_reachable_risk)},
         {"total_ceded_premium", finite_or_null(r.total_ceded_premium)},
         {"total_cession_cost", finite_or_null(r.total_cession_cost)},
         {"total_expected_ceded_loss", finite_or_null(r.total_expected_ceded_loss)},
         {"lines", lines},
         {"frontier", frontier},
         {"evaluations", r.evaluations},
         {"seconds", r.seconds},
         {"backend_used", r.backend_used},
         {"device_name", text_or_null(r.device_name)},
         {"fallback_reason", text_or_null(r.fallback_reason)},
         {"inputs", inputs},
         {"rateopt", Json{{"version", version_string()}, {"git_revision", git_revision()}}},
         {"timestamp_utc", utc_timestamp_now()}};
  return j.dump(2);
}

std::vector<std::string> reinsurance_output_names(bool with_frontier) {
  std::vector<std::string> names{"reinsurance_lines.csv", "result.json"};
  if (with_frontier) {
    names.push_back("reinsurance_frontier.csv");
    names.push_back("reinsurance_frontier.svg");
  }
  return names;
}

namespace {

std::string lines_csv(const ReinsuranceResult& r) {
  std::string csv =
      "name,order,safety_loading,ceded,retention,expected_loss,expected_ceded_loss,ceded_premium,cession_cost,"
      "cession_rate\n";
  for (const LineCession& c : r.lines) {
    append_csv_text(csv, c.name);
    csv += "," + std::to_string(c.order) + ",";
    append_exact(csv, c.safety_loading);
    csv += c.ceded ? ",1," : ",0,";
    if (c.retention) append_exact(csv, *c.retention);  // empty: kept whole
    for (double v : {c.expected_loss, c.expected_ceded_loss, c.ceded_premium, c.cession_cost, c.cession_rate}) {
      csv += ',';
      append_exact(csv, v);
    }
    csv += '\n';
  }
  return csv;
}

std::string frontier_csv(const ReinsuranceResult& r) {
  std::string csv = "budget,retained_risk,ceded_premium,cession_cost,marginal_order,marginal_line,retention\n";
  for (const ReinsuranceFrontierPoint& f : r.frontier) {
    for (double v : {f.budget, f.retained_risk, f.ceded_premium, f.cession_cost}) {
      append_exact(csv, v);
      csv += ',';
    }
    csv += std::to_string(f.marginal_order) + ",";
    for (const LineCession& c : r.lines)
      if (c.order == f.marginal_order) append_csv_text(csv, c.name);
    csv += ',';
    append_exact(csv, f.retention);  // empty when nothing is ceded
    csv += '\n';
  }
  return csv;
}

std::string frontier_svg(const ReinsuranceResult& r) {
  const bool cvar = r.measure == RiskMeasure::cvar;
  Chart chart;
  char level[32];
  snprintf(level, sizeof level, "%g", r.alpha);
  const std::string measure = cvar ? std::string("retained CVaR at ") + level : "retained variance";
  chart.title = "Reinsurance frontier: ceded premium against " + measure + " (cheapest layer first)";
  chart.x_label = cvar ? std::string("Retained CVaR (") + level + ")" : "Retained variance";
  chart.y_label = "Ceded premium";
  ChartSeries s;
  s.name = "least ceded premium on the path";
  for (const ReinsuranceFrontierPoint& f : r.frontier) {
    s.x.push_back(f.retained_risk);
    s.y.push_back(f.ceded_premium);
  }
  chart.series.push_back(s);
  if (r.status != "infeasible") {
    ChartMarker m;
    m.x = r.retained_risk;
    m.y = r.total_ceded_premium;
    m.label = "budget " + format_tick(r.budget, std::fabs(r.budget) / 1000 + 1e-300) + ": premium " +
              format_tick(r.total_ceded_premium, 1.0);
    chart.markers.push_back(m);
  }
  return render_svg(chart);
}

}  // namespace

void write_reinsurance_outputs(const std::string& out_dir, const ReinsuranceResult& r, bool force) {
  const bool with_frontier = !r.frontier.empty();
  OutputSet outputs(out_dir, reinsurance_output_names(with_frontier), force);
  outputs.write("reinsurance_lines.csv", lines_csv(r));
  if (with_frontier) {
    outputs.write("reinsurance_frontier.csv", frontier_csv(r));
    outputs.write("reinsurance_frontier.svg", frontier_svg(r));
  }
  outputs.write("result.json", reinsurance_json(r) + "\n");
  outputs.commit();
}

}  // namespace rateopt
