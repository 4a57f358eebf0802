// The grid solve's problem: the caps applied to the grid, and each constraint as a linear row over the
// term sums S (math/grid_math.hpp): Σ_t coef_t·S_t ≤ rhs.
#pragma once

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

/// The term sums of a choice (per policy, a row).
std::vector<double> grid_choice_sums(const GridBook& grid, int terms, const std::vector<int32_t>& choice);

}  // namespace rateopt
