// Writing an elasticity-scenario run (SPEC §2): scenario_policies.csv, scenarios.csv, result.json.
#include <omp.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <string_view>

#include "io/files.hpp"
#include "io/format.hpp"
#include "optimise/audit.hpp"
#include "rateopt/errors.hpp"
#include "rateopt/report.hpp"
#include "rateopt/scenarios.hpp"
#include "sweeps/point_json.hpp"

namespace rateopt {

namespace {

using Json = nlohmann::ordered_json;
using F = SummaryField;

Json summary_object(const ScenarioResult& r) {
  Json scenarios = Json::array();
  for (const ScenarioSummary& s : r.scenarios) scenarios.push_back(scenario_summary_json(s));
  Json warnings = Json::array();
  for (const std::string& w : r.warnings) warnings.push_back(w);
  return Json{{"kind", "elasticity_scenarios"},
              {"n_scenarios", static_cast<int64_t>(r.scenarios.size())},
              {"n_converged", r.n_converged},
              {"profit", Json{{"p10", finite_or_null(r.profit_p10)},
                              {"mean", finite_or_null(r.profit_mean)},
                              {"p90", finite_or_null(r.profit_p90)}}},
              {"percentile_method",
               "over converged scenarios only; linear interpolation between order statistics (numpy default): "
               "h = (n-1)q, Q = v[floor h] + (h - floor h)(v[floor h + 1] - v[floor h])"},
              {"n_policies", static_cast<int64_t>(r.multiplier_mean.size())},
              {"scenarios", scenarios},
              {"passes", r.passes},
              {"seconds", r.seconds},
              {"backend_used", r.backend_used},
              {"device_name", text_or_null(r.device_name)},
              {"fallback_reason", text_or_null(r.fallback_reason)},
              {"warnings", warnings},
              {"rateopt", Json{{"version", version_string()}, {"git_revision", git_revision()}}}};
}

// scenario_policies.csv in memory: blocks of rows formatted in parallel, joined in book order.
std::string policies_csv(const BookView& book, const ScenarioResult& r) {
  const size_t n = book.size();
  std::string header = "policy_id,multiplier_p10,multiplier_mean,multiplier_p90";
  for (const ScenarioSummary& s : r.scenarios) {
    header += ',';
    append_csv_text(header, "m_" + s.name);
  }
  header += '\n';

  constexpr size_t kRowsPerBlock = 4096;
  const size_t block_count = (n + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<std::string> blocks(block_count);
  const int threads = r.options.threads > 0 ? r.options.threads : omp_get_max_threads();
  std::exception_ptr failure;  // exceptions must not escape an OpenMP region
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4)
  for (int64_t b = 0; b < static_cast<int64_t>(block_count); ++b) {
    try {
      std::string& text = blocks[static_cast<size_t>(b)];
      const size_t first = static_cast<size_t>(b) * kRowsPerBlock, last = std::min(n, first + kRowsPerBlock);
      for (size_t i = first; i < last; ++i) {
        append_csv_text(text, book.policy_id(i));
        text += ',';
        append_exact(text, r.multiplier_p10[i]);
        text += ',';
        append_exact(text, r.multiplier_mean[i]);
        text += ',';
        append_exact(text, r.multiplier_p90[i]);
        for (const std::vector<double>& m : r.multipliers) {
          text += ',';
          append_exact(text, m[i]);
        }
        text += '\n';
      }
    } catch (...) {
#pragma omp critical(rateopt_scenario_csv_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  size_t size = header.size();
  for (const std::string& block : blocks) size += block.size();
  std::string csv;
  csv.reserve(size);
  csv += header;
  for (std::string& block : blocks) {
    csv += block;
    std::string().swap(block);
  }
  return csv;
}

std::string summary_csv(const ScenarioResult& r) {
  std::string csv = "scenario,status,converged,profit,gwp,loss_ratio,retention,optimality_gap,passes,seconds\n";
  for (const ScenarioSummary& s : r.scenarios) {
    CsvRow row(csv);
    row.text(s.name);
    put_summary(row, s.summary,
                {F::status, F::converged, F::profit, F::gwp, F::loss_ratio, F::retention, F::optimality_gap, F::passes,
                 F::seconds});
  }
  return csv;
}

void check_sizes(const BookView& book, const ScenarioResult& r) {
  const size_t n = book.size();
  bool ok = r.multiplier_p10.size() == n && r.multiplier_mean.size() == n && r.multiplier_p90.size() == n &&
            r.multipliers.size() == r.scenarios.size();
  for (const std::vector<double>& m : r.multipliers) ok = ok && m.size() == n;
  if (!ok)
    throw SolverError("scenario result disagrees in length with the book of " + std::to_string(n) +
                      " policies or with its " + std::to_string(r.scenarios.size()) + " scenarios");
}

}  // namespace

std::string scenarios_json(const ScenarioResult& result) { return summary_object(result).dump(2); }

void write_scenario_outputs(const std::string& out_dir, const BookView& book, const ScenarioResult& result,
                            bool force) {
  OutputSet outputs(out_dir, scenario_output_names(), force);
  check_sizes(book, result);

  // Everything that can fail for reasons other than I/O happens before the first byte is written.
  Json document = summary_object(result);
  document["audit"] = audit_header(book, result.options);
  const std::string result_text = document.dump(2) + '\n';
  const std::string summary = summary_csv(result);
  const std::string policies = policies_csv(book, result);

  outputs.write("scenario_policies.csv", policies);
  outputs.write("scenarios.csv", summary);
  outputs.write("result.json", result_text);
  outputs.commit();
}

}  // namespace rateopt
