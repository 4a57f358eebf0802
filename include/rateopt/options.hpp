// Options of a portfolio solve, with in-class defaults.
//
// One table (visit_options, see rateopt/option_table.hpp) feeds the JSON config reader, the CLI flags,
// --help, the generic checks and the audit echo: adding an option means adding one line there.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

struct Book;

/// Demand per policy as a function of the multiplier m.
enum class DemandModel { log_linear, logistic };
template <>
struct EnumNames<DemandModel> {
  static constexpr std::array<const char*, 2> names{"log_linear", "logistic"};
};

/// What the solve optimises.
enum class Objective { profit, loss_ratio };
template <>
struct EnumNames<Objective> {
  static constexpr std::array<const char*, 2> names{"profit", "loss_ratio"};
};

/// The fairness constraint's disparity measure.
enum class FairnessMetric { premium_disparity, loss_ratio_disparity };
template <>
struct EnumNames<FairnessMetric> {
  static constexpr std::array<const char*, 2> names{"premium_disparity", "loss_ratio_disparity"};
};

struct OptimiseOptions {
  // --- model
  DemandModel demand_model = DemandModel::log_linear;
  Objective objective = Objective::profit;

  // --- per-policy bounds, applied in this order.  Where a cap (the ENBP, or max_rate_change's upper
  // limit) lies below a floor (technical_floor, max_rate_change's lower limit) the cap wins: the policy
  // is priced at it and counted in SolveResult::n_bound_conflicts.  The box [min_multiplier,
  // max_multiplier] is never left: a cap below min_multiplier is an InputError naming the row.
  double min_multiplier = 0.5;
  double max_multiplier = 3.0;
  bool technical_floor = true;
  std::optional<double> max_rate_change;  ///< δ: m within prior·[1−δ, 1+δ]
  std::optional<double> enbp_buffer;      ///< ENBP cap enbp/tc·(1−buffer) on renewals (0 when unset)

  // --- portfolio constraints, all optional
  std::optional<double> lr_max;
  std::optional<double> lr_min;
  std::optional<double> gwp_min;
  std::optional<double> gwp_max;
  std::optional<double> retention_min;
  bool stochastic_lr = false;
  double stochastic_alpha = 0.90;
  bool model_quality_adjusted_lr = false;
  std::optional<double> model_rho;
  std::optional<double> model_cv_lambda;
  std::optional<double> fairness_max;
  FairnessMetric fairness_metric = FairnessMetric::premium_disparity;

  // --- solver
  Device device = Device::automatic;
  int n_restarts = 0;  ///< extra solves from random starts (non-concave demand)
  uint64_t seed = 42;
  double tolerance = 1e-9;  ///< relative tolerance of every constraint at the answer
  int max_outer_iterations = 40;
  int max_passes = 2000;             ///< hard cap on passes over the book
  std::optional<double> time_limit;  ///< seconds
  int threads = 0;                   ///< CPU threads; 0 = all cores

  /// Throw InputError naming the option and the broken rule (e.g. "lr_min 0.7 must be < lr_max 0.6").
  void validate() const;
};

/// insurance-optimise's benchmark constraint set, used throughout the benchmarks and tests: lr_max 0.68,
/// retention_min 0.78, max_rate_change 0.25, enbp_buffer 0.01, everything else at its default.
inline OptimiseOptions benchmark_constraint_options() {
  OptimiseOptions o;
  o.lr_max = 0.68;
  o.retention_min = 0.78;
  o.max_rate_change = 0.25;
  o.enbp_buffer = 0.01;
  return o;
}

/// The portfolio constraints' rows, shared with the grid mode's table (rateopt/grid.hpp).
namespace option_rows {
inline constexpr OptionRow lr_max{"lr_max", "loss ratio C/G at most this", above(0)};
inline constexpr OptionRow lr_min{"lr_min", "loss ratio at least this", above(0)};
inline constexpr OptionRow gwp_min{"gwp_min", "expected GWP at least this, money", above(0)};
inline constexpr OptionRow gwp_max{"gwp_max", "expected GWP at most this, money", above(0)};
inline constexpr OptionRow retention_min{"retention_min", "renewal volume retention at least this",
                                         in_range(0, 1, true, false)};
}  // namespace option_rows

/// The table of a solve's options, in --help order.
template <class F>
void visit_options(OptimiseOptions& o, F&& f) {
  f(OptionRow{"demand_model", "demand model"}, o.demand_model);
  f(OptionRow{"objective", "maximise profit or minimise the loss ratio"}, o.objective);
  // [1e-3, 1e3]: with the book's limits (book_limits) every sum over the book stays finite.
  f(OptionRow{"min_multiplier", "lowest multiplier m = price/tc", in_range(1e-3, 1e3)}, o.min_multiplier);
  f(OptionRow{"max_multiplier", "highest multiplier", in_range(1e-3, 1e3)}, o.max_multiplier);
  f(OptionRow{"technical_floor", "never price below the technical price"}, o.technical_floor);
  f(OptionRow{"max_rate_change", "largest relative change from the prior multiplier, e.g. 0.25",
              in_range(0, 1, true, true)},
    o.max_rate_change);
  f(OptionRow{"enbp_buffer", "renewal price at most enbp·(1−buffer); setting it requires enbp on every renewal",
              in_range(0, 1, false, true), "0"},
    o.enbp_buffer);
  f(option_rows::lr_max, o.lr_max);
  f(option_rows::lr_min, o.lr_min);
  f(option_rows::gwp_min, o.gwp_min);
  f(option_rows::gwp_max, o.gwp_max);
  f(option_rows::retention_min, o.retention_min);
  f(OptionRow{"stochastic_lr", "test LR + z·σ ≤ lr_max instead of LR ≤ lr_max; needs claims_variance"},
    o.stochastic_lr);
  f(OptionRow{"stochastic_alpha", "confidence α of the stochastic LR test", in_range(0, 1, true, true)},
    o.stochastic_alpha);
  f(OptionRow{"model_quality_adjusted_lr", "relax lr_max by the model-quality loss-ratio error"},
    o.model_quality_adjusted_lr);
  f(OptionRow{"model_rho", "model correlation ρ for the adjustment", in_range(0, 1, true, false)}, o.model_rho);
  f(OptionRow{"model_cv_lambda", "claims CV for the adjustment", above(0), "max(std(c)/mean(c), 0.1)"},
    o.model_cv_lambda);
  f(OptionRow{"fairness_max", "largest disparity ratio between groups", at_least(1)}, o.fairness_max);
  f(OptionRow{"fairness_metric", "disparity measure"}, o.fairness_metric);
  f(option_rows::device, o.device);
  f(OptionRow{"n_restarts", "extra solves from random starts", at_least(0)}, o.n_restarts);
  f(OptionRow{"seed", "seed of the restarts"}, o.seed);
  f(OptionRow{"tolerance", "relative constraint tolerance at the answer", in_range(0, 1e-3, true, false)}, o.tolerance);
  f(OptionRow{"max_outer_iterations", "augmented-Lagrangian outer iterations at most", at_least(1)},
    o.max_outer_iterations);
  f(OptionRow{"max_passes", "passes over the book at most", at_least(10)}, o.max_passes);
  f(OptionRow{"time_limit", "seconds before stopping with time_limit", above(0)}, o.time_limit);
  f(option_rows::threads(), o.threads);
}

}  // namespace rateopt
