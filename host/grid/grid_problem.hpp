// The grid solve's problem: the caps applied to the grid, and each constraint as a linear row over the
// term sums S (math/grid_math.hpp): Σ_t coef_t·S_t ≤ rhs.
#pragma once

#include <cmath>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "rateopt/grid.hpp"

namespace rateopt {

/// One constraint.  Its quantity is S[num] / den, den = S[den_term] (a ratio of sums) or den_constant
/// (1 for a sum, Σ_R w for retention); "at most" rows are num − limit·den ≤ 0, "at least" rows the negative.
struct GridRow {
  GridConstraintKind kind = GridConstraintKind::lr_max;
  std::string name;
  int num = 0;
  int den_term = -1;
  double den_constant = 1;
  bool at_most = true;
  double limit = 0;
  double unit = 1;  ///< shadow prices per this much of the quantity (0.01: a percentage point)
  std::string unit_name;
  std::vector<double> coef;  ///< over the terms
  double rhs = 0;
  double scale = 1;  ///< magnitude of the row, to normalise it

  double quantity(const std::vector<double>& S) const;
  /// Row value minus rhs·rhs_share (≤ 0 when the constraint holds; rhs_share < 1 for a sample).
  double excess(const std::vector<double>& S, double rhs_share = 1.0) const;
  /// The constraint at S with multiplier λ (profit per unit of the row).
  GridConstraintReport report(const std::vector<double>& S, double lambda, double tolerance) const;
  /// Holds to the relative tolerance of its own limit.
  bool holds(const std::vector<double>& S, double tolerance) const;
  /// The row with its limit moved out by what holds() allows: a choice meets it as written exactly when
  /// holds(tolerance) accepts it (ratios: with a positive denominator).
  GridRow loosened(double tolerance) const;
};

struct GridProblem {
  int terms = 0;
  std::vector<GridRow> rows;
  double renewal_weight = 0;
  int64_t renewals = 0;
};

/// Removes the candidates the caps exclude (counts into result) and builds the constraint rows.  InputError
/// for what the grid cannot support: a baseline or enbp missing where needed, a renewal left with no
/// candidate, a constraint naming an unknown column.
GridProblem prepare_grid_problem(GridBook& grid, const GridOptions& options, GridResult& result);

/// The premiums the caps let policy i be offered: premium within [low, high].
struct CandidateBand {
  enum class Problem { none, no_baseline, no_enbp, nothing_under_enbp };
  double low = 0, high = INFINITY;
  double enbp_cap = INFINITY;  ///< enbp·(1−buffer) of a renewal with an enbp
  bool conflict = false;       ///< nothing met both caps: the ENBP won, only its highest candidate under it kept
  Problem problem = Problem::none;
  bool keeps(double premium) const { return premium >= low && premium <= high; }
};
/// The caps of the grid solve for policy i (max_rate_change against its baseline row; the ENBP cap on
/// renewals with an enbp, with the buffer): the one rule the solve and the pricing rule apply.  No allocation.
CandidateBand candidate_band(const GridBook& grid, size_t i, const std::optional<double>& max_rate_change,
                             const std::optional<double>& enbp_buffer);
/// "file:line: policy "P" has no baseline row …" for a band with a problem.
std::string band_problem_text(const GridBook& grid, size_t i, const CandidateBand& band);

/// solve_grid's dual alone: the multipliers (with their units, term prices and status, or the proof of
/// infeasibility), no choice.
GridResult solve_grid_multipliers(GridBook& grid, const GridOptions& options);

/// Multipliers λ (profit per unit of each constraint row) and what one of the solver's normalised units is
/// worth in each (GridResult::multiplier_units).
struct GridMultipliers {
  std::vector<double> lambda, units;
};
/// read_and_solve_grid's reads and solves from a box around `start` instead of the sample's (nullopt: the
/// whole grid).  `sha256`: the file's digest, computed already or under way (invalid: computed here).
GridResult read_and_solve_grid_from(const std::string& path, const GridOptions& options,
                                    const std::optional<GridMultipliers>& start, GridBook& grid,
                                    std::shared_future<std::string> sha256 = {});

/// The term sums of a choice (per policy, a row).
std::vector<double> grid_choice_sums(const GridBook& grid, int terms, const std::vector<int32_t>& choice);

}  // namespace rateopt
