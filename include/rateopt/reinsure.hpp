// CVaR reinsurance cession: layered stop-loss cessions over several risk lines, cheapest layer
// first, so that a risk measure of the retained aggregate loss meets a budget at the least cost.
//
// The model.  Line i has loss X_i (a column of samples), safety loading β_i ≥ 0 and a least retention
// m_i ≥ 0 that a reinsurer accepts (optional column, default 0).  A stop-loss cession with retention
// d_i ∈ [m_i, ∞] cedes R_i = (X_i − d_i)+ and keeps min(X_i, d_i).  Its price is the expected-value
// premium (1 + β_i)·E[R_i]; of that, β_i·E[R_i] is the cost of the cover (Σ β_i·E[R_i]) and
// E[R_i] comes back as recoveries on average.  The retained aggregate is A(d) = Σ_i min(X_i, d_i) and
// the risk measure ρ is either
//   cvar:     CVaR_α(A) = VaR_α(A) + E[(A − VaR_α(A))+]/(1 − α)  (Rockafellar–Uryasev), computed exactly
//             on the samples: VaR_α = the ⌈α·S⌉-th smallest of the S sample values, the mean excess over it
//             summed over the samples (for α·S an integer this is the mean of the S − α·S largest values);
//   variance: the variance of A over the samples (population form, divisor S), in squared money units.
//
// The objective.  Minimise the cost of the cessions: `cost` (default) = Σ β_i·E[R_i], the loading's
// formula (the loading: premium less expected recoveries), or `premium` = Σ (1 + β_i)·E[R_i], the cash
// premium (--objective).  Both are reported.
//
// The rule ("layered stop-loss cessions, cheapest first").  Cessions are bought layer by layer.  Each
// line's retention can step down a ladder: ∞ (nothing ceded), its sample quantiles at 0.9999, 0.9995,
// …, 0.05, 0 (38 levels; see kLadder), then its least retention.  From "nothing ceded", the cession
// path takes one step at a time: of the next layer of every line, the one that removes the most risk
// per unit of objective cost (risk removed / extra Σ c_j·E[R_j]) — the cheapest layer first — until
// every line sits at its least retention.  This is a discrete steepest-descent path for the KKT
// condition of the problem (at an optimum each ceded line's marginal cost per unit of risk removed is
// the same), chosen on a fixed subsample (every stride-th sample, at most 100,000).  Along the path
// the cost rises and, for CVaR, the retained risk falls (A falls sample by sample and CVaR is
// monotone).  On the full samples:
//   - ρ with no cession ≤ budget  → "no_cession" (nothing ceded);
//   - ρ with every line at its least retention > budget → "infeasible", naming the least reachable ρ;
//   - otherwise the first path point meeting the budget is found by bisection over the points (the
//     variance need not fall at every step when lines are negatively dependent; steps that raise it
//     come last on the path, and bisection then finds a crossing point, not always the first), and
//     the one line that moved on that step — the marginal line — gets its retention by
//     Brent's method between the two points (ρ continuous and piecewise linear in it for CVaR).  The side
//     of the final bracket that meets the budget is returned: ρ ≤ budget and the retention is resolved
//     to 1e-12 relative, so ρ equals the budget to round-off wherever ρ is continuous.
// Lines with equal risk profiles are ceded cheapest loading first; a cheap line with a thin tail is not
// ceded wholly before the tail of a costlier line is touched (ceding the cheapest line whole first can
// cost many times more: 5–100× in tests/test_reinsure.cpp's two-line case).  Against a brute-force
// search over two lines' retentions (a grid of one, bisection on the other) the path's cost is within
// 0–0.3% over five budgets and within 3% in the test.  It is not a certified optimum: the least-cost
// stop-loss retentions for a CVaR budget solve a non-convex problem; the Rockafellar–Uryasev LP over
// samples with free indemnities 0 ≤ r_si ≤ X_si is a convex relaxation and would give a lower bound.
//
// Speed.  The path costs a few thousand risk evaluations on the ≤ 100,000-sample subsample.  On the full
// samples each trial retention costs one streaming pass over the marginal line and the other lines'
// retained sum (kept in one array), plus an O(S) selection: on the CPU the tail is found by filtering
// against a threshold estimated from a fixed subsample and selecting (nth_element) inside the filtered
// set, and once a lower retention meeting the budget is known only the samples that can still reach
// the tail are visited; on the GPU by a CUB radix sort.  Reductions are in fixed chunk order, so
// results do not depend on the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

/// One risk line of the lines CSV (`name,expected_loss,variance,safety_loading[,min_retention]`).
struct ReinsuranceLine {
  std::string name;
  double expected_loss = 0;   ///< E[X], money, ≥ 0 (the simulation's mean)
  double variance = 0;        ///< Var[X], money², ≥ 0 (the simulation's variance)
  double safety_loading = 0;  ///< β ≥ 0: the reinsurer's premium is (1 + β)·E[ceded]
  double min_retention = 0;   ///< least retention a reinsurer accepts, ≥ 0 (0: the whole line can go)
};

/// Loss samples, one column per line, in the order of the lines: loss[line][sample].
struct LossSamples {
  std::vector<std::vector<double>> loss;
  size_t size() const { return loss.empty() ? 0 : loss[0].size(); }
};

enum class RiskMeasure { cvar, variance };
template <>
struct EnumNames<RiskMeasure> {
  static constexpr std::array<const char*, 2> names{"cvar", "variance"};
};
/// What a cession costs: `cost` = Σ β_i·E[R_i] (the loading, premium less expected
/// recoveries), `premium` = Σ (1 + β_i)·E[R_i] (the cash premium).
enum class CessionObjective { cost, premium };
template <>
struct EnumNames<CessionObjective> {
  static constexpr std::array<const char*, 2> names{"cost", "premium"};
};

struct ReinsuranceOptions {
  RiskMeasure measure = RiskMeasure::cvar;
  CessionObjective objective = CessionObjective::cost;
  double alpha = 0.995;               ///< CVaR level, in [0, 1)
  std::optional<double> budget;       ///< limit on the retained risk (money for cvar, money² for variance); required
  int frontier_points = 0;            ///< points of the premium–risk frontier (0: none; else 2 to 1000)
  Device device = Device::automatic;  ///< where the risk evaluations run
  int threads = 0;                    ///< CPU threads, 0 = all
  void validate() const;              ///< the table's bounds and the frontier rule; InputError naming the option
};
template <class F>
void visit_options(ReinsuranceOptions& o, F&& f) {
  f(OptionRow{"measure", "risk measure of the retained loss"}, o.measure);
  f(OptionRow{"objective", "what to minimise: cost = Σ β·E[ceded], premium = Σ (1+β)·E[ceded]"}, o.objective);
  f(OptionRow{"alpha", "CVaR level", in_range(0, 1, false, true)}, o.alpha);
  f(required({"budget", "limit on the retained risk (money for cvar, money² for variance)"}), o.budget);
  f(OptionRow{"frontier", "points of the premium–risk frontier: 0 = none, else at least 2", in_range(0, 1000)},
    o.frontier_points);
  f(option_rows::device, o.device);
  f(option_rows::threads(), o.threads);
}

/// Where `rateopt reinsure` takes its loss samples from when no samples file is given.
struct LossSimulationOptions {
  uint64_t simulate = 0;  ///< lognormal samples per line (simulate_losses); 0: read a samples file
  uint64_t seed = 42;
};
template <class F>
void visit_options(LossSimulationOptions& o, F&& f) {
  f(OptionRow{"simulate", "simulate N lognormal samples per line instead of reading --samples",
              in_range(0, 100'000'000)},
    o.simulate);
  f(OptionRow{"seed", "simulation seed"}, o.seed);
}

struct LineCession {
  std::string name;
  double safety_loading = 0;
  int order = 0;  ///< 1-based rank by the path step that first cedes from the line (untouched lines last)
  bool ceded = false;
  std::optional<double> retention;  ///< d_i; nullopt when the line is kept whole (d = ∞)
  double expected_loss = 0;         ///< sample mean of X_i
  double expected_ceded_loss = 0;   ///< E[(X_i − d_i)+] over the samples
  double ceded_premium = 0;         ///< (1 + β_i)·E[(X_i − d_i)+]
  double cession_cost = 0;          ///< β_i·E[(X_i − d_i)+]: premium less expected recoveries
  double cession_rate = 0;          ///< E[(X_i − d_i)+] / E[X_i] (0 when E[X_i] = 0)
};

struct ReinsuranceFrontierPoint {
  double budget = 0;         ///< the budget solved for
  double ceded_premium = 0;  ///< least premium on the path meeting it
  double cession_cost = 0;
  double retained_risk = 0;  ///< the retained risk reached
  int marginal_order = 0;    ///< `order` of the marginal line (0: no cession)
  double retention = 0;      ///< its retention (∞ as NaN when no cession)
};

/// Limits on the lines and samples files: with them every sum and square over the samples stays finite.
namespace reinsure_limits {
inline constexpr double max_loss = 1e15;           ///< expected_loss, min_retention and every sample, money
inline constexpr double max_variance = 1e30;       ///< money²
inline constexpr double max_safety_loading = 1e3;  ///< β
}  // namespace reinsure_limits

/// An input file of a run, as the audit records it: its role ("lines", "samples", "correlation"), path
/// and the SHA-256 (hex) of the bytes the run read.
struct ReinsuranceInputFile {
  std::string role, path, sha256;
};

struct ReinsuranceResult {
  std::string status;   ///< "ceded", "no_cession" or "infeasible"
  std::string message;  ///< one human sentence saying what happened
  RiskMeasure measure = RiskMeasure::cvar;
  CessionObjective objective = CessionObjective::cost;
  int path_steps = 0;  ///< steps (layers) of the cession path, see the model above
  double alpha = 0, budget = 0;
  size_t samples = 0;
  std::vector<LineCession> lines;  ///< input order
  double total_ceded_premium = 0, total_cession_cost = 0, total_expected_ceded_loss = 0;
  double retained_risk = 0;         ///< ρ of the retained aggregate at the answer
  double retained_var = 0;          ///< VaR_α of the retained aggregate (cvar only; NaN otherwise)
  double unceded_risk = 0;          ///< ρ with no cession
  double least_reachable_risk = 0;  ///< ρ with every line at its least retention
  int evaluations = 0;              ///< risk evaluations (passes over the samples)
  double seconds = 0;
  std::string backend_used, device_name, fallback_reason;
  std::vector<ReinsuranceFrontierPoint> frontier;  ///< budgets evenly from least reachable to unceded
  // Filled by the caller for the audit in result.json: where the samples came from and the input files.
  std::string sample_source;
  std::vector<ReinsuranceInputFile> input_files;
};

/// Read the lines CSV: header with name, expected_loss, variance, safety_loading (min_retention
/// optional; order free; unknown columns are errors).  InputError "file:line: column: rule" on a
/// violation: empty or duplicate names, non-numbers, NaN/inf, negatives, values past the limits below, no
/// rows.  Every reader here reads its file once and, when `sha256` is given, stores the hash of the bytes.
std::vector<ReinsuranceLine> read_reinsurance_lines(const std::string& path, std::string* sha256 = nullptr);

/// Read a samples CSV: one column per line name (every line exactly once, any order, no other
/// columns), one row per sample; values finite and ≥ 0.  Columns are returned in the lines' order.
LossSamples read_loss_samples(const std::string& path, const std::vector<ReinsuranceLine>& lines,
                              std::string* sha256 = nullptr);

/// Read a correlation matrix CSV: header `line,<names…>` and one row `<name>,<values…>` per line
/// (names in any order, each line once).  Checked: entries finite in [−1, 1], unit diagonal, symmetric
/// to 1e-12, positive definite (Cholesky).  Returned in the lines' order, row-major n×n.
std::vector<double> read_correlation_csv(const std::string& path, const std::vector<ReinsuranceLine>& lines,
                                         std::string* sha256 = nullptr);

/// Lower Cholesky factor of a row-major n×n matrix; nullopt when it is not positive definite
/// (a pivot ≤ 1e-12).  `failed_row` gets the row where it failed.
std::optional<std::vector<double>> cholesky_lower(const std::vector<double>& matrix, size_t n,
                                                  size_t* failed_row = nullptr);

/// n samples per line: X_i = exp(μ_i + σ_i·Z_i) with σ_i² = ln(1 + var_i/mean_i²), μ_i = ln mean_i − σ_i²/2
/// (lognormal with the line's mean and variance; a line with variance 0 is constant, with mean 0 is 0),
/// Z = L·ε a Gaussian copula with L the Cholesky factor of `correlation` (empty: independent).
/// ε from Philox keyed by seed with counter (sample, pair of lines): reproducible, thread-count free.
LossSamples simulate_losses(const std::vector<ReinsuranceLine>& lines, const std::vector<double>& correlation, size_t n,
                            uint64_t seed, int threads = 0);

/// CVaR_α of the values (the exact sample estimator above), CPU threads; `var` gets VaR_α when given.
double sample_cvar(const std::vector<double>& values, double alpha, int threads = 0, double* var = nullptr);

/// Solve the cession problem (model above).  InputError when the options or samples are unusable.
ReinsuranceResult optimise_reinsurance(const std::vector<ReinsuranceLine>& lines, const LossSamples& samples,
                                       const ReinsuranceOptions& options);

/// result.json's content (one object), reinsurance_lines.csv, the frontier CSV and its chart.
std::string reinsurance_json(const ReinsuranceResult& r);
/// DIR/reinsurance_lines.csv, DIR/result.json and, with a frontier, DIR/reinsurance_frontier.csv and
/// DIR/reinsurance_frontier.svg; atomically, refusing to overwrite without force.
std::vector<std::string> reinsurance_output_names(bool with_frontier);
void write_reinsurance_outputs(const std::string& out_dir, const ReinsuranceResult& r, bool force);

}  // namespace rateopt
