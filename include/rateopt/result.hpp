// What a portfolio solve returns, modelled on Ceres' Solver::Summary.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/option_table.hpp"

namespace rateopt {

enum class SolveStatus { converged, infeasible, max_iterations, numerical_failure, time_limit };

const char* to_string(SolveStatus s);
/// Inverse of to_string; throws InputError for an unknown name.
SolveStatus solve_status_from_string(const std::string& s);

/// A portfolio constraint, named after the option that sets its limit.
enum class ConstraintKind { lr_max, lr_min, gwp_min, gwp_max, retention_min, fairness_max };
template <>
struct EnumNames<ConstraintKind> {
  static constexpr std::array<const char*, 6> names{"lr_max",  "lr_min",        "gwp_min",
                                                    "gwp_max", "retention_min", "fairness_max"};
};

/// One portfolio constraint at the answer.
struct ConstraintReport {
  ConstraintKind kind = ConstraintKind::lr_max;  ///< to_string(kind) names it in the outputs
  double value = 0;                              ///< its quantity at the answer (LR, retention, GWP, disparity ratio)
  double limit = 0;                              ///< the limit in force (after any model-quality relaxation)
  double slack = 0;               ///< distance to the limit, ≥ 0 when satisfied, in the quantity's units
  double relative_violation = 0;  ///< max(0, −slack)/|limit|
  bool binding = false;           ///< slack within tolerance
  /// Change in optimal profit per unit relaxation of the limit, ≥ 0 (0 when not binding).
  double shadow_price = 0;
  std::string shadow_price_unit;  ///< "money per percentage point of LR", "money per money of GWP", …
};

/// One record per solver iteration (both phases).
struct IterationRecord {
  std::string phase;  ///< "dual" (separable warm start) or "al" (augmented Lagrangian)
  int iteration = 0;
  double objective = 0;      ///< profit (or loss ratio) at the iterate
  double max_violation = 0;  ///< largest relative constraint violation
  double penalty = 0;        ///< augmented-Lagrangian penalty μ (0 in the dual phase)
  double stationarity = 0;   ///< relative projected-gradient norm of the Lagrangian
  int64_t passes = 0;        ///< passes over the book so far
  double seconds = 0;        ///< since the solve started
};

/// One constraint term of the solve's Lagrangian (a fairness constraint has one term per ordered pair
/// of groups).
struct LagrangianTerm {
  ConstraintKind kind = ConstraintKind::lr_max;
  std::string label;          ///< e.g. "lr_max", "fairness_max[pcw/direct]"
  double multiplier = 0;      ///< λ in the solver's scaled units (objective / its scale)
  double business_value = 0;  ///< λ in business units: the term's share of the shadow price (see ConstraintReport)
  bool linear = true;         ///< linear in the basis sums; otherwise linearised at the answer
};

/// The Lagrangian at the answer: what the pricing rule (rateopt/pricing_rule.hpp) deploys.  Each
/// policy's answer maximises basis_prices·φ(m) on its box (exactly when exact_dual).
struct AnswerLagrangian {
  std::vector<double> basis_prices;  ///< ω on the basis sums (see math/policy_math.hpp), objective scale
  std::vector<double> basis_sums;    ///< T at the answer
  std::vector<LagrangianTerm> terms;
  /// The answer is the dual phase's: every policy at its global maximiser at basis_prices.  Otherwise the
  /// augmented-Lagrangian phase moved it, and policies agree with the maximiser to the solve's stationarity.
  bool exact_dual = false;
  /// A term (stochastic LR, loss-ratio disparity, the loss-ratio objective) is not linear in the basis
  /// sums: basis_prices are its linearisation at the answer.
  bool linearised = false;
  // Book-level constants of the solve (whole book, weights included).
  double objective_scale = 1;            ///< money per unit of the scaled objective (P_ref, or LR_ref for loss_ratio)
  double profit_scale = 1;               ///< P_ref = Σ w·tc·x0
  double lr_ref = 1;                     ///< Σ w·c·x0 / P_ref
  double mean_premium = 1;               ///< Σ w·tc / Σ w
  double renewal_weight = 0;             ///< Σ_R w, the retention constraint's denominator
  double total_weight = 0;               ///< Σ w
  double claims_cv = 0;                  ///< coefficient of variation of expected_loss_cost (model-quality default)
  double lr_max_in_force = 0;            ///< lr_max after any model-quality relaxation
  std::vector<std::string> group_names;  ///< fairness groups, in basis order (empty without fairness)
  std::vector<double> group_weight;      ///< Σ_g w
};

struct SolveResult {
  SolveStatus status = SolveStatus::numerical_failure;
  bool converged = false;
  std::string message;

  // --- per policy; derived columns are computed by policy_outputs()
  std::vector<double> multiplier;
  std::vector<double> lower_bound;
  std::vector<double> upper_bound;

  // --- portfolio
  double expected_profit = 0;
  double expected_gwp = 0;
  double expected_claims = 0;
  double expected_loss_ratio = 0;
  double expected_retention = 0;  ///< NaN when the book has no renewals
  int64_t n_policies = 0;
  int64_t n_renewals = 0;
  int64_t n_bound_conflicts = 0;   ///< policies priced at a cap (ENBP or rate change) below their floor
  int64_t n_demand_above_one = 0;  ///< log-linear policies with x > 1 at the answer (warned)

  std::vector<ConstraintReport> constraints;
  std::optional<double> dual_bound;      ///< upper bound on achievable profit (null if not separable)
  std::optional<double> optimality_gap;  ///< (bound − profit)/|bound|
  std::string dual_bound_note;           ///< why the bound is null, when it is

  // --- ENBP evidence
  int64_t n_renewals_with_enbp = 0;
  int64_t n_enbp_binding = 0;
  std::optional<double> max_enbp_excess;  ///< max over renewals of m·tc − enbp·(1−buffer), ≤ 0

  // --- solver facts
  std::string backend_requested;
  std::string backend_used;
  std::string device_name;
  std::string fallback_reason;
  std::string precision = "fp64";
  int outer_iterations = 0;
  int inner_iterations = 0;
  int dual_iterations = 0;
  int64_t passes = 0;
  int restarts_run = 0;
  double seconds_total = 0;
  double seconds_prepare = 0;
  double seconds_dual = 0;
  double seconds_al = 0;
  double seconds_certify = 0;
  double lagrangian_stationarity = 0;  ///< relative projected gradient of the Lagrangian at the answer
  std::vector<IterationRecord> iterations;
  std::vector<std::string> warnings;

  /// The Lagrangian at the answer (empty basis_prices when the solve stopped before certifying).
  AnswerLagrangian lagrangian;

  /// One line: status, profit, LR, retention, gap, passes, seconds.
  std::string brief_report() const;
  /// One screen for humans: portfolio, constraints with shadow prices, certificate, solver facts.
  std::string full_report() const;
};

}  // namespace rateopt
