// The policy-mix integer programme: the cheapest set of whole term-life policies, several
// of a kind allowed, that reaches a total coverage and a coverage-weighted average term.
//
//   minimise   Σ_k premium_k·n_k                      over integers 0 ≤ n_k ≤ 1e9
//   subject to Σ_k coverage_k·n_k ≥ min_coverage
//              Σ_k coverage_k·(term_k − min_avg_term)·n_k ≥ 0      (Σ c·t·n ≥ T·Σ c·n, linearised)
//              Σ_k n_k ≤ max_policies                               (only when given)
//
// Solved exactly by COIN-OR CBC through its C interface.  Equal-premium optima are broken by a fixed
// rule (see CoverResult), so the answer is a function of the input alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

/// The ranges over which CBC answers the programme exactly (checked against brute force in the tests):
/// quotes and goals outside them are refused (InputError, exit 2) rather than solved approximately.
namespace cover_limits {
inline constexpr double max_term = 200;    ///< years, term in (0, 200]; min_avg_term in [0, 200]
inline constexpr double min_coverage = 1;  ///< dollars, coverage in [1, 1e12]
inline constexpr double max_coverage = 1e12;
inline constexpr double min_premium = 0.01;  ///< dollars a year, yearly_premium in [0.01, 1e12]
inline constexpr double max_premium = 1e12;
inline constexpr double max_goal_coverage = 1e15;  ///< min_coverage in (0, 1e15]
}  // namespace cover_limits

/// One term-life quote: a policy that can be bought any whole number of times.
struct LifeQuote {
  std::string policy_id;      ///< unique within a quote set
  std::string insurer;        ///< may be empty
  double term = 0;            ///< years, > 0
  double coverage = 0;        ///< death benefit in dollars, > 0
  double yearly_premium = 0;  ///< dollars a year, > 0
  uint64_t line = 0;          ///< line of the quotes file (header = 1), 0 when built in code
};

/// The quotes in file order, and where they came from.
struct QuoteSet {
  std::vector<LifeQuote> quotes;
  std::string source;                 ///< file path, for messages and the audit
  std::string sha256;                 ///< SHA-256 (hex) of the bytes read ("" when built in code)
  std::vector<std::string> warnings;  ///< e.g. ignored unknown columns, "file:line: …"
};

/// Read a quotes CSV whose header holds policy_id, insurer, term, coverage, yearly_premium (order
/// free; other columns ignored with a warning).  Accepts a UTF-8 BOM, LF/CRLF line endings, blank
/// lines, RFC 4180 quoted fields and spaces around numbers.  Errors (InputError, "file:line: column:
/// rule", exit 2): cannot open, empty file, header only, missing or duplicate column, wrong field
/// count, empty policy_id, policy_id repeated (naming its first line), a number that is empty, not a
/// number, not finite, or outside its range (cover_limits).
QuoteSet read_quotes_csv(const std::string& path);

/// The goal of one solve.
struct CoverGoal {
  double min_coverage = 0;                ///< dollars, in (0, 1e15]
  double min_avg_term = 0;                ///< years, in [0, 200] (0: no term requirement)
  std::optional<int64_t> max_policies{};  ///< Σ n_k ≤ this when given, ≥ 1
};

/// Throws InputError ("option --min-coverage: …") when a goal field breaks its rule.
void validate(const CoverGoal& goal);

/// The answer to one goal.
///
/// Tie-breaking rule (deterministic): among mixes of minimum yearly premium (premiums within
/// 1e-9 relative of the minimum count as equal), take those with the fewest policies, then the count
/// vector that is lexicographically largest in file order (as many as possible of the first quote,
/// then of the second, …).  Each step is a CBC re-solve with the earlier ones fixed as constraints.
struct CoverResult {
  bool feasible = false;            ///< false: no mix meets the goal (proven by CBC)
  std::vector<int64_t> counts;      ///< n_k per quote, file order (all 0 when infeasible)
  int64_t policy_count = 0;         ///< Σ n_k
  double yearly_premium = 0;        ///< Σ premium·n, dollars
  double monthly_premium = 0;       ///< yearly / 12
  double total_coverage = 0;        ///< Σ coverage·n, dollars
  double wa_term = 0;               ///< coverage-weighted average term Σ c·t·n / Σ c·n, years
  double premium_per_thousand = 0;  ///< yearly premium per $1,000 of coverage
  int cbc_solves = 0;               ///< CBC runs, tie-breaking re-solves included
  double seconds = 0;               ///< wall time of the solve
};

/// Solve one goal exactly.  InputError for an empty quote set or an invalid goal; SolverError (exit 3)
/// when CBC neither proves optimality nor infeasibility, or its answer fails the exact re-check.
CoverResult solve_cover(const std::vector<LifeQuote>& quotes, const CoverGoal& goal);

/// Totals of a count vector (policy_count, premiums, coverage, wa_term, premium_per_thousand), as
/// CoverResult reports them; feasible is set from the constraints of goal (checked to 1e-12 relative).
CoverResult evaluate_mix(const std::vector<LifeQuote>& quotes, const std::vector<int64_t>& counts,
                         const CoverGoal& goal);

/// One scenario of the grid: named "<term>_<coverage>" with the numbers in shortest form ("15_750000").
struct CoverScenario {
  std::string name;
  CoverGoal goal;
  CoverResult result;
};

/// Every (min_avg_term, min_coverage) pair, terms outer, coverages inner, in the order given.
/// Lists must be non-empty with distinct entries (InputError otherwise).
std::vector<CoverScenario> solve_cover_grid(const std::vector<LifeQuote>& quotes,
                                            const std::vector<double>& min_avg_terms,
                                            const std::vector<double>& min_coverages,
                                            std::optional<int64_t> max_policies);

/// x in plain decimal notation, the shortest that reads back exactly ("2000000", "0.52"): the form of
/// scenario names and of the numbers in the grid's CSV files.  "nan"/"inf"-free inputs assumed.
std::string plain_number(double x);

/// What `rateopt cover` solves: one goal (min_coverage and min_avg_term), or the scenario grid of
/// every (grid_min_avg_term, grid_min_coverage) pair; max_policies applies to either.
struct CoverOptions {
  std::optional<double> min_coverage;     ///< dollars
  std::optional<double> min_avg_term;     ///< years
  std::optional<int64_t> max_policies;    ///< unset: no limit
  std::vector<double> grid_min_avg_term;  ///< years; with grid_min_coverage, the scenario grid
  std::vector<double> grid_min_coverage;  ///< dollars
  bool grid() const { return !grid_min_avg_term.empty() || !grid_min_coverage.empty(); }
  /// The table's bounds, then one goal or the grid, not both (InputError naming the options).
  void validate() const;
  /// The one goal (after validate(), when not grid()).
  CoverGoal goal() const { return CoverGoal{*min_coverage, *min_avg_term, max_policies}; }
};
template <class F>
void visit_options(CoverOptions& o, F&& f) {
  const Bounds coverage = in_range(0, cover_limits::max_goal_coverage, true),
               term = in_range(0, cover_limits::max_term);
  f(OptionRow{"min_coverage", "total coverage to reach, dollars", coverage}, o.min_coverage);
  f(OptionRow{"min_avg_term", "coverage-weighted average term to reach, years", term}, o.min_avg_term);
  f(OptionRow{"max_policies", "at most this many policies in all", at_least(1), "no limit"}, o.max_policies);
  f(OptionRow{"grid_min_avg_term", "scenario grid: average terms, e.g. 15,20,25", term}, o.grid_min_avg_term);
  f(OptionRow{"grid_min_coverage", "scenario grid: coverages, e.g. 750000,1000000", coverage}, o.grid_min_coverage);
}

/// The JSON document of one goal's answer (what `rateopt cover --json` prints): the goal, the
/// outcome, and the audit (quotes file and its SHA-256, solver, tie-break rule, version, time).
std::string cover_goal_json(const QuoteSet& quotes, const CoverGoal& goal, const CoverResult& result);
/// result.json of a scenario grid: every scenario's goal and outcome, and the audit.
std::string cover_grid_json(const QuoteSet& quotes, const CoverOptions& options,
                            const std::vector<CoverScenario>& scenarios);
/// The files of a grid run in out_dir: scenarios.csv, scenario_policies.csv and result.json, all or
/// nothing (result.json renamed into place last, so a result.json that exists describes the tables
/// beside it).  An existing file is replaced only with force.
std::vector<std::string> cover_grid_output_names();
void write_cover_grid_outputs(const std::string& out_dir, const QuoteSet& quotes,
                              const std::vector<CoverScenario>& scenarios, const std::string& result_json, bool force);

/// The outputs of a grid run, as written (exposed for tests).
std::string cover_scenarios_csv(const std::vector<CoverScenario>& scenarios);
std::string cover_scenario_policies_csv(const QuoteSet& quotes, const std::vector<CoverScenario>& scenarios);

}  // namespace rateopt
