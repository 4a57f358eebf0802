// The pricing rule of the price-grid mode: a grid solve deployed as its term prices.
//
// For fixed constraint multipliers λ the grid solve's Lagrangian separates into one choice per policy:
// the candidate maximising ω·φ (rateopt/math/grid_math.hpp), ω = e_profit − Σ_k λ_k·a_k.  The rule keeps
// ω, the caps and each constraint with its multiplier, and prices a new quote's scored candidates as that
// argmax, without a re-solve.  On the solved grid it gives back the solve's choice except where the solve
// left the pure Lagrangian answer: policies the relaxation split, ties, and policies the integer repair
// re-chose; the rule counts each (reproduction()).
//
// Saved as JSON with "kind": "grid" (schema in the README, "The pricing rule").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rateopt/grid.hpp"
#include "rateopt/pricing_rule.hpp"

namespace rateopt {

/// One constraint of the solve: its definition over the term sums and the price the solve put on it.
struct GridRuleConstraint {
  GridConstraintKind kind = GridConstraintKind::lr_max;
  std::string name;  ///< "lr_max", "sum_min[volume]", "ratio_max[claims/gwp]"
  int numerator_term = 0, denominator_term = -1;
  double denominator_constant = 1;  ///< for a sum: 1; for retention: the solved grid's renewal weight
  bool at_most = true;
  double limit = 0;         ///< in the quantity's units, as solved
  double multiplier = 0;    ///< λ, profit per unit of the constraint's row
  double shadow_price = 0;  ///< profit per business unit (a percentage point of LR, a unit of the column, …)
  std::string shadow_price_unit;
};

/// The rule's answer for one policy of a grid.
struct GridPricedPolicy {
  size_t row = static_cast<size_t>(-1);  ///< the chosen row, an index into the grid's rows
  int64_t candidates = 0;                ///< rows the caps kept
  bool tie = false;                      ///< the runner-up is as good to round-off: the choice is not unique
  bool bound_conflict = false;           ///< the ENBP cap left nothing within the rate-change cap; the ENBP won
  bool caps_failed = false;  ///< the caps could not be applied (a baseline or enbp missing; nothing under the ENBP)
};

/// How many policies of the solved grid the rule gives back as the solve chose them.
struct GridReproduction {
  int64_t policies = 0, reproduced = 0;
  int64_t split = 0;     ///< the relaxation mixed candidates there (result.json's n_split)
  int64_t ties = 0;      ///< not split; the rule's best and runner-up tie
  int64_t rechosen = 0;  ///< neither; the integer repair (or branch and bound) chose another candidate
  int64_t not_reproduced() const { return split + ties + rechosen; }
};

class GridPricingRule {
 public:
  static constexpr int kSchemaVersion = 1;

  /// The rule of a finished grid solve; solved_grid as solve_grid left it (caps applied).  InputError when
  /// the solve has no multipliers (an infeasible grid).
  static GridPricingRule from_solve(const GridBook& solved_grid, const GridOptions& options, const GridResult& result);
  /// Read a rule file; an optimise rule, a different schema version, a missing field or a wrong type is an
  /// InputError naming the file and the field (exit code 2).
  static GridPricingRule load(const std::string& path);
  static GridPricingRule parse(const std::string& json_text, const std::string& source);
  std::string to_json() const;
  /// Write to_json() to path atomically (temporary file, then rename).
  void save(const std::string& path) const;

  /// Policy i of `grid` (raw, caps not applied): its candidates within the caps, as the solve caps them, and
  /// the one maximising ω·φ by the solve's own argmax.  No allocation, no I/O.
  GridPricedPolicy price_policy(const GridBook& grid, size_t i) const noexcept;
  /// InputError "FILE: column C is missing; the pricing rule needs it (…)" when the grid lacks a column the
  /// rule prices with (a constrained column; baseline under max_rate_change; enbp under enbp_buffer).
  void check_columns(const GridBook& grid) const;

  /// The numeric columns the quotes must carry besides the grid's own (the constrained columns, in term order).
  const std::vector<std::string>& constrained_columns() const { return constrained_columns_; }
  const std::vector<double>& term_prices() const { return term_prices_; }
  const std::vector<GridRuleConstraint>& constraints() const { return constraints_; }
  const std::optional<double>& max_rate_change() const { return max_rate_change_; }
  const std::optional<double>& enbp_buffer() const { return enbp_buffer_; }
  double solved_total_weight() const { return total_weight_; }
  double solved_renewal_weight() const { return renewal_weight_; }
  const GridReproduction& reproduction() const { return reproduction_; }
  const std::string& grid_sha256() const { return grid_sha256_; }
  SolveStatus solve_status() const { return solve_status_; }

 private:
  std::vector<double> term_prices_;
  std::vector<std::string> constrained_columns_;
  std::vector<GridRuleConstraint> constraints_;
  std::optional<double> max_rate_change_, enbp_buffer_;
  double total_weight_ = 0, renewal_weight_ = 0;
  GridReproduction reproduction_;
  SolveStatus solve_status_ = SolveStatus::converged;
  std::string method_, grid_file_, grid_sha256_, rateopt_version_;
  int64_t solved_candidates_ = 0;
};

/// What `rateopt price --grid` reports of a batch.
struct GridBatchReport {
  int64_t n_policies = 0, n_renewals = 0, n_candidates = 0, n_candidates_kept = 0, n_ties = 0, n_bound_conflicts = 0;
  double profit = 0, gwp = 0, claims = 0, loss_ratio = 0, volume = 0;
  double retention = 0;                      ///< NaN without renewals
  std::vector<BatchConstraint> constraints;  ///< sum limits pro rata to the batch's weight
  std::vector<std::string> warnings;
};

/// Price a grid CSV with the rule, a chunk of policies at a time (options.chunk_rows policies): the rows of
/// priced.csv (policy_id, step, premium, demand, expected_loss_cost, contribution, rate_change_pct,
/// candidates; header first) handed to write_priced chunk by chunk, the batch report returned.  A column the
/// rule needs and the grid lacks, or a bad row, is an InputError naming it (the caller discards the output).
GridBatchReport price_grid_file(const GridPricingRule& rule, const std::string& grid_path,
                                const std::function<void(std::string_view)>& write_priced, const PriceOptions& options);

/// The same for a grid in memory (grid_from_arrays, read_grid_csv): `priced[i]` is policy i's answer (its row
/// an index into the grid's rows).  The same InputErrors.
GridBatchReport price_grid_book(const GridPricingRule& rule, const GridBook& grid,
                                std::vector<GridPricedPolicy>& priced, const PriceOptions& options);

/// The report as one JSON object (price_summary.json) and as a few lines for the terminal.
std::string grid_batch_report_json(const GridPricingRule& rule, const GridBatchReport& report);
std::string grid_batch_report_text(const GridBatchReport& report);

/// "grid" or "optimise": which rule a rule file holds (a file without "kind" is an optimise rule).
std::string pricing_rule_kind(const std::string& json_text, const std::string& source);

}  // namespace rateopt
