// Elasticity scenarios: one full solve of the book per elasticity vector, with per-policy
// p10/mean/p90 of the multiplier and p10/mean/p90 of profit over the scenarios, and a summary table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/book.hpp"
#include "rateopt/option_table.hpp"
#include "rateopt/options.hpp"
#include "rateopt/result.hpp"
#include "rateopt/sweep.hpp"

namespace rateopt {

/// One elasticity scenario: a full elasticity vector in book row order (size() == book.size()).
struct ElasticityScenario {
  std::string name;                ///< unique within a run; column m_<name> of scenario_policies.csv
  std::vector<double> elasticity;  ///< ε_i per policy, finite
  std::string source = {};         ///< where it came from, for the outputs ("scale 0.75", a file path)
};

/// Which scenarios to solve: one per scale factor (ε·s), then one per elasticity file.
struct ScenarioOptions {
  std::vector<double> elasticity_scale;
  std::vector<std::string> elasticity_files;
};
template <class F>
void visit_options(ScenarioOptions& o, F&& f) {
  f(OptionRow{"elasticity_scale", "scale every elasticity by each factor, one solve per factor, e.g. 0.75,1,1.25",
              at_least(0)},
    o.elasticity_scale);
  f(OptionRow{"elasticity_files",
              "CSV files with policy_id,elasticity covering every policy once; scenario named after the file"},
    o.elasticity_files);
}

/// The scenarios the options ask for, scales first (scale_scenarios, read_elasticity_file); an
/// InputError when they ask for none.
std::vector<ElasticityScenario> make_scenarios(const BookView& book, const ScenarioOptions& options);

/// Parse a comma-separated list of scale factors ("0.75,1,1.25"; spaces allowed around the numbers).
/// Each must be a finite number ≥ 0.  Errors: InputError "option elasticity_scale: …".
std::vector<double> parse_scale_list(const std::string& text);

/// One scenario per scale s: ε_i·s for every policy, named "scale_<s>" with s in its shortest exact
/// decimal form ("scale_0.75", "scale_1", "scale_1.25").  Scales must be finite and ≥ 0 (0 = no price
/// response) and distinct; otherwise InputError.  An empty list is an InputError.
std::vector<ElasticityScenario> scale_scenarios(const BookView& book, const std::vector<double>& scales);

/// Read an elasticity scenario from a CSV file whose header holds `policy_id` and `elasticity` (other
/// columns are ignored; order free).  Every policy of the book must appear exactly once, matched by
/// Book::policy_id(i) exactly as written (no trimming); the vector comes back in book row order and is
/// named after the file's stem ("a" for dir/a.csv).  Accepts a UTF-8 BOM, LF/CRLF/CR line endings,
/// blank lines and RFC 4180 quoted fields; numbers may carry surrounding spaces.  Errors (InputError,
/// "file:line: rule"): cannot open, empty file, missing or duplicate column, wrong field count, empty
/// policy_id, policy_id not in the book, policy_id repeated (naming its first line), elasticity
/// empty / not a number / not finite; and "file: N of the book's M policies are missing, first
/// policy_id "X" (book line L)" when rows are missing.  A book whose own policy_ids repeat cannot be
/// matched and is an InputError naming the book's lines.
ElasticityScenario read_elasticity_file(const BookView& book, const std::string& path);

/// One scenario's solve.
struct ScenarioSummary {
  std::string name;
  PointSummary summary;
  std::string source = {};  ///< ElasticityScenario::source
};

/// The whole run.  Percentiles are over the CONVERGED scenarios only (see scenario_percentile); where
/// no scenario converged they are NaN (written as empty CSV fields and JSON null).
struct ScenarioResult {
  std::vector<ScenarioSummary> scenarios;                               ///< in the order given
  std::vector<double> multiplier_p10, multiplier_mean, multiplier_p90;  ///< per policy, book order
  double profit_p10 = 0, profit_mean = 0, profit_p90 = 0;
  int n_converged = 0;
  int64_t passes = 0;  ///< over all scenarios
  double seconds = 0;  ///< wall time of the whole run
  std::string backend_used, device_name, fallback_reason;
  /// Final multipliers per scenario (same order as scenarios), whatever its status: the m_<name>
  /// columns of scenario_policies.csv.
  std::vector<std::vector<double>> multipliers;
  OptimiseOptions options;            ///< the options every scenario was solved under (audit echo)
  std::vector<std::string> warnings;  ///< per-scenario warnings, prefixed with the scenario's name
};

/// The q-th quantile (q in [0,1]) of values, by linear interpolation between order statistics
/// (numpy.percentile's default "linear" method): with v sorted ascending and h = (n − 1)·q,
/// Q = v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]).  One value: that value.  Empty: NaN.
/// With n ≤ 10 values, Q(0.1) ≤ mean ≤ Q(0.9) always holds; with more it need not (one outlier).
double scenario_percentile(std::vector<double> values, double q);

/// The mean as reported: v_min + Σ(v − v_min)/n, so that n equal values give exactly that value.
double scenario_mean(const std::vector<double>& values);

/// Solve the book once per scenario, each with its elasticity vector in place of the book's and the
/// other options as given.  Validates options, book and every scenario first (InputError: empty list,
/// empty or repeated name, wrong length, non-finite value).  The book is prepared and the backend
/// chosen once; each scenario re-derives the demand parameters, re-uploads them and runs a cold solve
/// (no warm start), so every scenario's answer is exactly the one `optimise` gives for the book with
/// that elasticity column, whatever the order of the scenarios.  progress(done, total) after each.
ScenarioResult run_scenarios(const BookView& book, const OptimiseOptions& options,
                             const std::vector<ElasticityScenario>& scenarios, const SweepProgress& progress = {});

/// The run as one JSON object (printed by `rateopt scenarios --json`): profit p10/mean/p90, one row
/// per scenario, backend facts, warnings and the rateopt version.
std::string scenarios_json(const ScenarioResult& result);

/// Write, atomically and refusing (InputError) to overwrite without force:
///   DIR/scenario_policies.csv  policy_id,multiplier_p10,multiplier_mean,multiplier_p90,m_<name>…
///   DIR/scenarios.csv          scenario,status,converged,profit,gwp,loss_ratio,retention,
///                              optimality_gap,passes,seconds
///   DIR/result.json            scenarios_json plus an audit block (book SHA-256 and counts, every
///                              option in force, version, git revision, UTC timestamp)
/// Numbers are written in their shortest exact form; NaN and missing values are empty fields.
/// Creates DIR when missing; result.json is written last.
void write_scenario_outputs(const std::string& out_dir, const BookView& book, const ScenarioResult& result, bool force);

/// The names write_scenario_outputs writes, for check_output_dir before any work is done.
std::vector<std::string> scenario_output_names();

}  // namespace rateopt
